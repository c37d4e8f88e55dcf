package e2e

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite"
)

// TestBadInvocationsChangeNothing runs the built binary with usage and
// configuration errors against a migrated database with the demo salon:
// each exits 2 and leaves every table as it was (DESIGN.md "CLI
// conventions": found before anything is changed).
func TestBadInvocationsChangeNothing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	e := env()
	_, code := run(t, dir, e, "demo")
	require.Equal(t, 0, code)
	db := filepath.Join(dir, "askpro.db")
	before := dump(t, db)
	require.Contains(t, before, "salon-haarmonie", "the snapshot sees the demo rows")

	branch := []string{"branch", "create", "--company", "1", "--name", "Filiale", "--phone", "030 7654321"}
	tests := []struct {
		name string
		env  []string
		args []string
	}{
		{"unknown webhooks verb", nil, []string{"webhooks", "bogus"}},
		{"unknown company verb", nil, []string{"company", "bogus"}},
		{"unknown branch verb", nil, []string{"branch", "bogus"}},
		{"unknown migrate verb", nil, []string{"migrate", "bogus"}},
		{"unknown config verb", nil, []string{"config", "bogus"}},
		{"unknown service verb", nil, []string{"service", "bogus"}},
		{"unknown hours verb", nil, []string{"hours", "bogus"}},
		{"missing webhooks verb", nil, []string{"webhooks"}},
		{"missing migrate verb", nil, []string{"migrate"}},
		{"unknown command", nil, []string{"frobnicate"}},
		{"migrate down without a count", nil, []string{"migrate", "down"}},
		{"migrate down 0", nil, []string{"migrate", "down", "0"}},
		{"migrate down a count and --all", nil, []string{"migrate", "down", "1", "--all"}},
		{"migrate force an unknown version", nil, []string{"migrate", "force", "99"}},
		{"industry outside the choices", nil, []string{"company", "create", "--name", "X", "--subdomain", "x", "--industry", "bogus"}},
		{"language outside the list", nil, append(branch, "--language", "xx")},
		{"timezone that does not load", nil, append(branch, "--timezone", "Mars/Olympus")},
		{"hours on day 8", nil, []string{"hours", "set", "--branch", "1", "--weekday", "8", "--opens", "09:00", "--closes", "12:00"}},
		{"serve on an address without a port", []string{"ASKPRO_HTTP_ADDR=localhost"}, []string{"serve"}},
		{"serve on a port out of range", []string{"ASKPRO_HTTP_ADDR=127.0.0.1:99999"}, []string{"serve"}},
		{"demo with an unparsable redis url", []string{"ASKPRO_REDIS_URL=redis://localhost:6379/zero"}, []string{"demo"}},
		{"company create with a bad pool setting", []string{"ASKPRO_DATABASE_POOL_MIN_CONNECTIONS=-1"},
			[]string{"company", "create", "--name", "Y", "--subdomain", "y"}},
	}
	for _, tt := range tests {
		// Sequential: the cases share one database and a case that wrongly
		// changes it must be the one that is blamed.
		_, code := run(t, dir, append(append([]string{}, e...), tt.env...), tt.args...)
		assert.Equal(t, 2, code, "%s: askpro %s", tt.name, strings.Join(tt.args, " "))
		if after := dump(t, db); after != before {
			t.Errorf("%s: askpro %s changed the database", tt.name, strings.Join(tt.args, " "))
			before = after
		}
	}
}

// TestServeWithBadAddrCreatesNoDatabase: on a fresh machine, serve with an
// unparsable listen address exits 2 before it creates or migrates the
// database.
func TestServeWithBadAddrCreatesNoDatabase(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	_, code := run(t, dir, env("ASKPRO_HTTP_ADDR=not-an-address"), "serve")
	assert.Equal(t, 2, code)
	assert.NoFileExists(t, filepath.Join(dir, "askpro.db"))
}

// dump returns every row of every table of the SQLite database at path, in
// a stable text form.
func dump(t *testing.T, path string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(5000)")
	require.NoError(t, err)
	defer db.Close()
	rows, err := db.QueryContext(ctx, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
	require.NoError(t, err)
	var tables []string
	for rows.Next() {
		var n string
		require.NoError(t, rows.Scan(&n))
		tables = append(tables, n)
	}
	require.NoError(t, rows.Err())
	require.NoError(t, rows.Close())
	var b strings.Builder
	for _, table := range tables {
		fmt.Fprintf(&b, "== %s\n", table)
		rows, err := db.QueryContext(ctx, `SELECT * FROM "`+table+`" ORDER BY 1`)
		require.NoError(t, err)
		cols, err := rows.Columns()
		require.NoError(t, err)
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			require.NoError(t, rows.Scan(ptrs...))
			for i, v := range vals {
				if bs, ok := v.([]byte); ok {
					vals[i] = string(bs)
				}
			}
			fmt.Fprintln(&b, vals...)
		}
		require.NoError(t, rows.Err())
		require.NoError(t, rows.Close())
	}
	return b.String()
}
