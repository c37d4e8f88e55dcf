package retelltest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/askproai/askpro/internal/testenv"
	"github.com/askproai/askpro/pkg/retell"
	"github.com/askproai/askpro/pkg/retell/retelltest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const number = "+493012345678"

// testBundle is a fake with one LLM, one agent (version 0, a draft) and one
// registered number.
type testBundle struct {
	srv   *retelltest.Server
	c     *retell.Client
	llm   retell.LLM
	agent retell.Agent
}

func setup(t *testing.T) testBundle {
	t.Helper()
	srv := retelltest.Start(t, retelltest.Config{})
	srv.AddPhoneNumber(number)
	c := srv.Client(t)
	ctx := context.Background()
	llm, err := c.CreateRetellLLM(ctx, retell.LLMRequest{GeneralPrompt: "Du bist die Telefonassistenz."})
	require.NoError(t, err)
	agent, err := c.CreateAgent(ctx, retell.AgentRequest{
		ResponseEngine: &retell.ResponseEngine{Type: retell.EngineRetellLLM, LLMID: llm.LLMID},
		VoiceID:        "retell-Cimo",
	})
	require.NoError(t, err)
	return testBundle{srv: srv, c: c, llm: llm, agent: agent}
}

// send makes a raw request with the server's key (or key, if set).
func send(t *testing.T, srv *retelltest.Server, method, path, body string, key ...string) (int, string) {
	t.Helper()
	var rdr io.Reader
	if body != "" {
		rdr = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, srv.URL+path, rdr)
	require.NoError(t, err)
	k := srv.APIKey()
	if len(key) > 0 {
		k = key[0]
	}
	if k != "" {
		req.Header.Set("Authorization", "Bearer "+k)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	if resp.StatusCode >= 400 {
		var e struct{ Status, Message string }
		require.NoError(t, json.Unmarshal(b, &e), "error bodies are Retell's JSON: %s", b)
		assert.Equal(t, "error", e.Status)
		return resp.StatusCode, e.Message
	}
	return resp.StatusCode, string(b)
}

// customTool returns a valid custom tool as JSON with one field replaced
// (or removed, for a nil value).
func customTool(field string, value any) string {
	tool := map[string]any{
		"type": "custom", "name": "check_availability", "description": "Freie Termine",
		"url": "https://askpro.example/retell/functions/check_availability", "method": "POST",
		"timeout_ms": 10000, "parameters": map[string]any{"type": "object", "properties": map[string]any{}},
	}
	if value == nil {
		delete(tool, field)
	} else if field != "" {
		tool[field] = value
	}
	b, _ := json.Marshal(tool)
	return string(b)
}

func transferTool(dest, option string) string {
	parts := []string{`"type":"transfer_call","name":"transfer_call","description":"An einen Menschen"`}
	if dest != "" {
		parts = append(parts, `"transfer_destination":`+dest)
	}
	if option != "" {
		parts = append(parts, `"transfer_option":`+option)
	}
	return "{" + strings.Join(parts, ",") + "}"
}

func llmWithTools(tools ...string) string {
	return `{"general_prompt":"x","general_tools":[` + strings.Join(tools, ",") + `]}`
}

// TestRefusals sends each request the real API refuses and checks the
// status, the message and that nothing changed.
func TestRefusals(t *testing.T) {
	t.Parallel()
	b := setup(t)
	agentPath := "/update-agent/" + b.agent.AgentID
	engine := fmt.Sprintf(`{"type":"retell-llm","llm_id":%q}`, b.llm.LLMID)
	agentWith := func(extra string) string {
		return fmt.Sprintf(`{"response_engine":%s,"voice_id":"retell-Cimo",%s}`, engine, extra)
	}
	bind := func(items string) string { return `{"inbound_agents":` + items + `}` }
	item := func(weight, version string) string {
		return fmt.Sprintf(`{"agent_id":%q,"weight":%s,"agent_version":%s}`, b.agent.AgentID, weight, version)
	}
	tests := []struct {
		name, method, path, body string
		key                      string // "-" sends no Authorization
		status                   int
		msg                      string // substring of the message
	}{
		{"no key", "GET", "/get-agent/" + b.agent.AgentID, "", "-", 401, retelltest.MsgUnauthorized},
		{"wrong key", "GET", "/get-agent/" + b.agent.AgentID, "", "key_wrong", 401, retelltest.MsgUnauthorized},
		{"unknown route", "GET", "/list-everything", "", "", 404, retelltest.MsgNotFound},
		{"unknown agent", "GET", "/get-agent/agent_nope", "", "", 404, retelltest.MsgNotFound},
		{"unknown agent version", "GET", "/get-agent/" + b.agent.AgentID + "?version=9", "", "", 404, retelltest.MsgNotFound},
		{"unknown llm", "PATCH", "/update-retell-llm/llm_nope", `{"general_prompt":"x"}`, "", 404, retelltest.MsgNotFound},
		{"delete unknown agent", "DELETE", "/delete-agent/agent_nope", "", "", 404, retelltest.MsgNotFound},
		{"unknown number", "GET", "/get-phone-number/%2B4930999999", "", "", 404, retelltest.MsgNotFound},
		{"not json", "POST", "/create-retell-llm", `general_prompt=x`, "", 400, retelltest.MsgBadRequest},
		{"json array", "POST", "/create-agent", `[1]`, "", 400, retelltest.MsgBadRequest},
		{"wrong field type", "POST", "/create-agent", agentWith(`"max_call_duration_ms":"long"`), "", 400, retelltest.MsgBadRequest},

		{"agent without response_engine", "POST", "/create-agent", `{"voice_id":"retell-Cimo"}`, "", 400, "response_engine is required"},
		{"agent without voice_id", "POST", "/create-agent", `{"response_engine":` + engine + `}`, "", 400, "voice_id is required"},
		{"agent with unknown llm", "POST", "/create-agent", `{"response_engine":{"type":"retell-llm","llm_id":"llm_nope"},"voice_id":"v"}`, "", 422, retelltest.MsgNoAsset},
		{"agent with unknown llm version", "POST", "/create-agent", fmt.Sprintf(`{"response_engine":{"type":"retell-llm","llm_id":%q,"version":4},"voice_id":"v"}`, b.llm.LLMID), "", 422, retelltest.MsgNoAsset},
		{"agent with unknown flow", "POST", "/create-agent", `{"response_engine":{"type":"conversation-flow","conversation_flow_id":"cf_1"},"voice_id":"v"}`, "", 422, retelltest.MsgNoAsset},
		{"custom llm without ws url", "POST", "/create-agent", `{"response_engine":{"type":"custom-llm","llm_websocket_url":"https://x"},"voice_id":"v"}`, "", 400, "llm_websocket_url"},
		{"engine type", "POST", "/create-agent", `{"response_engine":{"type":"gpt"},"voice_id":"v"}`, "", 400, "response_engine.type"},
		{"max call too short", "POST", "/create-agent", agentWith(`"max_call_duration_ms":59999`), "", 400, "max_call_duration_ms 59999"},
		{"max call too long", "POST", "/create-agent", agentWith(`"max_call_duration_ms":7200001`), "", 400, "max_call_duration_ms 7200001"},
		{"responsiveness", "POST", "/create-agent", agentWith(`"responsiveness":1.5`), "", 400, "responsiveness"},
		{"interruption sensitivity", "POST", "/create-agent", agentWith(`"interruption_sensitivity":-0.1`), "", 400, "interruption_sensitivity"},
		{"silence too short", "POST", "/create-agent", agentWith(`"end_call_after_silence_ms":5000`), "", 400, "end_call_after_silence_ms"},
		{"webhook event", "POST", "/create-agent", agentWith(`"webhook_events":["call_failed"]`), "", 400, "call_failed"},
		{"webhook url", "POST", "/create-agent", agentWith(`"webhook_url":"ftp://x"`), "", 400, "webhook_url"},
		{"language", "POST", "/create-agent", agentWith(`"language":"deutsch"`), "", 400, "language"},
		{"enum analysis without choices", "POST", "/create-agent", agentWith(`"post_call_analysis_data":[{"type":"enum","name":"service"}]`), "", 400, "choices"},
		{"update agent out of range", "PATCH", agentPath, `{"max_call_duration_ms":1000}`, "", 400, "max_call_duration_ms"},

		{"tool name with space", "POST", "/create-retell-llm", llmWithTools(customTool("name", "check availability")), "", 400, "must be 1 to 64 characters"},
		{"tool name too long", "POST", "/create-retell-llm", llmWithTools(customTool("name", strings.Repeat("a", 65))), "", 400, "must be 1 to 64 characters"},
		{"tool name empty", "POST", "/create-retell-llm", llmWithTools(customTool("name", "")), "", 400, "must be 1 to 64 characters"},
		{"tool names not unique", "POST", "/create-retell-llm", llmWithTools(customTool("", nil), customTool("", nil)), "", 400, "not unique"},
		{"tool timeout too short", "POST", "/create-retell-llm", llmWithTools(customTool("timeout_ms", 999)), "", 400, "timeout_ms 999"},
		{"tool timeout too long", "POST", "/create-retell-llm", llmWithTools(customTool("timeout_ms", 600001)), "", 400, "timeout_ms 600001"},
		{"custom tool without url", "POST", "/create-retell-llm", llmWithTools(customTool("url", nil)), "", 400, ".url"},
		{"custom tool method", "POST", "/create-retell-llm", llmWithTools(customTool("method", "FETCH")), "", 400, ".method"},
		{"parameters not an object", "POST", "/create-retell-llm", llmWithTools(customTool("parameters", map[string]any{"type": "array", "properties": map[string]any{}})), "", 400, "parameters.type"},
		{"execution message type", "POST", "/create-retell-llm", llmWithTools(customTool("execution_message_type", "speech")), "", 400, "execution_message_type"},
		{"unknown tool type", "POST", "/create-retell-llm", llmWithTools(`{"type":"teleport","name":"beam"}`), "", 400, "not a tool type"},
		{"transfer without destination", "POST", "/create-retell-llm", llmWithTools(transferTool("", `{"type":"cold_transfer"}`)), "", 400, "transfer_destination is required"},
		{"transfer to a non-E.164 number", "POST", "/create-retell-llm", llmWithTools(transferTool(`{"type":"predefined","number":"030 123456"}`, `{"type":"cold_transfer"}`)), "", 400, "must be E.164"},
		{"transfer without option", "POST", "/create-retell-llm", llmWithTools(transferTool(`{"type":"predefined","number":"+4930123456"}`, "")), "", 400, "transfer_option is required"},
		{"transfer option type", "POST", "/create-retell-llm", llmWithTools(transferTool(`{"type":"predefined","number":"+4930123456"}`, `{"type":"hot_transfer"}`)), "", 400, "transfer_option.type"},
		{"model temperature", "POST", "/create-retell-llm", `{"model_temperature":2}`, "", 400, "model_temperature"},
		{"start speaker", "POST", "/create-retell-llm", `{"start_speaker":"caller"}`, "", 400, "start_speaker"},
		{"starting state", "POST", "/create-retell-llm", `{"states":[{"name":"a"}],"starting_state":"b"}`, "", 400, "starting_state"},
		{"state tool clashes with a general tool", "POST", "/create-retell-llm",
			`{"general_tools":[` + customTool("", nil) + `],"states":[{"name":"a","tools":[` + customTool("", nil) + `]}],"starting_state":"a"}`, "", 400, "not unique"},

		{"deprecated inbound_agent_id", "PATCH", "/update-phone-number/%2B493012345678", fmt.Sprintf(`{"inbound_agent_id":%q}`, b.agent.AgentID), "", 400, "inbound_agent_id is no longer supported"},
		{"deprecated inbound_agent_version", "PATCH", "/update-phone-number/%2B493012345678", `{"inbound_agent_version":0}`, "", 400, "inbound_agent_version"},
		{"deprecated outbound_agent_id", "PATCH", "/update-phone-number/%2B493012345678", `{"outbound_agent_id":"agent_x"}`, "", 400, "outbound_agent_id"},
		{"weights below 1", "PATCH", "/update-phone-number/%2B493012345678", bind("[" + item("0.5", "0") + "," + item("0.4", "0") + "]"), "", 400, "must add up to 1"},
		{"weights above 1", "PATCH", "/update-phone-number/%2B493012345678", bind("[" + item("0.6", "0") + "," + item("0.6", "0") + "]"), "", 400, "must add up to 1"},
		{"weight zero", "PATCH", "/update-phone-number/%2B493012345678", bind("[" + item("0", "0") + "]"), "", 400, "weight"},
		{"bound agent unknown", "PATCH", "/update-phone-number/%2B493012345678", `{"inbound_agents":[{"agent_id":"agent_nope","weight":1,"agent_version":0}]}`, "", 422, retelltest.MsgNoAsset},
		{"bound version unknown", "PATCH", "/update-phone-number/%2B493012345678", bind("[" + item("1", "3") + "]"), "", 422, retelltest.MsgNoAsset},
		{"bound tag unknown", "PATCH", "/update-phone-number/%2B493012345678", bind("[" + item("1", `"prod"`) + "]"), "", 422, retelltest.MsgNoAsset},
		{"inbound webhook url", "PATCH", "/update-phone-number/%2B493012345678", `{"inbound_webhook_url":"askpro.example/retell/inbound"}`, "", 400, "inbound_webhook_url"},

		{"publish without version", "POST", "/publish-agent-version/" + b.agent.AgentID, `{}`, "", 400, "version is required"},
		{"publish unknown version", "POST", "/publish-agent-version/" + b.agent.AgentID, `{"version":5}`, "", 400, "no version 5"},
		{"publish unknown agent", "POST", "/publish-agent-version/agent_nope", `{"version":0}`, "", 404, retelltest.MsgNotFound},
		{"draft without base", "POST", "/create-agent-version/" + b.agent.AgentID, `{}`, "", 400, "base_version is required"},
		{"draft from unknown base", "POST", "/create-agent-version/" + b.agent.AgentID, `{"base_version":3}`, "", 400, "base_version 3"},
		{"malformed version", "PATCH", agentPath + "?version=latest", `{}`, "", 400, retelltest.MsgBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := state(b.srv)
			key := []string{}
			switch tt.key {
			case "-":
				key = []string{""}
			case "":
			default:
				key = []string{tt.key}
			}
			status, msg := send(t, b.srv, tt.method, tt.path, tt.body, key...)
			assert.Equal(t, tt.status, status, msg)
			assert.Contains(t, msg, tt.msg)
			assert.Equal(t, before, state(b.srv), "a refused request changes nothing")
		})
	}
}

// state captures everything a request could change.
func state(srv *retelltest.Server) string {
	pn, _ := srv.PhoneNumber(number)
	var buf bytes.Buffer
	_ = json.NewEncoder(&buf).Encode([]any{srv.LLMs(), srv.Agents(), pn})
	return buf.String()
}

func TestAcceptsUnknownFieldsAndTags(t *testing.T) {
	t.Parallel()
	b := setup(t)
	status, body := send(t, b.srv, "POST", "/create-agent", fmt.Sprintf(
		`{"response_engine":{"type":"retell-llm","llm_id":%q},"voice_id":"v","ambient_sound":"coffee-shop","new_2027_field":{"x":1}}`, b.llm.LLMID))
	assert.Equal(t, http.StatusCreated, status, body)
	assert.Len(t, b.srv.Agents(), 2)

	status, body = send(t, b.srv, "PATCH", "/update-phone-number/%2B493012345678", fmt.Sprintf(
		`{"inbound_agents":[{"agent_id":%q,"weight":0.5,"agent_version":"latest_published"},{"agent_id":%q,"weight":0.5,"agent_version":0}],"nickname":"Salon"}`,
		b.agent.AgentID, b.agent.AgentID))
	require.Equal(t, http.StatusOK, status, body)
	pn, ok := b.srv.PhoneNumber(number)
	require.True(t, ok)
	assert.Equal(t, "Salon", pn.Nickname)
	assert.Equal(t, []retell.InboundAgent{
		{AgentID: b.agent.AgentID, Weight: 0.5, AgentVersion: retell.Tag(retell.TagLatestPublished)},
		{AgentID: b.agent.AgentID, Weight: 0.5, AgentVersion: retell.Version(0)},
	}, pn.InboundAgents)

	// A raw '+' in the path finds the number too.
	status, body = send(t, b.srv, "GET", "/get-phone-number/+493012345678", "")
	assert.Equal(t, http.StatusOK, status, body)
}

func TestFixtureRequestsAreAccepted(t *testing.T) {
	t.Parallel()
	srv := retelltest.Start(t, retelltest.Config{})
	status, body := send(t, srv, "POST", "/create-retell-llm", string(testenv.Fixture(t, "retell", "create_retell_llm_request.json")))
	require.Equal(t, http.StatusCreated, status, body)
	var llm retell.LLM
	require.NoError(t, json.Unmarshal([]byte(body), &llm))

	var agentReq map[string]any
	require.NoError(t, json.Unmarshal(testenv.Fixture(t, "retell", "create_agent_request.json"), &agentReq))
	agentReq["response_engine"].(map[string]any)["llm_id"] = llm.LLMID
	reqBody, err := json.Marshal(agentReq)
	require.NoError(t, err)
	status, body = send(t, srv, "POST", "/create-agent", string(reqBody))
	require.Equal(t, http.StatusCreated, status, body)
	assert.Len(t, srv.Agents(), 1)
}

func TestVersioning(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()

	// Updating a draft is allowed; publishing it freezes agent and LLM.
	_, err := b.c.UpdateAgent(ctx, b.agent.AgentID, retell.AgentRequest{AgentName: "Rezeption"})
	require.NoError(t, err)
	require.NoError(t, b.c.PublishAgentVersion(ctx, b.agent.AgentID, retell.PublishRequest{Version: 0}))
	require.NoError(t, b.c.PublishAgentVersion(ctx, b.agent.AgentID, retell.PublishRequest{Version: 0}), "publishing again changes nothing")
	for _, call := range []func() error{
		func() error {
			_, err := b.c.UpdateAgent(ctx, b.agent.AgentID, retell.AgentRequest{AgentName: "x"})
			return err
		},
		func() error {
			_, err := b.c.UpdateAgentVersion(ctx, b.agent.AgentID, 0, retell.AgentRequest{AgentName: "x"})
			return err
		},
		func() error {
			_, err := b.c.UpdateRetellLLM(ctx, b.llm.LLMID, retell.LLMRequest{GeneralPrompt: "x"})
			return err
		},
	} {
		var ae *retell.APIError
		require.ErrorAs(t, call(), &ae)
		assert.Equal(t, http.StatusBadRequest, ae.StatusCode)
		assert.Contains(t, ae.Message, "published")
	}

	draft, err := b.c.CreateAgentVersion(ctx, b.agent.AgentID, 0)
	require.NoError(t, err)
	assert.Equal(t, 1, draft.Version)
	assert.Equal(t, "Rezeption", draft.AgentName, "a draft copies its base")
	// Without ?version the update goes to the latest draft.
	draft, err = b.c.UpdateAgent(ctx, b.agent.AgentID, retell.AgentRequest{AgentName: "Rezeption 2"})
	require.NoError(t, err)
	assert.Equal(t, 1, draft.Version)

	versions := b.srv.AgentVersions(b.agent.AgentID)
	require.Len(t, versions, 2)
	assert.True(t, versions[0].IsPublished)
	assert.Equal(t, "Rezeption", versions[0].AgentName)
	assert.False(t, versions[1].IsPublished)
	llms := b.srv.LLMVersions(b.llm.LLMID)
	require.Len(t, llms, 2)
	assert.True(t, llms[0].IsPublished)
	assert.False(t, llms[1].IsPublished)

	status, body := send(t, b.srv, "GET", "/get-agent-versions/"+b.agent.AgentID, "")
	require.Equal(t, http.StatusOK, status)
	var listed []retell.Agent
	require.NoError(t, json.Unmarshal([]byte(body), &listed))
	assert.Equal(t, versions, listed)
}

func TestFaults(t *testing.T) {
	t.Parallel()
	t.Run("fail then succeed, changing nothing", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.srv.Fail(retelltest.OpCreateAgent, http.StatusInternalServerError, "boom", 1)
		body := fmt.Sprintf(`{"response_engine":{"type":"retell-llm","llm_id":%q},"voice_id":"v"}`, b.llm.LLMID)
		status, msg := send(t, b.srv, "POST", "/create-agent", body)
		assert.Equal(t, http.StatusInternalServerError, status)
		assert.Equal(t, "boom", msg)
		assert.Len(t, b.srv.Agents(), 1)
		status, _ = send(t, b.srv, "POST", "/create-agent", body)
		assert.Equal(t, http.StatusCreated, status)
		assert.Len(t, b.srv.Agents(), 2)
	})
	t.Run("queued in order, default messages, Retry-After", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.srv.FailWith(retelltest.OpGetAgent, retelltest.Fault{Status: http.StatusTooManyRequests, RetryAfter: "7"})
		b.srv.Fail(retelltest.OpGetAgent, http.StatusBadGateway, "", 2)
		req, err := http.NewRequest("GET", b.srv.URL+"/get-agent/"+b.agent.AgentID, nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+b.srv.APIKey())
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		_ = resp.Body.Close()
		assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
		assert.Equal(t, "7", resp.Header.Get("Retry-After"))
		for range 2 {
			status, msg := send(t, b.srv, "GET", "/get-agent/"+b.agent.AgentID, "")
			assert.Equal(t, http.StatusBadGateway, status)
			assert.Equal(t, retelltest.MsgServerError, msg)
		}
		status, _ := send(t, b.srv, "GET", "/get-agent/"+b.agent.AgentID, "")
		assert.Equal(t, http.StatusOK, status)
	})
	t.Run("forever until cleared; the Bearer check comes first", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.srv.Fail(retelltest.OpGetRetellLLM, http.StatusServiceUnavailable, "", -1)
		for range 3 {
			status, _ := send(t, b.srv, "GET", "/get-retell-llm/"+b.llm.LLMID, "")
			assert.Equal(t, http.StatusServiceUnavailable, status)
		}
		status, _ := send(t, b.srv, "GET", "/get-retell-llm/"+b.llm.LLMID, "", "key_wrong")
		assert.Equal(t, http.StatusUnauthorized, status)
		b.srv.ClearFaults(retelltest.OpGetRetellLLM)
		status, _ = send(t, b.srv, "GET", "/get-retell-llm/"+b.llm.LLMID, "")
		assert.Equal(t, http.StatusOK, status)
	})
	t.Run("applied", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.srv.FailWith(retelltest.OpDeleteAgent, retelltest.Fault{Status: http.StatusInternalServerError, Applied: true})
		status, _ := send(t, b.srv, "DELETE", "/delete-agent/"+b.agent.AgentID, "")
		assert.Equal(t, http.StatusInternalServerError, status)
		assert.Empty(t, b.srv.Agents(), "the delete happened before the answer was lost")
	})
	t.Run("hangup", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.srv.FailWith(retelltest.OpGetAgent, retelltest.Fault{Hangup: true})
		req, err := http.NewRequest("GET", b.srv.URL+"/get-agent/"+b.agent.AgentID, nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+b.srv.APIKey())
		fresh := &http.Client{Transport: &http.Transport{}} // a pooled connection would be retried by net/http
		_, err = fresh.Do(req)
		require.Error(t, err, "no answer at all")
	})
	t.Run("delay", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		b.srv.Delay(retelltest.OpGetAgent, time.Minute)
		cfg := b.srv.ClientConfig()
		cfg.Timeout, cfg.MaxRetries = 20*time.Millisecond, -1
		c, err := retell.New(cfg)
		require.NoError(t, err)
		_, err = c.GetAgent(context.Background(), b.agent.AgentID)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		b.srv.Delay(retelltest.OpGetAgent, 0)
		_, err = c.GetAgent(context.Background(), b.agent.AgentID)
		require.NoError(t, err)
	})
	t.Run("setup mistakes panic", func(t *testing.T) {
		t.Parallel()
		srv := retelltest.Start(t, retelltest.Config{})
		assert.Panics(t, func() { srv.Fail("create-everything", 500, "", 1) })
		assert.Panics(t, func() { srv.FailWith(retelltest.OpGetAgent, retelltest.Fault{}) })
		assert.Panics(t, func() { srv.Delay("nope", time.Second) })
		assert.Panics(t, func() { srv.AddPhoneNumber("030 123456") })
	})
}

func TestRequestsAreRecordedInOrder(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, _ = send(t, b.srv, "GET", "/get-phone-number/%2B493012345678", "")
	_, _ = send(t, b.srv, "GET", "/nowhere?x=1", "")
	reqs := b.srv.Requests()
	require.Len(t, reqs, 4)
	assert.Equal(t, []string{retelltest.OpCreateRetellLLM, retelltest.OpCreateAgent, retelltest.OpGetPhoneNumber, ""},
		[]string{reqs[0].Op, reqs[1].Op, reqs[2].Op, reqs[3].Op})
	assert.Equal(t, "POST", reqs[0].Method)
	assert.JSONEq(t, `{"general_prompt":"Du bist die Telefonassistenz."}`, string(reqs[0].Body))
	assert.Equal(t, "/get-phone-number/%2B493012345678", reqs[2].Path)
	assert.Equal(t, "x=1", reqs[3].Query)
	assert.Equal(t, "Bearer "+b.srv.APIKey(), reqs[1].Header.Get("Authorization"))

	reqs[0].Body[0] = 'X'
	assert.NotEqual(t, byte('X'), b.srv.Requests()[0].Body[0], "Requests returns copies")
}

func TestListAndTimestamps(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	srv := retelltest.Start(t, retelltest.Config{APIKey: "key_own", Now: func() time.Time { return now }})
	assert.Equal(t, "key_own", srv.APIKey())
	c := srv.Client(t)
	for range 3 {
		llm, err := c.CreateRetellLLM(context.Background(), retell.LLMRequest{})
		require.NoError(t, err)
		assert.Equal(t, now.UnixMilli(), llm.LastModificationTimestamp)
	}
	status, body := send(t, srv, "GET", "/v2/list-retell-llms?limit=2", "")
	require.Equal(t, http.StatusOK, status)
	var page struct {
		Items   []retell.LLM `json:"items"`
		HasMore bool         `json:"has_more"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &page))
	assert.Len(t, page.Items, 2)
	assert.True(t, page.HasMore)
	status, _ = send(t, srv, "GET", "/v2/list-retell-llms?limit=0", "")
	assert.Equal(t, http.StatusBadRequest, status)
}

// listPage is the answer of a v2 list endpoint.
type listPage struct {
	Items []struct {
		LLMID                 string         `json:"llm_id"`
		AgentID               string         `json:"agent_id"`
		AgentName             *string        `json:"agent_name"`
		Channel               string         `json:"channel"`
		UserModifiedTimestamp int64          `json:"user_modified_timestamp"`
		Tags                  map[string]any `json:"tags"`
		Version               *int           `json:"version"`
	} `json:"items"`
	HasMore       bool    `json:"has_more"`
	PaginationKey *string `json:"pagination_key"`
}

func list(t *testing.T, srv *retelltest.Server, method, path, body string) listPage {
	t.Helper()
	status, out := send(t, srv, method, path, body)
	require.Equal(t, http.StatusOK, status, out)
	var p listPage
	require.NoError(t, json.Unmarshal([]byte(out), &p), out)
	return p
}

func (p listPage) ids() []string {
	var ids []string
	for _, it := range p.Items {
		ids = append(ids, it.LLMID+it.AgentID)
	}
	return ids
}

func TestListPagination(t *testing.T) {
	t.Parallel()
	srv := retelltest.Start(t, retelltest.Config{})
	c := srv.Client(t)
	ctx := context.Background()
	var llms, agents []string
	for i := range 4 {
		llm, err := c.CreateRetellLLM(ctx, retell.LLMRequest{})
		require.NoError(t, err)
		llms = append(llms, llm.LLMID)
		a, err := c.CreateAgent(ctx, retell.AgentRequest{
			ResponseEngine: &retell.ResponseEngine{Type: retell.EngineRetellLLM, LLMID: llm.LLMID},
			VoiceID:        "retell-Cimo", AgentName: fmt.Sprintf("Salon %c (askpro branch %d)", 'A'+i, i),
		})
		require.NoError(t, err)
		agents = append(agents, a.AgentID)
	}

	t.Run("descending by default, the key only while has_more", func(t *testing.T) {
		p := list(t, srv, "GET", "/v2/list-retell-llms?limit=3", "")
		assert.Equal(t, []string{llms[3], llms[2], llms[1]}, p.ids())
		require.True(t, p.HasMore)
		require.NotNil(t, p.PaginationKey)
		p = list(t, srv, "GET", "/v2/list-retell-llms?limit=3&pagination_key="+*p.PaginationKey, "")
		assert.Equal(t, []string{llms[0]}, p.ids())
		assert.False(t, p.HasMore)
		assert.Nil(t, p.PaginationKey)
		assert.Equal(t, 0, *p.Items[0].Version)
	})
	t.Run("ascending", func(t *testing.T) {
		p := list(t, srv, "GET", "/v2/list-retell-llms?sort_order=ascending", "")
		assert.Equal(t, llms, p.ids())
		assert.False(t, p.HasMore, "the default limit is 50")
		p = list(t, srv, "POST", "/v2/list-agents?sort_order=ascending&limit=2", "")
		assert.Equal(t, agents[:2], p.ids())
		p = list(t, srv, "POST", "/v2/list-agents?sort_order=ascending&limit=2&pagination_key="+*p.PaginationKey, "")
		assert.Equal(t, agents[2:], p.ids())
	})
	t.Run("agents are listed once, as summaries", func(t *testing.T) {
		_, err := c.CreateAgentVersion(ctx, agents[0], 0)
		require.NoError(t, err)
		p := list(t, srv, "POST", "/v2/list-agents", `{}`)
		assert.Equal(t, []string{agents[3], agents[2], agents[1], agents[0]}, p.ids())
		last := p.Items[3]
		assert.Equal(t, "Salon A (askpro branch 0)", *last.AgentName)
		assert.Equal(t, "voice", last.Channel)
		assert.NotZero(t, last.UserModifiedTimestamp)
		assert.NotNil(t, last.Tags)
		assert.Nil(t, last.Version, "an item is the agent, not a version")
	})
	t.Run("filter criteria", func(t *testing.T) {
		voice := `{"filter_criteria":{"channel":{"type":"string","op":"eq","value":"voice"}}}`
		assert.Len(t, list(t, srv, "POST", "/v2/list-agents", voice).Items, 4)
		chat := `{"filter_criteria":{"channel":{"type":"string","op":"eq","value":"chat"}}}`
		assert.Empty(t, list(t, srv, "POST", "/v2/list-agents", chat).Items)
		byName := `{"filter_criteria":{"query":"salon b"}}`
		assert.Equal(t, []string{agents[1]}, list(t, srv, "POST", "/v2/list-agents", byName).ids())
	})
	t.Run("a deleted object is not listed, and still works as a key", func(t *testing.T) {
		p := list(t, srv, "GET", "/v2/list-retell-llms?limit=1", "")
		require.Equal(t, []string{llms[3]}, p.ids())
		require.NoError(t, c.DeleteRetellLLM(ctx, llms[3]))
		p2 := list(t, srv, "GET", "/v2/list-retell-llms?limit=1&pagination_key="+*p.PaginationKey, "")
		assert.Equal(t, []string{llms[2]}, p2.ids())
		assert.NotContains(t, list(t, srv, "GET", "/v2/list-retell-llms", "").ids(), llms[3])

		require.NoError(t, c.DeleteAgent(ctx, agents[1]))
		assert.Equal(t, []string{agents[3], agents[2], agents[0]}, list(t, srv, "POST", "/v2/list-agents", "").ids())
	})
	t.Run("refusals", func(t *testing.T) {
		for _, tt := range []struct{ method, path, body string }{
			{"GET", "/v2/list-retell-llms?limit=0", ""},
			{"GET", "/v2/list-retell-llms?limit=1001", ""},
			{"GET", "/v2/list-retell-llms?sort_order=newest", ""},
			{"GET", "/v2/list-retell-llms?pagination_key=llm_unknown", ""},
			{"POST", "/v2/list-agents?limit=x", ""},
			{"POST", "/v2/list-agents", `[]`},
			{"POST", "/v2/list-agents", `{"filter_criteria":{"channel":{"type":"string","op":"ne","value":"voice"}}}`},
			{"POST", "/v2/list-agents", `{"filter_criteria":{"channel":{"type":"string","op":"eq","value":"sms"}}}`},
			{"POST", "/v2/list-agents", `{"filter_criteria":{"query":7}}`},
		} {
			status, _ := send(t, srv, tt.method, tt.path, tt.body)
			assert.Equal(t, http.StatusBadRequest, status, "%s %s %s", tt.method, tt.path, tt.body)
		}
		status, _ := send(t, srv, "POST", "/v2/list-agents", "", "key_wrong")
		assert.Equal(t, http.StatusUnauthorized, status)
	})
	t.Run("faults by op", func(t *testing.T) {
		srv.Fail(retelltest.OpListAgents, http.StatusTooManyRequests, "", 1)
		status, msg := send(t, srv, "POST", "/v2/list-agents", "")
		assert.Equal(t, http.StatusTooManyRequests, status)
		assert.Equal(t, retelltest.MsgRateLimited, msg)
		assert.Equal(t, http.MethodPost, srv.RequestsTo(retelltest.OpListAgents)[0].Method)
	})
}
