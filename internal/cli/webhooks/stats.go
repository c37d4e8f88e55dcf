package webhooks

import (
	"context"

	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/internal/iostreams"
	"github.com/askproai/askpro/internal/tableprinter"
	"github.com/askproai/askpro/pkg/queue"
	"github.com/askproai/askpro/pkg/tenant"
	"github.com/spf13/cobra"
)

// eventCounter is the read-model method `webhooks stats` calls.
type eventCounter interface {
	Stats(ctx context.Context) ([]queue.Stat, error)
}

// StatsOptions holds what `askpro webhooks stats` needs.
type StatsOptions struct {
	IO       *iostreams.IOStreams
	Events   func(ctx context.Context) (eventCounter, error)
	Exporter cmdutil.Exporter
}

// NewCmdStats builds `askpro webhooks stats`.
func NewCmdStats(f *cmdutil.Factory, runF func(*StatsOptions) error) *cobra.Command {
	opts := &StatsOptions{
		IO:     f.IO,
		Events: func(ctx context.Context) (eventCounter, error) { return f.Events(ctx) },
	}
	cmd := &cobra.Command{
		Use:   "stats",
		Short: "Count events by provider and status",
		Args:  cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return statsRun(cmd.Context(), opts)
		},
	}
	cmdutil.AddOutputFlag(cmd, &opts.Exporter)
	return cmd
}

func statsRun(ctx context.Context, opts *StatsOptions) error {
	events, err := opts.Events(ctx)
	if err != nil {
		return err
	}
	stats, err := events.Stats(tenant.AsSystem(ctx))
	if err != nil {
		return err
	}
	if opts.Exporter != nil {
		return opts.Exporter.Write(opts.IO, stats)
	}
	tp := tableprinter.New(opts.IO.Out, opts.IO.ColorEnabled(), "PROVIDER", "STATUS", "COUNT")
	for _, s := range stats {
		tp.AddRow(s.Provider, s.Status, s.Count)
	}
	return tp.Render()
}
