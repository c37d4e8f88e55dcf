// Package migrate holds `askpro migrate up | down N | down --all | status |
// version | force V`: one Options struct and one run function per verb.
package migrate

import (
	"context"
	"fmt"
	"strings"

	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/internal/iostreams"
	"github.com/askproai/askpro/migrations"
	"github.com/askproai/askpro/pkg/config"
	"github.com/askproai/askpro/pkg/pool"
	"github.com/spf13/cobra"
)

// migrator is what the verbs call on a migrations.Migrator.
type migrator interface {
	Up(ctx context.Context) error
	Down(ctx context.Context, n int) error
	Force(ctx context.Context, v int) error
	Status(ctx context.Context) ([]migrations.MigrationStatus, error)
	Version(ctx context.Context) (version uint, dirty bool, err error)
	Close() error
}

// NewCmdMigrate builds `askpro migrate` and its verbs. A missing or unknown
// verb is a usage error.
func NewCmdMigrate(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Apply or inspect the database schema (embedded golang-migrate files)",
		Long:  "Migrates the configured database (database.url). The SQL files for MySQL and SQLite are embedded in the binary.",
	}
	cmd.AddCommand(NewCmdUp(f, nil), NewCmdDown(f, nil), NewCmdStatus(f, nil), NewCmdVersion(f, nil), NewCmdForce(f, nil))
	return cmdutil.RequireSubcommand(cmd)
}

// openMigrator adapts the factory's Migrator to the interface the verbs use
// (and keeps a nil *Migrator out of a non-nil interface).
func openMigrator(f *cmdutil.Factory) func() (migrator, error) {
	return func() (migrator, error) {
		m, err := f.Migrator()
		if err != nil {
			return nil, err
		}
		return m, nil
	}
}

// Result is what up, down, version and force print with -o json.
type Result struct {
	// Database is database.url with its password masked.
	Database string `json:"database"`
	Version  uint   `json:"version"`
	Dirty    bool   `json:"dirty"`
	// Latest is the newest version this binary embeds for the dialect.
	Latest uint `json:"latest"`
}

// report prints the database's version after a verb.
func report(ctx context.Context, ios *iostreams.IOStreams, exp cmdutil.Exporter, cfg *config.Config, m migrator) error {
	v, dirty, err := m.Version(ctx)
	if err != nil {
		return err
	}
	dialect, _, _ := strings.Cut(cfg.Database.URL, "://")
	res := Result{Database: pool.MaskURL(cfg.Database.URL), Version: v, Dirty: dirty, Latest: migrations.Latest(dialect)}
	if exp != nil {
		return exp.Write(ios, res)
	}
	state := ""
	if dirty {
		state = " (dirty)"
	}
	_, err = fmt.Fprintf(ios.Out, "%s: schema version %d%s of %d\n", res.Database, v, state, res.Latest)
	return err
}

// run opens the migrator, applies op and reports the version.
func run(ctx context.Context, ios *iostreams.IOStreams, exp cmdutil.Exporter,
	conf func() (*config.Config, error), open func() (migrator, error), op func(migrator) error) error {
	cfg, err := conf()
	if err != nil {
		return err
	}
	m, err := open()
	if err != nil {
		return err
	}
	defer m.Close()
	if op != nil {
		if err := op(m); err != nil {
			return err
		}
	}
	return report(ctx, ios, exp, cfg, m)
}
