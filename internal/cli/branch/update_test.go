package branch

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/internal/cmdutil/cmdutiltest"
	"github.com/askproai/askpro/pkg/store"
	"github.com/askproai/askpro/pkg/tenant"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewCmdUpdate(t *testing.T) {
	t.Parallel()
	str := func(s string) *string { return &s }
	no, yes := false, true
	tests := []struct {
		name    string
		args    []string
		want    UpdateOptions
		wantErr string
	}{
		{name: "address", args: []string{"3", "--address", "Torstraße 12"}, want: UpdateOptions{ID: 3, Address: str("Torstraße 12")}},
		{name: "clear the address", args: []string{"3", "--address", ""}, want: UpdateOptions{ID: 3, Address: str("")}},
		{name: "every field", args: []string{"3", "--name", "Nord", "--phone", "030 1111111", "--address", "A", "--timezone", "Europe/Vienna",
			"--language", "de-AT", "--transfer-number", "0151 12345678", "--inactive", "-o", "json"},
			want: UpdateOptions{ID: 3, Name: str("Nord"), Phone: str("030 1111111"), Address: str("A"), Timezone: str("Europe/Vienna"),
				Language: str("de-AT"), TransferNumber: str("0151 12345678"), Active: &no, Exporter: cmdutil.JSONExporter{}}},
		{name: "clear the transfer number", args: []string{"3", "--clear-transfer-number"}, want: UpdateOptions{ID: 3, TransferNumber: str("")}},
		{name: "active again", args: []string{"3", "--active"}, want: UpdateOptions{ID: 3, Active: &yes}},
		{name: "nothing to change", args: []string{"3"}, wantErr: "nothing to change"},
		{name: "only output", args: []string{"3", "-o", "json"}, wantErr: "nothing to change"},
		{name: "transfer and clear", args: []string{"3", "--transfer-number", "0151 12345678", "--clear-transfer-number"},
			wantErr: "if any flags in the group [transfer-number clear-transfer-number]"},
		{name: "empty transfer number", args: []string{"3", "--transfer-number", " "}, wantErr: "--clear-transfer-number removes it"},
		{name: "inactive and active", args: []string{"3", "--inactive", "--active"}, wantErr: "if any flags in the group [inactive active]"},
		{name: "unknown zone", args: []string{"3", "--timezone", "Europe/Atlantis"}, wantErr: `invalid --timezone "Europe/Atlantis"`},
		{name: "empty zone", args: []string{"3", "--timezone", ""}, wantErr: "invalid --timezone"},
		{name: "language outside the list", args: []string{"3", "--language", "fr-FR"}, wantErr: `invalid --language "fr-FR"`},
		{name: "no id", args: []string{"--name", "X"}, wantErr: "accepts 1 arg(s)"},
		{name: "bad id", args: []string{"x", "--name", "X"}, wantErr: `"x" is not an id`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			var got *UpdateOptions
			cmd := NewCmdUpdate(b.factory, func(o *UpdateOptions) error { got = o; return nil })
			cmd.SetArgs(tt.args)
			cmd.SetOut(b.out)
			cmd.SetErr(b.errOut)
			cmd.SilenceUsage, cmd.SilenceErrors = true, true
			err := cmd.Execute()
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				assert.Equal(t, cmdutil.ExitUsage, cmdutil.ExitCode(err))
				assert.Nil(t, got, "the run function is not reached")
				return
			}
			require.NoError(t, err)
			assert.Same(t, b.io, got.IO)
			require.NotNil(t, got.Branches)
			require.NotNil(t, got.AuditLog)
			require.NotNil(t, got.InvalidatePhone, "the factory's tenant cache hook is passed on")
			assert.True(t, strings.HasPrefix(got.Actor, "cli:"), got.Actor)
			got.IO, got.Branches, got.AuditLog, got.InvalidatePhone, got.Actor = nil, nil, nil, nil, ""
			assert.Equal(t, tt.want, *got)
		})
	}
}

// updateBundle is a factory on a fresh SQLite database holding two
// companies with a branch each.
type updateBundle struct {
	cmdutiltest.Bundle
	st          *store.Store
	mitte, nord store.Branch
	invalidated []string
}

func setupUpdate(t *testing.T) *updateBundle {
	t.Helper()
	b := &updateBundle{Bundle: cmdutiltest.SQLite(t)}
	p := b.Pool(t)
	var err error
	b.st, err = store.New(store.Config{DB: p.DB(), Writer: p.Writer(), Dialect: string(p.Dialect())})
	require.NoError(t, err)
	sys := tenant.System(context.Background())
	a, err := b.st.Companies.Create(sys, store.NewCompany{Name: "Salon A", Subdomain: "salon-a"})
	require.NoError(t, err)
	other, err := b.st.Companies.Create(sys, store.NewCompany{Name: "Salon B", Subdomain: "salon-b"})
	require.NoError(t, err)
	b.mitte, err = b.st.Branches.Create(tenant.WithCompany(context.Background(), a.ID), store.NewBranch{Name: "Mitte", PhoneNumber: "030 12345678"})
	require.NoError(t, err)
	b.nord, err = b.st.Branches.Create(tenant.WithCompany(context.Background(), other.ID), store.NewBranch{Name: "Nord", PhoneNumber: "040 12345678"})
	require.NoError(t, err)
	b.Factory.InvalidatePhone = func(_ context.Context, n string) error {
		b.invalidated = append(b.invalidated, n)
		return nil
	}
	return b
}

func (b *updateBundle) run(t *testing.T, args ...string) error {
	t.Helper()
	b.Out.Reset()
	b.ErrOut.Reset()
	cmd := NewCmdBranch(b.Factory)
	cmd.SetArgs(args)
	cmd.SetOut(b.Out)
	cmd.SetErr(b.ErrOut)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	return cmd.ExecuteContext(context.Background())
}

func (b *updateBundle) audit(t *testing.T) []store.AuditEntry {
	t.Helper()
	rows, err := b.st.AuditLog.List(tenant.System(context.Background()), store.Page{})
	require.NoError(t, err)
	return rows
}

func (b *updateBundle) get(t *testing.T, br store.Branch) store.Branch {
	t.Helper()
	got, err := b.st.Branches.Get(tenant.WithCompany(context.Background(), br.CompanyID), br.ID)
	require.NoError(t, err)
	return got
}

func TestUpdateChangesOnlyTheFlagsGiven(t *testing.T) {
	t.Parallel()
	b := setupUpdate(t)
	id := strconv.FormatInt(b.mitte.ID, 10)
	require.NoError(t, b.run(t, "update", id, "--address", "Torstraße 12, 10119 Berlin", "--transfer-number", "0151 12345678",
		"--language", "de-AT", "--timezone", "Europe/Vienna"))
	assert.Equal(t, "updated branch "+id+": address, timezone, language, transfer_number\n", b.ErrOut.String())
	assert.Contains(t, b.Out.String(), "\ntransfer_number\t+4915112345678\n", "the branch is printed, number normalized")

	got := b.get(t, b.mitte)
	assert.Equal(t, "Torstraße 12, 10119 Berlin", got.Address)
	assert.Equal(t, "+4915112345678", string(got.TransferNumber))
	assert.Equal(t, "de-AT", got.Language)
	assert.Equal(t, "Europe/Vienna", got.Timezone)
	assert.Equal(t, b.mitte.Name, got.Name, "not given, not changed")
	assert.Equal(t, b.mitte.PhoneNumber, got.PhoneNumber)
	assert.True(t, got.IsActive)
	assert.Equal(t, b.nord, b.get(t, b.nord), "another company's branch is untouched")
	assert.Empty(t, b.invalidated, "the called number did not change")

	rows := b.audit(t)
	require.Len(t, rows, 1)
	e := rows[0]
	assert.Equal(t, "branch.update", e.Action)
	assert.Equal(t, "branch:"+id, e.Target)
	assert.Equal(t, cmdutil.Actor(), e.Actor)
	require.NotNil(t, e.CompanyID)
	assert.Equal(t, b.mitte.CompanyID, *e.CompanyID)
	assert.JSONEq(t, `{"changed":["address","timezone","language","transfer_number"],"address":"Torstraße 12, 10119 Berlin",
		"timezone":"Europe/Vienna","language":"de-AT","transfer_number":"+49151****678"}`, string(e.Details))
	assert.NotContains(t, string(e.Details), "12345678", "numbers are masked in the audit log")

	// Clearing the transfer number and the address.
	require.NoError(t, b.run(t, "update", id, "--clear-transfer-number", "--address", "", "-o", "json"))
	var res UpdateResult
	require.NoError(t, json.Unmarshal(b.Out.Bytes(), &res))
	assert.Equal(t, []string{"address", "transfer_number"}, res.Changed)
	assert.Empty(t, res.Branch.TransferNumber)
	assert.Empty(t, res.Branch.Address)
	assert.Empty(t, b.get(t, b.mitte).TransferNumber)
	assert.JSONEq(t, `{"changed":["address","transfer_number"],"address":"","transfer_number":"removed"}`, string(b.audit(t)[0].Details))
}

func TestUpdateNumberAndActiveInvalidateTheCache(t *testing.T) {
	t.Parallel()
	b := setupUpdate(t)
	id := strconv.FormatInt(b.mitte.ID, 10)
	require.NoError(t, b.run(t, "update", id, "--phone", "030 7654321", "--name", "Mitte-Ost"))
	got := b.get(t, b.mitte)
	assert.Equal(t, "+49307654321", string(got.PhoneNumber))
	assert.Equal(t, "Mitte-Ost", got.Name)
	assert.Equal(t, []string{"+493012345678", "+49307654321"}, b.invalidated, "the old and the new number")
	assert.JSONEq(t, `{"changed":["name","phone_number"],"name":"Mitte-Ost","phone_number":"+49307****321"}`, string(b.audit(t)[0].Details))

	b.invalidated = nil
	require.NoError(t, b.run(t, "update", id, "--inactive"))
	assert.False(t, b.get(t, b.mitte).IsActive)
	assert.Equal(t, []string{"+49307654321"}, b.invalidated)
	assert.Contains(t, b.Out.String(), "\nis_active\tfalse\n")

	b.Factory.InvalidatePhone = func(context.Context, string) error { return errors.New("redis down") }
	err := b.run(t, "update", id, "--active")
	assert.Equal(t, cmdutil.ExitBad, cmdutil.ExitCode(err))
	assert.ErrorContains(t, err, "was updated, but the tenant cache was not told")
	assert.True(t, b.get(t, b.mitte).IsActive, "the change stands")
	assert.Contains(t, b.Out.String(), "\nis_active\ttrue\n", "the result is still printed")
}

func TestUpdateRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		args     func(b *updateBundle) []string
		wantCode int
		wantErr  string
	}{
		{name: "invalid phone", args: func(b *updateBundle) []string { return []string{strconv.FormatInt(b.mitte.ID, 10), "--phone", "12"} },
			wantCode: 1, wantErr: "store: invalid phone_number"},
		{name: "invalid transfer number", args: func(b *updateBundle) []string {
			return []string{strconv.FormatInt(b.mitte.ID, 10), "--transfer-number", "abc", "--name", "Neu"}
		}, wantCode: 1, wantErr: "store: invalid transfer_number"},
		{name: "another branch's number", args: func(b *updateBundle) []string {
			return []string{strconv.FormatInt(b.mitte.ID, 10), "--phone", "040 12345678"}
		}, wantCode: 1, wantErr: "belongs to another branch"},
		{name: "empty name", args: func(b *updateBundle) []string { return []string{strconv.FormatInt(b.mitte.ID, 10), "--name", " "} },
			wantCode: 1, wantErr: "invalid name"},
		{name: "unknown branch", args: func(*updateBundle) []string { return []string{"9999", "--name", "X"} },
			wantCode: 1, wantErr: "branch 9999 not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setupUpdate(t)
			err := b.run(t, append([]string{"update"}, tt.args(b)...)...)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
			assert.Equal(t, tt.wantCode, cmdutil.ExitCode(err))
			assert.Equal(t, b.mitte, b.get(t, b.mitte), "nothing was written")
			assert.Empty(t, b.audit(t), "no audit row")
			assert.Empty(t, b.invalidated)
		})
	}
}

func TestUpdateProvisionedBranchNotice(t *testing.T) {
	t.Parallel()
	b := setupUpdate(t)
	ctx := tenant.WithCompany(context.Background(), b.mitte.CompanyID)
	_, lease, err := b.st.Branches.BeginProvisioning(ctx, b.mitte.ID, time.Minute)
	require.NoError(t, err)
	_, err = b.st.Branches.CompleteProvisioning(ctx, lease, store.ProvisioningResult{LLMID: "llm_1", AgentID: "agent_1", AgentVersion: 2})
	require.NoError(t, err)
	id := strconv.FormatInt(b.mitte.ID, 10)

	require.NoError(t, b.run(t, "update", id, "--transfer-number", "0151 12345678"))
	assert.Contains(t, b.ErrOut.String(), "its agent still has the old values: run `askpro provision --branch "+id+"` to update it")
	assert.Contains(t, b.Out.String(), "\nretell_agent_id\tagent_1\nretell_agent_version\t2\nretell_llm_id\tllm_1\n")

	require.NoError(t, b.run(t, "update", id, "--inactive"))
	assert.NotContains(t, b.ErrOut.String(), "old values", "switching off needs no new agent")
}
