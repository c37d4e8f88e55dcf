package configcmd

import (
	"context"
	"errors"
	"testing"

	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/internal/iostreams"
	"github.com/askproai/askpro/pkg/config"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewCmdShow(t *testing.T) {
	t.Parallel()
	ios, _, _, _ := iostreams.Test()
	var got *ShowOptions
	cmd := NewCmdShow(cmdutil.New(ios, "test"), func(o *ShowOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"-o", "json"})
	require.NoError(t, cmd.Execute())
	assert.Equal(t, cmdutil.JSONExporter{}, got.Exporter)
	assert.NotNil(t, got.Config)
}

func TestShowRun(t *testing.T) {
	t.Parallel()
	cfg := config.Default()
	cfg.Retell.APIKey = "key_live_secret"
	cfg.Database.URL = "mysql://app:s3cret@tcp(db:3306)/askpro"
	load := func() (*config.Config, error) { return &cfg, nil }

	ios, _, out, _ := iostreams.Test()
	require.NoError(t, showRun(&ShowOptions{IO: ios, Config: load}))
	assert.Contains(t, out.String(), "retell.api_key\t****\n")
	assert.Contains(t, out.String(), "database.url\tmysql://app:****@tcp(db:3306)/askpro\n")
	assert.Contains(t, out.String(), "http.addr\t127.0.0.1:8080\n")
	assert.NotContains(t, out.String(), "s3cret")
	assert.NotContains(t, out.String(), "key_live_secret")

	ios, _, out, _ = iostreams.Test()
	require.NoError(t, showRun(&ShowOptions{IO: ios, Config: load, Exporter: cmdutil.JSONExporter{}}))
	assert.Contains(t, out.String(), `"api_key": "****"`)
	assert.NotContains(t, out.String(), "key_live_secret")

	bad := &cmdutil.ExitError{Code: cmdutil.ExitUsage, Err: errors.New("config: http.addr: bad")}
	err := showRun(&ShowOptions{IO: ios, Config: func() (*config.Config, error) { return nil, bad }})
	assert.Equal(t, cmdutil.ExitUsage, cmdutil.ExitCode(err))
}

func TestNounNeedsVerb(t *testing.T) {
	t.Parallel()
	ios, _, _, _ := iostreams.Test()
	for _, args := range [][]string{nil, {"edit"}} {
		cmd := NewCmdConfig(cmdutil.New(ios, "test"))
		cmd.SetArgs(args)
		cmd.SilenceUsage, cmd.SilenceErrors = true, true
		_, err := cmd.ExecuteContextC(context.Background())
		assert.Equal(t, cmdutil.ExitUsage, cmdutil.ExitCode(err), "config %q", args)
	}
}
