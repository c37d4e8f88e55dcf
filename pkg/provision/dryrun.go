package provision

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/askproai/askpro/pkg/retell"
)

// Placeholder ids a dry run uses for objects a real run would create.
const (
	DryRunLLMID   = "llm_dry_run"
	DryRunAgentID = "agent_dry_run"
)

// dryRun runs the Retell steps with a client whose writes never leave the
// process: reads go to Retell, writes are recorded and answered as Retell
// would, and nothing is written to the database.
func (r *run) dryRun(ctx context.Context) (Result, error) {
	cfg := r.p.dryCfg
	base := http.DefaultTransport
	if cfg.HTTPClient != nil && cfg.HTTPClient.Transport != nil {
		base = cfg.HTTPClient.Transport
	}
	t := &dryTransport{base: base}
	cfg.HTTPClient = &http.Client{Transport: t}
	cfg.MaxRetries = -1
	cfg.Breakers = nil
	client, err := retell.New(cfg)
	if err != nil {
		return *r.res, fmt.Errorf("provision: dry-run client: %w", err)
	}
	r.client = client
	r.keepLLM, r.keepAgent = r.d.Branch.RetellLLMID, r.d.Branch.RetellAgentID
	r.journal = func(string, string) error { return nil }
	stepErr := r.remote(ctx)
	r.res.Requests = t.requests()
	r.res.Status = "dry_run"
	r.res.LLMID, r.res.AgentID = r.llmID, r.agentID
	if stepErr != nil {
		r.res.Error = stepErr.Error()
		return *r.res, stepErr
	}
	v := r.draftVersion
	r.res.AgentVersion = &v
	return *r.res, nil
}

// dryTransport passes GETs through and answers every other request itself,
// the way Retell answers it (fixtures/retell/README.md section 4).
type dryTransport struct {
	base http.RoundTripper
	mu   sync.Mutex
	reqs []Request
}

func (t *dryTransport) requests() []Request {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]Request(nil), t.reqs...)
}

// RoundTrip implements http.RoundTripper.
func (t *dryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodGet {
		return t.base.RoundTrip(req)
	}
	var body []byte
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		_ = req.Body.Close()
		if err != nil {
			return nil, err
		}
		body = b
	}
	t.mu.Lock()
	t.reqs = append(t.reqs, Request{Method: req.Method, Path: req.URL.RequestURI(), Body: body})
	t.mu.Unlock()

	path := req.URL.Path
	id := path[strings.LastIndexByte(path, '/')+1:]
	version := func() int {
		v, _ := strconv.Atoi(req.URL.Query().Get("version"))
		return v
	}
	var status int
	var out any
	switch {
	case path == "/create-retell-llm":
		status, out = http.StatusCreated, map[string]any{"llm_id": DryRunLLMID, "version": 0, "is_published": false}
	case strings.HasPrefix(path, "/update-retell-llm/"):
		status, out = http.StatusOK, map[string]any{"llm_id": id, "version": version(), "is_published": false}
	case path == "/create-agent":
		status, out = http.StatusCreated, map[string]any{"agent_id": DryRunAgentID, "version": 0, "is_published": false}
	case strings.HasPrefix(path, "/create-agent-version/"):
		var in struct {
			BaseVersion int `json:"base_version"`
		}
		_ = json.Unmarshal(body, &in)
		status, out = http.StatusCreated, map[string]any{"agent_id": id, "version": in.BaseVersion + 1, "is_published": false}
	case strings.HasPrefix(path, "/update-agent/"):
		status, out = http.StatusOK, map[string]any{"agent_id": id, "version": version(), "is_published": false}
	case strings.HasPrefix(path, "/publish-agent-version/"):
		status = http.StatusOK
	case strings.HasPrefix(path, "/update-phone-number/"):
		status, out = http.StatusOK, map[string]any{"phone_number": id}
	case req.Method == http.MethodDelete:
		status = http.StatusNoContent
	default:
		status, out = http.StatusBadRequest, map[string]any{"status": "error", "message": "dry run: unexpected request " + req.Method + " " + path}
	}
	var rb []byte
	if out != nil {
		rb, _ = json.Marshal(out)
	}
	return &http.Response{StatusCode: status, Status: http.StatusText(status), Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(bytes.NewReader(rb)), ContentLength: int64(len(rb)), Request: req, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1}, nil
}
