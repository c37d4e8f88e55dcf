package retell_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/askproai/askpro/pkg/retell"
	"github.com/askproai/askpro/pkg/retell/retelltest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewValidatesConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  retell.Config
		want string // "" means valid
	}{
		{"defaults", retell.Config{APIKey: "key_1"}, ""},
		{"host with trailing slash", retell.Config{BaseURL: "https://api.retellai.com/", APIKey: "key_1"}, ""},
		{"http with port", retell.Config{BaseURL: "http://127.0.0.1:8080", APIKey: "key_1"}, ""},
		{"missing key", retell.Config{}, "APIKey is required"},
		{"key with newline", retell.Config{APIKey: "key\r\nX-Evil: 1"}, "whitespace or control"},
		{"path", retell.Config{BaseURL: "https://api.retellai.com/v2", APIKey: "key_1"}, "without a path"},
		{"scheme", retell.Config{BaseURL: "ftp://api.retellai.com", APIKey: "key_1"}, "http or https"},
		{"no host", retell.Config{BaseURL: "https://", APIKey: "key_1"}, "no host"},
		{"relative", retell.Config{BaseURL: "api.retellai.com", APIKey: "key_1"}, "http or https"},
		{"query", retell.Config{BaseURL: "https://api.retellai.com?x=1", APIKey: "key_1"}, "query"},
		{"user info", retell.Config{BaseURL: "https://u:secretpw@api.retellai.com", APIKey: "key_1"}, "user info"},
		{"negative timeout", retell.Config{APIKey: "key_1", Timeout: -1}, "Timeout is negative"},
		{"retries below -1", retell.Config{APIKey: "key_1", MaxRetries: -2}, "MaxRetries"},
		{"page size 1000", retell.Config{APIKey: "key_1", ListPageSize: 1000}, ""},
		{"page size above 1000", retell.Config{APIKey: "key_1", ListPageSize: 1001}, "ListPageSize"},
		{"negative page size", retell.Config{APIKey: "key_1", ListPageSize: -1}, "ListPageSize"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := retell.New(tt.cfg)
			if tt.want == "" {
				require.NoError(t, err)
				assert.NotNil(t, c)
				return
			}
			require.ErrorIs(t, err, retell.ErrInvalidConfig)
			assert.Contains(t, err.Error(), tt.want)
			assert.NotContains(t, err.Error(), "secretpw")
		})
	}
}

func TestConfigNeverPrintsTheKey(t *testing.T) {
	t.Parallel()
	cfg := retell.Config{APIKey: "key_supersecret"}
	for _, s := range []string{fmt.Sprint(cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg)} {
		assert.NotContains(t, s, "supersecret")
		assert.Contains(t, s, "[redacted]")
	}
}

func TestLLMRoundTrip(t *testing.T) {
	t.Parallel()
	c, b := setup(t)
	ctx := context.Background()

	llm := newLLM(t, c)
	assert.True(t, strings.HasPrefix(llm.LLMID, "llm_"))
	assert.Equal(t, 0, llm.Version)
	assert.False(t, llm.IsPublished)
	assert.Equal(t, fixedTime.UnixMilli(), llm.LastModificationTimestamp)

	got, err := c.GetRetellLLM(ctx, llm.LLMID)
	require.NoError(t, err)
	assert.Equal(t, llm, got)

	updated, err := c.UpdateRetellLLM(ctx, llm.LLMID, retell.LLMRequest{GeneralPrompt: "Neuer Prompt."})
	require.NoError(t, err)
	assert.Equal(t, "Neuer Prompt.", updated.GeneralPrompt)
	assert.Equal(t, llm.BeginMessage, updated.BeginMessage, "a partial update keeps the other fields")
	assert.Equal(t, llm.GeneralTools, updated.GeneralTools)
	patch := b.srv.RequestsTo(retelltest.OpUpdateRetellLLM)
	require.Len(t, patch, 1)
	assert.Equal(t, http.MethodPatch, patch[0].Method)
	assert.JSONEq(t, `{"general_prompt":"Neuer Prompt."}`, string(patch[0].Body), "PATCH sends only what is set")

	v0, err := c.GetRetellLLMVersion(ctx, llm.LLMID, 0)
	require.NoError(t, err)
	assert.Equal(t, updated, v0)
	_, err = c.GetRetellLLMVersion(ctx, llm.LLMID, 7)
	assert.True(t, retell.IsNotFound(err), "%v", err)

	require.NoError(t, c.DeleteRetellLLM(ctx, llm.LLMID))
	_, err = c.GetRetellLLM(ctx, llm.LLMID)
	assert.True(t, retell.IsNotFound(err), "%v", err)
	assert.Empty(t, b.srv.LLMs())
}

func TestAgentRoundTrip(t *testing.T) {
	t.Parallel()
	c, b := setup(t)
	ctx := context.Background()
	llm := newLLM(t, c)

	agent := newAgent(t, c, llm)
	assert.True(t, strings.HasPrefix(agent.AgentID, "agent_"))
	assert.Equal(t, 0, agent.Version)
	assert.False(t, agent.IsPublished)
	assert.Equal(t, ptr(0), agent.ResponseEngine.Version, "Retell fills in the LLM version")
	assert.Equal(t, retell.Locales{"de-DE"}, agent.Language)
	sent := b.srv.RequestsTo(retelltest.OpCreateAgent)
	require.Len(t, sent, 1)
	assert.Equal(t, "Bearer "+b.srv.APIKey(), sent[0].Header.Get("Authorization"))
	assert.Equal(t, "application/json", sent[0].Header.Get("Content-Type"))
	assert.JSONEq(t, fmt.Sprintf(`{"response_engine":{"type":"retell-llm","llm_id":%q},"voice_id":"retell-Cimo",
		"agent_name":"Salon Haarmonie Rezeption","language":"de-DE","max_call_duration_ms":600000}`, llm.LLMID), string(sent[0].Body))

	got, err := c.GetAgent(ctx, agent.AgentID)
	require.NoError(t, err)
	assert.Equal(t, agent, got)

	updated, err := c.UpdateAgent(ctx, agent.AgentID, retell.AgentRequest{
		WebhookURL:              "https://askpro.example/webhooks/retell",
		InterruptionSensitivity: ptr(0.0),
	})
	require.NoError(t, err)
	assert.Equal(t, "https://askpro.example/webhooks/retell", updated.WebhookURL)
	assert.Equal(t, ptr(0.0), updated.InterruptionSensitivity, "a zero that was set is sent and kept")
	assert.Equal(t, agent.VoiceID, updated.VoiceID)
	assert.Equal(t, agent.MaxCallDurationMS, updated.MaxCallDurationMS)
	assert.Equal(t, b.srv.Agents(), []retell.Agent{updated})

	require.NoError(t, c.DeleteAgent(ctx, agent.AgentID))
	_, err = c.GetAgent(ctx, agent.AgentID)
	assert.True(t, retell.IsNotFound(err), "%v", err)
	err = c.DeleteAgent(ctx, agent.AgentID)
	assert.True(t, retell.IsNotFound(err), "deleting twice is not found: %v", err)
}

// TestPublishAndRebindVersions walks the provisioning flow: publish the
// first version, bind it, then change and publish a second version through
// a new draft.
func TestPublishAndRebindVersions(t *testing.T) {
	t.Parallel()
	c, b := setup(t)
	ctx := context.Background()
	llm := newLLM(t, c)
	agent := newAgent(t, c, llm)

	require.NoError(t, c.PublishAgentVersion(ctx, agent.AgentID, retell.PublishRequest{Version: agent.Version, VersionTitle: "Erstversion"}))
	pub := b.srv.RequestsTo(retelltest.OpPublishAgentVersion)
	require.Len(t, pub, 1)
	assert.JSONEq(t, `{"version":0,"version_title":"Erstversion"}`, string(pub[0].Body))

	got, err := c.GetAgent(ctx, agent.AgentID)
	require.NoError(t, err)
	assert.Equal(t, 0, got.Version, "publishing in place keeps the number")
	assert.True(t, got.IsPublished)
	gotLLM, err := c.GetRetellLLM(ctx, llm.LLMID)
	require.NoError(t, err)
	assert.True(t, gotLLM.IsPublished, "the LLM version of a published agent is published too")

	bind := func(version int) retell.PhoneNumber {
		t.Helper()
		hook := "https://askpro.example/retell/inbound"
		pn, err := c.UpdatePhoneNumber(ctx, salonNumber, retell.PhoneNumberUpdate{
			InboundAgents:     []retell.InboundAgent{{AgentID: agent.AgentID, Weight: 1, AgentVersion: retell.Version(version)}},
			InboundWebhookURL: &hook,
		})
		require.NoError(t, err)
		return pn
	}
	pn := bind(0)
	assert.Equal(t, []retell.InboundAgent{{AgentID: agent.AgentID, Weight: 1, AgentVersion: retell.Version(0)}}, pn.InboundAgents)
	assert.Equal(t, "https://askpro.example/retell/inbound", pn.InboundWebhookURL)

	// Published versions are immutable: the fake refuses the PATCH.
	_, err = c.UpdateAgent(ctx, agent.AgentID, retell.AgentRequest{AgentName: "Neu"})
	var ae *retell.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, http.StatusBadRequest, ae.StatusCode)
	assert.Contains(t, ae.Message, "published")

	draft, err := c.CreateAgentVersion(ctx, agent.AgentID, got.Version)
	require.NoError(t, err)
	assert.Equal(t, 1, draft.Version)
	assert.False(t, draft.IsPublished)
	assert.Equal(t, ptr(0), draft.BaseVersion)
	assert.Equal(t, ptr(1), draft.ResponseEngine.Version, "the draft points at a new LLM draft")

	llm1, err := c.UpdateRetellLLMVersion(ctx, llm.LLMID, *draft.ResponseEngine.Version, retell.LLMRequest{GeneralPrompt: "Zweite Fassung."})
	require.NoError(t, err)
	assert.Equal(t, 1, llm1.Version)
	draft, err = c.UpdateAgentVersion(ctx, agent.AgentID, draft.Version, retell.AgentRequest{AgentName: "Neu"})
	require.NoError(t, err)
	assert.Equal(t, "Neu", draft.AgentName)
	assert.Equal(t, "version=1", b.srv.RequestsTo(retelltest.OpUpdateAgent)[1].Query)

	v0, err := c.GetAgentVersion(ctx, agent.AgentID, 0)
	require.NoError(t, err)
	assert.Equal(t, "Salon Haarmonie Rezeption", v0.AgentName, "the published version did not change")
	llm0, err := c.GetRetellLLMVersion(ctx, llm.LLMID, 0)
	require.NoError(t, err)
	assert.Equal(t, "Du bist die Telefonassistenz.", llm0.GeneralPrompt)

	require.NoError(t, c.PublishAgentVersion(ctx, agent.AgentID, retell.PublishRequest{Version: draft.Version}))
	latest, err := c.GetAgent(ctx, agent.AgentID)
	require.NoError(t, err)
	assert.Equal(t, 1, latest.Version)
	assert.True(t, latest.IsPublished)
	pn = bind(latest.Version)
	assert.Equal(t, retell.Version(1), pn.InboundAgents[0].AgentVersion)
	stored, ok := b.srv.PhoneNumber(salonNumber)
	require.True(t, ok)
	assert.Equal(t, pn, stored)
	assert.Len(t, b.srv.Agents(), 1, "re-provisioning never creates a second agent")
}

func TestPhoneNumberPathAndBody(t *testing.T) {
	t.Parallel()
	c, b := setup(t)
	ctx := context.Background()
	agent := newAgent(t, c, newLLM(t, c))

	pn, err := c.GetPhoneNumber(ctx, salonNumber)
	require.NoError(t, err)
	assert.Equal(t, salonNumber, pn.PhoneNumber)
	assert.Empty(t, pn.InboundAgents)

	_, err = c.UpdatePhoneNumber(ctx, salonNumber, retell.PhoneNumberUpdate{
		InboundAgents: []retell.InboundAgent{{AgentID: agent.AgentID, Weight: 1, AgentVersion: retell.Version(0)}},
	})
	require.NoError(t, err)
	get := b.srv.RequestsTo(retelltest.OpGetPhoneNumber)
	require.Len(t, get, 1)
	assert.Equal(t, "/get-phone-number/%2B493012345678", get[0].Path, "'+' travels as %2B")
	upd := b.srv.RequestsTo(retelltest.OpUpdatePhoneNumber)
	require.Len(t, upd, 1)
	assert.Equal(t, "/update-phone-number/%2B493012345678", upd[0].Path)
	assert.JSONEq(t, fmt.Sprintf(`{"inbound_agents":[{"agent_id":%q,"weight":1,"agent_version":0}]}`, agent.AgentID), string(upd[0].Body))
	assert.NotContains(t, string(upd[0].Body), "inbound_agent_id")

	// An empty list unbinds; a pointer to "" removes the webhook.
	none := ""
	pn, err = c.UpdatePhoneNumber(ctx, salonNumber, retell.PhoneNumberUpdate{InboundAgents: []retell.InboundAgent{}, InboundWebhookURL: &none})
	require.NoError(t, err)
	assert.Empty(t, pn.InboundAgents)
	assert.JSONEq(t, `{"inbound_agents":[],"inbound_webhook_url":null}`, string(b.srv.RequestsTo(retelltest.OpUpdatePhoneNumber)[1].Body))

	_, err = c.GetPhoneNumber(ctx, "+4930999999")
	assert.True(t, retell.IsNotFound(err), "%v", err)
	assert.NotContains(t, err.Error(), "+4930999999", "numbers are masked in errors")
	assert.Contains(t, err.Error(), "****")
}

func TestUnauthorized(t *testing.T) {
	t.Parallel()
	_, b := setup(t)
	cfg := b.srv.ClientConfig()
	cfg.APIKey = "key_wrong_0000000000"
	c, err := retell.New(cfg)
	require.NoError(t, err)

	for name, call := range map[string]func() error{
		"ping":         func() error { return c.Ping(context.Background()) },
		"create-agent": func() error { _, err := c.CreateAgent(context.Background(), retell.AgentRequest{}); return err },
	} {
		err := call()
		var ae *retell.APIError
		require.ErrorAs(t, err, &ae, name)
		assert.Equal(t, http.StatusUnauthorized, ae.StatusCode, name)
		assert.Equal(t, retelltest.MsgUnauthorized, ae.Message, name)
		assert.NotContains(t, err.Error(), "key_wrong", name)
		assert.False(t, retell.IsNotFound(err), name)
	}
	assert.Len(t, b.srv.Requests(), 2, "401 is not retried")
}

func TestPing(t *testing.T) {
	t.Parallel()
	c, b := setup(t)
	require.NoError(t, c.Ping(context.Background()))
	reqs := b.srv.RequestsTo(retelltest.OpListRetellLLMs)
	require.Len(t, reqs, 1)
	assert.Equal(t, "limit=1", reqs[0].Query)
}

func TestInvalidArgumentsSendNothing(t *testing.T) {
	t.Parallel()
	c, b := setup(t)
	ctx := context.Background()
	for name, call := range map[string]func() error{
		"get agent":       func() error { _, err := c.GetAgent(ctx, ""); return err },
		"delete llm":      func() error { return c.DeleteRetellLLM(ctx, "") },
		"publish":         func() error { return c.PublishAgentVersion(ctx, "", retell.PublishRequest{}) },
		"publish -1":      func() error { return c.PublishAgentVersion(ctx, "agent_1", retell.PublishRequest{Version: -1}) },
		"version -1":      func() error { _, err := c.CreateAgentVersion(ctx, "agent_1", -1); return err },
		"national number": func() error { _, err := c.GetPhoneNumber(ctx, "030 12345678"); return err },
		"no plus": func() error {
			_, err := c.UpdatePhoneNumber(ctx, "493012345678", retell.PhoneNumberUpdate{})
			return err
		},
	} {
		err := call()
		assert.ErrorIs(t, err, retell.ErrInvalidArgument, name)
	}
	assert.Empty(t, b.srv.Requests())
}

func TestNotFoundAndReferencedAssets(t *testing.T) {
	t.Parallel()
	c, _ := setup(t)
	ctx := context.Background()
	_, err := c.GetAgent(ctx, "agent_missing")
	assert.True(t, retell.IsNotFound(err), "404: %v", err)

	_, err = c.CreateAgent(ctx, retell.AgentRequest{
		ResponseEngine: &retell.ResponseEngine{Type: retell.EngineRetellLLM, LLMID: "llm_missing"},
		VoiceID:        voiceID,
	})
	var ae *retell.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, http.StatusUnprocessableEntity, ae.StatusCode)
	assert.Equal(t, retelltest.MsgNoAsset, ae.Message)
	assert.True(t, retell.IsNotFound(err), "422 Cannot find requested asset counts as not found")

	assert.False(t, retell.IsNotFound(&retell.APIError{StatusCode: 422, Message: "other"}))
	assert.False(t, retell.IsNotFound(errors.New("x")))
	assert.False(t, retell.IsNotFound(nil))
}

func TestErrorBodiesAreSanitized(t *testing.T) {
	t.Parallel()
	c, b := setup(t)
	b.srv.Fail(retelltest.OpGetAgent, http.StatusBadGateway, "upstream said Bearer "+b.srv.APIKey()+" "+strings.Repeat("x", 500), -1)
	_, err := c.GetAgent(context.Background(), "agent_1")
	var ae *retell.APIError
	require.ErrorAs(t, err, &ae)
	assert.NotContains(t, err.Error(), b.srv.APIKey())
	assert.Contains(t, ae.Message, "[redacted]")
	assert.LessOrEqual(t, len(ae.Message), 200)
}

func TestTypesJSON(t *testing.T) {
	t.Parallel()
	t.Run("version ref", func(t *testing.T) {
		t.Parallel()
		for in, want := range map[string]retell.VersionRef{
			`3`: retell.Version(3), `0`: retell.Version(0), `"latest_published"`: retell.Tag(retell.TagLatestPublished),
		} {
			var v retell.VersionRef
			require.NoError(t, json.Unmarshal([]byte(in), &v), in)
			assert.Equal(t, want, v, in)
			out, err := json.Marshal(v)
			require.NoError(t, err)
			assert.Equal(t, in, string(out))
		}
		var v retell.VersionRef
		assert.Error(t, json.Unmarshal([]byte(`""`), &v))
		assert.Error(t, json.Unmarshal([]byte(`1.5`), &v))
		n, isNum := retell.Tag("prod").Number()
		assert.False(t, isNum)
		assert.Zero(t, n)
		assert.Equal(t, "prod", retell.Tag("prod").String())
		assert.Equal(t, "4", retell.Version(4).String())
	})
	t.Run("locales", func(t *testing.T) {
		t.Parallel()
		var l retell.Locales
		require.NoError(t, json.Unmarshal([]byte(`["de-DE","en-US"]`), &l))
		assert.Equal(t, retell.Locales{"de-DE", "en-US"}, l)
		out, err := json.Marshal(l)
		require.NoError(t, err)
		assert.JSONEq(t, `["de-DE","en-US"]`, string(out))
		out, err = json.Marshal(retell.AgentRequest{Language: retell.Locales{"de-CH"}})
		require.NoError(t, err)
		assert.JSONEq(t, `{"language":"de-CH"}`, string(out))
		assert.Error(t, json.Unmarshal([]byte(`7`), &l))
	})
	t.Run("empty update sends nothing", func(t *testing.T) {
		t.Parallel()
		for _, v := range []any{retell.AgentRequest{}, retell.LLMRequest{}, retell.PhoneNumberUpdate{}} {
			out, err := json.Marshal(v)
			require.NoError(t, err)
			assert.Equal(t, `{}`, string(out))
		}
	})
	t.Run("begin message empty is sent", func(t *testing.T) {
		t.Parallel()
		out, err := json.Marshal(retell.LLMRequest{BeginMessage: ptr("")})
		require.NoError(t, err)
		assert.Equal(t, `{"begin_message":""}`, string(out))
	})
	t.Run("phone number logs masked", func(t *testing.T) {
		t.Parallel()
		v := retell.PhoneNumber{PhoneNumber: salonNumber}.LogValue()
		assert.NotContains(t, v.String(), salonNumber)
		assert.Contains(t, v.String(), "****")
	})
}
