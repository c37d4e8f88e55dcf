package cli

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/internal/tableprinter"
	"github.com/askproai/askpro/migrations"
	"github.com/askproai/askpro/pkg/pool"
	"github.com/spf13/cobra"
)

// MigrateOptions holds what `askpro migrate` needs.
type MigrateOptions struct {
	f      *cmdutil.Factory
	Action string // up, down, status, version, force
	N      int    // down: steps (0 = all); force: version
	Output string
}

// NewCmdMigrate builds `askpro migrate up | down [N] | status | version | force V`.
func NewCmdMigrate(f *cmdutil.Factory, runF func(*MigrateOptions) error) *cobra.Command {
	opts := &MigrateOptions{f: f}
	run := func(action string) func(*cobra.Command, []string) error {
		return func(cmd *cobra.Command, args []string) error {
			opts.Action = action
			if err := cmdutil.CheckOutput(opts.Output); err != nil {
				return err
			}
			if len(args) == 1 {
				n, err := strconv.Atoi(args[0])
				if err != nil || n < 0 {
					return cmdutil.FlagErrorf("%q is not a non-negative number", args[0])
				}
				opts.N = n
			}
			if runF != nil {
				return runF(opts)
			}
			return migrateRun(cmd, opts)
		}
	}
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Apply or inspect the database schema (embedded golang-migrate files)",
		Long:  "Migrates the configured database (database.url). The SQL files for MySQL and SQLite are embedded in the binary.",
	}
	cmd.PersistentFlags().StringVarP(&opts.Output, "output", "o", cmdutil.OutputTable, "output format: table or json")
	down := &cobra.Command{Use: "down [N]", Short: "Roll back N migrations (all when N is omitted)", Args: rangeArgs(0, 1), RunE: run("down")}
	cmd.AddCommand(
		&cobra.Command{Use: "up", Short: "Apply all pending migrations", Args: noArgs, RunE: run("up")},
		down,
		&cobra.Command{Use: "status", Short: "List the embedded migrations and which are applied", Args: noArgs, RunE: run("status")},
		&cobra.Command{Use: "version", Short: "Print the current schema version", Args: noArgs, RunE: run("version")},
		&cobra.Command{Use: "force V", Short: "Set the version without migrating (after fixing a failed migration by hand)", Args: exactArgs(1), RunE: run("force")},
	)
	return cmd
}

// MigrateResult is what `askpro migrate -o json` prints for up, down,
// version and force.
type MigrateResult struct {
	Database string `json:"database"`
	Version  uint   `json:"version"`
	Dirty    bool   `json:"dirty"`
	Latest   uint   `json:"latest"`
}

func migrateRun(cmd *cobra.Command, opts *MigrateOptions) error {
	ctx := cmd.Context()
	cfg, err := opts.f.Config()
	if err != nil {
		return err
	}
	m, err := migrations.New(cfg.Database.URL, migrations.Config{Logger: opts.f.Logger()})
	if err != nil {
		return &cmdutil.ExitError{Code: cmdutil.ExitUsage, Err: err}
	}
	defer m.Close()
	switch opts.Action {
	case "up":
		err = m.Up(ctx)
	case "down":
		err = m.Down(ctx, opts.N)
	case "force":
		err = m.Force(ctx, opts.N)
	case "status":
		st, err := m.Status(ctx)
		if err != nil {
			return err
		}
		if opts.Output == cmdutil.OutputJSON {
			return cmdutil.WriteJSON(opts.f.IO.Out, st)
		}
		tp := tableprinter.New(opts.f.IO.Out, opts.f.IO.ColorEnabled(), "VERSION", "NAME", "APPLIED")
		for _, s := range st {
			tp.AddRow(s.Version, s.Name, s.Applied)
		}
		return tp.Render()
	}
	if err != nil {
		return err
	}
	v, dirty, err := m.Version(ctx)
	if err != nil {
		return err
	}
	dialect, _, _ := strings.Cut(cfg.Database.URL, "://")
	res := MigrateResult{Database: pool.MaskURL(cfg.Database.URL), Version: v, Dirty: dirty, Latest: migrations.Latest(dialect)}
	if opts.Output == cmdutil.OutputJSON {
		return cmdutil.WriteJSON(opts.f.IO.Out, res)
	}
	state := ""
	if dirty {
		state = " (dirty)"
	}
	_, err = fmt.Fprintf(opts.f.IO.Out, "%s: schema version %d%s of %d\n", res.Database, v, state, res.Latest)
	return err
}

// rangeArgs is cobra.RangeArgs returning a usage error.
func rangeArgs(min, max int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := cobra.RangeArgs(min, max)(cmd, args); err != nil {
			return &cmdutil.FlagError{Err: err}
		}
		return nil
	}
}
