package cli

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/internal/iostreams"
	"github.com/spf13/cobra"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func testFactory(t *testing.T) (*cmdutil.Factory, *strings.Builder) {
	t.Helper()
	io, _, _, errOut := iostreams.Test()
	f := cmdutil.New(io, "test")
	f.Environ = []string{}
	sb := &strings.Builder{}
	t.Cleanup(func() { sb.WriteString(errOut.String()) })
	return f, sb
}

func TestRunExitCodes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		env  []string
		want int
	}{
		{"version", []string{"version"}, nil, 0},
		{"unknown command", []string{"frobnicate"}, nil, 2},
		{"unknown flag", []string{"version", "--nope"}, nil, 2},
		{"bad output", []string{"version", "-o", "yaml"}, nil, 2},
		{"extra args", []string{"version", "extra"}, nil, 2},
		{"bad config value", []string{"config", "show"}, []string{"ASKPRO_DATABASE_POOL_MAX_CONNECTIONS=lots"}, 2},
		{"missing required flag", []string{"company", "create", "--name", "x"}, nil, 2},
		{"bad id", []string{"branch", "show", "abc"}, nil, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, _ := testFactory(t)
			f.Environ = tt.env
			assert.Equal(t, tt.want, Run(context.Background(), f, tt.args))
		})
	}
}

func TestFlagsFillOptions(t *testing.T) {
	t.Parallel()
	f, _ := testFactory(t)
	var got *BranchOptions
	cmd := NewCmdBranch(f, func(o *BranchOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"create", "--company", "3", "--name", "Mitte", "--phone", "030 123456", "--timezone", "Europe/Vienna", "-o", "json"})
	require.NoError(t, cmd.Execute())
	require.NotNil(t, got)
	assert.Equal(t, "create", got.Action)
	assert.Equal(t, int64(3), got.CompanyID)
	assert.Equal(t, "030 123456", got.Phone)
	assert.Equal(t, "Europe/Vienna", got.Timezone)
	assert.Equal(t, "de-DE", got.Language, "default")
	assert.Equal(t, "json", got.Output)

	var hours *HoursSetOptions
	hc := NewCmdHours(f, func(o *HoursSetOptions) error { hours = o; return nil })
	hc.SetArgs([]string{"set", "--branch", "2", "--weekday", "6", "--opens", "09:00", "--closes", "14:00"})
	require.NoError(t, hc.Execute())
	assert.Equal(t, HoursSetOptions{f: f, BranchID: 2, Weekday: 6, Opens: "09:00", Closes: "14:00", Output: "table"}, *hours)

	var mig *MigrateOptions
	mc := NewCmdMigrate(f, func(o *MigrateOptions) error { mig = o; return nil })
	mc.SetArgs([]string{"down", "2"})
	require.NoError(t, mc.Execute())
	assert.Equal(t, "down", mig.Action)
	assert.Equal(t, 2, mig.N)
	mc.SetArgs([]string{"down", "two"})
	mc.SilenceErrors, mc.SilenceUsage = true, true
	var fe *cmdutil.FlagError
	assert.True(t, errors.As(mc.Execute(), &fe))
}

func TestEveryCommandTakesConfigAndReportersTakeOutput(t *testing.T) {
	t.Parallel()
	f, _ := testFactory(t)
	root := NewCmdRoot(f)
	require.NotNil(t, root.PersistentFlags().Lookup("config"))
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Runnable() && c.Name() != "serve" {
			hasOutput := c.Flags().Lookup("output") != nil || c.InheritedFlags().Lookup("output") != nil
			assert.True(t, hasOutput, "%s has -o", c.CommandPath())
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}
