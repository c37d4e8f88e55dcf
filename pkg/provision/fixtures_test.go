package provision_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/askproai/askpro/internal/dbtest"
	"github.com/askproai/askpro/internal/testenv"
	"github.com/askproai/askpro/pkg/retell/retelltest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// shape is a JSON value's structure: object keys with their shapes, the
// shape of an array's first element, or the kind of a scalar.
func shape(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			out[k] = shape(e)
		}
		return out
	case []any:
		if len(x) == 0 {
			return []any{}
		}
		return []any{shape(x[0])}
	default:
		return fmt.Sprintf("%T", v)
	}
}

// assertCovers fails for each field of want (the fixture) that got lacks or
// holds as another kind of value, by path.
func assertCovers(t *testing.T, path string, want, got any) {
	t.Helper()
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !assert.True(t, ok, "%s: want an object, got %v", path, got) {
			return
		}
		for k, wv := range w {
			gv, ok := g[k]
			if assert.True(t, ok, "%s.%s: the fixture's field is not sent", path, k) {
				assertCovers(t, path+"."+k, wv, gv)
			}
		}
	case []any:
		g, ok := got.([]any)
		if assert.True(t, ok, "%s: want an array", path) && len(w) > 0 && assert.NotEmpty(t, g, "%s: empty", path) {
			assertCovers(t, path+"[0]", w[0], g[0])
		}
	default:
		assert.Equal(t, want, got, "%s: kind", path)
	}
}

func decodeJSON(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	return m
}

// TestRequestsMatchFixtures compares the create-retell-llm and create-agent
// requests a run sends with the documented requests in
// shared/fixtures/retell field by field: every field the fixture shows is
// sent, with the same kind of value (custom tools compared with
// check_availability).
func TestRequestsMatchFixtures(t *testing.T) {
	t.Parallel()
	pb := setupProvision(t, dbtest.SQLite(t))
	_, err := pb.prov.Provision(context.Background(), pb.branch.ID, nil)
	require.NoError(t, err)
	sent := func(op string) map[string]any {
		reqs := pb.fake.RequestsTo(op)
		require.Len(t, reqs, 1, op)
		return decodeJSON(t, reqs[0].Body)
	}

	llmFixture := decodeJSON(t, testenv.Fixture(t, "retell", "create_retell_llm_request.json"))
	llm := sent(retelltest.OpCreateRetellLLM)
	toolsByName := func(m map[string]any) map[string]any {
		out := map[string]any{}
		for _, tl := range m["general_tools"].([]any) {
			out[tl.(map[string]any)["name"].(string)] = tl
		}
		return out
	}
	wantTools, gotTools := toolsByName(llmFixture), toolsByName(llm)
	for name, wt := range wantTools {
		gt, ok := gotTools[name]
		if !assert.True(t, ok, "tool %s of the fixture is sent", name) {
			continue
		}
		assertCovers(t, "general_tools."+name, shape(wt), shape(gt))
	}
	delete(llmFixture, "general_tools")
	delete(llmFixture, "default_dynamic_variables") // the fixture's salon_name; askpro writes the names into the prompt
	assertCovers(t, "llm", shape(llmFixture), shape(llm))

	agentFixture := decodeJSON(t, testenv.Fixture(t, "retell", "create_agent_request.json"))
	agent := sent(retelltest.OpCreateAgent)
	assertCovers(t, "agent", shape(agentFixture), shape(agent))
	assert.Equal(t, "retell-llm", agent["response_engine"].(map[string]any)["type"])
	assert.Equal(t, agentFixture["max_call_duration_ms"], agent["max_call_duration_ms"], "the 10-minute maximum")
	assert.Equal(t, agentFixture["language"], agent["language"])

	bind := pb.fake.RequestsTo(retelltest.OpUpdatePhoneNumber)
	require.Len(t, bind, 1)
	b := decodeJSON(t, bind[0].Body)
	assert.NotContains(t, b, "inbound_agent_id", "never the deprecated single-agent fields")
	assert.NotContains(t, b, "inbound_agent_version")
	assert.Equal(t, map[string]any{"inbound_agents": []any{map[string]any{"agent_id": "string", "weight": "float64", "agent_version": "float64"}},
		"inbound_webhook_url": "string"}, shape(b))
}
