package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/internal/dbtest"
	"github.com/askproai/askpro/internal/iostreams"
	"github.com/askproai/askpro/pkg/provision"
	"github.com/askproai/askpro/pkg/store"
	"github.com/spf13/cobra"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewCmdValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    []string
		want    int64
		json    bool
		wantErr string
	}{
		{name: "branch", args: []string{"--branch", "3"}, want: 3},
		{name: "json", args: []string{"--branch", "3", "-o", "json"}, want: 3, json: true},
		{name: "no branch", args: nil, wantErr: `required flag(s) "branch" not set`},
		{name: "branch 0", args: []string{"--branch", "0"}, wantErr: "--branch must be a branch id"},
		{name: "an argument", args: []string{"--branch", "3", "4"}, wantErr: "unknown command"},
		{name: "bad output", args: []string{"--branch", "3", "-o", "yaml"}, wantErr: "want table or json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, out, errOut := testFactory(t)
			var got *ValidateOptions
			cmd := NewCmdValidate(f, func(o *ValidateOptions) error { got = o; return nil })
			cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &cmdutil.FlagError{Err: err} })
			cmd.SetArgs(tt.args)
			cmd.SetOut(out)
			cmd.SetErr(errOut)
			cmd.SilenceUsage, cmd.SilenceErrors = true, true
			err := cmd.Execute()
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				assert.Equal(t, cmdutil.ExitUsage, cmdutil.ExitCode(err))
				assert.Nil(t, got)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got.BranchID)
			assert.Same(t, f.IO, got.IO)
			require.NotNil(t, got.Load)
			require.NotNil(t, got.Validator)
			if tt.json {
				assert.Equal(t, cmdutil.JSONExporter{}, got.Exporter)
			} else {
				assert.Nil(t, got.Exporter)
			}
		})
	}
}

// validateBundle is a ValidateOptions on buffers whose Load knows branch 3
// (data returns it) and whose Validator is built from cfg.
type validateBundle struct {
	opts     *ValidateOptions
	io       *iostreams.IOStreams
	data     provision.BranchData
	cfg      provision.ValidatorConfig
	loads    int
	out, err *bytes.Buffer
}

func setupValidate(t *testing.T) *validateBundle {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	et1, et2 := int64(4711), int64(4712)
	b := &validateBundle{io: ios, out: out, err: errOut,
		data: provision.BranchData{
			Company: store.Company{ID: 7, Name: "Salon Haarmonie", Industry: "general", IsActive: true},
			Branch: store.Branch{ID: 3, CompanyID: 7, Name: "Mitte", PhoneNumber: "+493012345678", Address: "Torstraße 12",
				Language: "de-DE", TransferNumber: "+4915112345678", IsActive: true},
			Services: []store.Service{{ID: 1, Name: "Schnitt", Type: "haircut", CalcomEventTypeID: &et1, IsActive: true},
				{ID: 2, Name: "Färben", Type: "coloring", CalcomEventTypeID: &et2, IsActive: true}},
			Hours: []store.Hours{{Weekday: 1, Opens: "09:00", Closes: "18:00"}},
		},
		cfg: provision.ValidatorConfig{
			PublicURL: "https://askpro.example.com",
			Retell:    provision.PingerFunc(func(context.Context) error { return nil }),
			Calendar: func(context.Context, store.Company) (provision.Calendar, error) {
				return provision.CalendarFunc(func(context.Context) ([]int64, error) { return []int64{4711, 4712}, nil }), nil
			},
		},
	}
	b.opts = &ValidateOptions{IO: ios, BranchID: 3,
		Load: func(_ context.Context, id int64) (provision.BranchData, error) {
			b.loads++
			if id != 3 {
				return provision.BranchData{}, store.ErrNotFound
			}
			return b.data, nil
		},
		Validator: func(context.Context) (*provision.Validator, error) { return provision.NewValidator(b.cfg) },
	}
	return b
}

func TestValidateRunReady(t *testing.T) {
	t.Parallel()
	b := setupValidate(t)
	require.NoError(t, validateRun(context.Background(), b.opts))
	out := b.out.String()
	assert.Contains(t, out, `Branch 3 "Mitte" of Salon Haarmonie (company 7)`)
	assert.Contains(t, out, "✓ READY for provisioning (0 errors, 0 warnings)")
	assert.Contains(t, out, "Next steps\n  1. [low] Provision the branch\n     askpro provision --branch 3\n")
	assert.NotContains(t, out, "Errors")
	assert.NotContains(t, out, "\x1b[", "no colour off a terminal")
	assert.Empty(t, b.err.String(), "no progress line off a terminal")
}

func TestValidateRunNotReady(t *testing.T) {
	t.Parallel()
	b := setupValidate(t)
	b.data.Hours = nil
	b.data.Branch.Address = ""
	b.cfg.Retell = nil
	err := validateRun(context.Background(), b.opts)
	require.Error(t, err)
	assert.Equal(t, cmdutil.ExitBad, cmdutil.ExitCode(err))
	var ee *cmdutil.ExitError
	require.ErrorAs(t, err, &ee)
	assert.Nil(t, ee.Err, "the report said why: Main prints nothing more")
	out := b.out.String()
	assert.Contains(t, out, "✗ NOT READY (2 errors, 1 warning)")
	assert.Contains(t, out, "Errors\n  ✗ NO_WORKING_HOURS working_hours\n    Opening hours are required")
	assert.Contains(t, out, "  ✗ RETELL_UNREACHABLE retell.api_key\n    retell.api_key is not set")
	assert.Contains(t, out, "Warnings\n  ! ADDRESS_MISSING address\n")
	assert.Contains(t, out, "  1. [high] Set the opening hours of each open weekday (1 = Monday)\n     askpro hours set --branch 3 --weekday 1 --opens 09:00 --closes 18:00\n")
	assert.Contains(t, out, "  2. [high] Set retell.api_key to the Retell API key\n     set retell.api_key (env ASKPRO_RETELL_API_KEY) in every askpro process\n")
	assert.Contains(t, out, "  3. [medium] Set the branch's address\n")
	assert.NotContains(t, out, "[low]")
}

func TestValidateRunJSON(t *testing.T) {
	t.Parallel()
	b := setupValidate(t)
	b.data.Services = nil
	b.opts.Exporter = cmdutil.JSONExporter{}
	err := validateRun(context.Background(), b.opts)
	assert.Equal(t, cmdutil.ExitBad, cmdutil.ExitCode(err), "not ready is exit 1 with -o json too")
	var r provision.Report
	require.NoError(t, json.Unmarshal([]byte(b.out.String()), &r))
	assert.False(t, r.Ready)
	assert.Equal(t, int64(3), r.BranchID)
	require.Len(t, r.Errors, 1)
	assert.Equal(t, provision.CodeNoServices, r.Errors[0].Code)
	assert.Equal(t, "askpro service add --branch 3 --name NAME --type TYPE --duration 30 --event-type-id EVENT_TYPE_ID", r.Errors[0].Action.Command)
}

func TestValidateRunFailures(t *testing.T) {
	t.Parallel()
	b := setupValidate(t)
	b.opts.BranchID = 4
	err := validateRun(context.Background(), b.opts)
	assert.EqualError(t, err, "branch 4 not found")
	assert.Equal(t, cmdutil.ExitBad, cmdutil.ExitCode(err))
	assert.Empty(t, b.out.String())

	b = setupValidate(t)
	b.opts.Validator = func(context.Context) (*provision.Validator, error) {
		return nil, &cmdutil.ExitError{Code: cmdutil.ExitUsage, Err: errors.New("http.public_url: want an http(s) URL")}
	}
	err = validateRun(context.Background(), b.opts)
	assert.Equal(t, cmdutil.ExitUsage, cmdutil.ExitCode(err))
	assert.Zero(t, b.loads, "a configuration error is found before the database is read")

	b = setupValidate(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err = validateRun(ctx, b.opts)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Empty(t, b.out.String(), "a cancelled run prints no report")
}

func TestValidateRunProgressOnTerminal(t *testing.T) {
	t.Parallel()
	b := setupValidate(t)
	b.io.SetStderrTTY(true)
	require.NoError(t, validateRun(context.Background(), b.opts))
	assert.Equal(t, "validating branch 3: asking Retell and Cal.com ...\r\x1b[K", b.err.String(), "shown, then cleared")
}

// TestValidateDemo runs `askpro demo` and `askpro validate` end to end on
// SQLite, with the factory's remote hooks faked.
func TestValidateDemo(t *testing.T) {
	t.Parallel()
	url := dbtest.SQLite(t)
	run := func(t *testing.T, calendar bool, args ...string) (int, string, string) {
		t.Helper()
		ios, _, out, errOut := iostreams.Test()
		f := cmdutil.New(ios, "test")
		f.Environ = []string{"ASKPRO_DATABASE_URL=" + url, "ASKPRO_HTTP_PUBLIC_URL=https://askpro.example.com"}
		f.RetellPinger = func() (provision.Pinger, error) {
			return provision.PingerFunc(func(context.Context) error { return nil }), nil
		}
		if calendar {
			f.Calendar = func(_ context.Context, c store.Company) (provision.Calendar, error) {
				assert.Equal(t, "salon-haarmonie", c.Subdomain)
				return provision.CalendarFunc(func(context.Context) ([]int64, error) { return []int64{4711, 4712, 4713}, nil }), nil
			}
		}
		code := Run(context.Background(), f, args)
		return code, out.String(), errOut.String()
	}
	code, _, stderr := run(t, true, "demo")
	require.Equal(t, 0, code, stderr)

	code, out, stderr := run(t, true, "validate", "--branch", "1", "-o", "json")
	require.Equal(t, 0, code, "stdout %s stderr %s", out, stderr)
	var r provision.Report
	require.NoError(t, json.Unmarshal([]byte(out), &r))
	assert.True(t, r.Ready)
	assert.Empty(t, r.Errors)
	var warnings []provision.Code
	for _, w := range r.Warnings {
		warnings = append(warnings, w.Code)
	}
	assert.Equal(t, []provision.Code{provision.CodeIndustryServicesMissing, provision.CodeTransferNumberMissing}, warnings,
		"the demo salon is beauty with haircut and coloring, and no transfer number")

	code, out, _ = run(t, false, "validate", "--branch", "1")
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "CALCOM_UNREACHABLE")
	assert.Contains(t, out, "askpro company update 1 --calcom-api-key-file -")

	code, _, stderr = run(t, true, "validate", "--branch", "99")
	assert.Equal(t, 1, code)
	assert.Equal(t, "error: branch 99 not found\n", stderr)
}
