package retell_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/askproai/askpro/pkg/retell"
	"github.com/askproai/askpro/pkg/retell/retelltest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func pageSize(n int) func(*retell.Config) {
	return func(cfg *retell.Config) { cfg.ListPageSize = n }
}

// query parses a recorded raw query.
func query(t *testing.T, raw string) url.Values {
	t.Helper()
	q, err := url.ParseQuery(raw)
	require.NoError(t, err)
	return q
}

func TestListRetellLLMsWalksEveryPage(t *testing.T) {
	t.Parallel()
	c, b := setup(t, pageSize(2))
	ctx := context.Background()
	var llms []retell.LLM
	for range 5 {
		llms = append(llms, newLLM(t, c))
	}
	require.NoError(t, c.DeleteRetellLLM(ctx, llms[1].LLMID))
	// A draft agent version gives llms[0] a version 1.
	agent := newAgent(t, c, llms[0])
	_, err := c.CreateAgentVersion(ctx, agent.AgentID, agent.Version)
	require.NoError(t, err)

	got, err := c.ListRetellLLMs(ctx)
	require.NoError(t, err)
	var ids []string
	for _, l := range got {
		ids = append(ids, l.LLMID)
	}
	assert.Equal(t, []string{llms[4].LLMID, llms[3].LLMID, llms[2].LLMID, llms[0].LLMID}, ids,
		"newest first, the deleted one left out")
	assert.Equal(t, 1, got[3].Version, "the latest version")
	want := b.srv.LLMs()
	slices.Reverse(want)
	assert.Equal(t, want, got)

	reqs := b.srv.RequestsTo(retelltest.OpListRetellLLMs)
	require.Len(t, reqs, 2, "4 LLMs in pages of 2")
	assert.Equal(t, url.Values{"limit": {"2"}, "sort_order": {"descending"}}, query(t, reqs[0].Query))
	assert.Equal(t, url.Values{"limit": {"2"}, "sort_order": {"descending"}, "pagination_key": {llms[3].LLMID}},
		query(t, reqs[1].Query))
	assert.Equal(t, http.MethodGet, reqs[1].Method)
}

func TestListAgentsWalksEveryPageAtTheLatestVersion(t *testing.T) {
	t.Parallel()
	c, b := setup(t, pageSize(2))
	ctx := context.Background()
	llm := newLLM(t, c)
	var agents []retell.Agent
	for range 4 {
		agents = append(agents, newAgent(t, c, llm))
	}
	require.NoError(t, c.DeleteAgent(ctx, agents[2].AgentID))
	draft, err := c.CreateAgentVersion(ctx, agents[0].AgentID, 0)
	require.NoError(t, err)

	got, err := c.ListAgents(ctx)
	require.NoError(t, err)
	require.Len(t, got, 3)
	assert.Equal(t, []string{agents[3].AgentID, agents[1].AgentID, agents[0].AgentID},
		[]string{got[0].AgentID, got[1].AgentID, got[2].AgentID}, "newest first, the deleted one left out")
	assert.Equal(t, draft, got[2], "the latest version, with its response engine")
	want := b.srv.Agents()
	slices.Reverse(want)
	assert.Equal(t, want, got)

	lists := b.srv.RequestsTo(retelltest.OpListAgents)
	require.Len(t, lists, 2, "3 agents in pages of 2")
	for _, r := range lists {
		assert.Equal(t, http.MethodPost, r.Method)
		assert.JSONEq(t, `{"filter_criteria":{"channel":{"type":"string","op":"eq","value":"voice"}}}`, string(r.Body))
	}
	assert.Equal(t, url.Values{"limit": {"2"}, "sort_order": {"descending"}, "pagination_key": {agents[1].AgentID}},
		query(t, lists[1].Query))
	assert.Len(t, b.srv.RequestsTo(retelltest.OpGetAgent), 3, "one get per listed agent")
}

func TestListsOfAnEmptyAccount(t *testing.T) {
	t.Parallel()
	c, b := setup(t)
	llms, err := c.ListRetellLLMs(context.Background())
	require.NoError(t, err)
	assert.Empty(t, llms)
	agents, err := c.ListAgents(context.Background())
	require.NoError(t, err)
	assert.Empty(t, agents)
	reqs := b.srv.RequestsTo(retelltest.OpListRetellLLMs)
	require.Len(t, reqs, 1)
	assert.Equal(t, "1000", query(t, reqs[0].Query).Get("limit"), "the default page size is Retell's maximum")
}

func TestListFaults(t *testing.T) {
	t.Parallel()
	// fill makes 3 LLMs and 3 agents, so that each list has two pages.
	fill := func(t *testing.T, c *retell.Client) {
		llm := newLLM(t, c)
		newLLM(t, c)
		newLLM(t, c)
		for range 3 {
			newAgent(t, c, llm)
		}
	}
	t.Run("a page that fails with 503 is retried", func(t *testing.T) {
		t.Parallel()
		c, b := setup(t, pageSize(2))
		fill(t, c)
		b.srv.FailWith(retelltest.OpListRetellLLMs, retelltest.Fault{Status: http.StatusServiceUnavailable})
		got, err := c.ListRetellLLMs(context.Background())
		require.NoError(t, err)
		assert.Len(t, got, 3)
		assert.Len(t, b.srv.RequestsTo(retelltest.OpListRetellLLMs), 3, "2 pages and 1 retry")
		assert.Len(t, b.sleeps.waits(), 1)
	})
	t.Run("a hangup is retried", func(t *testing.T) {
		t.Parallel()
		c, b := setup(t, pageSize(2), func(cfg *retell.Config) {
			cfg.HTTPClient = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
		})
		fill(t, c)
		b.srv.FailWith(retelltest.OpListAgents, retelltest.Fault{Hangup: true})
		got, err := c.ListAgents(context.Background())
		require.NoError(t, err)
		assert.Len(t, got, 3)
		assert.Len(t, b.srv.RequestsTo(retelltest.OpListAgents), 3, "2 pages and 1 retry")
	})
	t.Run("a refused page returns the error and no items", func(t *testing.T) {
		t.Parallel()
		c, b := setup(t, pageSize(2))
		fill(t, c)
		b.srv.Fail(retelltest.OpListAgents, http.StatusBadRequest, "", 1)
		got, err := c.ListAgents(context.Background())
		var ae *retell.APIError
		require.ErrorAs(t, err, &ae)
		assert.Equal(t, http.StatusBadRequest, ae.StatusCode)
		assert.Equal(t, "/v2/list-agents", ae.Path)
		assert.Nil(t, got)
		assert.Len(t, b.srv.RequestsTo(retelltest.OpListAgents), 1, "a 400 is not retried")
	})
	t.Run("an agent deleted between the list and its get is left out", func(t *testing.T) {
		t.Parallel()
		c, b := setup(t, pageSize(2))
		fill(t, c)
		b.srv.Fail(retelltest.OpGetAgent, http.StatusNotFound, "", 1)
		got, err := c.ListAgents(context.Background())
		require.NoError(t, err)
		assert.Len(t, got, 2)
	})
	t.Run("a get that keeps failing fails the list", func(t *testing.T) {
		t.Parallel()
		c, b := setup(t, pageSize(2))
		fill(t, c)
		b.srv.Fail(retelltest.OpGetAgent, http.StatusInternalServerError, "", -1)
		got, err := c.ListAgents(context.Background())
		var ae *retell.APIError
		require.ErrorAs(t, err, &ae)
		assert.Equal(t, http.StatusInternalServerError, ae.StatusCode)
		assert.Nil(t, got)
		assert.Len(t, b.srv.RequestsTo(retelltest.OpGetAgent), 1+retell.DefaultMaxRetries, "retried, then returned")
	})
	t.Run("401", func(t *testing.T) {
		t.Parallel()
		_, b := setup(t)
		cfg := b.srv.ClientConfig()
		cfg.APIKey = "key_wrong"
		c, err := retell.New(cfg)
		require.NoError(t, err)
		_, err = c.ListRetellLLMs(context.Background())
		var ae *retell.APIError
		require.ErrorAs(t, err, &ae)
		assert.Equal(t, http.StatusUnauthorized, ae.StatusCode)
	})
}

// TestListRefusesBrokenPagination checks that a server whose pages never
// end is refused instead of looped on.
func TestListRefusesBrokenPagination(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		page string
		want string
	}{
		{"has_more without a key", `{"items":[{"llm_id":"llm_1"}],"has_more":true}`, "without a pagination_key"},
		{"the same key again", `{"items":[{"llm_id":"llm_1"}],"has_more":true,"pagination_key":"llm_1"}`, "came twice"},
		{"has_more without items", `{"items":[],"has_more":true,"pagination_key":"k"}`, "without items"},
		{"a bare array (the legacy shape)", `[{"llm_id":"llm_1"}]`, "decode response"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var n atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				n.Add(1)
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(tt.page))
			}))
			t.Cleanup(srv.Close)
			c, err := retell.New(retell.Config{BaseURL: srv.URL, APIKey: "key_1", Breakers: retell.NewBreakers(retell.BreakerConfig{})})
			require.NoError(t, err)
			got, err := c.ListRetellLLMs(context.Background())
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.Nil(t, got)
			assert.LessOrEqual(t, n.Load(), int32(2), "given up at once")
		})
	}
}
