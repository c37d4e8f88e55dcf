package company

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/internal/cmdutil/cmdutiltest"
	"github.com/askproai/askpro/pkg/secrets"
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
		{name: "name", args: []string{"7", "--name", "Salon Neu"}, want: UpdateOptions{ID: 7, Name: str("Salon Neu")}},
		{name: "every field", args: []string{"7", "--name", "N", "--industry", "medical", "--calcom-base-url", "https://api.cal.eu",
			"--calcom-api-key-file", "-", "--inactive", "-o", "json"},
			want: UpdateOptions{ID: 7, Name: str("N"), Industry: str("medical"), CalcomBaseURL: str("https://api.cal.eu"),
				APIKeyFile: "-", Active: &no, Exporter: cmdutil.JSONExporter{}}},
		{name: "reset the base url", args: []string{"7", "--calcom-base-url", ""}, want: UpdateOptions{ID: 7, CalcomBaseURL: str("")}},
		{name: "active again", args: []string{"7", "--active"}, want: UpdateOptions{ID: 7, Active: &yes}},
		{name: "clear the key", args: []string{"7", "--clear-calcom-api-key"}, want: UpdateOptions{ID: 7, ClearAPIKey: true}},
		{name: "nothing to change", args: []string{"7"}, wantErr: "nothing to change"},
		{name: "only output", args: []string{"7", "-o", "json"}, wantErr: "nothing to change"},
		{name: "inactive and active", args: []string{"7", "--inactive", "--active"}, wantErr: "if any flags in the group [inactive active]"},
		{name: "file and clear", args: []string{"7", "--calcom-api-key-file", "k", "--clear-calcom-api-key"}, wantErr: "if any flags in the group"},
		{name: "empty file name", args: []string{"7", "--calcom-api-key-file", ""}, wantErr: "needs a file name, or - for standard input"},
		{name: "industry outside the choices", args: []string{"7", "--industry", "bogus"}, wantErr: `invalid --industry "bogus"`},
		{name: "a key as a flag value is not a flag", args: []string{"7", "--calcom-api-key", "cal_live_x"}, wantErr: "unknown flag: --calcom-api-key"},
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
			require.NotNil(t, got.Companies)
			require.NotNil(t, got.AuditLog)
			require.NotNil(t, got.Keyring)
			require.NotNil(t, got.InvalidateCompany, "the factory's tenant cache hook is passed on")
			assert.True(t, strings.HasPrefix(got.Actor, "cli:"), got.Actor)
			got.IO, got.Companies, got.AuditLog, got.Keyring, got.InvalidateCompany, got.Actor = nil, nil, nil, nil, nil, ""
			assert.Equal(t, tt.want, *got)
		})
	}
}

var testKey = base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))

// updateBundle is a factory on a fresh SQLite database holding two
// companies, with the key given (none for "").
type updateBundle struct {
	cmdutiltest.Bundle
	st          *store.Store
	a, other    store.Company
	invalidated []int64
}

func setupUpdate(t *testing.T, key string) *updateBundle {
	t.Helper()
	b := &updateBundle{Bundle: cmdutiltest.SQLite(t)}
	if key != "" {
		b.Factory.Environ = append(b.Factory.Environ, "ASKPRO_SECURITY_ENCRYPTION_KEY="+key)
	}
	p := b.Pool(t)
	var err error
	b.st, err = store.New(store.Config{DB: p.DB(), Writer: p.Writer(), Dialect: string(p.Dialect())})
	require.NoError(t, err)
	sys := tenant.System(context.Background())
	b.a, err = b.st.Companies.Create(sys, store.NewCompany{Name: "Salon A", Subdomain: "salon-a", Industry: "beauty"})
	require.NoError(t, err)
	b.other, err = b.st.Companies.Create(sys, store.NewCompany{Name: "Salon B", Subdomain: "salon-b"})
	require.NoError(t, err)
	b.Factory.InvalidateCompany = func(_ context.Context, id int64) error {
		b.invalidated = append(b.invalidated, id)
		return nil
	}
	return b
}

// run executes `company ARGS...` on the bundle's factory.
func (b *updateBundle) run(t *testing.T, args ...string) error {
	t.Helper()
	b.Out.Reset()
	b.ErrOut.Reset()
	cmd := NewCmdCompany(b.Factory)
	cmd.SetArgs(args)
	cmd.SetIn(b.IO.In)
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

func (b *updateBundle) account(t *testing.T, id int64) (string, string) {
	t.Helper()
	sealed, base, err := b.st.Companies.CalcomAccount(tenant.WithCompany(context.Background(), id))
	require.NoError(t, err)
	return sealed, base
}

func writeKeyFile(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "cal.key")
	require.NoError(t, os.WriteFile(p, []byte(body), 0o600))
	return p
}

func openWith(t *testing.T, key string, sealed string, id int64) string {
	t.Helper()
	ring, err := secrets.ParseKeyring(key, nil)
	require.NoError(t, err)
	pt, err := ring.Open(sealed, store.CalcomKeyAAD(id))
	require.NoError(t, err)
	return string(pt)
}

func TestUpdateKeyFromFile(t *testing.T) {
	t.Parallel()
	b := setupUpdate(t, testKey)
	id := strconv.FormatInt(b.a.ID, 10)
	file := writeKeyFile(t, "  cal_live_fromfile\n")
	require.NoError(t, b.run(t, "update", id, "--calcom-api-key-file", file, "--calcom-base-url", "https://api.cal.eu/"))
	assert.NotContains(t, b.Out.String()+b.ErrOut.String(), "cal_live_fromfile")
	assert.Contains(t, b.ErrOut.String(), "updated company "+id+": calcom_base_url, calcom_api_key")

	sealed, base := b.account(t, b.a.ID)
	assert.Equal(t, "https://api.cal.eu", base)
	assert.True(t, strings.HasPrefix(sealed, "v1:"), "stored sealed")
	assert.NotContains(t, sealed, "cal_live")
	assert.Equal(t, "cal_live_fromfile", openWith(t, testKey, sealed, b.a.ID), "trimmed, sealed for this company")
	other, _ := b.account(t, b.other.ID)
	assert.Empty(t, other)

	rows := b.audit(t)
	require.Len(t, rows, 1)
	e := rows[0]
	assert.Equal(t, "company.update", e.Action)
	assert.Equal(t, cmdutil.Actor(), e.Actor)
	require.NotNil(t, e.CompanyID)
	assert.Equal(t, b.a.ID, *e.CompanyID)
	assert.Equal(t, "company:"+id, e.Target)
	var details map[string]any
	require.NoError(t, json.Unmarshal(e.Details, &details))
	assert.Equal(t, []any{"calcom_base_url", "calcom_api_key"}, details["changed"])
	assert.Contains(t, details["calcom_api_key"], "set, sealed under key id ")
	assert.NotContains(t, string(e.Details), "cal_live_fromfile")
	assert.NotContains(t, string(e.Details), sealed[12:30])
	assert.Equal(t, []int64{b.a.ID}, b.invalidated)

	// company show -o json: whether there is a key, never the key.
	require.NoError(t, b.run(t, "show", id, "-o", "json"))
	assert.Contains(t, b.Out.String(), `"has_calcom_api_key": true`)
	assert.Contains(t, b.Out.String(), `"calcom_base_url": "https://api.cal.eu"`)
	assert.NotContains(t, b.Out.String(), "cal_live_fromfile")
	assert.NotContains(t, b.Out.String(), sealed[12:30])
	require.NoError(t, b.run(t, "list", "-o", "json"))
	assert.NotContains(t, b.Out.String(), sealed[12:30])
}

func TestUpdateKeyFromStdin(t *testing.T) {
	t.Parallel()
	b := setupUpdate(t, testKey)
	b.IO.In = strings.NewReader("cal_live_fromstdin\r\n")
	id := strconv.FormatInt(b.a.ID, 10)
	require.NoError(t, b.run(t, "update", id, "--calcom-api-key-file", "-", "--name", "Salon A2", "-o", "json"))
	var res UpdateResult
	require.NoError(t, json.Unmarshal(b.Out.Bytes(), &res))
	assert.Equal(t, []string{"name", "calcom_api_key"}, res.Changed)
	assert.Equal(t, "Salon A2", res.Company.Name)
	assert.True(t, res.Company.HasCalcomAPIKey)
	assert.NotContains(t, b.Out.String(), "cal_live_fromstdin")
	sealed, _ := b.account(t, b.a.ID)
	assert.Equal(t, "cal_live_fromstdin", openWith(t, testKey, sealed, b.a.ID))

	// Removing it again.
	require.NoError(t, b.run(t, "update", id, "--clear-calcom-api-key"))
	sealed, _ = b.account(t, b.a.ID)
	assert.Empty(t, sealed)
	rows := b.audit(t)
	require.Len(t, rows, 2)
	assert.Contains(t, string(rows[0].Details), `"calcom_api_key":"removed"`)
}

func TestUpdateRefusesBeforeWriting(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		key      string
		stdin    string
		args     func(file string) []string
		wantCode int
		wantErr  string
	}{
		{name: "no encryption key", key: "", args: func(f string) []string { return []string{"--calcom-api-key-file", f, "--name", "X"} },
			wantCode: 2, wantErr: "security.encryption_key is not set"},
		{name: "empty stdin", key: testKey, stdin: " \n\t", args: func(string) []string { return []string{"--calcom-api-key-file", "-"} },
			wantCode: 2, wantErr: "standard input is empty"},
		{name: "two lines", key: testKey, stdin: "cal_live_a\ncal_live_b\n", args: func(string) []string { return []string{"--calcom-api-key-file", "-"} },
			wantCode: 2, wantErr: "more than one word or line"},
		{name: "too large", key: testKey, stdin: strings.Repeat("k", 5000), args: func(string) []string { return []string{"--calcom-api-key-file", "-"} },
			wantCode: 2, wantErr: "more than 4096 bytes"},
		{name: "missing file", key: testKey, args: func(f string) []string { return []string{"--calcom-api-key-file", f + ".missing"} },
			wantCode: 2, wantErr: "no such file"},
		{name: "bad base url", key: testKey, args: func(f string) []string {
			return []string{"--calcom-api-key-file", f, "--calcom-base-url", "http://api.cal.eu"}
		}, wantCode: 1, wantErr: "plain http is allowed only for localhost"},
		{name: "empty name", key: testKey, args: func(string) []string { return []string{"--name", " "} },
			wantCode: 1, wantErr: "invalid name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setupUpdate(t, tt.key)
			b.IO.In = strings.NewReader(tt.stdin)
			file := writeKeyFile(t, "cal_live_never_stored\n")
			err := b.run(t, append([]string{"update", strconv.FormatInt(b.a.ID, 10)}, tt.args(file)...)...)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
			assert.Equal(t, tt.wantCode, cmdutil.ExitCode(err))
			assert.NotContains(t, err.Error(), "cal_live")
			sealed, base := b.account(t, b.a.ID)
			assert.Empty(t, sealed, "nothing was written")
			assert.Empty(t, base)
			c, err := b.st.Companies.Get(tenant.System(context.Background()), b.a.ID)
			require.NoError(t, err)
			assert.Equal(t, "Salon A", c.Name)
			assert.Empty(t, b.audit(t), "no audit row")
			assert.Empty(t, b.invalidated)
		})
	}
}

func TestUpdateDeactivates(t *testing.T) {
	t.Parallel()
	b := setupUpdate(t, "")
	id := strconv.FormatInt(b.a.ID, 10)
	require.NoError(t, b.run(t, "update", id, "--inactive"))
	assert.Contains(t, b.Out.String(), "\tfalse\t", "the table shows it inactive")
	c, err := b.st.Companies.Get(tenant.System(context.Background()), b.a.ID)
	require.NoError(t, err)
	assert.False(t, c.IsActive)
	require.NoError(t, b.run(t, "update", id, "--active", "--industry", "medical"))
	c, err = b.st.Companies.Get(tenant.System(context.Background()), b.a.ID)
	require.NoError(t, err)
	assert.True(t, c.IsActive)
	assert.Equal(t, "medical", c.Industry)
	assert.Equal(t, []int64{b.a.ID, b.a.ID}, b.invalidated, "the tenant cache is told each time")
	rows := b.audit(t)
	require.Len(t, rows, 2)
	assert.JSONEq(t, `{"changed":["industry","is_active"],"industry":"medical","is_active":true}`, string(rows[0].Details))
	assert.JSONEq(t, `{"changed":["is_active"],"is_active":false}`, string(rows[1].Details))

	err = b.run(t, "update", "9999", "--inactive")
	assert.EqualError(t, err, "company 9999 not found")
	assert.Equal(t, cmdutil.ExitBad, cmdutil.ExitCode(err))
}

func TestUpdateInvalidateFails(t *testing.T) {
	t.Parallel()
	b := setupUpdate(t, "")
	b.Factory.InvalidateCompany = func(context.Context, int64) error { return errors.New("redis down") }
	err := b.run(t, "update", strconv.FormatInt(b.a.ID, 10), "--inactive")
	require.Error(t, err)
	assert.Equal(t, cmdutil.ExitBad, cmdutil.ExitCode(err))
	assert.Contains(t, err.Error(), "was updated, but the tenant cache was not told")
	assert.Contains(t, b.Out.String(), "\tfalse\t", "the result is still printed")
	c, err := b.st.Companies.Get(tenant.System(context.Background()), b.a.ID)
	require.NoError(t, err)
	assert.False(t, c.IsActive, "the change stands")
	assert.Len(t, b.audit(t), 1)
}
