package booking

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/askproai/askpro/internal/logging"
	"github.com/askproai/askpro/internal/sanitize"
	"github.com/askproai/askpro/pkg/metrics"
	"github.com/askproai/askpro/pkg/phone"
	"github.com/askproai/askpro/pkg/store"
	"github.com/askproai/askpro/pkg/tenant"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/singleflight"
)

// Routes [Functions] serves (DESIGN "What processing does"; the Retell
// fixtures README, sections 1 and 3).
const (
	// FunctionsPattern is the route of the agent's custom functions.
	FunctionsPattern = "POST /retell/functions/{name}"
	// InboundPattern is the route of Retell's inbound call webhook.
	InboundPattern = "POST /retell/inbound"
)

// DefaultMaxFunctionBody is the default FunctionsConfig.MaxBodyBytes: a
// function call carries the call's transcript so far, word timings
// included, for up to ten minutes of talk.
const DefaultMaxFunctionBody = 4 << 20

// DefaultBudgets returns the default time each function has to answer,
// well inside the tool timeouts pkg/provision gives the agent (10, 20, 15
// and 20 s): check_availability 8 s, book_appointment 15 s,
// cancel_appointment 12 s, reschedule_appointment 15 s. A function without
// a budget gets [DefaultBudget].
func DefaultBudgets() map[string]time.Duration {
	return map[string]time.Duration{
		FuncCheckAvailability:     8 * time.Second,
		FuncBookAppointment:       15 * time.Second,
		FuncCancelAppointment:     12 * time.Second,
		FuncRescheduleAppointment: 15 * time.Second,
	}
}

// DefaultBudget is the budget of a function DefaultBudgets does not name.
const DefaultBudget = 8 * time.Second

// Verifier checks the signature of a request over its raw body
// (*webhook.Retell: X-Retell-Signature, the Retell fixtures README section
// 2). Errors mean the request is not Retell's.
type Verifier interface {
	Verify(h http.Header, body []byte) error
}

// FunctionsConfig configures [NewFunctions].
type FunctionsConfig struct {
	// Store resolves branches, companies and customers and records each
	// function call once (store.FunctionCalls). Required.
	Store *store.Store
	// Verifier checks X-Retell-Signature on the raw body. Required.
	Verifier Verifier
	// Functions serve POST /retell/functions/{name} by name. A name that
	// is not here answers 404; nil serves none.
	Functions map[string]Function
	// Budgets bounds how long each function may take before the caller
	// hears the fallback answer, by name. Names it leaves out get
	// DefaultBudgets()' value, or DefaultBudget.
	Budgets map[string]time.Duration
	// LeaseGrace is added to a function's budget to make the lease of its
	// function_calls row: a repeat takes a row over only after its
	// process has had its budget and this grace to finish. Defaults to 10 s.
	LeaseGrace time.Duration
	// MaxBodyBytes bounds a request body (413 beyond). Defaults to
	// DefaultMaxFunctionBody.
	MaxBodyBytes int64
	// CacheTTL bounds how long a branch (by number), its company and its
	// opening hours are remembered in the process. Defaults to 5 s;
	// negative disables the cache. Only hits are cached.
	CacheTTL time.Duration
	// PhoneRegion is the region of numbers written without a country code.
	// Defaults to "DE".
	PhoneRegion string
	// Logger receives a line per refused request and per fallback answer,
	// with the request's context. Nil discards.
	Logger *slog.Logger
	// Now is the clock of Call.Received, the caches and the inbound
	// webhook's "today". Defaults to time.Now. Budgets run on real time.
	Now func() time.Time
	// Registerer takes the metrics: askproai_function_duration_seconds
	// {name,status} and askproai_function_calls_total{name,outcome}. Nil
	// registers none.
	Registerer prometheus.Registerer
}

// Functions serves the agent's custom functions at [FunctionsPattern] and
// the inbound call webhook at [InboundPattern]. It is an http.Handler and
// safe for concurrent use; several processes on one database serve one
// call exactly once between them.
//
// A function call is answered, in order: 413 for a body over the limit,
// 401 without a valid signature, 404 for an unknown function, 400 for a
// body that is not the documented JSON; else 200 with an [Answer]. The
// branch is the call's to_number and the caller its from_number. A repeat
// of a call (same call id, function and canonical arguments), sent again
// or at the same time, from this process or another, does not run the
// function again: it waits for the first run's answer and gets it byte for
// byte. A function that has not answered within its budget is answered
// with a polite German fallback (a call back, or a person when the branch
// has a transfer number) that is not kept: the function runs on to its
// deadline and what it then answers is the call's answer. An answer with
// status [StatusUnavailable] (nothing was done) is not kept either, so a
// repeat tries again; a function's error is answered with the fallback
// and kept as the call's (failed) answer.
type Functions struct {
	st       *store.Store
	verify   Verifier
	fns      map[string]Function
	budgets  map[string]time.Duration
	grace    time.Duration
	maxBody  int64
	ttl      time.Duration
	region   string
	log      *slog.Logger
	now      func() time.Time
	mux      *http.ServeMux
	metrics  *functionMetrics
	branches cache[string, resolved]
	hours    cache[int64, []store.Hours]

	// flight shares one run of a read-only function between concurrent
	// repeats; records bounds the answers being recorded in the
	// background (full: an answer is not recorded, and a repeat runs the
	// function again).
	flight  singleflight.Group
	records chan struct{}

	// onWait and onFinish, when set (tests), are called when a repeat
	// starts waiting for the first run's answer (for a read-only function:
	// when any request has joined the shared run), and when a run has
	// recorded (or released, or given up recording) its answer.
	onWait, onFinish func()
}

type resolved struct {
	branch  store.Branch
	company store.Company
}

// NewFunctions validates cfg and returns the handler. Errors: a missing
// Store or Verifier, a nil Function, a budget <= 0, metrics that are
// already registered.
func NewFunctions(cfg FunctionsConfig) (*Functions, error) {
	if cfg.Store == nil {
		return nil, errors.New("booking: FunctionsConfig.Store is required")
	}
	if cfg.Verifier == nil {
		return nil, errors.New("booking: FunctionsConfig.Verifier is required")
	}
	f := &Functions{st: cfg.Store, verify: cfg.Verifier, fns: map[string]Function{}, budgets: DefaultBudgets(),
		grace: cfg.LeaseGrace, maxBody: cfg.MaxBodyBytes, ttl: cfg.CacheTTL, region: cfg.PhoneRegion, log: cfg.Logger, now: cfg.Now}
	for name, fn := range cfg.Functions {
		if fn == nil {
			return nil, fmt.Errorf("booking: function %q is nil", name)
		}
		f.fns[name] = fn
	}
	for name, d := range cfg.Budgets {
		if d <= 0 {
			return nil, fmt.Errorf("booking: budget of %q is %v, want > 0", name, d)
		}
		f.budgets[name] = d
	}
	if f.grace <= 0 {
		f.grace = 10 * time.Second
	}
	if f.maxBody <= 0 {
		f.maxBody = DefaultMaxFunctionBody
	}
	if f.ttl == 0 {
		f.ttl = 5 * time.Second
	}
	if f.region == "" {
		f.region = "DE"
	}
	if f.log == nil {
		f.log = slog.New(slog.DiscardHandler)
	}
	if f.now == nil {
		f.now = time.Now
	}
	var err error
	if f.metrics, err = newFunctionMetrics(cfg.Registerer); err != nil {
		return nil, err
	}
	f.records = make(chan struct{}, maxBackgroundRecords)
	f.mux = http.NewServeMux()
	f.mux.HandleFunc(FunctionsPattern, f.serveFunction)
	f.mux.HandleFunc(InboundPattern, f.serveInbound)
	return f, nil
}

// ServeHTTP serves [FunctionsPattern] and [InboundPattern]; anything else
// is 404 (405 for another method).
func (f *Functions) ServeHTTP(w http.ResponseWriter, r *http.Request) { f.mux.ServeHTTP(w, r) }

// Budget returns the budget of the named function.
func (f *Functions) Budget(name string) time.Duration {
	if d, ok := f.budgets[name]; ok {
		return d
	}
	return DefaultBudget
}

// functionBody is what Retell POSTs to a custom function (fixtures README
// section 3): the function's name, the call object and the arguments.
type functionBody struct {
	Name string          `json:"name"`
	Call retellCallRef   `json:"call"`
	Args json.RawMessage `json:"args"`
}

// retellCallRef is the part of Retell's call object the routes use.
type retellCallRef struct {
	CallID     string `json:"call_id"`
	FromNumber string `json:"from_number"`
	ToNumber   string `json:"to_number"`
}

// Outcomes of a function request (askproai_function_calls_total).
const (
	outcomeRan      = "ran"       // this request ran the function
	outcomeRepeat   = "repeat"    // answered with an earlier run's answer
	outcomeTimeout  = "timeout"   // the fallback: the budget ran out
	outcomeError    = "error"     // the fallback: the function or the database failed
	outcomeNoBranch = "no_branch" // no active branch has the call's number
	outcomeConflict = "conflict"  // the call id is another company's
)

func (f *Functions) serveFunction(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	name := r.PathValue("name")
	body, ok := f.readVerified(w, r)
	if !ok {
		return
	}
	fn, ok := f.fns[name]
	if !ok {
		writeError(w, http.StatusNotFound, "unknown function "+quoteName(name))
		return
	}
	var in functionBody
	if err := json.Unmarshal(body, &in); err != nil {
		writeError(w, http.StatusBadRequest, "body is not a Retell function call: "+err.Error())
		return
	}
	if in.Name != "" && in.Name != name {
		writeError(w, http.StatusBadRequest, "body names function "+quoteName(in.Name)+", the path "+quoteName(name))
		return
	}
	if in.Call.CallID == "" || len(in.Call.CallID) > 128 {
		writeError(w, http.StatusBadRequest, "call.call_id is required (at most 128 bytes)")
		return
	}
	args, canon, err := canonicalArgs(in.Args)
	if err != nil {
		writeError(w, http.StatusBadRequest, "args: "+err.Error())
		return
	}
	sum := sha256.Sum256(canon)

	ctx := r.Context()
	budget := f.Budget(name)
	deadline := start.Add(budget)
	res, ok, err := f.resolve(ctx, in.Call.ToNumber)
	numbers := []slog.Attr{logging.Phone("from_number", in.Call.FromNumber), logging.Phone("to_number", in.Call.ToNumber)}
	if err != nil {
		logging.LogStep(ctx, f.log, slog.LevelError, logging.Step{Function: name, Step: "resolve_branch", Outcome: outcomeError,
			Duration: time.Since(start)}, slog.String("call_id", in.Call.CallID), numbers[1], slog.String("error", err.Error()))
		f.answer(ctx, w, name, in.Call.CallID, 0, start, outcomeError, fallbackAnswer(fallbackError, store.Branch{}), numbers...)
		return
	}
	if !ok {
		// No active branch has the called number.
		logging.LogStep(ctx, f.log, slog.LevelWarn, logging.Step{Function: name, Step: "resolve_branch", Outcome: outcomeNoBranch,
			Duration: time.Since(start)}, slog.String("call_id", in.Call.CallID), numbers[1])
		f.answer(ctx, w, name, in.Call.CallID, 0, start, outcomeNoBranch, noBranchAnswer(), numbers...)
		return
	}
	call := Call{CallID: in.Call.CallID, Name: name, Company: res.company, Branch: res.branch,
		Caller: phone.Number(f.normalize(in.Call.FromNumber)), Args: args, Received: f.now()}
	ctx = tenant.WithCompany(ctx, res.company.ID)
	key := store.FunctionCallKey{CallID: call.CallID, Name: name, ArgsHash: hex.EncodeToString(sum[:])}
	var (
		out     json.RawMessage
		outcome string
	)
	if ro, ok := fn.(readOnly); ok {
		out, outcome = f.onceReadOnly(ctx, ro, call, key, deadline)
	} else {
		out, outcome = f.once(ctx, fn, call, key, deadline, budget)
	}
	if outcome == outcomeConflict {
		logging.LogSecurity(ctx, f.log, "security: booking: function call id belongs to another company",
			logging.RequestEvent(r, "call id of another company"), slog.String("function", name),
			slog.String("call_id", call.CallID), slog.Int64("company_id", call.Company.ID))
	}
	f.answer(ctx, w, name, call.CallID, call.Branch.ID, start, outcome, out, numbers...)
}

// maxBackgroundRecords bounds the answers of read-only functions being
// recorded at once.
const maxBackgroundRecords = 256

// onceReadOnly serves a function that changes nothing (see [ReadOnly]):
// the recorded answer of the call when there is one, else one run shared
// by this process's concurrent repeats, whose answer is recorded after it
// is sent.
func (f *Functions) onceReadOnly(ctx context.Context, fn readOnly, call Call, key store.FunctionCallKey, deadline time.Time) (json.RawMessage, string) {
	wctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	row, err := f.st.FunctionCalls.Find(wctx, key)
	switch {
	case err == nil && row.Status != store.FunctionCallRunning:
		return row.Result, outcomeRepeat
	case errors.Is(err, store.ErrConflict):
		// serveFunction logs the security event.
		return fallbackAnswer(fallbackError, call.Branch), outcomeConflict
	case err != nil && !errors.Is(err, store.ErrNotFound):
		// The answer can still be given: the function changes nothing.
		f.step(ctx, slog.LevelWarn, call, "find", outcomeError, 0, slog.String("error", err.Error()))
	}
	type shared struct {
		body    json.RawMessage
		outcome string
	}
	led := false // set by the run only when this request's closure is the one run
	ch := f.flight.DoChan(key.CallID+"\x00"+key.Name+"\x00"+key.ArgsHash, func() (any, error) {
		led = true
		// The run serves every request that joins it: the first one
		// going away (its caller hung up) does not end it; the deadline
		// does.
		rctx, cancel := context.WithDeadline(context.WithoutCancel(ctx), deadline)
		defer cancel()
		began := time.Now()
		ans, err := serveSafely(rctx, fn.Function, call)
		took := time.Since(began)
		switch {
		case err != nil && (errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)):
			f.step(ctx, slog.LevelWarn, call, "run", outcomeTimeout, took, slog.String("error", err.Error()))
			return shared{body: fallbackAnswer(fallbackTimeout, call.Branch), outcome: outcomeTimeout}, nil
		case err != nil:
			f.step(ctx, slog.LevelError, call, "run", outcomeError, took, slog.String("error", err.Error()))
			return shared{body: fallbackAnswer(fallbackError, call.Branch), outcome: outcomeError}, nil
		}
		body, err := json.Marshal(ans)
		if err != nil {
			f.step(ctx, slog.LevelError, call, "run", outcomeError, took, slog.String("error", "encode answer: "+err.Error()))
			return shared{body: fallbackAnswer(fallbackError, call.Branch), outcome: outcomeError}, nil
		}
		f.step(ctx, slog.LevelDebug, call, "run", outcomeRan, took, slog.String("status", ans.Status))
		if ans.Status != StatusUnavailable {
			f.recordLater(ctx, call, key, body)
		}
		return shared{body: body, outcome: outcomeRan}, nil
	})
	if f.onWait != nil {
		f.onWait() // this request has joined the run (its first, or a repeat)
	}
	var res singleflight.Result
	select {
	case res = <-ch:
	case <-wctx.Done():
		return f.timedOut(ctx, call), outcomeTimeout
	}
	sh := res.Val.(shared)
	if !led && sh.outcome == outcomeRan {
		sh.outcome = outcomeRepeat
	}
	return sh.body, sh.outcome
}

// recordLater records a read-only function's answer in the background, so
// that later repeats get it; when maxBackgroundRecords are being recorded
// already it is not recorded (a repeat runs the function again).
func (f *Functions) recordLater(ctx context.Context, call Call, key store.FunctionCallKey, body json.RawMessage) {
	select {
	case f.records <- struct{}{}:
	default:
		f.step(ctx, slog.LevelWarn, call, "record", outcomeError, 0, slog.String("error", "too many answers being recorded"))
		if f.onFinish != nil {
			f.onFinish()
		}
		return
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	go func() {
		defer func() { <-f.records }()
		defer cancel()
		if _, _, err := f.st.FunctionCalls.Record(rctx, key, store.FunctionCallDone, body); err != nil {
			// A repeat runs the function again.
			f.step(rctx, slog.LevelWarn, call, "record", outcomeError, 0, slog.String("error", err.Error()))
		}
		if f.onFinish != nil {
			f.onFinish()
		}
	}()
}

// once runs the call's function exactly once across every request and
// process, and returns the answer this request gives (JSON) and how.
func (f *Functions) once(ctx context.Context, fn Function, call Call, key store.FunctionCallKey, deadline time.Time, budget time.Duration) (json.RawMessage, string) {
	wctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	lease := budget + f.grace
	waited := false
	for {
		row, claimed, err := f.st.FunctionCalls.Claim(wctx, key, lease)
		switch {
		case errors.Is(err, store.ErrConflict):
			// serveFunction logs the security event.
			return fallbackAnswer(fallbackError, call.Branch), outcomeConflict
		case err != nil && wctx.Err() != nil:
			return f.timedOut(ctx, call), outcomeTimeout
		case err != nil:
			f.step(ctx, slog.LevelError, call, "claim", outcomeError, 0, slog.String("error", err.Error()))
			return fallbackAnswer(fallbackError, call.Branch), outcomeError
		case claimed:
			return f.run(ctx, wctx, fn, call, row, deadline)
		case row.Status != store.FunctionCallRunning:
			return row.Result, outcomeRepeat
		}
		if !waited && f.onWait != nil {
			f.onWait()
		}
		waited = true
		done, gone, err := f.wait(wctx, row.ID)
		switch {
		case err != nil && wctx.Err() != nil:
			return f.timedOut(ctx, call), outcomeTimeout
		case err != nil:
			f.step(ctx, slog.LevelError, call, "wait", outcomeError, 0, slog.String("error", err.Error()))
			return fallbackAnswer(fallbackError, call.Branch), outcomeError
		case gone:
			continue // released, or its lease expired: claim again
		default:
			return done.Result, outcomeRepeat
		}
	}
}

// wait re-reads a running row until it is finished (done), released or
// its lease expired (gone), or ctx ends. It polls every 25 ms at first,
// backing off to 200 ms.
func (f *Functions) wait(ctx context.Context, id int64) (row store.FunctionCall, gone bool, err error) {
	delay := 25 * time.Millisecond
	t := time.NewTimer(delay)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return store.FunctionCall{}, false, ctx.Err()
		case <-t.C:
		}
		row, err := f.st.FunctionCalls.Get(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return store.FunctionCall{}, true, nil
		}
		if err != nil {
			return store.FunctionCall{}, false, err
		}
		if row.Status != store.FunctionCallRunning {
			return row, false, nil
		}
		if row.Expired(f.now()) {
			return store.FunctionCall{}, true, nil
		}
		delay = min(delay*2, 200*time.Millisecond)
		t.Reset(delay)
	}
}

type runResult struct {
	answer  json.RawMessage
	outcome string
}

// run serves a claimed call: the function runs under the deadline, in a
// goroutine that outlives this request if it must, and records its answer
// (or releases the row) when it returns. This request answers what it
// recorded, or the fallback when wctx ends first.
func (f *Functions) run(ctx, wctx context.Context, fn Function, call Call, row store.FunctionCall, deadline time.Time) (json.RawMessage, string) {
	done := make(chan runResult, 1)
	fctx, fcancel := context.WithDeadline(context.WithoutCancel(ctx), deadline)
	go func() {
		defer fcancel()
		began := time.Now()
		ans, err := serveSafely(fctx, fn, call)
		done <- f.finish(context.WithoutCancel(ctx), call, row, ans, err, time.Since(began))
		if f.onFinish != nil {
			f.onFinish()
		}
	}()
	select {
	case res := <-done:
		return res.answer, res.outcome
	case <-wctx.Done():
		return f.timedOut(ctx, call), outcomeTimeout
	}
}

// finish records what a function returned: a kept answer (done), an
// error's fallback (failed), or, for an answer that must not be kept (the
// function ran out of time, or said nothing was done), a release. took is
// how long the function ran.
func (f *Functions) finish(ctx context.Context, call Call, row store.FunctionCall, ans Answer, err error, took time.Duration) runResult {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	status, outcome := store.FunctionCallDone, outcomeRan
	var body json.RawMessage
	if err == nil {
		if body, err = json.Marshal(ans); err != nil {
			err = fmt.Errorf("encode answer: %w", err)
		}
	}
	release := false
	switch {
	case err != nil && (errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)):
		f.step(ctx, slog.LevelWarn, call, "run", outcomeTimeout, took, slog.String("error", err.Error()))
		body, outcome, release = fallbackAnswer(fallbackTimeout, call.Branch), outcomeTimeout, true
	case err != nil:
		f.step(ctx, slog.LevelError, call, "run", outcomeError, took, slog.String("error", err.Error()))
		body, status, outcome = fallbackAnswer(fallbackError, call.Branch), store.FunctionCallFailed, outcomeError
	case ans.Status == StatusUnavailable:
		f.step(ctx, slog.LevelDebug, call, "run", outcomeRan, took, slog.String("status", ans.Status))
		release = true
	default:
		f.step(ctx, slog.LevelDebug, call, "run", outcomeRan, took, slog.String("status", ans.Status))
	}
	if release {
		if rerr := f.st.FunctionCalls.Release(ctx, row.ID); rerr != nil {
			// A repeat waits for the lease.
			f.step(ctx, slog.LevelError, call, "release", outcomeError, 0, slog.String("error", rerr.Error()))
		}
		return runResult{answer: body, outcome: outcome}
	}
	stored, cerr := f.st.FunctionCalls.Complete(ctx, row.ID, status, body)
	if cerr != nil {
		f.step(ctx, slog.LevelError, call, "record", outcomeError, 0, slog.String("error", cerr.Error()))
		return runResult{answer: body, outcome: outcome}
	}
	if stored.Status == store.FunctionCallRunning || len(stored.Result) == 0 {
		return runResult{answer: body, outcome: outcome}
	}
	// Every request answers the stored bytes: the database's JSON type may
	// re-render what was written, and repeats read it from there.
	return runResult{answer: stored.Result, outcome: outcome}
}

// timedOut logs a fallback for a call that ran out of budget.
func (f *Functions) timedOut(ctx context.Context, call Call) json.RawMessage {
	f.step(ctx, slog.LevelWarn, call, "budget", outcomeTimeout, f.Budget(call.Name),
		slog.String("budget", f.Budget(call.Name).String()))
	return fallbackAnswer(fallbackTimeout, call.Branch)
}

// step logs a "booking step" line of call (logging.LogStep) with its call
// id, then attrs.
func (f *Functions) step(ctx context.Context, level slog.Level, call Call, step, outcome string, took time.Duration, attrs ...slog.Attr) {
	logging.LogStep(ctx, f.log, level, logging.Step{Function: call.Name, Step: step, BranchID: call.Branch.ID, Outcome: outcome,
		Duration: took}, append([]slog.Attr{slog.String("call_id", call.CallID)}, attrs...)...)
}

// serveSafely calls fn, turning a panic into an error.
func serveSafely(ctx context.Context, fn Function, c Call) (ans Answer, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("function %s panicked: %v", c.Name, p)
		}
	}()
	return fn.Serve(ctx, c)
}

// answer writes a function's answer, counts it and logs its "answer"
// step (branchID 0: not resolved) with attrs (the call's numbers, masked).
func (f *Functions) answer(ctx context.Context, w http.ResponseWriter, name, callID string, branchID int64, start time.Time, outcome string,
	body json.RawMessage, attrs ...slog.Attr) {
	var probe struct {
		Status string `json:"status"`
	}
	_ = json.Unmarshal(body, &probe)
	took := time.Since(start)
	f.metrics.observe(name, probe.Status, outcome, took)
	logging.LogStep(ctx, f.log, slog.LevelInfo, logging.Step{Function: name, Step: "answer", BranchID: branchID, Outcome: outcome,
		Duration: took}, append([]slog.Attr{slog.String("call_id", callID), slog.String("status", probe.Status)}, attrs...)...)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

// readVerified reads the body (413 over the limit) and verifies its
// signature (401). ok=false means the answer is written.
func (f *Functions) readVerified(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, f.maxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("body over %d bytes", f.maxBody))
			return nil, false
		}
		writeError(w, http.StatusBadRequest, "read body: "+err.Error())
		return nil, false
	}
	if err := f.verify.Verify(r.Header, body); err != nil {
		logging.LogSecurity(r.Context(), f.log, "security: booking: retell request with a bad signature refused",
			logging.RequestEvent(r, "bad signature"), slog.String("path", sanitize.Log(r.URL.Path)), slog.String("error", err.Error()))
		f.metrics.unauthorized.Inc()
		writeError(w, http.StatusUnauthorized, "invalid or missing X-Retell-Signature")
		return nil, false
	}
	return body, true
}

// resolve finds the active branch with the number and its active company.
func (f *Functions) resolve(ctx context.Context, number string) (resolved, bool, error) {
	num := f.normalize(number)
	if num == "" {
		return resolved{}, false, nil
	}
	if res, ok := f.branches.get(num, f.now()); ok {
		return res, res.company.IsActive, nil
	}
	sys := tenant.System(ctx)
	b, err := f.st.Branches.FindByPhone(sys, num)
	if errors.Is(err, store.ErrNotFound) {
		return resolved{}, false, nil
	}
	if err != nil {
		return resolved{}, false, err
	}
	c, err := f.st.Companies.Get(sys, b.CompanyID)
	if err != nil {
		return resolved{}, false, err
	}
	res := resolved{branch: b, company: c}
	f.branches.put(num, res, f.now().Add(f.ttl), f.ttl > 0)
	return res, c.IsActive, nil
}

// normalize returns the E.164 form of a number, or "" when there is none
// or it is not valid.
func (f *Functions) normalize(n string) string {
	n = strings.TrimSpace(n)
	if n == "" {
		return ""
	}
	e, err := phone.Normalize(n, f.region)
	if err != nil {
		return ""
	}
	return e
}

// canonicalArgs returns the arguments as sent ({} when absent or null) and
// their canonical form: decoded and encoded again, object keys sorted, no
// whitespace, numbers as written. Anything but an object is an error.
func canonicalArgs(raw json.RawMessage) (json.RawMessage, []byte, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return json.RawMessage("{}"), []byte("{}"), nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, nil, err
	}
	if _, ok := v.(map[string]any); !ok {
		return nil, nil, errors.New("must be a JSON object")
	}
	canon, err := json.Marshal(v)
	if err != nil {
		return nil, nil, err
	}
	return raw, canon, nil
}

// Kinds of fallback answers.
const (
	fallbackTimeout = iota
	fallbackError
)

// fallbackAnswer is the polite German answer for a function that could not
// answer: it offers a call back, and a person when the branch has a
// transfer number. It is always valid JSON.
func fallbackAnswer(kind int, b store.Branch) json.RawMessage {
	text := "Entschuldigung, das dauert gerade zu lange."
	if kind == fallbackError {
		text = "Entschuldigung, das hat gerade leider nicht geklappt."
	}
	transfer := b.TransferNumber != ""
	if transfer {
		text += " Ich kann Sie gern mit einer Mitarbeiterin oder einem Mitarbeiter verbinden, oder wir rufen Sie zurück. Was ist Ihnen lieber?"
	} else {
		text += " Wir rufen Sie gern zurück, sobald es wieder geht. Ist das in Ordnung?"
	}
	body, _ := json.Marshal(Answer{Result: text, Status: StatusUnavailable,
		Data: map[string]bool{"offer_callback": true, "offer_transfer": transfer}})
	return body
}

// noBranchAnswer answers a call to a number no active branch has.
func noBranchAnswer() json.RawMessage {
	body, _ := json.Marshal(Answer{Status: StatusNotFound,
		Result: "Entschuldigung, für diese Rufnummer kann ich gerade leider keine Termine bearbeiten. Bitte versuchen Sie es später noch einmal."})
	return body
}

// writeError answers a refused request with {"error": msg}.
func writeError(w http.ResponseWriter, status int, msg string) {
	body, _ := json.Marshal(map[string]string{"error": msg})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// quoteName quotes a name from a request, cut short.
func quoteName(s string) string {
	if len(s) > 64 {
		s = s[:64]
	}
	return fmt.Sprintf("%q", s)
}

// functionMetrics are the routes' collectors; the zero value (no
// Registerer) counts nothing.
type functionMetrics struct {
	duration     *prometheus.HistogramVec
	calls        *prometheus.CounterVec
	unauthorized prometheus.Counter
}

func newFunctionMetrics(reg prometheus.Registerer) (*functionMetrics, error) {
	m := &functionMetrics{
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: metrics.Namespace, Name: "function_duration_seconds",
			Help:    "Time to answer a Retell custom function, by function and answer status.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 20}}, []string{"name", "status"}),
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: metrics.Namespace, Name: "function_calls_total",
			Help: "Retell custom-function requests answered, by function and outcome (ran, repeat, timeout, error, no_branch, conflict)."},
			[]string{"name", "outcome"}),
		unauthorized: prometheus.NewCounter(prometheus.CounterOpts{Namespace: metrics.Namespace, Name: "function_signature_failures_total",
			Help: "Requests to /retell/functions and /retell/inbound refused for their signature."}),
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.duration, m.calls, m.unauthorized} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("booking: register function metrics: %w", err)
		}
	}
	return m, nil
}

func (m *functionMetrics) observe(name, status, outcome string, took time.Duration) {
	m.duration.WithLabelValues(name, status).Observe(took.Seconds())
	m.calls.WithLabelValues(name, outcome).Inc()
}
