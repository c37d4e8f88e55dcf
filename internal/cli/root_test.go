package cli

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/internal/iostreams"
	"github.com/askproai/askpro/migrations"
	"github.com/askproai/askpro/pkg/pool"
	"github.com/askproai/askpro/pkg/store"
	"github.com/spf13/cobra"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var errNoDatabase = errors.New("test: this test opens no database")

// testFactory returns a factory on buffers with an empty environment whose
// database functions fail the test: a usage or configuration error must be
// found before anything is opened, let alone changed.
func testFactory(t *testing.T) (f *cmdutil.Factory, out, errOut *bytes.Buffer) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	f = cmdutil.New(ios, "test")
	f.Environ = []string{}
	f.Pool = func(context.Context, bool) (*pool.Pool, error) {
		t.Error("the database was opened")
		return nil, errNoDatabase
	}
	f.Migrator = func() (*migrations.Migrator, error) {
		t.Error("a migrator was opened")
		return nil, errNoDatabase
	}
	f.Migrate = func(context.Context) (uint, error) {
		t.Error("the database was migrated")
		return 0, errNoDatabase
	}
	f.Store = func(context.Context) (*store.Store, error) {
		t.Error("the store was opened")
		return nil, errNoDatabase
	}
	return f, out, errOut
}

func TestRunExitCodes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		args      []string
		env       []string
		want      int
		wantInErr string
	}{
		{"version", []string{"version"}, nil, 0, ""},
		{"help", []string{"--help"}, nil, 0, ""},
		{"noun help", []string{"company", "--help"}, nil, 0, ""},
		{"no command", nil, nil, 2, "askpro needs a subcommand"},
		{"unknown command", []string{"frobnicate"}, nil, 2, `unknown command "frobnicate"`},
		{"unknown webhooks verb", []string{"webhooks", "bogus"}, nil, 2, `unknown command "bogus" for "askpro webhooks"`},
		{"unknown company verb", []string{"company", "bogus"}, nil, 2, "want one of create, list, show"},
		{"missing migrate verb", []string{"migrate"}, nil, 2, "askpro migrate needs a subcommand"},
		{"suggestion", []string{"company", "lst"}, nil, 2, "did you mean list?"},
		{"unknown flag", []string{"version", "--nope"}, nil, 2, "unknown flag"},
		{"bad output", []string{"version", "-o", "yaml"}, nil, 2, "want table or json"},
		{"extra args", []string{"version", "extra"}, nil, 2, "unknown command"},
		{"bad config value", []string{"config", "show"}, []string{"ASKPRO_DATABASE_POOL_MAX_CONNECTIONS=lots"}, 2, "database.pool.max_connections"},
		{"missing required flag", []string{"company", "create", "--name", "x"}, nil, 2, "subdomain"},
		{"bad id", []string{"branch", "show", "abc"}, nil, 2, "not an id"},
		{"industry outside the choices", []string{"company", "create", "--name", "X", "--subdomain", "x", "--industry", "bogus"}, nil, 2,
			"want one of beauty, medical, automotive, general"},
		{"language outside the list", []string{"branch", "create", "--company", "1", "--name", "X", "--phone", "030 1234567", "--language", "xx"}, nil, 2,
			"want one of de-DE, de-AT, de-CH, en-US, en-GB"},
		{"timezone that does not load", []string{"branch", "create", "--company", "1", "--name", "X", "--phone", "030 1234567", "--timezone", "Mars/Olympus"}, nil, 2,
			"invalid --timezone"},
		{"timezone Local", []string{"branch", "create", "--company", "1", "--name", "X", "--phone", "030 1234567", "--timezone", "Local"}, nil, 2,
			"invalid --timezone"},
		{"migrate down without a count", []string{"migrate", "down"}, nil, 2, "needs a count N (1 or more) or --all"},
		{"migrate down 0", []string{"migrate", "down", "0"}, nil, 2, "not a count of migrations"},
		{"migrate down -1", []string{"migrate", "down", "-1"}, nil, 2, "unknown shorthand flag"},
		{"migrate down a count and --all", []string{"migrate", "down", "2", "--all"}, nil, 2, "not both"},
		{"migrate force not a number", []string{"migrate", "force", "x"}, nil, 2, "not a schema version"},
		{"serve with an unparsable addr", []string{"serve"}, []string{"ASKPRO_HTTP_ADDR=localhost"}, 2, "http.addr"},
		{"serve with a port out of range", []string{"serve", "--addr", "127.0.0.1:99999"}, nil, 2, "http.addr"},
		{"webhooks list with a bad status", []string{"webhooks", "list", "--status", "done"}, nil, 2, "want one of pending"},
		{"service add without duration", []string{"service", "add", "--branch", "1", "--name", "x", "--type", "t", "--duration", "0"}, nil, 2, "--duration"},
		{"hours set on day 9", []string{"hours", "set", "--branch", "1", "--weekday", "9", "--opens", "09:00", "--closes", "12:00"}, nil, 2, "--weekday"},
		{"validate-phone bad region", []string{"validate-phone", "030 1234567", "--region", "US"}, nil, 2, "invalid --region"},
		{"replay with an unknown provider", []string{"replay", "--provider", "twilio"}, nil, 2, "want one of retell, calcom, stripe"},
		{"replay with a bad status", []string{"replay", "--status", "failed"}, nil, 2, `invalid --status "failed"`},
		{"replay of events in processing", []string{"replay", "--status", "processing"}, nil, 2, "--status processing is refused"},
		{"replay with a bad duration", []string{"replay", "--since", "soon"}, nil, 2, `invalid --since "soon"`},
		{"replay with a bad id", []string{"replay", "--id", "-3"}, nil, 2, "is not an id"},
		{"calls list without a company", []string{"calls", "list"}, nil, 2, `required flag(s) "company" not set`},
		{"appointments list with company 0", []string{"appointments", "list", "--company", "0"}, nil, 2, "--company must be a company id"},
		{"customers list with a bad limit", []string{"customers", "list", "--company", "1", "--limit", "0"}, nil, 2, "--limit"},
		{"unknown audit verb", []string{"audit", "bogus"}, nil, 2, "want one of list"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, _, errOut := testFactory(t)
			f.Environ = tt.env
			if f.Environ == nil {
				f.Environ = []string{}
			}
			assert.Equal(t, tt.want, Run(context.Background(), f, tt.args), "stderr:\n%s", errOut)
			assert.Contains(t, errOut.String(), tt.wantInErr)
			switch {
			case strings.HasPrefix(errOut.String(), "error: config:"):
				assert.NotContains(t, errOut.String(), "Usage:", "a configuration error is not a usage error")
			case tt.want == cmdutil.ExitUsage:
				assert.Contains(t, errOut.String(), "Usage:", "a usage error prints the usage")
			}
		})
	}
}

// TestGroupsRequireSubcommand walks the command tree: every command that
// groups subcommands refuses to run without one, or with an unknown one,
// with exit 2, and opens nothing.
func TestGroupsRequireSubcommand(t *testing.T) {
	t.Parallel()
	f, _, _ := testFactory(t)
	var groups [][]string
	var walk func(c *cobra.Command, path []string)
	walk = func(c *cobra.Command, path []string) {
		if c.HasAvailableSubCommands() {
			groups = append(groups, path)
		}
		for _, sub := range c.Commands() {
			if sub.IsAvailableCommand() {
				walk(sub, append(append([]string{}, path...), sub.Name()))
			}
		}
	}
	walk(NewCmdRoot(f), nil)
	require.GreaterOrEqual(t, len(groups), 12, "root, config, migrate, company, branch, service, hours, webhooks, calls, appointments, customers, audit")
	for _, g := range groups {
		for _, args := range [][]string{g, append(append([]string{}, g...), "bogus")} {
			t.Run(strings.Join(append([]string{"askpro"}, args...), " "), func(t *testing.T) {
				t.Parallel()
				f, out, errOut := testFactory(t)
				assert.Equal(t, cmdutil.ExitUsage, Run(context.Background(), f, args))
				assert.Empty(t, out.String(), "help is not printed to stdout as if it were the answer")
				assert.Contains(t, errOut.String(), "Usage:")
			})
		}
	}
}

func TestEveryCommandTakesConfigAndReportersTakeOutput(t *testing.T) {
	t.Parallel()
	f, _, _ := testFactory(t)
	root := NewCmdRoot(f)
	require.NotNil(t, root.PersistentFlags().Lookup("config"))
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Runnable() && !c.HasAvailableSubCommands() && c.Name() != "serve" && c.Name() != "worker" { // long-running, they report nothing
			assert.NotNil(t, c.Flags().Lookup("output"), "%s has -o", c.CommandPath())
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

func TestConfigFlagIsRead(t *testing.T) {
	t.Parallel()
	f, _, errOut := testFactory(t)
	assert.Equal(t, cmdutil.ExitUsage, Run(context.Background(), f, []string{"config", "show", "--config", t.TempDir() + "/missing.yaml"}))
	assert.Contains(t, errOut.String(), "missing.yaml")
}
