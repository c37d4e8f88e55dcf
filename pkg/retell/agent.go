package retell

import (
	"context"
	"fmt"
	"net/http"
)

// CreateAgent creates a voice agent (POST /create-agent, 201). Retell
// requires ResponseEngine and VoiceID; an unknown llm_id is refused with
// 422. The new agent is version 0, unpublished: publish it with
// [Client.PublishAgentVersion] before binding a number to it.
//
// A create is retried only when Retell cannot have acted on it (429, or the
// request was never written); after a 5xx or a lost answer it returns the
// error at once and [MayHaveSucceeded] reports true.
func (c *Client) CreateAgent(ctx context.Context, req AgentRequest) (Agent, error) {
	var out Agent
	err := c.do(ctx, call{op: "create-agent", method: http.MethodPost, path: "/create-agent", endpoint: "/create-agent", body: req, out: &out})
	return out, err
}

// GetAgent returns the latest version of an agent (GET /get-agent/{id}):
// the highest version number, draft or published ("Default to latest
// version", API reference). After publishing version N with no newer draft
// it returns version N with IsPublished true.
func (c *Client) GetAgent(ctx context.Context, agentID string) (Agent, error) {
	return c.getAgent(ctx, agentID, nil)
}

// GetAgentVersion returns one version of an agent (?version=).
func (c *Client) GetAgentVersion(ctx context.Context, agentID string, version int) (Agent, error) {
	return c.getAgent(ctx, agentID, &version)
}

func (c *Client) getAgent(ctx context.Context, agentID string, version *int) (Agent, error) {
	p, err := idPath("/get-agent/", "agent id", agentID)
	if err != nil {
		return Agent{}, err
	}
	var out Agent
	err = c.do(ctx, call{op: "get-agent", method: http.MethodGet, path: p, endpoint: "/get-agent/{agent_id}", query: versionQuery(version), out: &out, idempotent: true})
	return out, err
}

// UpdateAgent updates the agent's latest draft version with the fields set
// in req (PATCH /update-agent/{id}, partial; "Update an existing agent's
// latest draft version", SDK v5 agent.update). Published versions are
// immutable: when the latest version is published, create a draft with
// [Client.CreateAgentVersion] and update that ([Client.UpdateAgentVersion]).
func (c *Client) UpdateAgent(ctx context.Context, agentID string, req AgentRequest) (Agent, error) {
	return c.updateAgent(ctx, agentID, nil, req)
}

// UpdateAgentVersion is UpdateAgent for one draft version (?version=).
func (c *Client) UpdateAgentVersion(ctx context.Context, agentID string, version int, req AgentRequest) (Agent, error) {
	return c.updateAgent(ctx, agentID, &version, req)
}

func (c *Client) updateAgent(ctx context.Context, agentID string, version *int, req AgentRequest) (Agent, error) {
	p, err := idPath("/update-agent/", "agent id", agentID)
	if err != nil {
		return Agent{}, err
	}
	var out Agent
	err = c.do(ctx, call{op: "update-agent", method: http.MethodPatch, path: p, endpoint: "/update-agent/{agent_id}", query: versionQuery(version), body: req, out: &out, idempotent: true})
	return out, err
}

// DeleteAgent deletes an agent with all its versions (DELETE
// /delete-agent/{id}, 204). When an attempt failed ambiguously and the
// retry finds the agent gone, it returns nil.
func (c *Client) DeleteAgent(ctx context.Context, agentID string) error {
	p, err := idPath("/delete-agent/", "agent id", agentID)
	if err != nil {
		return err
	}
	return c.do(ctx, call{op: "delete-agent", method: http.MethodDelete, path: p, endpoint: "/delete-agent/{agent_id}", idempotent: true, delete: true})
}

// ListAgents returns every voice agent of the account at its latest
// version, newest first: POST /v2/list-agents (all pages; fixtures/retell/
// README.md section 4), then GET /get-agent/{id} for each agent listed.
// Deleted agents are not listed, nor is one deleted between the two
// requests (its get answers 404). Chat agents are left out with
// filter_criteria.channel = voice: askpro makes voice agents only.
//
// Every request is a read, retried like a GET; any other failure returns
// its error and nothing else. Provisioning uses it to find an agent that a
// create whose answer was lost ([MayHaveSucceeded]) may have made.
//
// Why one request per agent: the sources disagree, and this follows the
// newest. The legacy GET /list-agents (retell-python-sdk AgentListParams:
// limit, pagination_key, pagination_key_version) answered full agents. The
// newest SDK (retell-typescript-sdk src/resources/agent.ts, agent.list) and
// the API reference (spec revision 2026-08-01-ad84c11) send POST
// /v2/list-agents with limit (default 50, at most 1000), sort_order
// (default descending) and pagination_key in the query and
// {"filter_criteria": {...}} as the body, and answer "unique agents" as
// {"items", "has_more", "pagination_key"} whose items hold only agent_id,
// agent_name, channel, user_modified_timestamp and tags: no version, no
// response engine. So each listed agent costs one GetAgent more.
func (c *Client) ListAgents(ctx context.Context) ([]Agent, error) {
	body := map[string]any{"filter_criteria": map[string]any{
		"channel": map[string]string{"type": "string", "op": "eq", "value": "voice"},
	}}
	items, err := listAll[agentListItem](ctx, c, call{op: "list-agents", method: http.MethodPost, path: "/v2/list-agents", endpoint: "/v2/list-agents", body: body, idempotent: true})
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	out := []Agent{}
	for _, it := range items {
		if it.AgentID == "" || seen[it.AgentID] {
			continue
		}
		seen[it.AgentID] = true
		a, err := c.GetAgent(ctx, it.AgentID)
		if IsNotFound(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// agentListItem is an item of POST /v2/list-agents (AgentListItemResponse);
// only the id is used.
type agentListItem struct {
	AgentID string `json:"agent_id"`
}

// CreateAgentVersion creates a draft from baseVersion (POST
// /create-agent-version/{id} {"base_version": n}, 201) and returns it. The
// draft takes the next version number; its LLM gets a matching draft
// version. Like every create it is not retried after an ambiguous failure.
func (c *Client) CreateAgentVersion(ctx context.Context, agentID string, baseVersion int) (Agent, error) {
	p, err := idPath("/create-agent-version/", "agent id", agentID)
	if err != nil {
		return Agent{}, err
	}
	if baseVersion < 0 {
		return Agent{}, fmt.Errorf("%w: base version %d is negative", ErrInvalidArgument, baseVersion)
	}
	body := struct {
		BaseVersion int `json:"base_version"`
	}{baseVersion}
	var out Agent
	err = c.do(ctx, call{op: "create-agent-version", method: http.MethodPost, path: p, endpoint: "/create-agent-version/{agent_id}", body: body, out: &out})
	return out, err
}

// PublishAgentVersion publishes the draft req.Version of an agent in place
// (POST /publish-agent-version/{id} {"version": n, "version_title"?,
// "version_description"?}, 200 with no body).
//
// What is known (sources in the package documentation, "Versions"):
// publishing takes the version number (required) and answers without a
// body (both SDKs return void); the version published is exactly
// req.Version, which stays the same number and becomes immutable; no new
// draft is created (the legacy /publish-agent did that, deprecated on
// 2026-07-20). So bind the phone number to req.Version, the Version of the
// draft returned by CreateAgent, UpdateAgent or CreateAgentVersion.
//
// Not confirmed: how Retell answers publishing a version that is already
// published. This client treats publish as idempotent and retries it after
// a 5xx or a lost answer; if a retry is refused, check with
// [Client.GetAgentVersion] whether the version is published.
func (c *Client) PublishAgentVersion(ctx context.Context, agentID string, req PublishRequest) error {
	p, err := idPath("/publish-agent-version/", "agent id", agentID)
	if err != nil {
		return err
	}
	if req.Version < 0 {
		return fmt.Errorf("%w: version %d is negative", ErrInvalidArgument, req.Version)
	}
	return c.do(ctx, call{op: "publish-agent-version", method: http.MethodPost, path: p, endpoint: "/publish-agent-version/{agent_id}", body: req, idempotent: true})
}
