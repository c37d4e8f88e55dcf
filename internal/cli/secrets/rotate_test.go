package secrets_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/askproai/askpro/internal/cli"
	clisecrets "github.com/askproai/askpro/internal/cli/secrets"
	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/internal/cmdutil/cmdutiltest"
	"github.com/askproai/askpro/internal/iostreams"
	"github.com/askproai/askpro/pkg/secrets"
	"github.com/askproai/askpro/pkg/store"
	"github.com/askproai/askpro/pkg/tenant"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	rawA, rawB, rawZ = bytes.Repeat([]byte{0xa}, 32), bytes.Repeat([]byte{0xb}, 32), bytes.Repeat([]byte{0xf}, 32)
	keyA             = base64.StdEncoding.EncodeToString(rawA)
	keyB             = hex.EncodeToString(rawB)
)

// world is one SQLite database that several askpro runs, each with its
// own environment, work on.
type world struct {
	url string
	st  *store.Store
	ids []int64
}

func newWorld(t *testing.T, companies int) *world {
	t.Helper()
	b := cmdutiltest.SQLite(t)
	p := b.Pool(t)
	st, err := store.New(store.Config{DB: p.DB(), Writer: p.Writer(), Dialect: string(p.Dialect())})
	require.NoError(t, err)
	w := &world{url: b.URL, st: st}
	for i := range companies {
		c, err := st.Companies.Create(tenant.System(context.Background()), store.NewCompany{Name: "Salon", Subdomain: "salon-" + strconv.Itoa(i)})
		require.NoError(t, err)
		w.ids = append(w.ids, c.ID)
	}
	return w
}

type result struct {
	code        int
	out, errOut string
}

// askpro runs the command line with env (besides the database URL) and
// stdin, as the binary would.
func (w *world) askpro(t *testing.T, env []string, stdin string, args ...string) result {
	t.Helper()
	ios, in, out, errOut := iostreams.Test()
	in.WriteString(stdin)
	f := cmdutil.New(ios, "test")
	f.Environ = append([]string{"ASKPRO_DATABASE_URL=" + w.url}, env...)
	code := cli.Run(context.Background(), f, args)
	return result{code: code, out: out.String(), errOut: errOut.String()}
}

func (w *world) sealed(t *testing.T, id int64) string {
	t.Helper()
	s, _, err := w.st.Companies.CalcomAccount(tenant.WithCompany(context.Background(), id))
	require.NoError(t, err)
	return s
}

func (w *world) audit(t *testing.T, action string) []store.AuditEntry {
	t.Helper()
	rows, err := w.st.AuditLog.List(tenant.System(context.Background()), store.Page{})
	require.NoError(t, err)
	var out []store.AuditEntry
	for _, r := range rows {
		if r.Action == action {
			out = append(out, r)
		}
	}
	return out
}

func keyIDOf(t *testing.T, sealed string) string {
	t.Helper()
	id, err := secrets.KeyIDOf(sealed)
	require.NoError(t, err)
	return id
}

func TestRotation(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 3)
	onlyA := []string{"ASKPRO_SECURITY_ENCRYPTION_KEY=" + keyA}
	bThenA := []string{"ASKPRO_SECURITY_ENCRYPTION_KEY=" + keyB, "ASKPRO_SECURITY_PREVIOUS_ENCRYPTION_KEYS=" + keyA}
	onlyB := []string{"ASKPRO_SECURITY_ENCRYPTION_KEY=" + keyB}

	// Two companies get keys under A; the third has none.
	for i, id := range w.ids[:2] {
		r := w.askpro(t, onlyA, "cal_live_"+strconv.Itoa(i)+"\n", "company", "update", strconv.FormatInt(id, 10), "--calcom-api-key-file", "-")
		require.Equal(t, 0, r.code, r.errOut)
		assert.Equal(t, secrets.KeyID(rawA), keyIDOf(t, w.sealed(t, id)))
	}
	before := []string{w.sealed(t, w.ids[0]), w.sealed(t, w.ids[1])}

	// config show never shows the keys.
	for _, args := range [][]string{{"config", "show"}, {"config", "show", "-o", "json"}} {
		r := w.askpro(t, bThenA, "", args...)
		require.Equal(t, 0, r.code, r.errOut)
		assert.NotContains(t, r.out, keyA)
		assert.NotContains(t, r.out, keyB)
		assert.Contains(t, r.out, "previous_encryption_keys")
	}
	r := w.askpro(t, bThenA, "", "config", "show", "-o", "json")
	var shown struct {
		Security map[string]any `json:"security"`
	}
	require.NoError(t, json.Unmarshal([]byte(r.out), &shown))
	assert.Equal(t, map[string]any{"encryption_key": "****", "previous_encryption_keys": []any{"****"}}, shown.Security)

	// A dry run counts and changes nothing.
	r = w.askpro(t, bThenA, "", "secrets", "rotate", "--dry-run", "-o", "json")
	require.Equal(t, 0, r.code, r.errOut)
	var res clisecrets.RotateResult
	require.NoError(t, json.Unmarshal([]byte(r.out), &res))
	assert.Equal(t, clisecrets.RotateResult{CurrentKeyID: secrets.KeyID(rawB), DryRun: true, Checked: 2, Rotated: 2,
		ByKeyID: map[string]int{secrets.KeyID(rawA): 2}, Failed: []clisecrets.RotateFailure{}}, res)
	assert.Equal(t, before, []string{w.sealed(t, w.ids[0]), w.sealed(t, w.ids[1])})
	assert.Empty(t, w.audit(t, "secrets.rotate"), "a dry run writes no audit row")

	// The rotation, a page of one at a time.
	r = w.askpro(t, bThenA, "", "secrets", "rotate", "--page-size", "1")
	require.Equal(t, 0, r.code, r.errOut)
	assert.Equal(t, "re-sealed 2 of 2 sealed value(s) under key id "+secrets.KeyID(rawB)+"; 0 already current, 0 changed meanwhile, 0 failed\n"+
		"values per key id before: "+secrets.KeyID(rawA)+": 2\n", r.out)
	for i, id := range w.ids[:2] {
		s := w.sealed(t, id)
		assert.Equal(t, secrets.KeyID(rawB), keyIDOf(t, s))
		ring, err := secrets.NewKeyring(rawB)
		require.NoError(t, err)
		pt, err := ring.Open(s, store.CalcomKeyAAD(id))
		require.NoError(t, err, "after the rotation B alone opens it")
		assert.Equal(t, "cal_live_"+strconv.Itoa(i), string(pt))
	}
	rows := w.audit(t, "secrets.rotate")
	require.Len(t, rows, 1)
	assert.Nil(t, rows[0].CompanyID, "platform work")
	assert.Equal(t, cmdutil.Actor(), rows[0].Actor)
	assert.Contains(t, string(rows[0].Details), `"rotated":2`)
	assert.NotContains(t, string(rows[0].Details), "cal_live")

	// Again: nothing to do. Then the old key is dropped.
	r = w.askpro(t, bThenA, "", "secrets", "rotate", "-o", "json")
	require.Equal(t, 0, r.code, r.errOut)
	require.NoError(t, json.Unmarshal([]byte(r.out), &res))
	assert.Equal(t, 2, res.Current)
	assert.Zero(t, res.Rotated)
	r = w.askpro(t, onlyB, "", "secrets", "rotate")
	require.Equal(t, 0, r.code, r.errOut)
	assert.Contains(t, r.out, "re-sealed 0 of 2")

	// company show never shows the key.
	r = w.askpro(t, onlyB, "", "company", "show", strconv.FormatInt(w.ids[0], 10), "-o", "json")
	require.Equal(t, 0, r.code, r.errOut)
	assert.Contains(t, r.out, `"has_calcom_api_key": true`)
	assert.NotContains(t, r.out, "cal_live")
	assert.NotContains(t, r.out, "v1:")
}

func TestRotateReportsValuesNoKeyOpens(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 3)
	sys := tenant.System(context.Background())
	seal := func(raw []byte, id int64) string {
		ring, err := secrets.NewKeyring(raw)
		require.NoError(t, err)
		s, err := ring.Seal([]byte("cal_live_x"), store.CalcomKeyAAD(id))
		require.NoError(t, err)
		return s
	}
	lost := seal(rawZ, w.ids[1]) // under a key nobody has any more
	require.NoError(t, w.st.Companies.SetCalcomAPIKey(sys, w.ids[0], seal(rawA, w.ids[0])))
	require.NoError(t, w.st.Companies.SetCalcomAPIKey(sys, w.ids[1], lost))
	require.NoError(t, w.st.Companies.SetCalcomAPIKey(sys, w.ids[2], seal(rawA, w.ids[0]))) // copied from company 1

	r := w.askpro(t, []string{"ASKPRO_SECURITY_ENCRYPTION_KEY=" + keyB, "ASKPRO_SECURITY_PREVIOUS_ENCRYPTION_KEYS=" + keyA}, "", "secrets", "rotate", "-o", "json")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.errOut, "2 sealed value(s) open with no key of the ring")
	var res clisecrets.RotateResult
	require.NoError(t, json.Unmarshal([]byte(r.out), &res))
	assert.Equal(t, 3, res.Checked)
	assert.Equal(t, 1, res.Rotated)
	require.Len(t, res.Failed, 2)
	assert.Equal(t, w.ids[1], res.Failed[0].CompanyID)
	assert.Equal(t, secrets.KeyID(rawZ), res.Failed[0].KeyID)
	assert.Equal(t, w.ids[2], res.Failed[1].CompanyID, "a value copied from another company does not open")
	assert.Equal(t, lost, w.sealed(t, w.ids[1]), "a value that does not open keeps its value")
	assert.Len(t, w.audit(t, "secrets.rotate"), 1)
}

func TestRotateUsage(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 0)
	r := w.askpro(t, nil, "", "secrets", "rotate")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.errOut, "security.encryption_key is not set")
	for _, args := range [][]string{{"secrets"}, {"secrets", "rotate", "--page-size", "0"}, {"secrets", "rotate", "extra"}, {"secrets", "spin"}} {
		r := w.askpro(t, []string{"ASKPRO_SECURITY_ENCRYPTION_KEY=" + keyB}, "", args...)
		assert.Equal(t, 2, r.code, "%q: %s", args, r.errOut)
	}
	r = w.askpro(t, []string{"ASKPRO_SECURITY_ENCRYPTION_KEY=short"}, "", "secrets", "rotate")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.errOut, "security.encryption_key")
	assert.NotContains(t, r.errOut, "short")
	r = w.askpro(t, []string{"ASKPRO_SECURITY_ENCRYPTION_KEY=" + keyB}, "", "secrets", "rotate")
	assert.Equal(t, 0, r.code, r.errOut)
	assert.True(t, strings.HasPrefix(r.out, "re-sealed 0 of 0"), r.out)
}
