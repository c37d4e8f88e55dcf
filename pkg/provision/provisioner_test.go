package provision_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/askproai/askpro/internal/dbtest"
	"github.com/askproai/askpro/pkg/pool"
	"github.com/askproai/askpro/pkg/provision"
	"github.com/askproai/askpro/pkg/retell"
	"github.com/askproai/askpro/pkg/retell/retelltest"
	"github.com/askproai/askpro/pkg/store"
	"github.com/askproai/askpro/pkg/tenant"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const publicURL = "https://askpro.example.com"

// provBundle is a salon branch that is ready to provision, a Retell fake
// that holds its number, and a provisioner wired to both.
type provBundle struct {
	st     *store.Store
	fake   *retelltest.Server
	prov   *provision.Provisioner
	ctx    context.Context // the salon's tenant
	branch store.Branch
}

func openStore(t *testing.T, url string) *store.Store {
	t.Helper()
	p, err := pool.Open(context.Background(), url, pool.Config{MinConns: -1, MaxConns: 4, HealthInterval: -1,
		Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	t.Cleanup(func() { _ = p.Close() })
	st, err := store.New(store.Config{DB: p.DB(), Writer: p.Writer(), Dialect: string(p.Dialect())})
	require.NoError(t, err)
	return st
}

func setupProvision(t *testing.T, url string) provBundle {
	t.Helper()
	st := openStore(t, url)
	sys := tenant.System(context.Background())
	c, err := st.Companies.Create(sys, store.NewCompany{Name: "Salon Haarmonie", Subdomain: "haarmonie", Industry: "beauty"})
	require.NoError(t, err)
	ctx := tenant.WithCompany(context.Background(), c.ID)
	b, err := st.Branches.Create(ctx, store.NewBranch{Name: "Mitte", PhoneNumber: "030 12345678", Address: "Torstraße 12, 10119 Berlin"})
	require.NoError(t, err)
	for i, s := range []store.NewService{
		{BranchID: b.ID, Name: "Damenhaarschnitt", Type: "treatment", DurationMinutes: 60},
		{BranchID: b.ID, Name: "Beratung", Type: "consultation", DurationMinutes: 15},
	} {
		id := int64(4711 + i)
		s.CalcomEventTypeID = &id
		_, err := st.Services.Create(ctx, s)
		require.NoError(t, err)
	}
	for day := 1; day <= 5; day++ {
		_, err := st.WorkingHours.Set(ctx, b.ID, day, "09:00", "18:00")
		require.NoError(t, err)
	}
	fake := retelltest.Start(t, retelltest.Config{})
	fake.AddPhoneNumber("+493012345678")
	v, err := provision.NewValidator(provision.ValidatorConfig{
		PublicURL: publicURL,
		Retell:    fake.Client(t),
		Calendar: func(context.Context, store.Company) (provision.Calendar, error) {
			return provision.CalendarFunc(func(context.Context) ([]int64, error) { return []int64{4711, 4712}, nil }), nil
		},
	})
	require.NoError(t, err)
	prov, err := provision.New(provision.Config{Store: st, Validator: v, Retell: fake.ClientConfig(), PublicURL: publicURL,
		VoiceID: "retell-Cimo", Model: "gpt-4.1"})
	require.NoError(t, err)
	return provBundle{st: st, fake: fake, prov: prov, ctx: ctx, branch: b}
}

func (pb provBundle) get(t *testing.T) store.Branch {
	t.Helper()
	b, err := pb.st.Branches.Get(pb.ctx, pb.branch.ID)
	require.NoError(t, err)
	return b
}

// assertNothingLeft checks that the fake holds no LLM or agent and that the
// number answers with no agent.
func assertNothingLeft(t *testing.T, pb provBundle) {
	t.Helper()
	assert.Empty(t, pb.fake.LLMs(), "no LLM left behind")
	assert.Empty(t, pb.fake.Agents(), "no agent left behind")
	num, ok := pb.fake.PhoneNumber("+493012345678")
	require.True(t, ok)
	assert.Empty(t, num.InboundAgents, "the number is bound to nothing")
}

func TestProvision(t *testing.T) {
	t.Parallel()
	for _, d := range []struct {
		name string
		url  func(testing.TB) string
	}{{"sqlite", dbtest.SQLite}, {"mysql", dbtest.MySQL}} {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			pb := setupProvision(t, d.url(t))
			var steps []string
			res, err := pb.prov.Provision(context.Background(), pb.branch.ID, &provision.Options{
				Progress: func(s provision.Step) { steps = append(steps, s.Name+":"+s.Status) },
			})
			require.NoError(t, err)
			assert.Equal(t, []string{"validate:ok", "lease:ok", "llm:ok", "agent:ok", "publish:ok", "bind:ok", "record:ok"}, steps)
			assert.Equal(t, store.ProvisioningCompleted, res.Status)

			llms, agents := pb.fake.LLMs(), pb.fake.Agents()
			require.Len(t, llms, 1)
			require.Len(t, agents, 1)
			agent := agents[0]
			assert.Equal(t, res.AgentID, agent.AgentID)
			assert.Equal(t, res.LLMID, llms[0].LLMID)
			assert.True(t, agent.IsPublished, "version 0 is published")
			assert.Equal(t, publicURL+"/webhooks/retell", agent.WebhookURL)
			assert.Equal(t, retell.Locales{"de-DE"}, agent.Language)
			assert.Equal(t, 600000, *agent.MaxCallDurationMS)
			assert.Equal(t, "Europe/Berlin", agent.Timezone)
			assert.Contains(t, *llms[0].BeginMessage, "künstlichen Intelligenz")
			tools := map[string]retell.Tool{}
			for _, tl := range llms[0].GeneralTools {
				tools[tl.Name] = tl
			}
			for _, name := range []string{"check_availability", "book_appointment", "cancel_appointment", "reschedule_appointment"} {
				tl, ok := tools[name]
				require.True(t, ok, name)
				assert.Equal(t, publicURL+"/retell/functions/"+name, tl.URL)
				assert.Less(t, *tl.TimeoutMS, 120000, "well under Retell's 2 minutes")
				assert.True(t, *tl.SpeakDuringExecution)
				assert.Contains(t, tl.ExecutionMessageDescription, "Moment")
				assert.Equal(t, "object", tl.Parameters.Type)
			}
			assert.NotContains(t, tools, "transfer_call", "no transfer number, no transfer tool")
			assert.Contains(t, tools, "end_call")

			num, ok := pb.fake.PhoneNumber("+493012345678")
			require.True(t, ok)
			require.Len(t, num.InboundAgents, 1)
			assert.Equal(t, agent.AgentID, num.InboundAgents[0].AgentID)
			v, isNum := num.InboundAgents[0].AgentVersion.Number()
			assert.True(t, isNum)
			assert.Equal(t, 0, v)
			assert.Equal(t, publicURL+"/retell/inbound", num.InboundWebhookURL)

			b := pb.get(t)
			assert.Equal(t, store.ProvisioningCompleted, b.ProvisioningStatus)
			assert.Equal(t, agent.AgentID, b.RetellAgentID)
			assert.Equal(t, llms[0].LLMID, b.RetellLLMID)
			require.NotNil(t, b.RetellAgentVersion)
			assert.Equal(t, 0, *b.RetellAgentVersion)
			assert.NotNil(t, b.ProvisionedAt)
			assert.Nil(t, b.ProvisioningStartedAt)

			// Provisioning again, with a transfer number now: the same LLM
			// and agent, a new published version, the number moved to it.
			n := "+4915112345678"
			_, err = pb.st.Branches.Update(pb.ctx, pb.branch.ID, store.BranchPatch{TransferNumber: &n})
			require.NoError(t, err)
			for want := 1; want <= 2; want++ {
				res, err = pb.prov.Provision(context.Background(), pb.branch.ID, nil)
				require.NoError(t, err)
				require.Len(t, pb.fake.LLMs(), 1, "no second LLM")
				require.Len(t, pb.fake.Agents(), 1, "no second agent")
				assert.Equal(t, agent.AgentID, res.AgentID)
				require.NotNil(t, res.AgentVersion)
				assert.Equal(t, want, *res.AgentVersion)
				versions := pb.fake.AgentVersions(agent.AgentID)
				require.Len(t, versions, want+1)
				assert.True(t, versions[want].IsPublished)
				num, _ = pb.fake.PhoneNumber("+493012345678")
				v, _ = num.InboundAgents[0].AgentVersion.Number()
				assert.Equal(t, want, v, "the number answers with the new version")
				llmVersions := pb.fake.LLMVersions(res.LLMID)
				latest := llmVersions[len(llmVersions)-1]
				var hasTransfer bool
				for _, tl := range latest.GeneralTools {
					if tl.Name == "transfer_call" {
						hasTransfer = true
						assert.Equal(t, "+4915112345678", tl.TransferDestination.Number)
					}
				}
				assert.True(t, hasTransfer, "the new version has the transfer tool")
				assert.Equal(t, want, *pb.get(t).RetellAgentVersion)
			}
		})
	}
}

// remoteSteps are the Retell operations of a first run, with the step each
// belongs to.
var remoteSteps = []struct{ op, step string }{
	{retelltest.OpCreateRetellLLM, provision.StepLLM},
	{retelltest.OpCreateAgent, provision.StepAgent},
	{retelltest.OpPublishAgentVersion, provision.StepPublish},
	{retelltest.OpUpdatePhoneNumber, provision.StepBind},
}

func TestProvisionFailureLeavesNothing(t *testing.T) {
	t.Parallel()
	for _, rs := range remoteSteps {
		t.Run(rs.op, func(t *testing.T) {
			t.Parallel()
			pb := setupProvision(t, dbtest.SQLite(t))
			pb.fake.Fail(rs.op, http.StatusBadRequest, "Invalid request format, please check API reference.", -1)
			res, err := pb.prov.Provision(context.Background(), pb.branch.ID, nil)
			var se *provision.StepError
			require.ErrorAs(t, err, &se)
			assert.Equal(t, rs.step, se.Step)
			assert.Empty(t, se.Leftovers)
			var api *retell.APIError
			require.ErrorAs(t, err, &api)
			assert.Equal(t, http.StatusBadRequest, api.StatusCode)
			assert.Equal(t, store.ProvisioningFailed, res.Status)

			assertNothingLeft(t, pb)
			b := pb.get(t)
			assert.Equal(t, store.ProvisioningFailed, b.ProvisioningStatus)
			assert.Contains(t, b.ProvisioningError, "Invalid request format")
			assert.Contains(t, b.ProvisioningError, "step "+rs.step)
			assert.Empty(t, b.RetellLLMID)
			assert.Empty(t, b.RetellAgentID)
			assert.Nil(t, b.ProvisioningStartedAt, "the lease is given back")

			// The next run, with Retell well again, provisions from scratch.
			pb.fake.ClearFaults(rs.op)
			_, err = pb.prov.Provision(context.Background(), pb.branch.ID, nil)
			require.NoError(t, err)
			assert.Len(t, pb.fake.Agents(), 1)
			assert.Len(t, pb.fake.LLMs(), 1)
		})
	}
}

func TestProvisionLeftoverIsReused(t *testing.T) {
	t.Parallel()
	pb := setupProvision(t, dbtest.SQLite(t))
	// A 400 at the binding (the breaker does not count it) and a delete
	// that fails on every attempt.
	pb.fake.Fail(retelltest.OpUpdatePhoneNumber, http.StatusBadRequest, "", -1)
	pb.fake.Fail(retelltest.OpDeleteAgent, http.StatusInternalServerError, "", -1)
	_, err := pb.prov.Provision(context.Background(), pb.branch.ID, nil)
	var se *provision.StepError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, provision.StepBind, se.Step)
	require.Len(t, se.Leftovers, 1)
	agents := pb.fake.Agents()
	require.Len(t, agents, 1, "the agent the delete could not remove")
	assert.Contains(t, se.Leftovers[0], agents[0].AgentID)
	assert.Empty(t, pb.fake.LLMs(), "the LLM was deleted")
	b := pb.get(t)
	assert.Equal(t, agents[0].AgentID, b.RetellAgentID, "the leftover is recorded, not leaked")
	assert.Contains(t, b.ProvisioningError, "not undone")

	pb.fake.ClearFaults(retelltest.OpUpdatePhoneNumber)
	pb.fake.ClearFaults(retelltest.OpDeleteAgent)
	res, err := pb.prov.Provision(context.Background(), pb.branch.ID, nil)
	require.NoError(t, err)
	assert.Equal(t, agents[0].AgentID, res.AgentID, "the next run reuses the leftover agent")
	assert.Len(t, pb.fake.Agents(), 1)
	assert.Len(t, pb.fake.LLMs(), 1)
}

func TestReprovisionFailureKeepsTheLiveAgent(t *testing.T) {
	t.Parallel()
	for _, op := range []string{retelltest.OpCreateAgentVersion, retelltest.OpUpdateRetellLLM, retelltest.OpUpdateAgent,
		retelltest.OpPublishAgentVersion, retelltest.OpUpdatePhoneNumber} {
		t.Run(op, func(t *testing.T) {
			t.Parallel()
			pb := setupProvision(t, dbtest.SQLite(t))
			first, err := pb.prov.Provision(context.Background(), pb.branch.ID, nil)
			require.NoError(t, err)

			pb.fake.Fail(op, http.StatusBadRequest, "", -1)
			_, err = pb.prov.Provision(context.Background(), pb.branch.ID, nil)
			require.Error(t, err)
			require.Len(t, pb.fake.Agents(), 1)
			require.Len(t, pb.fake.LLMs(), 1)
			num, _ := pb.fake.PhoneNumber("+493012345678")
			v, _ := num.InboundAgents[0].AgentVersion.Number()
			assert.Equal(t, 0, v, "the number still answers with the published version")
			b := pb.get(t)
			assert.Equal(t, store.ProvisioningFailed, b.ProvisioningStatus)
			assert.Equal(t, first.AgentID, b.RetellAgentID, "the live agent stays recorded")
			assert.Equal(t, first.LLMID, b.RetellLLMID)

			// Failing again makes no pile of drafts: an unpublished draft
			// is reused. Only a failed binding leaves its version published
			// (published versions cannot change), so the next run makes
			// another.
			_, err = pb.prov.Provision(context.Background(), pb.branch.ID, nil)
			require.Error(t, err)
			want := 1
			if op == retelltest.OpUpdatePhoneNumber {
				want = 3
			}
			switch op {
			case retelltest.OpCreateAgentVersion:
				assert.Len(t, pb.fake.AgentVersions(first.AgentID), 1, "no draft could be made")
			case retelltest.OpUpdatePhoneNumber:
				assert.Len(t, pb.fake.AgentVersions(first.AgentID), 3, "two published, unbound versions")
			default:
				assert.Len(t, pb.fake.AgentVersions(first.AgentID), 2, "one draft, reused")
			}
			pb.fake.ClearFaults(op)
			res, err := pb.prov.Provision(context.Background(), pb.branch.ID, nil)
			require.NoError(t, err)
			assert.Equal(t, first.AgentID, res.AgentID)
			assert.Equal(t, want, *res.AgentVersion)
			assert.Len(t, pb.fake.Agents(), 1)
		})
	}
}

func TestProvisionNotReady(t *testing.T) {
	t.Parallel()
	pb := setupProvision(t, dbtest.SQLite(t))
	svcs, err := pb.st.Services.ListByBranch(pb.ctx, pb.branch.ID)
	require.NoError(t, err)
	require.NotEmpty(t, svcs)
	// A branch without opening hours is not ready.
	other, err := pb.st.Branches.Create(pb.ctx, store.NewBranch{Name: "Nord", PhoneNumber: "030 87654321"})
	require.NoError(t, err)
	res, err := pb.prov.Provision(context.Background(), other.ID, nil)
	require.ErrorIs(t, err, provision.ErrNotReady)
	assert.Equal(t, "not_ready", res.Status)
	assert.False(t, res.Validation.Ready)
	assert.True(t, res.Validation.Has(provision.CodeNoWorkingHours))
	for _, r := range pb.fake.Requests() {
		assert.Equal(t, http.MethodGet, r.Method, "nothing but reads reached Retell: %s %s", r.Method, r.Path)
	}
	b, err := pb.st.Branches.Get(pb.ctx, other.ID)
	require.NoError(t, err)
	assert.Equal(t, store.ProvisioningPending, b.ProvisioningStatus, "a branch that is not ready is not touched")
}

func TestProvisionBusy(t *testing.T) {
	t.Parallel()
	pb := setupProvision(t, dbtest.SQLite(t))
	_, _, err := pb.st.Branches.BeginProvisioning(pb.ctx, pb.branch.ID, provision.DefaultLeaseTTL)
	require.NoError(t, err)
	_, err = pb.prov.Provision(context.Background(), pb.branch.ID, nil)
	require.ErrorIs(t, err, store.ErrProvisioningBusy)
	assert.Empty(t, pb.fake.RequestsTo(retelltest.OpCreateRetellLLM), "a second run sends nothing")
	assertNothingLeft(t, pb)
}

func TestProvisionDryRun(t *testing.T) {
	t.Parallel()
	pb := setupProvision(t, dbtest.SQLite(t))
	res, err := pb.prov.Provision(context.Background(), pb.branch.ID, &provision.Options{DryRun: true})
	require.NoError(t, err)
	assert.Equal(t, "dry_run", res.Status)
	var got []string
	for _, r := range res.Requests {
		got = append(got, r.Method+" "+r.Path)
	}
	assert.Equal(t, []string{
		"POST /create-retell-llm",
		"POST /create-agent",
		"POST /publish-agent-version/" + provision.DryRunAgentID,
		"PATCH /update-phone-number/%2B493012345678",
	}, got)
	var agentReq retell.AgentRequest
	require.NoError(t, json.Unmarshal(res.Requests[1].Body, &agentReq))
	assert.Equal(t, provision.DryRunLLMID, agentReq.ResponseEngine.LLMID)
	assert.Equal(t, publicURL+"/webhooks/retell", agentReq.WebhookURL)
	assertNothingLeft(t, pb)
	assert.Empty(t, pb.fake.RequestsTo(retelltest.OpCreateRetellLLM), "no write reached Retell")
	b := pb.get(t)
	assert.Equal(t, store.ProvisioningPending, b.ProvisioningStatus, "the database is unchanged")
	assert.Nil(t, b.ProvisioningStartedAt)

	// After a real run, a dry run reads the agent and plans a new version.
	first, err := pb.prov.Provision(context.Background(), pb.branch.ID, nil)
	require.NoError(t, err)
	before := len(pb.fake.Requests())
	res, err = pb.prov.Provision(context.Background(), pb.branch.ID, &provision.Options{DryRun: true})
	require.NoError(t, err)
	got = got[:0]
	for _, r := range res.Requests {
		got = append(got, r.Method+" "+strings.SplitN(r.Path, "?", 2)[0])
	}
	assert.Equal(t, []string{
		"POST /create-agent-version/" + first.AgentID,
		"PATCH /update-retell-llm/" + first.LLMID,
		"PATCH /update-agent/" + first.AgentID,
		"POST /publish-agent-version/" + first.AgentID,
		"PATCH /update-phone-number/%2B493012345678",
	}, got)
	for _, r := range pb.fake.Requests()[before:] {
		assert.Equal(t, http.MethodGet, r.Method, "a dry run only reads: %s %s", r.Method, r.Path)
	}
	assert.Len(t, pb.fake.AgentVersions(first.AgentID), 1, "no draft was made")
	assert.Equal(t, store.ProvisioningCompleted, pb.get(t).ProvisioningStatus)
}

func TestProvisionUnknownBranch(t *testing.T) {
	t.Parallel()
	pb := setupProvision(t, dbtest.SQLite(t))
	_, err := pb.prov.Provision(context.Background(), pb.branch.ID+100, nil)
	require.True(t, errors.Is(err, store.ErrNotFound), "got %v", err)
}

// TestReprovisionRecreatesWhatRetellLost: an LLM or agent deleted in the
// Retell dashboard is made again; the rest is reused.
func TestReprovisionRecreatesWhatRetellLost(t *testing.T) {
	t.Parallel()
	t.Run("llm", func(t *testing.T) {
		t.Parallel()
		pb := setupProvision(t, dbtest.SQLite(t))
		first, err := pb.prov.Provision(context.Background(), pb.branch.ID, nil)
		require.NoError(t, err)
		require.NoError(t, pb.fake.Client(t).DeleteRetellLLM(context.Background(), first.LLMID))
		res, err := pb.prov.Provision(context.Background(), pb.branch.ID, nil)
		require.NoError(t, err)
		assert.NotEqual(t, first.LLMID, res.LLMID, "a new LLM")
		assert.Equal(t, first.AgentID, res.AgentID, "the same agent")
		assert.Equal(t, 1, *res.AgentVersion)
		require.Len(t, pb.fake.LLMs(), 1)
		agent := pb.fake.Agents()[0]
		assert.Equal(t, res.LLMID, agent.ResponseEngine.LLMID, "the new version uses the new LLM")
		assert.Equal(t, res.LLMID, pb.get(t).RetellLLMID)
	})
	t.Run("agent", func(t *testing.T) {
		t.Parallel()
		pb := setupProvision(t, dbtest.SQLite(t))
		first, err := pb.prov.Provision(context.Background(), pb.branch.ID, nil)
		require.NoError(t, err)
		require.NoError(t, pb.fake.Client(t).DeleteAgent(context.Background(), first.AgentID))
		res, err := pb.prov.Provision(context.Background(), pb.branch.ID, nil)
		require.NoError(t, err)
		assert.NotEqual(t, first.AgentID, res.AgentID, "a new agent")
		require.Len(t, pb.fake.Agents(), 1)
		require.Len(t, pb.fake.LLMs(), 1, "the published LLM no agent used is deleted, the new one kept")
		assert.NotEqual(t, first.LLMID, res.LLMID)
		num, _ := pb.fake.PhoneNumber("+493012345678")
		assert.Equal(t, res.AgentID, num.InboundAgents[0].AgentID)
	})
}

// TestProvisionLostAnswer: Retell creates the LLM or agent but its answer
// is lost (a 500 after acting). The run finds what it made instead of
// making a second one, and a later failure still deletes it.
func TestProvisionLostAnswer(t *testing.T) {
	t.Parallel()
	for _, op := range []string{retelltest.OpCreateRetellLLM, retelltest.OpCreateAgent} {
		t.Run(op, func(t *testing.T) {
			t.Parallel()
			pb := setupProvision(t, dbtest.SQLite(t))
			pb.fake.FailWith(op, retelltest.Fault{Status: http.StatusInternalServerError, Applied: true})
			res, err := pb.prov.Provision(context.Background(), pb.branch.ID, nil)
			require.NoError(t, err)
			assert.Len(t, pb.fake.RequestsTo(op), 1, "the create is not sent again")
			require.Len(t, pb.fake.LLMs(), 1)
			require.Len(t, pb.fake.Agents(), 1)
			assert.Equal(t, pb.fake.Agents()[0].AgentID, res.AgentID)
			assert.Equal(t, pb.fake.LLMs()[0].LLMID, pb.get(t).RetellLLMID)
		})
		t.Run(op+" then a failure", func(t *testing.T) {
			t.Parallel()
			pb := setupProvision(t, dbtest.SQLite(t))
			pb.fake.FailWith(op, retelltest.Fault{Status: http.StatusInternalServerError, Applied: true})
			pb.fake.Fail(retelltest.OpPublishAgentVersion, http.StatusBadRequest, "", -1)
			_, err := pb.prov.Provision(context.Background(), pb.branch.ID, nil)
			var se *provision.StepError
			require.ErrorAs(t, err, &se)
			assert.Equal(t, provision.StepPublish, se.Step)
			assertNothingLeft(t, pb)
		})
	}
	t.Run("the search fails too", func(t *testing.T) {
		t.Parallel()
		pb := setupProvision(t, dbtest.SQLite(t))
		pb.fake.FailWith(retelltest.OpCreateRetellLLM, retelltest.Fault{Status: http.StatusInternalServerError, Applied: true})
		// After validation (whose Retell check lists LLMs too).
		_, err := pb.prov.Provision(context.Background(), pb.branch.ID, &provision.Options{Progress: func(s provision.Step) {
			if s.Name == provision.StepLease {
				pb.fake.Fail(retelltest.OpListRetellLLMs, http.StatusUnauthorized, "", -1)
			}
		}})
		require.Error(t, err)
		assert.Contains(t, err.Error(), provision.RunVariable, "the error says how to find what may exist")
		assert.Contains(t, pb.get(t).ProvisioningError, "looking for it failed")
	})
}
