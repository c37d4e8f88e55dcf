package migrate

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/internal/iostreams"
	"github.com/askproai/askpro/migrations"
	"github.com/askproai/askpro/pkg/config"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeMigrator records the calls it gets; an operation whose func is unset
// panics.
type fakeMigrator struct {
	up      func(ctx context.Context) error
	down    func(ctx context.Context, n int) error
	force   func(ctx context.Context, v int) error
	status  func(ctx context.Context) ([]migrations.MigrationStatus, error)
	version func(ctx context.Context) (uint, bool, error)
	closed  bool
}

func (m *fakeMigrator) Up(ctx context.Context) error {
	if m.up == nil {
		panic("Up called")
	}
	return m.up(ctx)
}

func (m *fakeMigrator) Down(ctx context.Context, n int) error {
	if m.down == nil {
		panic("Down called")
	}
	return m.down(ctx, n)
}

func (m *fakeMigrator) Force(ctx context.Context, v int) error {
	if m.force == nil {
		panic("Force called")
	}
	return m.force(ctx, v)
}

func (m *fakeMigrator) Status(ctx context.Context) ([]migrations.MigrationStatus, error) {
	if m.status == nil {
		panic("Status called")
	}
	return m.status(ctx)
}

func (m *fakeMigrator) Version(ctx context.Context) (uint, bool, error) {
	if m.version == nil {
		panic("Version called")
	}
	return m.version(ctx)
}

func (m *fakeMigrator) Close() error { m.closed = true; return nil }

func atVersion(v uint, dirty bool) func(context.Context) (uint, bool, error) {
	return func(context.Context) (uint, bool, error) { return v, dirty, nil }
}

type testBundle struct {
	io          *iostreams.IOStreams
	out, errOut *bytes.Buffer
	factory     *cmdutil.Factory
	config      func() (*config.Config, error)
}

func setup(t *testing.T) testBundle {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	f := cmdutil.New(ios, "test")
	f.Migrator = func() (*migrations.Migrator, error) {
		t.Error("a migrator was opened")
		return nil, errors.New("no database")
	}
	cfg := config.Default()
	cfg.Database.URL = "mysql://app:s3cret@tcp(db:3306)/askpro"
	return testBundle{io: ios, out: out, errOut: errOut, factory: f, config: func() (*config.Config, error) { return &cfg, nil }}
}

func TestNewCmdDown(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		args      []string
		wantSteps int
		wantAll   bool
		wantErr   string
	}{
		{name: "a count", args: []string{"2"}, wantSteps: 2},
		{name: "all", args: []string{"--all"}, wantAll: true},
		{name: "nothing", args: nil, wantErr: "needs a count N (1 or more) or --all; nothing was rolled back"},
		{name: "zero", args: []string{"0"}, wantErr: `"0" is not a count of migrations`},
		{name: "negative", args: []string{"-1"}, wantErr: "unknown shorthand flag"},
		{name: "not a number", args: []string{"two"}, wantErr: `"two" is not a count`},
		{name: "both", args: []string{"1", "--all"}, wantErr: "not both"},
		{name: "two counts", args: []string{"1", "2"}, wantErr: "accepts between 0 and 1 arg(s)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			var got *DownOptions
			cmd := NewCmdDown(b.factory, func(o *DownOptions) error { got = o; return nil })
			cmd.SetArgs(tt.args)
			cmd.SetOut(b.out)
			cmd.SetErr(b.errOut)
			cmd.SilenceUsage, cmd.SilenceErrors = true, true
			err := cmd.Execute()
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				assert.Equal(t, cmdutil.ExitUsage, cmdutil.ExitCode(err))
				assert.Nil(t, got, "nothing is rolled back")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantSteps, got.Steps)
			assert.Equal(t, tt.wantAll, got.All)
		})
	}
}

func TestNewCmdOtherVerbs(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var up *UpOptions
	c := NewCmdUp(b.factory, func(o *UpOptions) error { up = o; return nil })
	c.SetArgs([]string{"-o", "json"})
	require.NoError(t, c.Execute())
	assert.Equal(t, cmdutil.JSONExporter{}, up.Exporter)
	assert.NotNil(t, up.Config)
	assert.NotNil(t, up.Migrator)

	var force *ForceOptions
	c = NewCmdForce(b.factory, func(o *ForceOptions) error { force = o; return nil })
	c.SetArgs([]string{"3"})
	require.NoError(t, c.Execute())
	assert.Equal(t, 3, force.Version)

	var st *StatusOptions
	c = NewCmdStatus(b.factory, func(o *StatusOptions) error { st = o; return nil })
	c.SetArgs(nil)
	require.NoError(t, c.Execute())
	assert.Nil(t, st.Exporter)

	var ver *VersionOptions
	c = NewCmdVersion(b.factory, func(o *VersionOptions) error { ver = o; return nil })
	c.SetArgs([]string{"-o", "table"})
	require.NoError(t, c.Execute())
	assert.Nil(t, ver.Exporter)

	for _, bad := range [][]string{{"x"}, {"-5"}, {}} {
		c = NewCmdForce(b.factory, func(*ForceOptions) error { t.Error("run reached"); return nil })
		c.SetArgs(bad)
		c.SilenceUsage, c.SilenceErrors = true, true
		assert.Equal(t, cmdutil.ExitUsage, cmdutil.ExitCode(c.Execute()), "force %q", bad)
	}
	c = NewCmdUp(b.factory, func(*UpOptions) error { t.Error("run reached"); return nil })
	c.SetArgs([]string{"extra"})
	c.SilenceUsage, c.SilenceErrors = true, true
	assert.Equal(t, cmdutil.ExitUsage, cmdutil.ExitCode(c.Execute()))
}

func TestDownRun(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		opts     DownOptions
		wantN    int // -1: Down not called
		wantExit int
	}{
		{name: "two steps", opts: DownOptions{Steps: 2}, wantN: 2},
		{name: "all", opts: DownOptions{All: true}, wantN: 0},
		{name: "neither (a caller bypassing the flags)", opts: DownOptions{}, wantN: -1, wantExit: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			gotN := -1
			m := &fakeMigrator{down: func(_ context.Context, n int) error { gotN = n; return nil }, version: atVersion(2, false)}
			opts := tt.opts
			opts.IO, opts.Config = b.io, b.config
			opts.Migrator = func() (migrator, error) { return m, nil }
			err := downRun(context.Background(), &opts)
			assert.Equal(t, tt.wantExit, cmdutil.ExitCode(err), "error: %v", err)
			assert.Equal(t, tt.wantN, gotN)
			if tt.wantExit == 0 {
				assert.Equal(t, fmt.Sprintf("mysql://app:****@tcp(db:3306)/askpro: schema version 2 of %d\n", latestMySQL), b.out.String())
				assert.True(t, m.closed)
			}
		})
	}
}

// latestMySQL is the newest embedded schema version, which the commands
// report as "of N".
var latestMySQL = migrations.Latest("mysql")

func TestUpRun(t *testing.T) {
	t.Parallel()
	b := setup(t)
	upped := false
	m := &fakeMigrator{up: func(context.Context) error { upped = true; return nil }, version: atVersion(latestMySQL, false)}
	err := upRun(context.Background(), &UpOptions{IO: b.io, Config: b.config, Exporter: cmdutil.JSONExporter{},
		Migrator: func() (migrator, error) { return m, nil }})
	require.NoError(t, err)
	assert.True(t, upped)
	assert.JSONEq(t, fmt.Sprintf(`{"database":"mysql://app:****@tcp(db:3306)/askpro","version":%d,"dirty":false,"latest":%[1]d}`, latestMySQL), b.out.String())

	b = setup(t)
	boom := errors.New("migration 3 failed")
	m = &fakeMigrator{up: func(context.Context) error { return boom }}
	err = upRun(context.Background(), &UpOptions{IO: b.io, Config: b.config, Migrator: func() (migrator, error) { return m, nil }})
	assert.ErrorIs(t, err, boom)
	assert.Equal(t, cmdutil.ExitBad, cmdutil.ExitCode(err))
	assert.True(t, m.closed, "closed on failure too")

	b = setup(t)
	cfgErr := &cmdutil.ExitError{Code: cmdutil.ExitUsage, Err: errors.New("config: database.url: bad")}
	err = upRun(context.Background(), &UpOptions{IO: b.io, Config: func() (*config.Config, error) { return nil, cfgErr },
		Migrator: func() (migrator, error) { t.Error("migrator opened after a config error"); return nil, nil }})
	assert.Equal(t, cmdutil.ExitUsage, cmdutil.ExitCode(err))
}

func TestVersionAndForceRun(t *testing.T) {
	t.Parallel()
	b := setup(t)
	m := &fakeMigrator{version: atVersion(3, true)}
	require.NoError(t, versionRun(context.Background(), &VersionOptions{IO: b.io, Config: b.config, Migrator: func() (migrator, error) { return m, nil }}))
	assert.Equal(t, fmt.Sprintf("mysql://app:****@tcp(db:3306)/askpro: schema version 3 (dirty) of %d\n", latestMySQL), b.out.String())

	b = setup(t)
	forced := -1
	m = &fakeMigrator{force: func(_ context.Context, v int) error { forced = v; return nil }, version: atVersion(3, false)}
	require.NoError(t, forceRun(context.Background(), &ForceOptions{IO: b.io, Config: b.config, Version: 3, Migrator: func() (migrator, error) { return m, nil }}))
	assert.Equal(t, 3, forced)

	b = setup(t)
	m = &fakeMigrator{force: func(context.Context, int) error {
		return fmt.Errorf("force version 9: %w", migrations.ErrUnknownVersion)
	}}
	err := forceRun(context.Background(), &ForceOptions{IO: b.io, Config: b.config, Version: 9, Migrator: func() (migrator, error) { return m, nil }})
	assert.Equal(t, cmdutil.ExitUsage, cmdutil.ExitCode(err), "a version the binary does not embed is a usage error")
}

func TestStatusRun(t *testing.T) {
	t.Parallel()
	st := []migrations.MigrationStatus{{Version: 1, Name: "tenancy", Applied: true}, {Version: 2, Name: "calls", Applied: true, Current: true}}
	m := &fakeMigrator{status: func(context.Context) ([]migrations.MigrationStatus, error) { return st, nil }}
	b := setup(t)
	require.NoError(t, statusRun(context.Background(), &StatusOptions{IO: b.io, Migrator: func() (migrator, error) { return m, nil }}))
	assert.Equal(t, "VERSION\tNAME\tAPPLIED\tCURRENT\tDIRTY\n1\ttenancy\ttrue\tfalse\tfalse\n2\tcalls\ttrue\ttrue\tfalse\n", b.out.String())
	assert.True(t, m.closed)

	b = setup(t)
	require.NoError(t, statusRun(context.Background(), &StatusOptions{IO: b.io, Exporter: cmdutil.JSONExporter{}, Migrator: func() (migrator, error) { return m, nil }}))
	assert.Contains(t, b.out.String(), `"name": "calls"`)

	b = setup(t)
	open := errors.New("connection refused")
	err := statusRun(context.Background(), &StatusOptions{IO: b.io, Migrator: func() (migrator, error) { return nil, open }})
	assert.ErrorIs(t, err, open)
}
