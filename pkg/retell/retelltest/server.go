package retelltest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/askproai/askpro/pkg/retell"
)

// DefaultAPIKey is the key a Server accepts when Config.APIKey is empty.
const DefaultAPIKey = "key_retelltest_0123456789abcdef"

// Messages the fake answers with, as documented (fixtures/retell/README.md
// section 4, "Errors").
const (
	MsgBadRequest   = "Invalid request format, please check API reference."
	MsgUnauthorized = "API key is missing or invalid."
	MsgNotFound     = "The requested resource was not found."
	MsgNoAsset      = "Cannot find requested asset under given api key."
	MsgRateLimited  = "Account rate limited, please throttle your requests."
	MsgServerError  = "An unexpected server error occurred."
)

// Endpoint names, for [Server.Fail], [Server.FailWith] and [Server.Delay].
const (
	OpCreateRetellLLM     = "create-retell-llm"
	OpGetRetellLLM        = "get-retell-llm"
	OpUpdateRetellLLM     = "update-retell-llm"
	OpDeleteRetellLLM     = "delete-retell-llm"
	OpListRetellLLMs      = "list-retell-llms"
	OpCreateAgent         = "create-agent"
	OpGetAgent            = "get-agent"
	OpUpdateAgent         = "update-agent"
	OpDeleteAgent         = "delete-agent"
	OpListAgents          = "list-agents"
	OpCreateAgentVersion  = "create-agent-version"
	OpPublishAgentVersion = "publish-agent-version"
	OpGetAgentVersions    = "get-agent-versions"
	OpGetPhoneNumber      = "get-phone-number"
	OpUpdatePhoneNumber   = "update-phone-number"
)

var ops = []string{
	OpCreateRetellLLM, OpGetRetellLLM, OpUpdateRetellLLM, OpDeleteRetellLLM, OpListRetellLLMs,
	OpCreateAgent, OpGetAgent, OpUpdateAgent, OpDeleteAgent, OpListAgents, OpCreateAgentVersion,
	OpPublishAgentVersion, OpGetAgentVersions, OpGetPhoneNumber, OpUpdatePhoneNumber,
}

// Config configures a [Server].
type Config struct {
	// APIKey is the only key accepted as "Authorization: Bearer <key>".
	// Defaults to DefaultAPIKey.
	APIKey string
	// Now stamps last_modification_timestamp. Defaults to time.Now.
	Now func() time.Time
}

// Request is one request the Server received, recorded before it was
// handled (refused and failed ones too).
type Request struct {
	// Op is the endpoint name ("create-agent"), "" for an unknown route.
	Op     string
	Method string
	// Path is the path as sent, still escaped ("/get-phone-number/%2B49…").
	Path string
	// Query is the raw query string.
	Query  string
	Body   []byte
	Header http.Header
}

// Fault is an injected failure of an endpoint (see [Server.FailWith]).
type Fault struct {
	// Status and Message make the answer {"status":"error","message":...}.
	// Message defaults to the documented message for the status.
	Status  int
	Message string
	// RetryAfter, if set, is sent as the Retry-After header.
	RetryAfter string
	// Hangup closes the connection without an answer (a network error for
	// the client) instead of answering Status.
	Hangup bool
	// Applied performs the request first and then fails: an answer lost
	// after Retell acted. Without it a failed request changes nothing.
	Applied bool
	// Times is how many requests the fault answers; negative means every
	// request until the endpoint's faults are cleared. Zero means one.
	Times int
}

// Server is an in-memory fake of Retell's provisioning API on an
// httptest.Server. Its methods are safe for concurrent use.
type Server struct {
	// URL is the base URL to give retell.Config.BaseURL.
	URL string

	srv *httptest.Server
	key string
	now func() time.Time

	mu       sync.Mutex
	seq      int
	llms     map[string]*llmState
	llmOrder []string
	agents   map[string]*agentState
	agOrder  []string
	numbers  map[string]*retell.PhoneNumber
	requests []Request
	faults   map[string][]*Fault
	delays   map[string]time.Duration
}

type llmState struct {
	id       string
	versions map[int]*llmVersion
}

type llmVersion struct {
	req       retell.LLMRequest
	published bool
	modified  int64
}

type agentState struct {
	id       string
	versions map[int]*agentVersion
}

type agentVersion struct {
	req       retell.AgentRequest
	published bool
	base      *int
	modified  int64
}

// NewServer starts a fake. Call Close when done (or use [Start]).
func NewServer(cfg Config) *Server {
	s := &Server{
		key: cfg.APIKey, now: cfg.Now,
		llms: map[string]*llmState{}, agents: map[string]*agentState{},
		numbers: map[string]*retell.PhoneNumber{},
		faults:  map[string][]*Fault{}, delays: map[string]time.Duration{},
	}
	if s.key == "" {
		s.key = DefaultAPIKey
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.srv = httptest.NewServer(s.routes())
	s.URL = s.srv.URL
	return s
}

// Start is NewServer with Close registered on t.Cleanup.
func Start(t testing.TB, cfg Config) *Server {
	t.Helper()
	s := NewServer(cfg)
	t.Cleanup(s.Close)
	return s
}

// Close shuts the server down.
func (s *Server) Close() { s.srv.Close() }

// APIKey returns the key the server accepts.
func (s *Server) APIKey() string { return s.key }

// Client returns a retell.Client for this server: its key, its own breaker
// set (no state shared with other tests), retries that do not wait, and a
// discarding logger. It fails the test if the client cannot be built.
func (s *Server) Client(t testing.TB) *retell.Client {
	t.Helper()
	c, err := retell.New(s.ClientConfig())
	if err != nil {
		t.Fatalf("retelltest: build client: %v", err)
	}
	return c
}

// ClientConfig returns the Config [Server.Client] uses, to adjust before
// calling retell.New.
func (s *Server) ClientConfig() retell.Config {
	return retell.Config{
		BaseURL:  s.URL,
		APIKey:   s.key,
		Breakers: retell.NewBreakers(retell.BreakerConfig{}),
		Logger:   slog.New(slog.DiscardHandler),
		Sleep:    func(ctx context.Context, _ time.Duration) error { return ctx.Err() },
	}
}

// AddPhoneNumber registers an E.164 number on the fake account, as bought
// or imported, with no agent bound. It panics on a number that is not
// E.164 (a mistake in the test).
func (s *Server) AddPhoneNumber(e164 string) {
	if !isE164(e164) {
		panic(fmt.Sprintf("retelltest: AddPhoneNumber(%q): not an E.164 number", e164))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.numbers[e164] = &retell.PhoneNumber{
		PhoneNumber:               e164,
		PhoneNumberType:           "retell-twilio",
		LastModificationTimestamp: s.now().UnixMilli(),
	}
}

// PhoneNumber returns a registered number's state.
func (s *Server) PhoneNumber(e164 string) (retell.PhoneNumber, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, ok := s.numbers[e164]
	if !ok {
		return retell.PhoneNumber{}, false
	}
	return clonePhone(*n), true
}

// LLMs returns the latest version of every LLM, in creation order.
func (s *Server) LLMs() []retell.LLM {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []retell.LLM
	for _, id := range s.llmOrder {
		if st := s.llms[id]; st != nil {
			out = append(out, st.view(latest(st.versions)))
		}
	}
	return out
}

// LLMVersions returns every version of an LLM, oldest first.
func (s *Server) LLMVersions(llmID string) []retell.LLM {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.llms[llmID]
	if st == nil {
		return nil
	}
	var out []retell.LLM
	for _, v := range sortedKeys(st.versions) {
		out = append(out, st.view(v))
	}
	return out
}

// Agents returns the latest version of every agent, in creation order.
func (s *Server) Agents() []retell.Agent {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []retell.Agent
	for _, id := range s.agOrder {
		if st := s.agents[id]; st != nil {
			out = append(out, st.view(latest(st.versions)))
		}
	}
	return out
}

// AgentVersions returns every version of an agent, oldest first.
func (s *Server) AgentVersions(agentID string) []retell.Agent {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.agents[agentID]
	if st == nil {
		return nil
	}
	var out []retell.Agent
	for _, v := range sortedKeys(st.versions) {
		out = append(out, st.view(v))
	}
	return out
}

// Requests returns the requests received so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
		r.Body = bytes.Clone(r.Body)
		r.Header = r.Header.Clone()
		out[i] = r
	}
	return out
}

// RequestsTo returns the recorded requests to one endpoint.
func (s *Server) RequestsTo(op string) []Request {
	var out []Request
	for _, r := range s.Requests() {
		if r.Op == op {
			out = append(out, r)
		}
	}
	return out
}

// Fail makes the next times requests to op (an Op* name) answer status with
// message, changing nothing; times < 0 fails every request until
// [Server.ClearFaults]. It panics on an unknown op.
func (s *Server) Fail(op string, status int, message string, times int) {
	if times == 0 {
		times = 1
	}
	s.FailWith(op, Fault{Status: status, Message: message, Times: times})
}

// FailWith queues f for op: faults of one endpoint answer in the order
// queued, each for its Times requests, after the Bearer check. It panics on
// an unknown op or a fault with neither Status nor Hangup.
func (s *Server) FailWith(op string, f Fault) {
	mustOp(op)
	if f.Status == 0 && !f.Hangup {
		panic("retelltest: FailWith: a Fault needs Status or Hangup")
	}
	if f.Times == 0 {
		f.Times = 1
	}
	if f.Message == "" {
		f.Message = defaultMessage(f.Status)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[op] = append(s.faults[op], &f)
}

// ClearFaults removes every queued fault of op, or of all endpoints for "".
func (s *Server) ClearFaults(op string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if op == "" {
		clear(s.faults)
		return
	}
	delete(s.faults, op)
}

// Delay makes every request to op wait d before it is handled (or until
// the client gives up); d <= 0 removes the delay. It panics on an unknown op.
func (s *Server) Delay(op string, d time.Duration) {
	mustOp(op)
	s.mu.Lock()
	defer s.mu.Unlock()
	if d <= 0 {
		delete(s.delays, op)
		return
	}
	s.delays[op] = d
}

// takeFault returns the fault that answers the next request to op, if any.
func (s *Server) takeFault(op string) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.faults[op]
	if len(q) == 0 {
		return nil
	}
	f := q[0]
	if f.Times > 0 {
		f.Times--
		if f.Times == 0 {
			s.faults[op] = q[1:]
		}
	}
	c := *f
	return &c
}

func mustOp(op string) {
	if !slices.Contains(ops, op) {
		panic(fmt.Sprintf("retelltest: unknown op %q (want one of %v)", op, ops))
	}
}

func defaultMessage(status int) string {
	switch status {
	case http.StatusBadRequest:
		return MsgBadRequest
	case http.StatusUnauthorized:
		return MsgUnauthorized
	case http.StatusPaymentRequired:
		return "Trial has ended, please add payment method."
	case http.StatusForbidden:
		return "Forbidden"
	case http.StatusNotFound:
		return MsgNotFound
	case http.StatusUnprocessableEntity:
		return MsgNoAsset
	case http.StatusTooManyRequests:
		return MsgRateLimited
	}
	if status >= 500 {
		return MsgServerError
	}
	return http.StatusText(status)
}

// view returns version v of the LLM as the API shows it.
func (st *llmState) view(v int) retell.LLM {
	lv := st.versions[v]
	return retell.LLM{
		LLMID: st.id, Version: v, IsPublished: lv.published,
		LastModificationTimestamp: lv.modified, LLMRequest: cloneJSON(lv.req),
	}
}

// view returns version v of the agent as the API shows it.
func (st *llmState) versionExists(v int) bool   { return st.versions[v] != nil }
func (st *llmState) latestVersion() int         { return latest(st.versions) }
func (st *agentState) versionExists(v int) bool { return st.versions[v] != nil }
func (st *agentState) latestVersion() int       { return latest(st.versions) }

func (st *agentState) view(v int) retell.Agent {
	av := st.versions[v]
	a := retell.Agent{
		AgentID: st.id, Version: v, IsPublished: av.published,
		LastModificationTimestamp: av.modified, AgentRequest: cloneJSON(av.req),
	}
	if av.base != nil {
		b := *av.base
		a.BaseVersion = &b
	}
	return a
}

// latest returns the highest version number.
func latest[V any](m map[int]V) int {
	keys := sortedKeys(m)
	return keys[len(keys)-1]
}

// latestDraft returns the highest unpublished version number.
func latestDraft[V any](m map[int]V, published func(V) bool) (int, bool) {
	keys := sortedKeys(m)
	for i := len(keys) - 1; i >= 0; i-- {
		if !published(m[keys[i]]) {
			return keys[i], true
		}
	}
	return 0, false
}

func sortedKeys[V any](m map[int]V) []int {
	keys := make([]int, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	return keys
}

// cloneJSON deep-copies v through JSON (the fake's values are plain data).
func cloneJSON[T any](v T) T {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	var out T
	if err := json.Unmarshal(b, &out); err != nil {
		panic(err)
	}
	return out
}

func clonePhone(p retell.PhoneNumber) retell.PhoneNumber { return cloneJSON(p) }

// readBody reads at most 1 MiB of a request body.
func readBody(r *http.Request) []byte {
	b, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	return b
}

// isE164 reports whether s is '+' and 8 to 15 digits, the first not 0.
func isE164(s string) bool {
	if len(s) < 9 || len(s) > 16 || s[0] != '+' || s[1] == '0' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
