package retell_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sort"
	"testing"

	"github.com/askproai/askpro/internal/testenv"
	"github.com/askproai/askpro/pkg/retell"
	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// asTree decodes JSON into maps, slices and float64s, for comparing two
// documents field by field.
func asTree(t *testing.T, b []byte) any {
	t.Helper()
	var v any
	require.NoError(t, json.Unmarshal(b, &v))
	return v
}

// TestFixturesRoundTrip decodes each shared fixture into its type, strictly
// (a field the type does not know fails), encodes it again and compares the
// two documents field by field: no field is lost, renamed or retyped.
func TestFixturesRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file string
		into func() any
	}{
		{"create_retell_llm_request.json", func() any { return &retell.LLMRequest{} }},
		{"create_agent_request.json", func() any { return &retell.AgentRequest{} }},
		{"create_retell_llm_response.json", func() any { return &retell.LLM{} }},
		{"create_agent_response.json", func() any { return &retell.Agent{} }},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			raw := testenv.Fixture(t, "retell", tt.file)
			v := tt.into()
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.DisallowUnknownFields()
			require.NoError(t, dec.Decode(v), "every fixture field must map to a struct field")
			got, err := json.Marshal(v)
			require.NoError(t, err)
			if diff := cmp.Diff(asTree(t, raw), asTree(t, got)); diff != "" {
				t.Errorf("%s changed in a decode/encode round trip (-fixture +encoded):\n%s", tt.file, diff)
			}
		})
	}
}

// TestFixturesDecodeIntoTypedFields checks that the fixtures land in the
// typed fields the provisioner reads, not only somewhere.
func TestFixturesDecodeIntoTypedFields(t *testing.T) {
	t.Parallel()
	var llm retell.LLM
	require.NoError(t, json.Unmarshal(testenv.Fixture(t, "retell", "create_retell_llm_response.json"), &llm))
	assert.Equal(t, "llm_9d2e4f6a8b0c1d3e5f7a9b1c3d5e7f90", llm.LLMID)
	assert.Equal(t, 0, llm.Version)
	assert.False(t, llm.IsPublished)
	assert.Equal(t, int64(1772352000512), llm.LastModificationTimestamp)
	require.NotNil(t, llm.ModelTemperature)
	assert.Zero(t, *llm.ModelTemperature)
	require.NotNil(t, llm.BeginMessage)
	assert.Contains(t, *llm.BeginMessage, "digitale Assistenz")
	assert.Equal(t, map[string]string{"salon_name": "Salon Haarmonie"}, llm.DefaultDynamicVariables)
	require.Len(t, llm.GeneralTools, 3)
	assert.Equal(t, retell.Tool{Type: retell.ToolEndCall, Name: "end_call",
		Description: "Beendet das Gespräch, nachdem sich die Person verabschiedet hat."}, llm.GeneralTools[0])
	check := llm.GeneralTools[1]
	assert.Equal(t, retell.ToolCustom, check.Type)
	assert.Equal(t, "check_availability", check.Name)
	assert.Equal(t, "https://api.example.com/retell/functions/check_availability", check.URL)
	assert.Equal(t, "POST", check.Method)
	assert.Equal(t, ptr(true), check.SpeakDuringExecution)
	assert.Equal(t, ptr(true), check.SpeakAfterExecution)
	assert.Equal(t, "static_text", check.ExecutionMessageType)
	assert.Equal(t, "Einen Moment, ich schaue kurz nach.", check.ExecutionMessageDescription)
	assert.Equal(t, ptr(10000), check.TimeoutMS)
	require.NotNil(t, check.Parameters)
	assert.Equal(t, "object", check.Parameters.Type)
	assert.Equal(t, []string{"service", "date"}, check.Parameters.Required)
	assert.JSONEq(t, `{"type":"string","description":"Wunschtag im Format YYYY-MM-DD"}`, string(check.Parameters.Properties["date"]))
	assert.Equal(t, ptr(15000), llm.GeneralTools[2].TimeoutMS)

	var agent retell.Agent
	require.NoError(t, json.Unmarshal(testenv.Fixture(t, "retell", "create_agent_response.json"), &agent))
	assert.Equal(t, "agent_4b1e9c7d2a6f4e8b9c0d1a2b3c4d5e6f", agent.AgentID)
	assert.Equal(t, 0, agent.Version)
	assert.False(t, agent.IsPublished)
	require.NotNil(t, agent.ResponseEngine)
	assert.Equal(t, retell.ResponseEngine{Type: retell.EngineRetellLLM, LLMID: llm.LLMID, Version: ptr(0)}, *agent.ResponseEngine)
	assert.Equal(t, retell.Locales{"de-DE"}, agent.Language)
	assert.Equal(t, "Europe/Berlin", agent.Timezone)
	assert.Equal(t, []string{"call_started", "call_ended", "call_analyzed"}, agent.WebhookEvents)
	assert.Equal(t, ptr(10000), agent.WebhookTimeoutMS)
	assert.Equal(t, ptr(600000), agent.MaxCallDurationMS)
	assert.Equal(t, ptr(30000), agent.EndCallAfterSilenceMS)
	assert.Equal(t, ptr(1.0), agent.Responsiveness)
	assert.Equal(t, ptr(0.8), agent.InterruptionSensitivity)
	require.Len(t, agent.PostCallAnalysisData, 4)
	assert.Equal(t, retell.AnalysisField{Type: "enum", Name: "service", Description: "Gebuchte oder angefragte Leistung",
		Choices: []string{"damenhaarschnitt", "herrenhaarschnitt", "kinderhaarschnitt"}}, agent.PostCallAnalysisData[1])
	assert.Equal(t, []string{"Anna Schmidt"}, agent.PostCallAnalysisData[0].Examples)
}

// TestFixtureErrorBodyDecodes checks that Retell's documented error body
// becomes an *APIError with its message.
func TestFixtureErrorBodyDecodes(t *testing.T) {
	t.Parallel()
	body := testenv.Fixture(t, "retell", "error_response.json")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	c, err := retell.New(retell.Config{BaseURL: srv.URL, APIKey: "key_x", Breakers: retell.NewBreakers(retell.BreakerConfig{})})
	require.NoError(t, err)
	_, err = c.GetAgent(context.Background(), "agent_1")
	var ae *retell.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, http.StatusBadRequest, ae.StatusCode)
	assert.Equal(t, "Invalid request format, please check API reference.", ae.Message)
	assert.Equal(t, "GET", ae.Method)
	assert.Equal(t, "/get-agent/agent_1", ae.Path)
}

// keys returns the sorted top-level keys of a JSON object.
func keys(t *testing.T, b []byte) []string {
	t.Helper()
	var m map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(b, &m))
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestFakeAnswersFixtureRequestsLikeFixtureResponses sends the fixture
// requests through the client to the fake and checks that the answers have
// the fixture responses' fields and values (ids and timestamps aside).
func TestFakeAnswersFixtureRequestsLikeFixtureResponses(t *testing.T) {
	t.Parallel()
	c, b := setup(t)
	ctx := context.Background()

	var llmReq retell.LLMRequest
	require.NoError(t, json.Unmarshal(testenv.Fixture(t, "retell", "create_retell_llm_request.json"), &llmReq))
	llm, err := c.CreateRetellLLM(ctx, llmReq)
	require.NoError(t, err)
	sent := b.srv.RequestsTo("create-retell-llm")
	require.Len(t, sent, 1)
	assert.Equal(t, asTree(t, testenv.Fixture(t, "retell", "create_retell_llm_request.json")), asTree(t, sent[0].Body),
		"the client sends the fixture request unchanged")

	want := testenv.Fixture(t, "retell", "create_retell_llm_response.json")
	got, err := json.Marshal(llm)
	require.NoError(t, err)
	assert.Equal(t, keys(t, want), keys(t, got))
	var wantLLM retell.LLM
	require.NoError(t, json.Unmarshal(want, &wantLLM))
	wantLLM.LLMID, wantLLM.LastModificationTimestamp = llm.LLMID, llm.LastModificationTimestamp
	assert.Equal(t, wantLLM, llm)

	var agentReq retell.AgentRequest
	require.NoError(t, json.Unmarshal(testenv.Fixture(t, "retell", "create_agent_request.json"), &agentReq))
	agentReq.ResponseEngine.LLMID = llm.LLMID
	agent, err := c.CreateAgent(ctx, agentReq)
	require.NoError(t, err)
	want = testenv.Fixture(t, "retell", "create_agent_response.json")
	got, err = json.Marshal(agent)
	require.NoError(t, err)
	assert.Equal(t, keys(t, want), keys(t, got))
	var wantAgent retell.Agent
	require.NoError(t, json.Unmarshal(want, &wantAgent))
	wantAgent.AgentID, wantAgent.LastModificationTimestamp = agent.AgentID, agent.LastModificationTimestamp
	wantAgent.ResponseEngine.LLMID = llm.LLMID
	assert.Equal(t, wantAgent, agent)
}
