package apikey

import (
	"context"
	"encoding/json"
	"errors"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/internal/cmdutil/cmdutiltest"
	"github.com/askproai/askpro/internal/iostreams"
	"github.com/askproai/askpro/pkg/apikey"
	"github.com/askproai/askpro/pkg/store"
	"github.com/askproai/askpro/pkg/tenant"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func testFactory(t *testing.T) *cmdutil.Factory {
	t.Helper()
	ios, _, _, _ := iostreams.Test()
	f := cmdutil.New(ios, "test")
	f.Store = func(context.Context) (*store.Store, error) {
		t.Error("the store was opened")
		return nil, errors.New("no store")
	}
	return f
}

func TestNewCmdCreate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    []string
		want    CreateOptions
		wantErr string
	}{
		{name: "company key", args: []string{"--company", "7", "--name", "Praxis-Software"},
			want: CreateOptions{CompanyID: 7, Name: "Praxis-Software"}},
		{name: "admin key", args: []string{"--admin", "--name", "ops", "-o", "json"},
			want: CreateOptions{Admin: true, Name: "ops", Exporter: cmdutil.JSONExporter{}}},
		{name: "both", args: []string{"--company", "7", "--admin", "--name", "x"}, wantErr: "--company and --admin exclude each other"},
		{name: "neither", args: []string{"--name", "x"}, wantErr: "give --company ID for a company's key, or --admin"},
		{name: "company 0", args: []string{"--company", "0", "--name", "x"}, wantErr: "--company must be a company id"},
		{name: "company not a number", args: []string{"--company", "x", "--name", "x"}, wantErr: "invalid argument"},
		{name: "no name", args: []string{"--admin"}, wantErr: `required flag(s) "name" not set`},
		{name: "positional argument", args: []string{"--admin", "--name", "x", "extra"}, wantErr: "unknown command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got *CreateOptions
			cmd := NewCmdCreate(testFactory(t), func(o *CreateOptions) error { got = o; return nil })
			cmd.SetArgs(tt.args)
			cmd.SilenceUsage, cmd.SilenceErrors = true, true
			err := cmd.Execute()
			if tt.wantErr != "" {
				assert.ErrorContains(t, err, tt.wantErr)
				assert.Equal(t, cmdutil.ExitUsage, cmdutil.ExitCode(err))
				assert.Nil(t, got, "the run function is not reached")
				return
			}
			require.NoError(t, err)
			require.NotNil(t, got.Keys)
			require.NotNil(t, got.Audit)
			assert.True(t, strings.HasPrefix(got.Actor, "cli:"))
			got.IO, got.Keys, got.Audit, got.Actor = nil, nil, nil, ""
			assert.Equal(t, tt.want, *got)
		})
	}
}

func TestNewCmdListAndRevoke(t *testing.T) {
	t.Parallel()
	var list *ListOptions
	cmd := NewCmdList(testFactory(t), func(o *ListOptions) error { list = o; return nil })
	cmd.SetArgs([]string{"--company", "7", "--limit", "5", "-o", "json"})
	require.NoError(t, cmd.Execute())
	assert.Equal(t, int64(7), list.CompanyID)
	assert.Equal(t, store.Page{Limit: 5}, list.Page)
	assert.Equal(t, cmdutil.JSONExporter{}, list.Exporter)
	for _, args := range [][]string{{"--company", "0"}, {"--limit", "0"}, {"x"}} {
		cmd := NewCmdList(testFactory(t), func(*ListOptions) error { t.Error("run reached"); return nil })
		cmd.SetArgs(args)
		cmd.SilenceUsage, cmd.SilenceErrors = true, true
		assert.Equal(t, cmdutil.ExitUsage, cmdutil.ExitCode(cmd.Execute()), "%q", args)
	}

	var revoke *RevokeOptions
	rc := NewCmdRevoke(testFactory(t), func(o *RevokeOptions) error { revoke = o; return nil })
	rc.SetArgs([]string{"42"})
	require.NoError(t, rc.Execute())
	assert.Equal(t, int64(42), revoke.ID)
	for _, args := range [][]string{{}, {"0"}, {"x"}, {"1", "2"}} {
		rc := NewCmdRevoke(testFactory(t), func(*RevokeOptions) error { t.Error("run reached"); return nil })
		rc.SetArgs(args)
		rc.SilenceUsage, rc.SilenceErrors = true, true
		assert.Equal(t, cmdutil.ExitUsage, cmdutil.ExitCode(rc.Execute()), "%q", args)
	}
}

// sqliteBundle is a factory on a migrated SQLite database with one company.
type sqliteBundle struct {
	cmdutiltest.Bundle
	st      *store.Store
	company store.Company
}

func onSQLite(t *testing.T) sqliteBundle {
	t.Helper()
	b := cmdutiltest.SQLite(t)
	st, err := b.Factory.Store(context.Background())
	require.NoError(t, err)
	c, err := st.Companies.Create(tenant.System(context.Background()), store.NewCompany{Name: "Salon", Subdomain: "salon"})
	require.NoError(t, err)
	return sqliteBundle{Bundle: b, st: st, company: c}
}

// run parses args with the real command and runs the verb's run function
// against the bundle's database, returning its error.
func (b sqliteBundle) run(t *testing.T, args ...string) error {
	t.Helper()
	b.Out.Reset()
	b.ErrOut.Reset()
	switch args[0] {
	case "create":
		var opts *CreateOptions
		cmd := NewCmdCreate(b.Factory, func(o *CreateOptions) error { opts = o; return nil })
		cmd.SetArgs(args[1:])
		require.NoError(t, cmd.Execute())
		opts.Actor = "cli:anna"
		return createRun(context.Background(), opts)
	case "list":
		var opts *ListOptions
		cmd := NewCmdList(b.Factory, func(o *ListOptions) error { opts = o; return nil })
		cmd.SetArgs(args[1:])
		require.NoError(t, cmd.Execute())
		return listRun(context.Background(), opts)
	case "revoke":
		var opts *RevokeOptions
		cmd := NewCmdRevoke(b.Factory, func(o *RevokeOptions) error { opts = o; return nil })
		cmd.SetArgs(args[1:])
		require.NoError(t, cmd.Execute())
		opts.Actor = "cli:anna"
		return revokeRun(context.Background(), opts)
	}
	t.Fatalf("no verb %q", args[0])
	return nil
}

func (b sqliteBundle) audit(t *testing.T) []store.AuditEntry {
	t.Helper()
	rows, err := b.st.AuditLog.List(tenant.System(context.Background()), store.Page{})
	require.NoError(t, err)
	return rows
}

func TestCreateOnSQLite(t *testing.T) {
	t.Parallel()
	b := onSQLite(t)
	cid := strconv.FormatInt(b.company.ID, 10)

	// -o json: a stable schema, the key this once.
	require.NoError(t, b.run(t, "create", "--company", cid, "--name", "Praxis-Software", "-o", "json"))
	var raw map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(b.Out.Bytes(), &raw))
	var fields []string
	for k := range raw {
		fields = append(fields, k)
	}
	sort.Strings(fields)
	assert.Equal(t, []string{"company_id", "created_at", "id", "key", "name", "prefix"}, fields)
	var created Created
	require.NoError(t, json.Unmarshal(b.Out.Bytes(), &created))
	secret, err := apikey.Parse(created.Key)
	require.NoError(t, err)
	assert.Equal(t, secret.Prefix(), created.Prefix)
	require.NotNil(t, created.CompanyID)
	assert.Equal(t, b.company.ID, *created.CompanyID)
	found, err := b.st.APIKeys.ByHash(tenant.System(context.Background()), secret.Hash())
	require.NoError(t, err, "the key printed is the key stored (by its hash)")
	assert.Equal(t, created.ID, found.ID)

	entries := b.audit(t)
	require.Len(t, entries, 1)
	e := entries[0]
	assert.Equal(t, "apikey.create", e.Action)
	assert.Equal(t, "cli:anna", e.Actor)
	assert.Equal(t, "apikey:"+strconv.FormatInt(created.ID, 10), e.Target)
	require.NotNil(t, e.CompanyID)
	assert.Equal(t, b.company.ID, *e.CompanyID)
	assert.JSONEq(t, `{"name":"Praxis-Software","prefix":"`+secret.Prefix()+`","admin":false}`, string(e.Details))
	assert.NotContains(t, string(e.Details), created.Key[apikey.PrefixLen+1:], "the audit log never holds the key")

	// Human: the key alone on stdout, the notice and warning on stderr.
	require.NoError(t, b.run(t, "create", "--admin", "--name", "ops"))
	key := strings.TrimSuffix(b.Out.String(), "\n")
	admin, err := apikey.Parse(key)
	require.NoError(t, err, "stdout is the key and nothing else: %q", b.Out.String())
	assert.Contains(t, b.ErrOut.String(), "for platform admin (prefix "+admin.Prefix()+")")
	assert.Contains(t, b.ErrOut.String(), "it is not shown again")
	assert.NotContains(t, b.ErrOut.String(), key)
	entries = b.audit(t)
	require.Len(t, entries, 2)
	assert.Nil(t, entries[0].CompanyID, "an admin key's row is platform-level")
	assert.JSONEq(t, `{"name":"ops","prefix":"`+admin.Prefix()+`","admin":true}`, string(entries[0].Details))

	// Refused: exit 1, nothing written.
	err = b.run(t, "create", "--company", "9999", "--name", "x")
	assert.EqualError(t, err, "company 9999 not found")
	assert.Equal(t, cmdutil.ExitBad, cmdutil.ExitCode(err))
	err = b.run(t, "create", "--admin", "--name", " ")
	var ve *store.ValidationError
	assert.ErrorAs(t, err, &ve)
	assert.Equal(t, cmdutil.ExitBad, cmdutil.ExitCode(err))
	assert.Empty(t, b.Out.String())
	assert.Len(t, b.audit(t), 2)
	keys, err := b.st.APIKeys.List(tenant.System(context.Background()), store.Page{})
	require.NoError(t, err)
	assert.Len(t, keys, 2)
}

// failingAudit is an audit log whose writes fail.
type failingAudit struct{}

func (failingAudit) Record(context.Context, store.AuditEntry) (store.AuditEntry, error) {
	return store.AuditEntry{}, errors.New("disk full")
}

func TestCreateUnauditedIsRevoked(t *testing.T) {
	t.Parallel()
	b := onSQLite(t)
	ios, _, out, _ := iostreams.Test()
	err := createRun(context.Background(), &CreateOptions{IO: ios, Admin: true, Name: "ops", Actor: "cli:anna",
		Keys:  func(context.Context) (keyCreator, error) { return b.st.APIKeys, nil },
		Audit: func(context.Context) (auditor, error) { return failingAudit{}, nil }})
	assert.ErrorContains(t, err, "api key not created (the audit log was not written; key 1 is revoked): disk full")
	assert.Equal(t, cmdutil.ExitBad, cmdutil.ExitCode(err))
	assert.Empty(t, out.String(), "the key is never shown")
	k, err := b.st.APIKeys.Get(tenant.System(context.Background()), 1)
	require.NoError(t, err)
	assert.True(t, k.Revoked(), "a key the audit log does not know is not usable")
}

func TestListOnSQLite(t *testing.T) {
	t.Parallel()
	b := onSQLite(t)
	sys := tenant.System(context.Background())
	other, err := b.st.Companies.Create(sys, store.NewCompany{Name: "Praxis", Subdomain: "praxis"})
	require.NoError(t, err)
	own, ownSecret, err := b.st.APIKeys.Create(sys, store.NewAPIKey{CompanyID: b.company.ID, Name: "mine"})
	require.NoError(t, err)
	_, otherSecret, err := b.st.APIKeys.Create(sys, store.NewAPIKey{CompanyID: other.ID, Name: "theirs"})
	require.NoError(t, err)
	_, adminSecret, err := b.st.APIKeys.Create(sys, store.NewAPIKey{Name: "ops"})
	require.NoError(t, err)

	require.NoError(t, b.run(t, "list", "-o", "json"))
	for _, s := range []apikey.Secret{ownSecret, otherSecret, adminSecret} {
		assert.NotContains(t, b.Out.String(), s.Reveal()[apikey.PrefixLen+1:], "never the key")
		assert.NotContains(t, b.Out.String(), s.Hash(), "never the hash")
	}
	var all []map[string]any
	require.NoError(t, json.Unmarshal(b.Out.Bytes(), &all))
	require.Len(t, all, 3)
	var fields []string
	for k := range all[0] {
		fields = append(fields, k)
	}
	sort.Strings(fields)
	assert.Equal(t, []string{"company_id", "created_at", "id", "last_used_at", "name", "prefix", "revoked_at"}, fields)
	assert.Nil(t, all[2]["company_id"], "the admin key has no company")

	require.NoError(t, b.run(t, "list", "--company", strconv.FormatInt(b.company.ID, 10), "-o", "json"))
	var mine []store.APIKey
	require.NoError(t, json.Unmarshal(b.Out.Bytes(), &mine))
	require.Len(t, mine, 1)
	assert.Equal(t, own.ID, mine[0].ID)

	// Piped table: TSV with RFC 3339 times; the admin key's company reads "admin".
	require.NoError(t, b.run(t, "list"))
	lines := strings.Split(strings.TrimSuffix(b.Out.String(), "\n"), "\n")
	require.Len(t, lines, 4)
	assert.Equal(t, "ID\tCOMPANY\tNAME\tPREFIX\tCREATED\tLAST USED\tREVOKED", lines[0])
	assert.Equal(t, strings.Join([]string{"3", "admin", "ops", adminSecret.Prefix(), createdCell(t, lines[3]), "", ""}, "\t"), lines[3])

	err = b.run(t, "list", "--company", "9999")
	assert.EqualError(t, err, "company 9999 not found")
	assert.Equal(t, cmdutil.ExitBad, cmdutil.ExitCode(err))
}

// createdCell returns the CREATED cell of a TSV line, checked to be RFC 3339.
func createdCell(t *testing.T, line string) string {
	t.Helper()
	cells := strings.Split(line, "\t")
	require.Len(t, cells, 7)
	assert.Regexp(t, `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`, cells[4])
	return cells[4]
}

func TestRevokeOnSQLite(t *testing.T) {
	t.Parallel()
	b := onSQLite(t)
	sys := tenant.System(context.Background())
	k, secret, err := b.st.APIKeys.Create(sys, store.NewAPIKey{CompanyID: b.company.ID, Name: "mine"})
	require.NoError(t, err)
	id := strconv.FormatInt(k.ID, 10)

	require.NoError(t, b.run(t, "revoke", id, "-o", "json"))
	var got store.APIKey
	require.NoError(t, json.Unmarshal(b.Out.Bytes(), &got))
	require.NotNil(t, got.RevokedAt)
	found, err := b.st.APIKeys.ByHash(sys, secret.Hash())
	require.NoError(t, err)
	assert.True(t, found.Revoked())
	entries := b.audit(t)
	require.Len(t, entries, 1)
	assert.Equal(t, "apikey.revoke", entries[0].Action)
	assert.Equal(t, "cli:anna", entries[0].Actor)
	assert.Equal(t, "apikey:"+id, entries[0].Target)
	require.NotNil(t, entries[0].CompanyID)
	assert.Equal(t, b.company.ID, *entries[0].CompanyID)

	// Again: nothing changes, it succeeds, and no second audit row.
	require.NoError(t, b.run(t, "revoke", id))
	assert.Contains(t, b.ErrOut.String(), "was already revoked at "+got.RevokedAt.Format("2006-01-02T15:04:05Z"))
	assert.Contains(t, b.Out.String(), secret.Prefix())
	assert.Len(t, b.audit(t), 1)

	err = b.run(t, "revoke", "9999")
	assert.EqualError(t, err, "api key 9999 not found")
	assert.Equal(t, cmdutil.ExitBad, cmdutil.ExitCode(err))
	assert.Len(t, b.audit(t), 1)
}
