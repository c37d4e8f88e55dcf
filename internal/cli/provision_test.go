package cli

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/internal/dbtest"
	"github.com/askproai/askpro/internal/iostreams"
	"github.com/askproai/askpro/pkg/calcom/calcomtest"
	"github.com/askproai/askpro/pkg/provision"
	"github.com/askproai/askpro/pkg/retell/retelltest"
	"github.com/askproai/askpro/pkg/store"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewCmdProvision(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    []string
		want    ProvisionOptions
		wantErr string
	}{
		{name: "branch", args: []string{"--branch", "3"}, want: ProvisionOptions{BranchID: 3}},
		{name: "dry run json", args: []string{"--branch", "3", "--dry-run", "-o", "json"}, want: ProvisionOptions{BranchID: 3, DryRun: true, Exporter: cmdutil.JSONExporter{}}},
		{name: "no branch", args: nil, wantErr: `required flag(s) "branch" not set`},
		{name: "branch 0", args: []string{"--branch", "0"}, wantErr: "--branch must be a branch id"},
		{name: "an argument", args: []string{"--branch", "3", "4"}, wantErr: "unknown command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ios, _, _, _ := iostreams.Test()
			f := cmdutil.New(ios, "test")
			var got *ProvisionOptions
			cmd := NewCmdProvision(f, func(o *ProvisionOptions) error { got = o; return nil })
			cmd.SetArgs(tt.args)
			cmd.SetOut(&strings.Builder{})
			cmd.SetErr(&strings.Builder{})
			cmd.SilenceUsage = true
			err := cmd.Execute()
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want.BranchID, got.BranchID)
			assert.Equal(t, tt.want.DryRun, got.DryRun)
			assert.Equal(t, tt.want.Exporter, got.Exporter)
			assert.NotEmpty(t, got.Actor)
		})
	}
}

// TestProvisionDemo runs `askpro demo` and `askpro provision` end to end
// on SQLite against the Retell fake.
func TestProvisionDemo(t *testing.T) {
	t.Parallel()
	url := dbtest.SQLite(t)
	fake := retelltest.Start(t, retelltest.Config{})
	fake.AddPhoneNumber("+493012345678")
	cal := calcomtest.NewServer(calcomtest.Config{})
	t.Cleanup(cal.Close)
	cal.AddAPIKey("cal_live_platform")
	for id := int64(4711); id <= 4713; id++ {
		cal.AddEventType(calcomtest.EventType{ID: id, OwnerKey: "cal_live_platform"})
	}
	run := func(t *testing.T, env []string, args ...string) (int, string, string) {
		t.Helper()
		ios, _, out, errOut := iostreams.Test()
		f := cmdutil.New(ios, "test")
		f.Environ = append([]string{"ASKPRO_DATABASE_URL=" + url, "ASKPRO_HTTP_PUBLIC_URL=https://askpro.example.com",
			"ASKPRO_RETELL_BASE_URL=" + fake.URL, "ASKPRO_RETELL_API_KEY=" + fake.APIKey(),
			"ASKPRO_CALCOM_BASE_URL=" + cal.URL, "ASKPRO_CALCOM_API_KEY=cal_live_platform"}, env...)
		code := Run(context.Background(), f, args)
		return code, out.String(), errOut.String()
	}
	code, _, stderr := run(t, nil, "demo")
	require.Equal(t, 0, code, stderr)

	code, out, stderr := run(t, nil, "provision", "--branch", "1", "--dry-run")
	require.Equal(t, 0, code, "stdout %s stderr %s", out, stderr)
	assert.Contains(t, out, "Dry run of provisioning branch 1")
	assert.Contains(t, out, "POST /create-retell-llm")
	assert.Contains(t, out, `"webhook_url": "https://askpro.example.com/webhooks/retell"`)
	assert.Contains(t, out, "nothing was sent or changed")
	assert.Empty(t, fake.Agents(), "a dry run creates nothing")

	code, out, stderr = run(t, nil, "provision", "--branch", "1")
	require.Equal(t, 0, code, "stdout %s stderr %s", out, stderr)
	for _, step := range []string{"validate", "lease", "llm", "agent", "publish", "bind", "record"} {
		assert.Contains(t, out, "✓ "+step, "each step is shown")
	}
	assert.Contains(t, out, "PROVISIONED")
	require.Len(t, fake.Agents(), 1)

	code, out, stderr = run(t, nil, "provision", "--branch", "1", "-o", "json")
	require.Equal(t, 0, code, "stdout %s stderr %s", out, stderr)
	var res provision.Result
	require.NoError(t, json.Unmarshal([]byte(out), &res))
	assert.Equal(t, store.ProvisioningCompleted, res.Status)
	assert.Equal(t, fake.Agents()[0].AgentID, res.AgentID)
	require.NotNil(t, res.AgentVersion)
	assert.Equal(t, 1, *res.AgentVersion, "the second run published version 1 of the same agent")
	assert.Len(t, fake.Agents(), 1)

	code, out, _ = run(t, nil, "audit", "list", "-o", "json")
	require.Equal(t, 0, code)
	assert.Equal(t, 2, strings.Count(out, `"branch.provision"`), "each real run is audited, the dry run is not")

	// A failing step: exit 1, the error shown, the branch failed.
	fake.Fail(retelltest.OpPublishAgentVersion, 400, "", -1)
	code, out, _ = run(t, nil, "provision", "--branch", "1")
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "✗ publish")
	assert.Contains(t, out, "FAILED")
	code, out, _ = run(t, nil, "branch", "show", "1", "-o", "json")
	require.Equal(t, 0, code)
	assert.Contains(t, out, `"provisioning_status": "failed"`)

	// Cal.com's event types are checked through the platform account.
	assert.NotEmpty(t, cal.RequestsOf(calcomtest.OpEventTypes), "the validator listed the event types")
	code, out, _ = run(t, []string{"ASKPRO_CALCOM_API_KEY="}, "validate", "--branch", "1")
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "CALCOM_UNREACHABLE")
	assert.Contains(t, out, "no Cal.com API key")

	// Configuration errors exit 2 before anything runs.
	code, _, stderr = run(t, []string{"ASKPRO_RETELL_API_KEY="}, "provision", "--branch", "1")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "retell.api_key is not set")
	code, _, stderr = run(t, []string{"ASKPRO_HTTP_PUBLIC_URL="}, "provision", "--branch", "1")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "http.public_url is not set")

	code, _, stderr = run(t, nil, "provision", "--branch", "99")
	assert.Equal(t, 1, code)
	assert.Equal(t, "error: branch 99 not found\n", stderr)
}
