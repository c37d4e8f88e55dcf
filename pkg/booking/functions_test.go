package booking_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/askproai/askpro/internal/dbtest"
	"github.com/askproai/askpro/internal/testenv"
	"github.com/askproai/askpro/pkg/booking"
	"github.com/askproai/askpro/pkg/pool"
	"github.com/askproai/askpro/pkg/store"
	"github.com/askproai/askpro/pkg/tenant"
	"github.com/askproai/askpro/pkg/webhook"
	"github.com/askproai/askpro/pkg/webhook/webhooktest"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const retellKey = "test-retell-key"

// waitFor fails the test when ch does not deliver within 10 s, so that a
// broken handler fails instead of hanging.
func waitFor(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
	}
}

// newFunctions builds the routes on st with fns, signed with retellKey.
func newFunctions(t *testing.T, st *store.Store, fns map[string]booking.Function, budgets map[string]time.Duration, reg prometheus.Registerer) *booking.Functions {
	t.Helper()
	v, err := webhook.NewRetell(webhook.RetellConfig{APIKey: retellKey})
	require.NoError(t, err)
	f, err := booking.NewFunctions(booking.FunctionsConfig{Store: st, Verifier: v, Functions: fns, Budgets: budgets,
		CacheTTL: -1, Now: func() time.Time { return clock }, Registerer: reg, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	return f
}

// post sends a signed body to h and returns the status and body.
func post(t *testing.T, h http.Handler, path string, body []byte) (int, []byte) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, webhooktest.RetellRequest(t, "http://askpro.test"+path, retellKey, body))
	out, err := io.ReadAll(rec.Result().Body)
	require.NoError(t, err)
	return rec.Code, out
}

func bookFixture(t *testing.T) []byte {
	t.Helper()
	return testenv.Fixture(t, "retell", "function_call_book_appointment.json")
}

func decodeAnswer(t *testing.T, body []byte) booking.Answer {
	t.Helper()
	var a booking.Answer
	require.NoError(t, json.Unmarshal(body, &a), string(body))
	return a
}

// blockingBook is a book_appointment that counts its runs, signals entered
// and answers only once release is closed.
type blockingBook struct {
	runs    atomic.Int32
	entered chan struct{}
	release chan struct{}
	seen    chan booking.Call
}

func newBlockingBook() *blockingBook {
	return &blockingBook{entered: make(chan struct{}, 8), release: make(chan struct{}), seen: make(chan booking.Call, 8)}
}

func (b *blockingBook) Serve(ctx context.Context, c booking.Call) (booking.Answer, error) {
	b.runs.Add(1)
	b.seen <- c
	b.entered <- struct{}{}
	select {
	case <-b.release:
	case <-ctx.Done():
		return booking.Answer{}, ctx.Err()
	}
	return booking.Answer{Result: "Ihr Termin am Donnerstag, 12. März um 14:00 Uhr ist gebucht.", Status: booking.StatusOK,
		Data: map[string]any{"booking_uid": "bk_once", "run": b.runs.Load()}}, nil
}

// concurrently posts body three times at once, to the handlers in turn,
// and checks the function runs once and every request gets its answer.
func concurrently(t *testing.T, hs []*booking.Functions, fn *blockingBook) {
	t.Helper()
	body := bookFixture(t)
	waiting := make(chan struct{}, 8)
	for _, h := range hs {
		booking.SetTestHooks(h, func() { waiting <- struct{}{} }, nil)
	}
	const n = 3
	codes, bodies := make([]int, n), make([][]byte, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { codes[i], bodies[i] = post(t, hs[i%len(hs)], "/retell/functions/book_appointment", body) })
	}
	waitFor(t, fn.entered, "the first run")
	waitFor(t, waiting, "the second request to wait")
	waitFor(t, waiting, "the third request to wait")
	close(fn.release)
	wg.Wait()

	assert.Equal(t, int32(1), fn.runs.Load(), "the function runs once")
	for i := range n {
		assert.Equal(t, http.StatusOK, codes[i])
		assert.Equal(t, string(bodies[0]), string(bodies[i]), "every request gets the same answer byte for byte")
	}
	a := decodeAnswer(t, bodies[0])
	assert.Equal(t, booking.StatusOK, a.Status)
	assert.Contains(t, a.Result, "gebucht")

	c := <-fn.seen
	assert.Equal(t, fixtureCallID, c.CallID)
	assert.Equal(t, booking.FuncBookAppointment, c.Name)
	assert.Equal(t, fixtureCaller, string(c.Caller), "the caller is the call's from_number")
	assert.Equal(t, fixtureBranchPhone, string(c.Branch.PhoneNumber), "the branch is the call's to_number")
	assert.Equal(t, "Salon Haarmonie", c.Company.Name)
	assert.JSONEq(t, `{"customer_name":"Anna Schmidt","customer_phone":"+4915123456789","service":"damenhaarschnitt","start_time":"2026-03-12T14:00:00+01:00"}`,
		string(c.Args))

	// A later repeat is answered from function_calls, without a run.
	code, again := post(t, hs[0], "/retell/functions/book_appointment", body)
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, string(bodies[0]), string(again))
	assert.Equal(t, int32(1), fn.runs.Load())
}

func TestFunctionRunsOnceForConcurrentRepeats(t *testing.T) {
	eachDialect(t, func(t *testing.T, b testBundle) {
		fn := newBlockingBook()
		reg := prometheus.NewRegistry()
		h := newFunctions(t, b.st, map[string]booking.Function{booking.FuncBookAppointment: fn}, nil, reg)
		concurrently(t, []*booking.Functions{h}, fn)

		var status string
		require.NoError(t, b.pool.DB().QueryRow("SELECT status FROM function_calls").Scan(&status))
		assert.Equal(t, store.FunctionCallDone, status)
		assert.InDelta(t, 1, counter(t, reg, "ran"), 0)
		assert.InDelta(t, 3, counter(t, reg, "repeat"), 0)
	})
}

// counter returns askproai_function_calls_total for an outcome.
func counter(t *testing.T, reg *prometheus.Registry, outcome string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	require.NoError(t, err)
	sum := 0.0
	for _, mf := range mfs {
		if mf.GetName() != "askproai_function_calls_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "outcome" && l.GetValue() == outcome {
					sum += m.GetCounter().GetValue()
				}
			}
		}
	}
	return sum
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func TestFunctionRunsOnceAcrossProcesses(t *testing.T) {
	t.Parallel()
	url := dbtest.MySQL(t)
	b := setup(t, url, nil)
	// A second "process": its own pool and store on the same database.
	p2, err := pool.Open(context.Background(), url, pool.Config{MinConns: -1, MaxConns: 8, HealthInterval: -1,
		Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	t.Cleanup(func() { _ = p2.Close() })
	st2, err := store.New(store.Config{DB: p2.DB(), Writer: p2.Writer(), Dialect: string(p2.Dialect()), Now: func() time.Time { return clock }})
	require.NoError(t, err)

	fn := newBlockingBook()
	fns := map[string]booking.Function{booking.FuncBookAppointment: fn}
	concurrently(t, []*booking.Functions{newFunctions(t, b.st, fns, nil, nil), newFunctions(t, st2, fns, nil, nil)}, fn)
}

func TestSlowFunctionGetsTheFallbackWithinItsBudget(t *testing.T) {
	eachDialect(t, func(t *testing.T, b testBundle) {
		transfer := "+493099998888"
		_, err := b.st.Branches.Update(b.ctx, b.branch.ID, store.BranchPatch{TransferNumber: &transfer})
		require.NoError(t, err)
		var runs atomic.Int32
		slow := booking.FunctionFunc(func(ctx context.Context, c booking.Call) (booking.Answer, error) {
			runs.Add(1)
			<-ctx.Done() // Cal.com never answers
			return booking.Answer{}, ctx.Err()
		})
		const budget = 300 * time.Millisecond
		h := newFunctions(t, b.st, map[string]booking.Function{booking.FuncBookAppointment: slow},
			map[string]time.Duration{booking.FuncBookAppointment: budget}, nil)
		finished := make(chan struct{}, 4)
		booking.SetTestHooks(h, nil, func() { finished <- struct{}{} })

		start := time.Now()
		code, body := post(t, h, "/retell/functions/book_appointment", bookFixture(t))
		took := time.Since(start)
		assert.Equal(t, http.StatusOK, code)
		assert.Less(t, took, budget+time.Second, "answered at the budget, not when the function gives up")
		a := decodeAnswer(t, body)
		assert.Equal(t, booking.StatusUnavailable, a.Status)
		assert.True(t, strings.HasPrefix(a.Result, "Entschuldigung, das dauert gerade zu lange."), a.Result)
		assert.Contains(t, a.Result, "verbinden", "the branch has a transfer number: offer a person")

		// The timed-out run is not kept: a repeat runs the function again.
		waitFor(t, finished, "the slow run to end")
		code, body = post(t, h, "/retell/functions/book_appointment", bookFixture(t))
		assert.Equal(t, http.StatusOK, code)
		assert.Equal(t, booking.StatusUnavailable, decodeAnswer(t, body).Status)
		assert.Equal(t, int32(2), runs.Load(), "a fallback past the budget is not cached")
	})
}

func TestFunctionErrorIsAnsweredPolitelyAndKept(t *testing.T) {
	eachDialect(t, func(t *testing.T, b testBundle) {
		var runs atomic.Int32
		broken := booking.FunctionFunc(func(context.Context, booking.Call) (booking.Answer, error) {
			runs.Add(1)
			return booking.Answer{}, io.ErrUnexpectedEOF
		})
		h := newFunctions(t, b.st, map[string]booking.Function{booking.FuncCancelAppointment: broken}, nil, nil)
		body := edit(t, bookFixture(t), func(m map[string]any) { m["name"] = booking.FuncCancelAppointment })
		code, first := post(t, h, "/retell/functions/cancel_appointment", body)
		assert.Equal(t, http.StatusOK, code)
		a := decodeAnswer(t, first)
		assert.Equal(t, booking.StatusUnavailable, a.Status)
		assert.Contains(t, a.Result, "zurück", "no transfer number: offer a call back")
		assert.NotContains(t, a.Result, "verbinden")

		_, second := post(t, h, "/retell/functions/cancel_appointment", body)
		assert.Equal(t, string(first), string(second))
		assert.Equal(t, int32(1), runs.Load(), "a failed call is answered from its record")
		var status string
		require.NoError(t, b.pool.DB().QueryRow("SELECT status FROM function_calls").Scan(&status))
		assert.Equal(t, store.FunctionCallFailed, status)
	})
}

func TestExpiredRunIsTakenOver(t *testing.T) {
	eachDialect(t, func(t *testing.T, b testBundle) {
		// A process claimed the call an hour ago and died.
		past, err := store.New(store.Config{DB: b.pool.DB(), Writer: b.pool.Writer(), Dialect: b.dialect,
			Now: func() time.Time { return clock.Add(-time.Hour) }})
		require.NoError(t, err)
		var m struct {
			Args json.RawMessage `json:"args"`
		}
		require.NoError(t, json.Unmarshal(bookFixture(t), &m))
		key := store.FunctionCallKey{CallID: fixtureCallID, Name: booking.FuncBookAppointment, ArgsHash: argsHash(t, m.Args)}
		dead, claimed, err := past.FunctionCalls.Claim(b.ctx, key, time.Minute)
		require.NoError(t, err)
		require.True(t, claimed)

		var runs atomic.Int32
		ok := booking.FunctionFunc(func(context.Context, booking.Call) (booking.Answer, error) {
			runs.Add(1)
			return booking.Answer{Result: "Gebucht.", Status: booking.StatusOK}, nil
		})
		h := newFunctions(t, b.st, map[string]booking.Function{booking.FuncBookAppointment: ok}, nil, nil)
		code, body := post(t, h, "/retell/functions/book_appointment", bookFixture(t))
		assert.Equal(t, http.StatusOK, code)
		assert.Equal(t, booking.StatusOK, decodeAnswer(t, body).Status, "the expired run is taken over, not waited for")
		assert.Equal(t, int32(1), runs.Load())
		row, err := b.st.FunctionCalls.Get(b.ctx, dead.ID)
		require.NoError(t, err)
		assert.Equal(t, store.FunctionCallDone, row.Status, "the same row carries the answer")
	})
}

// argsHash is the SHA-256 of the canonical arguments, computed here the
// way the routes must: sorted keys, no whitespace.
func argsHash(t *testing.T, args json.RawMessage) string {
	t.Helper()
	var v map[string]any
	require.NoError(t, json.Unmarshal(args, &v))
	canon, err := json.Marshal(v)
	require.NoError(t, err)
	return sha256Hex(canon)
}

func TestArgsHashIgnoresKeyOrderAndWhitespace(t *testing.T) {
	eachDialect(t, func(t *testing.T, b testBundle) {
		fn := newBlockingBook()
		close(fn.release)
		h := newFunctions(t, b.st, map[string]booking.Function{booking.FuncBookAppointment: fn}, nil, nil)
		call := `"call":{"call_id":"call_hash","from_number":"+4915123456789","to_number":"+493012345678"}`
		_, first := post(t, h, "/retell/functions/book_appointment", []byte(`{"name":"book_appointment",`+call+`,"args":{"a":1,"b":"x"}}`))
		_, second := post(t, h, "/retell/functions/book_appointment", []byte(`{"args": { "b" : "x", "a" : 1 }, `+call+`}`))
		assert.Equal(t, string(first), string(second))
		assert.Equal(t, int32(1), fn.runs.Load(), "the same arguments in another layout are one call")
		_, _ = post(t, h, "/retell/functions/book_appointment", []byte(`{`+call+`,"args":{"a":2,"b":"x"}}`))
		assert.Equal(t, int32(2), fn.runs.Load(), "other arguments are another call")
	})
}

func TestAnotherCompanysCallIDNeverLeaks(t *testing.T) {
	eachDialect(t, func(t *testing.T, b testBundle) {
		other, err := b.st.Companies.Create(b.sys, store.NewCompany{Name: "Salon Fremd", Subdomain: "fremd", Industry: "beauty"})
		require.NoError(t, err)
		_, err = b.st.Branches.Create(tenant.WithCompany(context.Background(), other.ID), store.NewBranch{Name: "Fremd", PhoneNumber: "+494012345678"})
		require.NoError(t, err)
		fn := newBlockingBook()
		close(fn.release)
		h := newFunctions(t, b.st, map[string]booking.Function{booking.FuncBookAppointment: fn}, nil, nil)
		_, first := post(t, h, "/retell/functions/book_appointment", bookFixture(t))
		require.Equal(t, booking.StatusOK, decodeAnswer(t, first).Status)

		forged := edit(t, bookFixture(t), func(m map[string]any) { sub(m, "call")["to_number"] = "+494012345678" })
		code, body := post(t, h, "/retell/functions/book_appointment", forged)
		assert.Equal(t, http.StatusOK, code)
		assert.NotEqual(t, string(first), string(body), "another company's answer is never given")
		assert.NotContains(t, string(body), "bk_once")
		assert.Equal(t, booking.StatusUnavailable, decodeAnswer(t, body).Status)
		assert.Equal(t, int32(1), fn.runs.Load(), "and nothing runs for it")
	})
}

func TestFunctionRequestsRefused(t *testing.T) {
	eachDialect(t, func(t *testing.T, b testBundle) {
		fn := newBlockingBook()
		close(fn.release)
		h := newFunctions(t, b.st, map[string]booking.Function{booking.FuncBookAppointment: fn}, nil, nil)
		body := bookFixture(t)

		// Unsigned, and signed with another key.
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, "/retell/functions/book_appointment", bytes.NewReader(body))
		h.ServeHTTP(rec, req)
		assert.Equal(t, http.StatusUnauthorized, rec.Code)
		rec = httptest.NewRecorder()
		h.ServeHTTP(rec, webhooktest.RetellRequest(t, "http://askpro.test/retell/functions/book_appointment", "wrong-key", body))
		assert.Equal(t, http.StatusUnauthorized, rec.Code)
		rec = httptest.NewRecorder()
		h.ServeHTTP(rec, webhooktest.RetellRequest(t, "http://askpro.test/retell/inbound", "wrong-key", []byte(`{"event":"call_inbound","call_inbound":{}}`)))
		assert.Equal(t, http.StatusUnauthorized, rec.Code, "the inbound webhook is signed too")

		for name, tt := range map[string]struct {
			path string
			body string
			code int
		}{
			"unknown function":   {"/retell/functions/transfer_money", string(body), http.StatusNotFound},
			"no function yet":    {"/retell/functions/check_availability", string(body), http.StatusNotFound},
			"not json":           {"/retell/functions/book_appointment", `{"name":`, http.StatusBadRequest},
			"args not an object": {"/retell/functions/book_appointment", `{"call":{"call_id":"c1"},"args":[1,2]}`, http.StatusBadRequest},
			"no call id":         {"/retell/functions/book_appointment", `{"call":{},"args":{}}`, http.StatusBadRequest},
			"other name in body": {"/retell/functions/book_appointment", `{"name":"cancel_appointment","call":{"call_id":"c1"}}`, http.StatusBadRequest},
			"inbound not json":   {"/retell/inbound", `[]`, http.StatusBadRequest},
			"inbound wrong kind": {"/retell/inbound", `{"event":"call_ended","call":{}}`, http.StatusBadRequest},
			"too large":          {"/retell/functions/book_appointment", `{"pad":"` + strings.Repeat("x", booking.DefaultMaxFunctionBody) + `"}`, http.StatusRequestEntityTooLarge},
		} {
			code, _ := post(t, h, tt.path, []byte(tt.body))
			assert.Equal(t, tt.code, code, name)
		}
		assert.Equal(t, int32(0), fn.runs.Load(), "nothing refused reaches the function")

		// No branch for the number: a polite answer, not an error.
		none := edit(t, body, func(m map[string]any) { sub(m, "call")["to_number"] = "+498912345678" })
		code, out := post(t, h, "/retell/functions/book_appointment", none)
		assert.Equal(t, http.StatusOK, code)
		a := decodeAnswer(t, out)
		assert.Equal(t, booking.StatusNotFound, a.Status)
		assert.True(t, strings.HasPrefix(a.Result, "Entschuldigung"), a.Result)
		assert.Equal(t, int32(0), fn.runs.Load())
	})
}

func TestEmptyFunctionsServeNothing(t *testing.T) {
	t.Parallel()
	b := setup(t, dbtest.SQLite(t), nil)
	h := newFunctions(t, b.st, nil, nil, nil)
	code, _ := post(t, h, "/retell/functions/book_appointment", bookFixture(t))
	assert.Equal(t, http.StatusNotFound, code)
}
