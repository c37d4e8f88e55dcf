package cmdutil_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/internal/iostreams"
	"github.com/spf13/cobra"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestExitCode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"nil", nil, 0},
		{"flag error", cmdutil.FlagErrorf("bad"), 2},
		{"wrapped flag error", fmt.Errorf("x: %w", cmdutil.FlagErrorf("bad")), 2},
		{"cobra unknown command", errors.New(`unknown command "x" for "askpro"`), 2},
		{"cobra required flag", errors.New(`required flag(s) "name" not set`), 2},
		{"pflag invalid argument", errors.New(`invalid argument "x" for "--company" flag`), 2},
		{"exit error", &cmdutil.ExitError{Code: 1, Err: errors.New("invalid")}, 1},
		{"config error", &cmdutil.ExitError{Code: 2, Err: errors.New("config: http.addr")}, 2},
		{"cancelled", fmt.Errorf("migrate: %w", context.Canceled), 1},
		{"anything else", errors.New("connection refused"), 1},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, cmdutil.ExitCode(tt.err), tt.name)
	}
}

func TestAddOutputFlag(t *testing.T) {
	t.Parallel()
	var exp cmdutil.Exporter
	cmd := &cobra.Command{Use: "x", RunE: func(*cobra.Command, []string) error { return nil }}
	cmdutil.AddOutputFlag(cmd, &exp)
	assert.Equal(t, "table", cmd.Flags().Lookup("output").DefValue)
	cmd.SetArgs([]string{"-o", "json"})
	require.NoError(t, cmd.Execute())
	assert.Equal(t, cmdutil.JSONExporter{}, exp)
	require.NoError(t, cmd.Flags().Set("output", "table"))
	assert.Nil(t, exp)
	assert.ErrorContains(t, cmd.Flags().Set("output", "yaml"), "want table or json")

	ios, _, out, _ := iostreams.Test()
	require.NoError(t, cmdutil.JSONExporter{}.Write(ios, map[string]int{"a": 1}))
	assert.Equal(t, "{\n  \"a\": 1\n}\n", out.String())
}

func TestRequireSubcommand(t *testing.T) {
	t.Parallel()
	noun := func() *cobra.Command {
		c := &cobra.Command{Use: "company"}
		c.AddCommand(&cobra.Command{Use: "list", RunE: func(*cobra.Command, []string) error { return nil }},
			&cobra.Command{Use: "show", RunE: func(*cobra.Command, []string) error { return nil }})
		c.SilenceUsage, c.SilenceErrors = true, true
		c.CompletionOptions.DisableDefaultCmd = true
		return cmdutil.RequireSubcommand(c)
	}
	tests := []struct {
		args    []string
		want    int
		wantErr string
	}{
		{nil, 2, "company needs a subcommand: list, show"},
		{[]string{"bogus"}, 2, `unknown command "bogus" for "company": want one of list, show`},
		{[]string{"shw"}, 2, "did you mean show?"},
		{[]string{"list"}, 0, ""},
		{[]string{"--help"}, 0, ""},
	}
	for _, tt := range tests {
		c := noun()
		c.SetArgs(tt.args)
		c.SetOut(new(discard))
		err := c.Execute()
		assert.Equal(t, tt.want, cmdutil.ExitCode(err), "%q", tt.args)
		if tt.wantErr != "" {
			assert.ErrorContains(t, err, tt.wantErr)
		}
	}
}

type discard struct{}

func (*discard) Write(p []byte) (int, error) { return len(p), nil }

func TestParseIDAndCheckChoice(t *testing.T) {
	t.Parallel()
	id, err := cmdutil.ParseID("42")
	require.NoError(t, err)
	assert.Equal(t, int64(42), id)
	for _, bad := range []string{"0", "-1", "x", "9223372036854775808"} {
		_, err := cmdutil.ParseID(bad)
		assert.Equal(t, 2, cmdutil.ExitCode(err), bad)
	}
	assert.NoError(t, cmdutil.CheckChoice("industry", "beauty", []string{"beauty", "general"}))
	assert.EqualError(t, cmdutil.CheckChoice("industry", "x", []string{"beauty", "general"}), `invalid --industry "x": want one of beauty, general`)
}
