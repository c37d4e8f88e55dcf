package apikey_test

import (
	"context"
	"strings"
	"testing"

	"github.com/askproai/askpro/internal/cli"
	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/internal/dbtest"
	"github.com/askproai/askpro/internal/iostreams"
	"github.com/askproai/askpro/pkg/apikey"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestExitCodes runs the whole command line, as `askpro` does, on one
// SQLite database.
func TestExitCodes(t *testing.T) {
	t.Parallel()
	url := dbtest.SQLite(t)
	run := func(args ...string) (code int, out, errOut string) {
		ios, _, o, e := iostreams.Test()
		f := cmdutil.New(ios, "test")
		f.Environ = []string{"ASKPRO_DATABASE_URL=" + url}
		code = cli.Run(context.Background(), f, args)
		return code, o.String(), e.String()
	}

	code, out, errOut := run("apikey", "create", "--admin", "--name", "ops")
	require.Equal(t, cmdutil.ExitOK, code, errOut)
	_, err := apikey.Parse(strings.TrimSpace(out))
	assert.NoError(t, err, "stdout is the key")

	for _, args := range [][]string{
		{"apikey"},
		{"apikey", "bogus"},
		{"apikey", "create", "--name", "x"},
		{"apikey", "create", "--admin", "--company", "1", "--name", "x"},
		{"apikey", "create", "--admin"},
		{"apikey", "list", "--company", "-3"},
		{"apikey", "revoke"},
		{"apikey", "revoke", "abc"},
	} {
		code, out, errOut := run(args...)
		assert.Equal(t, cmdutil.ExitUsage, code, "%q: %s", args, errOut)
		assert.Empty(t, out, "%q", args)
		assert.Contains(t, errOut, "Usage:", "%q", args)
	}

	code, _, errOut = run("apikey", "create", "--company", "42", "--name", "x")
	assert.Equal(t, cmdutil.ExitBad, code)
	assert.Contains(t, errOut, "company 42 not found")
	code, _, errOut = run("apikey", "revoke", "42")
	assert.Equal(t, cmdutil.ExitBad, code)
	assert.Contains(t, errOut, "api key 42 not found")

	code, _, _ = run("apikey", "revoke", "1")
	assert.Equal(t, cmdutil.ExitOK, code)
	code, _, errOut = run("apikey", "revoke", "1")
	assert.Equal(t, cmdutil.ExitOK, code, "revoking twice is not an error")
	assert.Contains(t, errOut, "already revoked")

	code, out, _ = run("apikey", "list", "-o", "json")
	assert.Equal(t, cmdutil.ExitOK, code)
	assert.Contains(t, out, `"revoked_at": "`)
}
