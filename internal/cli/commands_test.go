package cli

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/internal/iostreams"
	"github.com/askproai/askpro/pkg/store"
	"github.com/askproai/askpro/pkg/tenant"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeRepos fakes the repositories the single-verb commands use; a method
// whose func is unset panics.
type fakeRepos struct {
	companyOf func(ctx context.Context, branchID int64) (int64, error)
	create    func(ctx context.Context, in store.NewService) (store.Service, error)
	set       func(ctx context.Context, branchID int64, weekday int, opens, closes string) (store.Hours, error)
}

func (f *fakeRepos) CompanyOf(ctx context.Context, branchID int64) (int64, error) {
	if f.companyOf == nil {
		panic("CompanyOf called")
	}
	return f.companyOf(ctx, branchID)
}

func (f *fakeRepos) Create(ctx context.Context, in store.NewService) (store.Service, error) {
	if f.create == nil {
		panic("Services.Create called")
	}
	return f.create(ctx, in)
}

func (f *fakeRepos) Set(ctx context.Context, branchID int64, weekday int, opens, closes string) (store.Hours, error) {
	if f.set == nil {
		panic("WorkingHours.Set called")
	}
	return f.set(ctx, branchID, weekday, opens, closes)
}

// branch2Of7 is a CompanyOf that knows branch 2 of company 7.
func branch2Of7(ctx context.Context, id int64) (int64, error) {
	if !tenant.IsSystem(ctx) {
		panic("branch lookup outside a system context")
	}
	if id == 2 {
		return 7, nil
	}
	return 0, store.ErrNotFound
}

func inCompany7(t *testing.T, ctx context.Context) {
	t.Helper()
	id, err := tenant.CompanyID(ctx)
	require.NoError(t, err)
	assert.Equal(t, int64(7), id, "acts inside the branch's company")
}

func TestVersion(t *testing.T) {
	t.Parallel()
	f, _, _ := testFactory(t)
	var got *VersionOptions
	cmd := NewCmdVersion(f, func(o *VersionOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"-o", "json"})
	require.NoError(t, cmd.Execute())
	assert.Equal(t, "test", got.Version)
	assert.Equal(t, cmdutil.JSONExporter{}, got.Exporter)

	ios, _, out, _ := iostreams.Test()
	require.NoError(t, versionRun(&VersionOptions{IO: ios, Version: "v1.2.3"}))
	assert.Equal(t, "askpro v1.2.3 ("+runtime.Version()+", "+runtime.GOOS+"/"+runtime.GOARCH+")\n", out.String())

	ios, _, out, _ = iostreams.Test()
	require.NoError(t, versionRun(&VersionOptions{IO: ios, Version: "v1.2.3", Exporter: cmdutil.JSONExporter{}}))
	var info VersionInfo
	require.NoError(t, json.Unmarshal(out.Bytes(), &info))
	assert.Equal(t, VersionInfo{Version: "v1.2.3", GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}, info)
}

func TestServiceAdd(t *testing.T) {
	t.Parallel()
	f, _, _ := testFactory(t)
	var got *ServiceAddOptions
	cmd := NewCmdServiceAdd(f, func(o *ServiceAddOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--branch", "2", "--name", "Färben", "--type", "coloring", "--duration", "90", "--event-type-id", "4713", "--inactive"})
	require.NoError(t, cmd.Execute())
	got.IO, got.Branches, got.Services = nil, nil, nil
	assert.Equal(t, ServiceAddOptions{BranchID: 2, Name: "Färben", Type: "coloring", Duration: 90, EventTypeID: 4713, Inactive: true}, *got)

	for _, bad := range [][]string{
		{"--branch", "0", "--name", "x", "--type", "t", "--duration", "30"},
		{"--branch", "2", "--name", "x", "--type", "t", "--duration", "-5"},
		{"--branch", "2", "--name", "x", "--type", "t", "--duration", "30", "--event-type-id", "-1"},
		{"--branch", "2", "--name", "x", "--duration", "30"},
	} {
		cmd := NewCmdServiceAdd(f, func(*ServiceAddOptions) error { t.Error("run reached"); return nil })
		cmd.SetArgs(bad)
		cmd.SilenceUsage, cmd.SilenceErrors = true, true
		assert.Equal(t, cmdutil.ExitUsage, cmdutil.ExitCode(cmd.Execute()), "%q", bad)
	}

	eventType := int64(4713)
	repos := &fakeRepos{companyOf: branch2Of7, create: func(ctx context.Context, in store.NewService) (store.Service, error) {
		inCompany7(t, ctx)
		assert.Equal(t, store.NewService{BranchID: 2, Name: "Färben", Type: "coloring", DurationMinutes: 90, CalcomEventTypeID: &eventType}, in)
		return store.Service{ID: 5, BranchID: 2, Name: in.Name, Type: in.Type, DurationMinutes: 90, CalcomEventTypeID: &eventType, IsActive: true}, nil
	}}
	ios, _, out, _ := iostreams.Test()
	opts := &ServiceAddOptions{IO: ios, BranchID: 2, Name: "Färben", Type: "coloring", Duration: 90, EventTypeID: 4713,
		Branches: func(context.Context) (cmdutil.BranchCompany, error) { return repos, nil },
		Services: func(context.Context) (serviceCreator, error) { return repos, nil }}
	require.NoError(t, serviceAddRun(context.Background(), opts))
	assert.Equal(t, "ID\tBRANCH\tNAME\tTYPE\tMINUTES\tEVENT TYPE\tACTIVE\n5\t2\tFärben\tcoloring\t90\t4713\ttrue\n", out.String())

	opts.BranchID = 3
	err := serviceAddRun(context.Background(), opts)
	assert.EqualError(t, err, "branch 3 not found")
	assert.Equal(t, cmdutil.ExitBad, cmdutil.ExitCode(err))

	repos.create = func(context.Context, store.NewService) (store.Service, error) {
		return store.Service{}, &store.ValidationError{Field: "name", Msg: "longer than 255 characters"}
	}
	opts.BranchID, opts.EventTypeID = 2, 0
	assert.Equal(t, cmdutil.ExitBad, cmdutil.ExitCode(serviceAddRun(context.Background(), opts)))
}

func TestHoursSet(t *testing.T) {
	t.Parallel()
	f, _, _ := testFactory(t)
	var got *HoursSetOptions
	cmd := NewCmdHoursSet(f, func(o *HoursSetOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--branch", "2", "--weekday", "6", "--opens", "09:00", "--closes", "14:00", "-o", "json"})
	require.NoError(t, cmd.Execute())
	got.IO, got.Branches, got.Hours = nil, nil, nil
	assert.Equal(t, HoursSetOptions{BranchID: 2, Weekday: 6, Opens: "09:00", Closes: "14:00", Exporter: cmdutil.JSONExporter{}}, *got)

	for _, bad := range [][]string{
		{"--branch", "2", "--weekday", "0", "--opens", "09:00", "--closes", "14:00"},
		{"--branch", "2", "--weekday", "8", "--opens", "09:00", "--closes", "14:00"},
		{"--branch", "0", "--weekday", "1", "--opens", "09:00", "--closes", "14:00"},
		{"--branch", "2", "--weekday", "1", "--opens", "09:00"},
	} {
		cmd := NewCmdHoursSet(f, func(*HoursSetOptions) error { t.Error("run reached"); return nil })
		cmd.SetArgs(bad)
		cmd.SilenceUsage, cmd.SilenceErrors = true, true
		assert.Equal(t, cmdutil.ExitUsage, cmdutil.ExitCode(cmd.Execute()), "%q", bad)
	}

	repos := &fakeRepos{companyOf: branch2Of7, set: func(ctx context.Context, branchID int64, weekday int, opens, closes string) (store.Hours, error) {
		inCompany7(t, ctx)
		if closes == "25:00" {
			return store.Hours{}, &store.ValidationError{Field: "closes", Msg: "not a time"}
		}
		return store.Hours{BranchID: branchID, Weekday: weekday, Opens: opens, Closes: closes}, nil
	}}
	ios, _, out, _ := iostreams.Test()
	opts := &HoursSetOptions{IO: ios, BranchID: 2, Weekday: 6, Opens: "09:00", Closes: "14:00",
		Branches: func(context.Context) (cmdutil.BranchCompany, error) { return repos, nil },
		Hours:    func(context.Context) (hoursSetter, error) { return repos, nil }}
	require.NoError(t, hoursSetRun(context.Background(), opts))
	assert.Equal(t, "BRANCH\tWEEKDAY\tOPENS\tCLOSES\n2\t6\t09:00\t14:00\n", out.String())

	opts.Closes = "25:00"
	err := hoursSetRun(context.Background(), opts)
	assert.Equal(t, cmdutil.ExitBad, cmdutil.ExitCode(err))
	assert.ErrorContains(t, err, "invalid closes")
}

// TestDemo runs the demo on a real SQLite database twice: the second run
// finds the salon the first created.
func TestDemo(t *testing.T) {
	t.Parallel()
	f, _, _ := testFactory(t)
	var got *DemoOptions
	cmd := NewCmdDemo(f, func(o *DemoOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"-o", "json"})
	require.NoError(t, cmd.Execute())
	assert.Equal(t, cmdutil.JSONExporter{}, got.Exporter)

	ios, _, out, _ := iostreams.Test()
	real := cmdutil.New(ios, "test")
	real.Environ = []string{"ASKPRO_DATABASE_URL=sqlite://" + filepath.Join(t.TempDir(), "demo.db")}
	t.Cleanup(func() { _ = real.Close() })
	opts := &DemoOptions{IO: ios, Migrate: real.Migrate, Store: real.Store, Exporter: cmdutil.JSONExporter{}}
	require.NoError(t, demoRun(context.Background(), opts))
	var first DemoResult
	require.NoError(t, json.Unmarshal(out.Bytes(), &first))
	assert.True(t, first.Created)
	assert.Equal(t, "+493012345678", first.Phone)
	assert.Len(t, first.ServiceIDs, 3)

	out.Reset()
	opts.Exporter = nil
	require.NoError(t, demoRun(context.Background(), opts))
	assert.Contains(t, out.String(), "Found existing demo salon: company 1, branch 1 (+493012345678)")

	boom := errors.New("disk full")
	err := demoRun(context.Background(), &DemoOptions{IO: ios, Migrate: func(context.Context) (uint, error) { return 0, boom },
		Store: func(context.Context) (*store.Store, error) {
			t.Error("store opened after a failed migration")
			return nil, nil
		}})
	assert.ErrorIs(t, err, boom)
}

func TestServeFlags(t *testing.T) {
	t.Parallel()
	f, _, _ := testFactory(t)
	var got *ServeOptions
	cmd := NewCmdServe(f, func(o *ServeOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--insecure-skip-verify", "--addr", "127.0.0.1:9999"})
	require.NoError(t, cmd.Execute())
	assert.True(t, got.InsecureSkipVerify)
	cfg, err := f.Config()
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1:9999", cfg.HTTP.Addr, "--addr overrides http.addr")
}
