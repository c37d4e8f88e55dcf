package retelltest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/askproai/askpro/pkg/retell"
)

// reply is a handler's answer: v as JSON with status, or the error body
// {"status":"error","message":msg} when status >= 400. A nil v with a 2xx
// status sends no body.
type reply struct {
	status int
	v      any
	msg    string
}

func ok(status int, v any) reply        { return reply{status: status, v: v} }
func fail(status int, msg string) reply { return reply{status: status, msg: msg} }
func badRequest(format string, args ...any) reply {
	return fail(http.StatusBadRequest, fmt.Sprintf(format, args...))
}

var (
	notFound = fail(http.StatusNotFound, MsgNotFound)
	noAsset  = fail(http.StatusUnprocessableEntity, MsgNoAsset)
)

func (rp reply) write(w http.ResponseWriter) {
	if rp.status >= 400 {
		writeError(w, rp.status, rp.msg)
		return
	}
	if rp.v == nil {
		w.WriteHeader(rp.status)
		return
	}
	b, err := json.Marshal(rp.v)
	if err != nil {
		writeError(w, http.StatusInternalServerError, MsgServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(rp.status)
	_, _ = w.Write(b)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	b, _ := json.Marshal(map[string]string{"status": "error", "message": msg})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

type handler func(r *http.Request, body []byte) reply

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	s.route(mux, "POST /create-retell-llm", OpCreateRetellLLM, s.createLLM)
	s.route(mux, "GET /get-retell-llm/{id}", OpGetRetellLLM, s.getLLM)
	s.route(mux, "PATCH /update-retell-llm/{id}", OpUpdateRetellLLM, s.updateLLM)
	s.route(mux, "DELETE /delete-retell-llm/{id}", OpDeleteRetellLLM, s.deleteLLM)
	s.route(mux, "GET /v2/list-retell-llms", OpListRetellLLMs, s.listLLMs)
	s.route(mux, "POST /create-agent", OpCreateAgent, s.createAgent)
	s.route(mux, "GET /get-agent/{id}", OpGetAgent, s.getAgent)
	s.route(mux, "PATCH /update-agent/{id}", OpUpdateAgent, s.updateAgent)
	s.route(mux, "DELETE /delete-agent/{id}", OpDeleteAgent, s.deleteAgent)
	s.route(mux, "POST /v2/list-agents", OpListAgents, s.listAgents)
	s.route(mux, "POST /create-agent-version/{id}", OpCreateAgentVersion, s.createAgentVersion)
	s.route(mux, "POST /publish-agent-version/{id}", OpPublishAgentVersion, s.publishAgentVersion)
	s.route(mux, "GET /get-agent-versions/{id}", OpGetAgentVersions, s.getAgentVersions)
	s.route(mux, "GET /get-phone-number/{number}", OpGetPhoneNumber, s.getPhone)
	s.route(mux, "PATCH /update-phone-number/{number}", OpUpdatePhoneNumber, s.updatePhone)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.record("", r, readBody(r))
		writeError(w, http.StatusNotFound, MsgNotFound)
	})
	return mux
}

// route wraps h with recording, delay, the Bearer check and fault injection.
func (s *Server) route(mux *http.ServeMux, pattern, op string, h handler) {
	mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		body := readBody(r)
		s.record(op, r, body)
		if d := s.delay(op); d > 0 {
			t := time.NewTimer(d)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				return
			}
		}
		if r.Header.Get("Authorization") != "Bearer "+s.key {
			writeError(w, http.StatusUnauthorized, MsgUnauthorized)
			return
		}
		f := s.takeFault(op)
		if f != nil && !f.Applied {
			writeFault(w, f)
			return
		}
		rp := h(r, body)
		if f != nil {
			writeFault(w, f)
			return
		}
		rp.write(w)
	})
}

func writeFault(w http.ResponseWriter, f *Fault) {
	if f.Hangup {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler)
	}
	if f.RetryAfter != "" {
		w.Header().Set("Retry-After", f.RetryAfter)
	}
	writeError(w, f.Status, f.Message)
}

func (s *Server) record(op string, r *http.Request, body []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, Request{
		Op: op, Method: r.Method, Path: r.URL.EscapedPath(), Query: r.URL.RawQuery,
		Body: body, Header: r.Header.Clone(),
	})
}

func (s *Server) delay(op string) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.delays[op]
}

func (s *Server) newID(prefix string) string {
	s.seq++
	return fmt.Sprintf("%s_%032x", prefix, s.seq)
}

// decode reads a JSON object body into its raw fields and into T. Unknown
// fields are accepted (as Retell does); a body that is not an object, or a
// field of the wrong type, is a 400.
func decode[T any](body []byte) (map[string]json.RawMessage, T, *reply) {
	var raw map[string]json.RawMessage
	var typed T
	if err := json.Unmarshal(body, &raw); err != nil || raw == nil {
		r := fail(http.StatusBadRequest, MsgBadRequest)
		return nil, typed, &r
	}
	if err := json.Unmarshal(body, &typed); err != nil {
		r := badRequest("%s (%v)", MsgBadRequest, err)
		return nil, typed, &r
	}
	return raw, typed, nil
}

// merge applies a partial update to cur: each field of patch replaces the
// field of the same name, null removes it.
func merge[T any](cur T, patch map[string]json.RawMessage) (T, error) {
	b, err := json.Marshal(cur)
	if err != nil {
		return cur, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return cur, err
	}
	for k, v := range patch {
		if string(v) == "null" {
			delete(m, k)
			continue
		}
		m[k] = v
	}
	b, err = json.Marshal(m)
	if err != nil {
		return cur, err
	}
	var out T
	err = json.Unmarshal(b, &out)
	return out, err
}

// versionParam reads ?version=; ok is false for a malformed one.
func versionParam(r *http.Request) (v int, set, ok bool) {
	q := r.URL.Query()
	if !q.Has("version") {
		return 0, false, true
	}
	n, err := strconv.Atoi(q.Get("version"))
	if err != nil || n < 0 {
		return 0, true, false
	}
	return n, true, true
}

// versioned is an LLM's or an agent's state: its versions, and the API
// object of one of them.
type versioned[V any] interface {
	view(v int) V
	versionExists(v int) bool
	latestVersion() int
}

// getVersion answers a get of the object at the request's {id}: the
// ?version= asked for, or the latest (400 for a malformed version, 404 for
// an unknown object or version).
func getVersion[S versioned[V], V any](s *Server, r *http.Request, objects map[string]S) reply {
	v, set, good := versionParam(r)
	if !good {
		return fail(http.StatusBadRequest, MsgBadRequest)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st, found := objects[r.PathValue("id")]
	if !found {
		return notFound
	}
	if !set {
		v = st.latestVersion()
	}
	if !st.versionExists(v) {
		return notFound
	}
	return ok(http.StatusOK, st.view(v))
}

// deleteID answers a delete of the object at the request's {id}.
func deleteID[S any](s *Server, r *http.Request, objects map[string]S) reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := r.PathValue("id")
	if _, found := objects[id]; !found {
		return notFound
	}
	delete(objects, id)
	return ok(http.StatusNoContent, nil)
}

// ---- LLMs ----

func (s *Server) createLLM(_ *http.Request, body []byte) reply {
	_, req, bad := decode[retell.LLMRequest](body)
	if bad != nil {
		return *bad
	}
	if msg := validateLLM(req); msg != "" {
		return badRequest("%s", msg)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := &llmState{id: s.newID("llm"), versions: map[int]*llmVersion{
		0: {req: req, modified: s.now().UnixMilli()},
	}}
	s.llms[st.id] = st
	s.llmOrder = append(s.llmOrder, st.id)
	return ok(http.StatusCreated, st.view(0))
}

func (s *Server) getLLM(r *http.Request, _ []byte) reply {
	return getVersion(s, r, s.llms)
}

func (s *Server) updateLLM(r *http.Request, body []byte) reply {
	v, set, good := versionParam(r)
	if !good {
		return fail(http.StatusBadRequest, MsgBadRequest)
	}
	patch, _, bad := decode[retell.LLMRequest](body)
	if bad != nil {
		return *bad
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.llms[r.PathValue("id")]
	if st == nil {
		return notFound
	}
	if !set {
		d, found := latestDraft(st.versions, func(lv *llmVersion) bool { return lv.published })
		if !found {
			return badRequest("every version of llm %s is published; create a draft agent version (create-agent-version) to get a new llm version", st.id)
		}
		v = d
	}
	lv := st.versions[v]
	if lv == nil {
		return notFound
	}
	if lv.published {
		return badRequest("llm %s version %d is published and cannot be changed", st.id, v)
	}
	next, err := merge(lv.req, patch)
	if err != nil {
		return badRequest("%s (%v)", MsgBadRequest, err)
	}
	if msg := validateLLM(next); msg != "" {
		return badRequest("%s", msg)
	}
	lv.req, lv.modified = next, s.now().UnixMilli()
	return ok(http.StatusOK, st.view(v))
}

func (s *Server) deleteLLM(r *http.Request, _ []byte) reply {
	return deleteID(s, r, s.llms)
}

func (s *Server) listLLMs(r *http.Request, _ []byte) reply {
	p, bad := readListParams(r)
	if bad != nil {
		return *bad
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ids, next, bad := p.page(s.llmOrder, func(id string) bool { return s.llms[id] != nil })
	if bad != nil {
		return *bad
	}
	items := []retell.LLM{}
	for _, id := range ids {
		st := s.llms[id]
		items = append(items, st.view(latest(st.versions)))
	}
	return ok(http.StatusOK, listPage(items, next))
}

// listParams are the query of a v2 list endpoint: LimitParam (1-1000,
// default 50), SortOrderParam (ascending or descending, default
// descending) and PaginationKeyParam (API reference, spec revision
// 2026-08-01-ad84c11).
type listParams struct {
	limit int
	asc   bool
	key   string
}

func readListParams(r *http.Request) (listParams, *reply) {
	q := r.URL.Query()
	p := listParams{limit: 50, key: q.Get("pagination_key")}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			rp := badRequest("limit must be 1 to 1000")
			return p, &rp
		}
		p.limit = n
	}
	switch q.Get("sort_order") {
	case "", "descending":
	case "ascending":
		p.asc = true
	default:
		rp := badRequest("sort_order must be ascending or descending")
		return p, &rp
	}
	return p, nil
}

// page returns the ids of one page: order is every id ever created, oldest
// first (deleted ones too, so that a deleted object still works as a
// pagination key); live tells which still exist. The pagination key is the
// last id of the previous page, exclusive. next is "" on the last page.
// Called with s.mu held.
func (p listParams) page(order []string, live func(string) bool) (ids []string, next string, bad *reply) {
	seq := slices.Clone(order)
	if !p.asc {
		slices.Reverse(seq)
	}
	if p.key != "" {
		i := slices.Index(seq, p.key)
		if i < 0 {
			rp := badRequest("pagination_key %q is not valid", p.key)
			return nil, "", &rp
		}
		seq = seq[i+1:]
	}
	for _, id := range seq {
		if !live(id) {
			continue
		}
		if len(ids) == p.limit {
			return ids, ids[len(ids)-1], nil
		}
		ids = append(ids, id)
	}
	return ids, "", nil
}

// listPage is the answer of a v2 list endpoint; pagination_key is left out
// on the last page.
func listPage[T any](items []T, next string) map[string]any {
	out := map[string]any{"items": items, "has_more": next != ""}
	if next != "" {
		out["pagination_key"] = next
	}
	return out
}

// ---- agents ----

func (s *Server) createAgent(_ *http.Request, body []byte) reply {
	_, req, bad := decode[retell.AgentRequest](body)
	if bad != nil {
		return *bad
	}
	if req.ResponseEngine == nil {
		return badRequest("response_engine is required")
	}
	if req.VoiceID == "" {
		return badRequest("voice_id is required")
	}
	if msg := validateAgent(req); msg != "" {
		return badRequest("%s", msg)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if rp := s.resolveEngine(req.ResponseEngine); rp != nil {
		return *rp
	}
	st := &agentState{id: s.newID("agent"), versions: map[int]*agentVersion{
		0: {req: req, modified: s.now().UnixMilli()},
	}}
	s.agents[st.id] = st
	s.agOrder = append(s.agOrder, st.id)
	return ok(http.StatusCreated, st.view(0))
}

// resolveEngine checks a response engine against the account and fills in
// the LLM version (the latest) when it is unset. Called with s.mu held.
func (s *Server) resolveEngine(e *retell.ResponseEngine) *reply {
	var rp reply
	switch e.Type {
	case retell.EngineRetellLLM:
		if e.LLMID == "" {
			rp = badRequest("response_engine.llm_id is required for type retell-llm")
			return &rp
		}
		st := s.llms[e.LLMID]
		if st == nil {
			rp = noAsset
			return &rp
		}
		if e.Version == nil {
			v := latest(st.versions)
			e.Version = &v
		} else if st.versions[*e.Version] == nil {
			rp = noAsset
			return &rp
		}
	case retell.EngineCustomLLM:
		if !hasScheme(e.LLMWebsocketURL, "ws://", "wss://") {
			rp = badRequest("response_engine.llm_websocket_url must be a ws:// or wss:// URL")
			return &rp
		}
	case retell.EngineConversationFlow:
		// The fake keeps no conversation flows, so every id is unknown.
		rp = noAsset
		return &rp
	default:
		rp = badRequest("response_engine.type %q is not retell-llm, custom-llm or conversation-flow", e.Type)
		return &rp
	}
	return nil
}

func (s *Server) getAgent(r *http.Request, _ []byte) reply {
	return getVersion(s, r, s.agents)
}

func (s *Server) updateAgent(r *http.Request, body []byte) reply {
	v, set, good := versionParam(r)
	if !good {
		return fail(http.StatusBadRequest, MsgBadRequest)
	}
	patch, _, bad := decode[retell.AgentRequest](body)
	if bad != nil {
		return *bad
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.agents[r.PathValue("id")]
	if st == nil {
		return notFound
	}
	if !set {
		d, found := latestDraft(st.versions, func(av *agentVersion) bool { return av.published })
		if !found {
			return badRequest("every version of agent %s is published; create a draft with create-agent-version", st.id)
		}
		v = d
	}
	av := st.versions[v]
	if av == nil {
		return notFound
	}
	if av.published {
		return badRequest("agent %s version %d is published and cannot be changed", st.id, v)
	}
	next, err := merge(av.req, patch)
	if err != nil {
		return badRequest("%s (%v)", MsgBadRequest, err)
	}
	if next.ResponseEngine == nil {
		return badRequest("response_engine is required")
	}
	if next.VoiceID == "" {
		return badRequest("voice_id is required")
	}
	if msg := validateAgent(next); msg != "" {
		return badRequest("%s", msg)
	}
	if _, changed := patch["response_engine"]; changed {
		if rp := s.resolveEngine(next.ResponseEngine); rp != nil {
			return *rp
		}
	}
	av.req, av.modified = next, s.now().UnixMilli()
	return ok(http.StatusOK, st.view(v))
}

func (s *Server) deleteAgent(r *http.Request, _ []byte) reply {
	return deleteID(s, r, s.agents)
}

// agentListItem is an item of POST /v2/list-agents (AgentListItemResponse:
// the agent, not a version).
type agentListItem struct {
	AgentID               string         `json:"agent_id"`
	AgentName             string         `json:"agent_name"`
	Channel               string         `json:"channel"`
	UserModifiedTimestamp int64          `json:"user_modified_timestamp"`
	Tags                  map[string]any `json:"tags"`
}

// listAgents answers POST /v2/list-agents: the query as for every v2 list,
// an optional body {"filter_criteria": {"channel": {"type": "string", "op":
// "eq", "value": "voice"|"chat"}, "query": "..."}}. The fake's agents are
// all voice agents without tags; query matches the name case-insensitively
// or a part of the id.
func (s *Server) listAgents(r *http.Request, body []byte) reply {
	p, bad := readListParams(r)
	if bad != nil {
		return *bad
	}
	var req listAgentsBody
	if len(bytes.TrimSpace(body)) > 0 {
		if _, req, bad = decode[listAgentsBody](body); bad != nil {
			return *bad
		}
	}
	channel, query := "voice", ""
	if f := req.FilterCriteria; f != nil {
		if c := f.Channel; c != nil {
			if c.Op != "eq" || (c.Value != "voice" && c.Value != "chat") {
				return badRequest("filter_criteria.channel must be {op: eq, value: voice or chat}")
			}
			channel = c.Value
		}
		query = f.Query
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ids, next, bad := p.page(s.agOrder, func(id string) bool {
		st := s.agents[id]
		if st == nil || channel != "voice" {
			return false
		}
		name := st.versions[latest(st.versions)].req.AgentName
		return strings.Contains(strings.ToLower(name), strings.ToLower(query)) || strings.Contains(id, query)
	})
	if bad != nil {
		return *bad
	}
	items := []agentListItem{}
	for _, id := range ids {
		st := s.agents[id]
		v := st.versions[latest(st.versions)]
		items = append(items, agentListItem{AgentID: id, AgentName: v.req.AgentName, Channel: "voice",
			UserModifiedTimestamp: v.modified, Tags: map[string]any{}})
	}
	return ok(http.StatusOK, listPage(items, next))
}

// listAgentsBody is the body of POST /v2/list-agents (AgentListFilter).
type listAgentsBody struct {
	FilterCriteria *struct {
		Channel *struct {
			Type  string `json:"type"`
			Op    string `json:"op"`
			Value string `json:"value"`
		} `json:"channel"`
		Query string `json:"query"`
	} `json:"filter_criteria"`
}

func (s *Server) createAgentVersion(r *http.Request, body []byte) reply {
	_, req, bad := decode[struct {
		BaseVersion *int `json:"base_version"`
	}](body)
	if bad != nil {
		return *bad
	}
	if req.BaseVersion == nil {
		return badRequest("base_version is required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.agents[r.PathValue("id")]
	if st == nil {
		return notFound
	}
	base := st.versions[*req.BaseVersion]
	if base == nil {
		return badRequest("base_version %d does not exist", *req.BaseVersion)
	}
	now := s.now().UnixMilli()
	draft := cloneJSON(base.req)
	// The draft gets a matching LLM draft, copied from the LLM version the
	// base points at (docs.retellai.com/agent/version: agent and LLM versions
	// go together).
	if e := draft.ResponseEngine; e != nil && e.Type == retell.EngineRetellLLM {
		if lst := s.llms[e.LLMID]; lst != nil {
			from := latest(lst.versions)
			if e.Version != nil && lst.versions[*e.Version] != nil {
				from = *e.Version
			}
			nv := latest(lst.versions) + 1
			lst.versions[nv] = &llmVersion{req: cloneJSON(lst.versions[from].req), modified: now}
			e.Version = &nv
		}
	}
	v := latest(st.versions) + 1
	b := *req.BaseVersion
	st.versions[v] = &agentVersion{req: draft, base: &b, modified: now}
	return ok(http.StatusCreated, st.view(v))
}

func (s *Server) publishAgentVersion(r *http.Request, body []byte) reply {
	_, req, bad := decode[struct {
		Version *int `json:"version"`
	}](body)
	if bad != nil {
		return *bad
	}
	if req.Version == nil {
		return badRequest("version is required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.agents[r.PathValue("id")]
	if st == nil {
		return notFound
	}
	av := st.versions[*req.Version]
	if av == nil {
		return badRequest("agent %s has no version %d", st.id, *req.Version)
	}
	// Publishing a published version again changes nothing (decided, not
	// confirmed: see the package documentation).
	av.published = true
	if e := av.req.ResponseEngine; e != nil && e.Type == retell.EngineRetellLLM && e.Version != nil {
		if lst := s.llms[e.LLMID]; lst != nil && lst.versions[*e.Version] != nil {
			lst.versions[*e.Version].published = true
		}
	}
	return ok(http.StatusOK, nil)
}

func (s *Server) getAgentVersions(r *http.Request, _ []byte) reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.agents[r.PathValue("id")]
	if st == nil {
		return notFound
	}
	out := []retell.Agent{}
	for _, v := range sortedKeys(st.versions) {
		out = append(out, st.view(v))
	}
	return ok(http.StatusOK, out)
}

// ---- phone numbers ----

func (s *Server) getPhone(r *http.Request, _ []byte) reply {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.numbers[r.PathValue("number")]
	if n == nil {
		return notFound
	}
	return ok(http.StatusOK, clonePhone(*n))
}

// deprecatedPhoneFields are the single-agent fields Retell stopped
// supporting after 2026-03-31 (fixtures/retell/README.md section 4).
var deprecatedPhoneFields = []string{
	"inbound_agent_id", "inbound_agent_version", "outbound_agent_id", "outbound_agent_version",
	"inbound_sms_agent_id", "inbound_sms_agent_version", "outbound_sms_agent_id", "outbound_sms_agent_version",
}

// binding is an inbound_agents / outbound_agents item as sent.
type binding struct {
	AgentID      string          `json:"agent_id"`
	Weight       *float64        `json:"weight"`
	AgentVersion json.RawMessage `json:"agent_version"`
}

func (s *Server) updatePhone(r *http.Request, body []byte) reply {
	raw, _, bad := decode[map[string]any](body)
	if bad != nil {
		return *bad
	}
	for _, f := range deprecatedPhoneFields {
		if _, found := raw[f]; found {
			return badRequest("%s is no longer supported (deprecated, removed after 2026-03-31): use inbound_agents / outbound_agents", f)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.numbers[r.PathValue("number")]
	if n == nil {
		return notFound
	}
	next := clonePhone(*n)
	for _, field := range []string{"inbound_agents", "outbound_agents"} {
		v, found := raw[field]
		if !found {
			continue
		}
		list, rp := s.checkBindings(field, v)
		if rp != nil {
			return *rp
		}
		if field == "inbound_agents" {
			next.InboundAgents = list
		} else {
			next.OutboundAgents = list
		}
	}
	if v, found := raw["inbound_webhook_url"]; found {
		if string(v) == "null" {
			next.InboundWebhookURL = ""
		} else {
			var u string
			if json.Unmarshal(v, &u) != nil || !hasScheme(u, "http://", "https://") {
				return badRequest("inbound_webhook_url must be an http(s) URL or null")
			}
			next.InboundWebhookURL = u
		}
	}
	if v, found := raw["nickname"]; found {
		var nick string
		if string(v) != "null" && json.Unmarshal(v, &nick) != nil {
			return fail(http.StatusBadRequest, MsgBadRequest)
		}
		next.Nickname = nick
	}
	next.LastModificationTimestamp = s.now().UnixMilli()
	*n = next
	return ok(http.StatusOK, clonePhone(next))
}

// checkBindings validates an agent list of a number. Called with s.mu held.
func (s *Server) checkBindings(field string, v json.RawMessage) ([]retell.InboundAgent, *reply) {
	var items []binding
	if string(v) == "null" {
		return nil, nil
	}
	if err := json.Unmarshal(v, &items); err != nil {
		rp := badRequest("%s must be a list of {agent_id, weight, agent_version}", field)
		return nil, &rp
	}
	out := []retell.InboundAgent{}
	sum := 0.0
	for i, it := range items {
		if it.AgentID == "" {
			rp := badRequest("%s[%d].agent_id is required", field, i)
			return nil, &rp
		}
		if it.Weight == nil || *it.Weight <= 0 || *it.Weight > 1 {
			rp := badRequest("%s[%d].weight must be in (0, 1]", field, i)
			return nil, &rp
		}
		sum += *it.Weight
		st := s.agents[it.AgentID]
		if st == nil {
			rp := noAsset
			return nil, &rp
		}
		ref := retell.Tag(retell.TagLatest)
		if len(it.AgentVersion) > 0 && string(it.AgentVersion) != "null" {
			if err := json.Unmarshal(it.AgentVersion, &ref); err != nil {
				rp := badRequest("%s[%d].agent_version must be an integer or a tag", field, i)
				return nil, &rp
			}
		}
		if n, isNum := ref.Number(); isNum {
			if st.versions[n] == nil {
				rp := noAsset
				return nil, &rp
			}
		} else if t := ref.Tag(); t != retell.TagLatest && t != retell.TagLatestPublished {
			// The fake has no environment tags.
			rp := noAsset
			return nil, &rp
		}
		out = append(out, retell.InboundAgent{AgentID: it.AgentID, Weight: *it.Weight, AgentVersion: ref})
	}
	if len(items) > 0 && (sum < 1-1e-9 || sum > 1+1e-9) {
		rp := badRequest("%s weights add up to %g, must add up to 1", field, sum)
		return nil, &rp
	}
	return out, nil
}
