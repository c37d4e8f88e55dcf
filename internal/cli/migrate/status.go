package migrate

import (
	"context"

	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/internal/iostreams"
	"github.com/askproai/askpro/internal/tableprinter"
	"github.com/spf13/cobra"
)

// StatusOptions holds what `askpro migrate status` needs.
type StatusOptions struct {
	IO       *iostreams.IOStreams
	Migrator func() (migrator, error)
	Exporter cmdutil.Exporter
}

// NewCmdStatus builds `askpro migrate status`.
func NewCmdStatus(f *cmdutil.Factory, runF func(*StatusOptions) error) *cobra.Command {
	opts := &StatusOptions{IO: f.IO, Migrator: openMigrator(f)}
	cmd := &cobra.Command{
		Use:   "status",
		Short: "List the embedded migrations and which are applied",
		Args:  cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return statusRun(cmd.Context(), opts)
		},
	}
	cmdutil.AddOutputFlag(cmd, &opts.Exporter)
	return cmd
}

func statusRun(ctx context.Context, opts *StatusOptions) error {
	m, err := opts.Migrator()
	if err != nil {
		return err
	}
	defer m.Close()
	st, err := m.Status(ctx)
	if err != nil {
		return err
	}
	if opts.Exporter != nil {
		return opts.Exporter.Write(opts.IO, st)
	}
	tp := tableprinter.New(opts.IO.Out, opts.IO.ColorEnabled(), "VERSION", "NAME", "APPLIED", "CURRENT", "DIRTY")
	for _, s := range st {
		tp.AddRow(s.Version, s.Name, s.Applied, s.Current, s.Dirty)
	}
	return tp.Render()
}
