package e2e

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFreshMachine is the README's quick start: no config, no database
// server; serve opens sqlite://askpro.db in the working directory, answers
// /healthz, and stops cleanly on SIGTERM.
func TestFreshMachine(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := startServe(t, dir, env())
	resp, err := http.Get(p.url + "/healthz")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	resp, err = http.Post(p.url+"/webhooks/retell", "application/json", strings.NewReader(`{}`))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, "a provider without a secret is not served")

	require.NoError(t, p.stop(t), "SIGTERM exits 0")
	assert.Contains(t, p.logs.String(), "serve: stopped cleanly")
	assert.FileExists(t, dir+"/askpro.db")
}

func TestDemoThenCompanyList(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	e := env()
	_, code := run(t, dir, e, "company", "list")
	assert.Equal(t, 1, code, "an unmigrated database is reported, not hidden")

	out, code := run(t, dir, e, "demo", "-o", "json")
	require.Equal(t, 0, code)
	var demo struct {
		CompanyID  int64   `json:"company_id"`
		BranchID   int64   `json:"branch_id"`
		ServiceIDs []int64 `json:"service_ids"`
		Phone      string  `json:"phone_number"`
		Created    bool    `json:"created"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &demo))
	assert.True(t, demo.Created)
	assert.Equal(t, "+493012345678", demo.Phone)
	assert.Len(t, demo.ServiceIDs, 3)

	out, code = run(t, dir, e, "company", "list", "-o", "json")
	require.Equal(t, 0, code)
	var companies []struct {
		ID        int64  `json:"id"`
		Name      string `json:"name"`
		Subdomain string `json:"subdomain"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &companies))
	require.Len(t, companies, 1)
	assert.Equal(t, "Salon Haarmonie", companies[0].Name)
	assert.Equal(t, demo.CompanyID, companies[0].ID)

	out, code = run(t, dir, e, "demo", "-o", "json")
	require.Equal(t, 0, code)
	require.NoError(t, json.Unmarshal([]byte(out), &demo))
	assert.False(t, demo.Created, "demo is idempotent")
}

func TestOperatorCommandsExitCodes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	e := env()
	_, code := run(t, dir, e, "migrate", "up")
	require.Equal(t, 0, code)

	out, code := run(t, dir, e, "company", "create", "--name", "Praxis Dr. Weber", "--subdomain", "praxis-weber", "--industry", "medical", "-o", "json")
	require.Equal(t, 0, code)
	var c struct{ ID int64 }
	require.NoError(t, json.Unmarshal([]byte(out), &c))

	_, code = run(t, dir, e, "company", "create", "--name", "Dup", "--subdomain", "praxis-weber")
	assert.Equal(t, 1, code, "a taken subdomain is refused")
	_, code = run(t, dir, e, "company", "create", "--name", "X")
	assert.Equal(t, 2, code, "a missing required flag is a usage error")
	_, code = run(t, dir, e, "branch", "create", "--company", "1", "--name", "Wien", "--phone", "+1 415 555 0100")
	assert.Equal(t, 1, code, "an unsupported number is refused")
	out, code = run(t, dir, e, "branch", "create", "--company", "1", "--name", "Wien", "--phone", "01 58858", "--timezone", "Europe/Vienna", "-o", "json")
	assert.Equal(t, 1, code, "a Viennese number without country code is read as German and refused")
	out, code = run(t, dir, e, "branch", "create", "--company", "1", "--name", "Wien", "--phone", "+43 1 58858", "--timezone", "Europe/Vienna", "-o", "json")
	require.Equal(t, 0, code, out)
	var b struct {
		ID          int64  `json:"id"`
		PhoneNumber string `json:"phone_number"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &b))
	assert.Equal(t, "+43158858", b.PhoneNumber)

	_, code = run(t, dir, e, "service", "add", "--branch", "1", "--name", "Erstgespräch", "--type", "consultation", "--duration", "30")
	assert.Equal(t, 0, code)
	_, code = run(t, dir, e, "hours", "set", "--branch", "1", "--weekday", "1", "--opens", "08:00", "--closes", "12:00")
	assert.Equal(t, 0, code)
	_, code = run(t, dir, e, "hours", "set", "--branch", "1", "--weekday", "9", "--opens", "08:00", "--closes", "12:00")
	assert.Equal(t, 2, code)
	_, code = run(t, dir, e, "branch", "show", "99")
	assert.Equal(t, 1, code)
	_, code = run(t, dir, append(e, "ASKPRO_DATABASE_POOL_CONNECTION_TIMEOUT=ten"), "company", "list")
	assert.Equal(t, 2, code, "a bad config value is exit 2")
	out, code = run(t, dir, append(e, "ASKPRO_RETELL_API_KEY=key_live_secret"), "config", "show", "-o", "json")
	require.Equal(t, 0, code)
	assert.NotContains(t, out, "key_live_secret")
	assert.Contains(t, out, `"api_key": "****"`)
}

func TestInsecureSkipVerify(t *testing.T) {
	t.Parallel()
	p := startServe(t, t.TempDir(), env(), "--insecure-skip-verify")
	assert.Contains(t, p.logs.String(), "--insecure-skip-verify is set", "a loud warning at start")
	resp, err := http.Post(p.url+"/webhooks/retell", "application/json",
		strings.NewReader(`{"event":"call_started","call":{"call_id":"call_unsigned"}}`))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNoContent, resp.StatusCode, "unsigned deliveries are taken in insecure mode")
	require.NoError(t, p.stop(t))
}
