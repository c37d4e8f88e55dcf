package retell_test

import (
	"context"
	"strings"
	"testing"

	"github.com/askproai/askpro/pkg/outbound/outboundtest"
	"github.com/askproai/askpro/pkg/retell"
	"github.com/askproai/askpro/pkg/retell/retelltest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// endpointOf is the documented route pattern of each of the fake's
// operations.
var endpointOf = map[string]string{
	retelltest.OpCreateRetellLLM:     "POST /create-retell-llm",
	retelltest.OpGetRetellLLM:        "GET /get-retell-llm/{llm_id}",
	retelltest.OpUpdateRetellLLM:     "PATCH /update-retell-llm/{llm_id}",
	retelltest.OpDeleteRetellLLM:     "DELETE /delete-retell-llm/{llm_id}",
	retelltest.OpListRetellLLMs:      "GET /v2/list-retell-llms",
	retelltest.OpCreateAgent:         "POST /create-agent",
	retelltest.OpGetAgent:            "GET /get-agent/{agent_id}",
	retelltest.OpUpdateAgent:         "PATCH /update-agent/{agent_id}",
	retelltest.OpDeleteAgent:         "DELETE /delete-agent/{agent_id}",
	retelltest.OpListAgents:          "POST /v2/list-agents",
	retelltest.OpCreateAgentVersion:  "POST /create-agent-version/{agent_id}",
	retelltest.OpPublishAgentVersion: "POST /publish-agent-version/{agent_id}",
	retelltest.OpGetPhoneNumber:      "GET /get-phone-number/{phone_number}",
	retelltest.OpUpdatePhoneNumber:   "PATCH /update-phone-number/{phone_number}",
}

func TestObserver_EveryEndpointByPattern(t *testing.T) {
	t.Parallel()
	rec := &outboundtest.Recorder{}
	c, b := setup(t, func(cfg *retell.Config) {
		cfg.Observer = rec
		cfg.Breakers = retell.NewBreakers(retell.BreakerConfig{})
	})
	ctx := context.Background()
	llm, err := c.CreateRetellLLM(ctx, retell.LLMRequest{GeneralPrompt: "Du bist die Telefonassistenz."})
	require.NoError(t, err)
	_, err = c.GetRetellLLM(ctx, llm.LLMID)
	require.NoError(t, err)
	_, err = c.UpdateRetellLLM(ctx, llm.LLMID, retell.LLMRequest{GeneralPrompt: "Neu."})
	require.NoError(t, err)
	_, err = c.ListRetellLLMs(ctx)
	require.NoError(t, err)
	agent, err := c.CreateAgent(ctx, retell.AgentRequest{
		ResponseEngine: &retell.ResponseEngine{Type: retell.EngineRetellLLM, LLMID: llm.LLMID}, VoiceID: voiceID,
	})
	require.NoError(t, err)
	_, err = c.GetAgent(ctx, agent.AgentID)
	require.NoError(t, err)
	_, err = c.UpdateAgent(ctx, agent.AgentID, retell.AgentRequest{VoiceID: voiceID})
	require.NoError(t, err)
	_, err = c.ListAgents(ctx)
	require.NoError(t, err)
	require.NoError(t, c.PublishAgentVersion(ctx, agent.AgentID, retell.PublishRequest{Version: agent.Version}))
	_, err = c.CreateAgentVersion(ctx, agent.AgentID, agent.Version)
	require.NoError(t, err)
	_, err = c.GetPhoneNumber(ctx, salonNumber)
	require.NoError(t, err)
	_, err = c.UpdatePhoneNumber(ctx, salonNumber, retell.PhoneNumberUpdate{})
	require.NoError(t, err)
	require.NoError(t, c.DeleteAgent(ctx, agent.AgentID))
	require.NoError(t, c.DeleteRetellLLM(ctx, llm.LLMID))
	_, err = c.GetAgent(ctx, agent.AgentID)
	require.True(t, retell.IsNotFound(err))

	reqs := b.srv.Requests()
	require.Len(t, rec.Calls(), len(reqs), "one observation per attempt sent")
	seen := map[string]bool{}
	for i, r := range reqs {
		got := rec.Calls()[i]
		want, ok := endpointOf[r.Op]
		require.True(t, ok, "request %d: unexpected op %q", i, r.Op)
		seen[r.Op] = true
		assert.Equal(t, want, got.Method+" "+got.Endpoint, "request %d (%s %s)", i, r.Method, r.Path)
		assert.Equal(t, "retell", got.Service)
		assert.Equal(t, 1, got.Attempt)
		assert.NotContains(t, got.Endpoint, "+49", "never the number")
	}
	assert.Len(t, seen, len(endpointOf), "every endpoint exercised")
	last := rec.Calls()[len(rec.Calls())-1]
	assert.Equal(t, 404, last.Status)
	assert.Equal(t, 201, rec.Calls()[0].Status, "a create answers 201")

	logs := b.logs.String()
	assert.Equal(t, len(reqs), strings.Count(logs, `msg="outbound: retell`), "one line per attempt")
	assert.Contains(t, logs, `level=INFO msg="outbound: retell GET /get-agent/{agent_id}" service=retell endpoint=/get-agent/{agent_id} status=404 duration_ms=`)
	assert.Contains(t, logs, `level=DEBUG msg="outbound: retell PATCH /update-phone-number/{phone_number}"`)
	assert.NotContains(t, logs, "4930123", "no number in the outbound lines")
	host := strings.TrimPrefix(b.srv.URL, "http://")
	assert.Equal(t, []string{"retell " + host + " closed"}, rec.States())
}

func TestObserver_BreakerOpensAndErrors(t *testing.T) {
	t.Parallel()
	rec := &outboundtest.Recorder{}
	c, b := setup(t, func(cfg *retell.Config) {
		cfg.Observer = rec
		cfg.MaxRetries = -1
		cfg.Breakers = retell.NewBreakers(retell.BreakerConfig{FailureThreshold: 2})
	})
	b.srv.Fail(retelltest.OpGetAgent, 500, "boom", -1)
	ctx := context.Background()
	for range 3 {
		_, err := c.GetAgent(ctx, "agent_1")
		require.Error(t, err)
	}
	require.Len(t, rec.Calls(), 2, "the third request was refused by the open breaker, not sent")
	assert.Equal(t, 500, rec.Calls()[0].Status)
	assert.NoError(t, rec.Calls()[0].Err)
	host := strings.TrimPrefix(b.srv.URL, "http://")
	assert.Equal(t, []string{"retell " + host + " closed", "retell " + host + " open"}, rec.States())
}
