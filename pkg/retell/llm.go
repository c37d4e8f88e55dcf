package retell

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// CreateRetellLLM creates a Retell LLM (POST /create-retell-llm, 201). The
// new LLM is version 0, unpublished.
//
// A create is retried only when Retell cannot have acted on it (429, or the
// request was never written); after a 5xx or a lost answer it returns the
// error at once and [MayHaveSucceeded] reports true.
func (c *Client) CreateRetellLLM(ctx context.Context, req LLMRequest) (LLM, error) {
	var out LLM
	err := c.do(ctx, call{op: "create-retell-llm", method: http.MethodPost, path: "/create-retell-llm", endpoint: "/create-retell-llm", body: req, out: &out})
	return out, err
}

// GetRetellLLM returns the latest version of an LLM (GET
// /get-retell-llm/{llm_id}). A missing id gives an error for which
// [IsNotFound] is true.
func (c *Client) GetRetellLLM(ctx context.Context, llmID string) (LLM, error) {
	return c.getLLM(ctx, llmID, nil)
}

// GetRetellLLMVersion returns one version of an LLM (?version=).
func (c *Client) GetRetellLLMVersion(ctx context.Context, llmID string, version int) (LLM, error) {
	return c.getLLM(ctx, llmID, &version)
}

func (c *Client) getLLM(ctx context.Context, llmID string, version *int) (LLM, error) {
	p, err := idPath("/get-retell-llm/", "llm id", llmID)
	if err != nil {
		return LLM{}, err
	}
	var out LLM
	err = c.do(ctx, call{op: "get-retell-llm", method: http.MethodGet, path: p, endpoint: "/get-retell-llm/{llm_id}", query: versionQuery(version), out: &out, idempotent: true})
	return out, err
}

// UpdateRetellLLM updates the latest draft of an LLM with the fields set in
// req (PATCH /update-retell-llm/{llm_id}, partial). Published versions are
// immutable: to change a published LLM, create a new agent version first
// ([Client.CreateAgentVersion]) and update the LLM version it points at with
// [Client.UpdateRetellLLMVersion].
func (c *Client) UpdateRetellLLM(ctx context.Context, llmID string, req LLMRequest) (LLM, error) {
	return c.updateLLM(ctx, llmID, nil, req)
}

// UpdateRetellLLMVersion is UpdateRetellLLM for one version (?version=).
func (c *Client) UpdateRetellLLMVersion(ctx context.Context, llmID string, version int, req LLMRequest) (LLM, error) {
	return c.updateLLM(ctx, llmID, &version, req)
}

func (c *Client) updateLLM(ctx context.Context, llmID string, version *int, req LLMRequest) (LLM, error) {
	p, err := idPath("/update-retell-llm/", "llm id", llmID)
	if err != nil {
		return LLM{}, err
	}
	var out LLM
	err = c.do(ctx, call{op: "update-retell-llm", method: http.MethodPatch, path: p, endpoint: "/update-retell-llm/{llm_id}", query: versionQuery(version), body: req, out: &out, idempotent: true})
	return out, err
}

// DeleteRetellLLM deletes an LLM with all its versions (DELETE
// /delete-retell-llm/{llm_id}, 204). When an attempt failed ambiguously and
// the retry finds the LLM gone, it returns nil.
func (c *Client) DeleteRetellLLM(ctx context.Context, llmID string) error {
	p, err := idPath("/delete-retell-llm/", "llm id", llmID)
	if err != nil {
		return err
	}
	return c.do(ctx, call{op: "delete-retell-llm", method: http.MethodDelete, path: p, endpoint: "/delete-retell-llm/{llm_id}", idempotent: true, delete: true})
}

// ListRetellLLMs returns every Retell LLM of the account, one entry per LLM
// at its latest version, newest first (GET /v2/list-retell-llms, all
// pages; fixtures/retell/README.md section 4). Deleted LLMs are not listed.
//
// Each page is a read, retried like a GET; a page that fails returns its
// error and nothing else. Provisioning uses it to find an LLM that a create
// whose answer was lost ([MayHaveSucceeded]) may have made.
//
// Sources: GET /v2/list-retell-llms takes limit (default 50, at most 1000;
// the client sends Config.ListPageSize), sort_order (ascending or
// descending, default descending) and pagination_key, and answers
// {"items": [LLM...], "has_more", "pagination_key"} (API reference, spec
// revision 2026-08-01-ad84c11; retell-python-sdk LlmListResponse). It
// replaced GET /list-retell-llms, a bare array paged by pagination_key and
// pagination_key_version (removed 2026-06-15). Not confirmed: whether the v2
// list holds one item per LLM or one per version, as the old one paged by
// both; the client keeps the highest version of each llm_id, so either way
// each LLM comes once.
func (c *Client) ListRetellLLMs(ctx context.Context) ([]LLM, error) {
	items, err := listAll[LLM](ctx, c, call{op: "list-retell-llms", method: http.MethodGet, path: "/v2/list-retell-llms", endpoint: "/v2/list-retell-llms", idempotent: true})
	if err != nil {
		return nil, err
	}
	at := map[string]int{}
	out := []LLM{}
	for _, l := range items {
		i, dup := at[l.LLMID]
		switch {
		case !dup:
			at[l.LLMID] = len(out)
			out = append(out, l)
		case l.Version > out[i].Version:
			out[i] = l
		}
	}
	return out, nil
}

// Ping makes a cheap authenticated read (GET /v2/list-retell-llms?limit=1)
// to prove the base URL and key work, for the validator's
// RETELL_UNREACHABLE check. A wrong key gives an *APIError with status 401.
func (c *Client) Ping(ctx context.Context) error {
	return c.do(ctx, call{op: "list-retell-llms", method: http.MethodGet, path: "/v2/list-retell-llms", endpoint: "/v2/list-retell-llms",
		query: url.Values{"limit": {"1"}}, idempotent: true})
}

// idPath returns prefix + the escaped id, or ErrInvalidArgument for an
// empty id.
func idPath(prefix, what, id string) (string, error) {
	if id == "" {
		return "", fmt.Errorf("%w: %s is empty", ErrInvalidArgument, what)
	}
	return prefix + url.PathEscape(id), nil
}

// versionQuery returns ?version=n, or nothing for nil.
func versionQuery(version *int) url.Values {
	if version == nil {
		return nil
	}
	return url.Values{"version": {strconv.Itoa(*version)}}
}
