package webhooks

import (
	"context"
	"strings"

	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/internal/iostreams"
	"github.com/askproai/askpro/internal/tableprinter"
	"github.com/askproai/askpro/pkg/queue"
	"github.com/askproai/askpro/pkg/tenant"
	"github.com/spf13/cobra"
)

// eventLister is the read-model method `webhooks list` calls.
type eventLister interface {
	List(ctx context.Context, f queue.Filter) ([]queue.Job, error)
}

// ListOptions holds what `askpro webhooks list` needs.
type ListOptions struct {
	IO       *iostreams.IOStreams
	Events   func(ctx context.Context) (eventLister, error)
	Exporter cmdutil.Exporter

	// Status and Provider narrow the list ("" = any).
	Status   string
	Provider string
	// Limit is the most events listed (1-1000).
	Limit int
}

// NewCmdList builds `askpro webhooks list [--status S] [--provider P]`.
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{
		IO:     f.IO,
		Events: func(ctx context.Context) (eventLister, error) { return f.Events(ctx) },
	}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List stored webhook events, newest first",
		Args:  cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Status != "" {
				if err := cmdutil.CheckChoice("status", opts.Status, Statuses); err != nil {
					return err
				}
			}
			if opts.Provider != "" {
				if err := cmdutil.CheckChoice("provider", opts.Provider, Providers); err != nil {
					return err
				}
			}
			if opts.Limit < 1 || opts.Limit > 1000 {
				return cmdutil.FlagErrorf("--limit must be between 1 and 1000")
			}
			if runF != nil {
				return runF(opts)
			}
			return listRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Status, "status", "", "only events in this status: "+strings.Join(Statuses, ", "))
	fl.StringVar(&opts.Provider, "provider", "", "only events of this provider: "+strings.Join(Providers, ", "))
	fl.IntVar(&opts.Limit, "limit", 50, "at most this many events (1-1000)")
	cmdutil.AddOutputFlag(cmd, &opts.Exporter)
	return cmd
}

func listRun(ctx context.Context, opts *ListOptions) error {
	events, err := opts.Events(ctx)
	if err != nil {
		return err
	}
	rows, err := events.List(tenant.System(ctx), queue.Filter{Status: queue.Status(opts.Status), Provider: opts.Provider, Limit: opts.Limit})
	if err != nil {
		return err
	}
	if opts.Exporter != nil {
		return opts.Exporter.Write(opts.IO, rows)
	}
	tp := tableprinter.New(opts.IO.Out, opts.IO.ColorEnabled(), "ID", "PROVIDER", "EVENT", "KEY", "STATUS", "QUEUE", "ATTEMPTS", "CREATED")
	for _, e := range rows {
		tp.AddRow(e.ID, e.Provider, e.EventType, e.IdempotencyKey, e.Status, e.Queue, e.Attempts, cmdutil.FormatTime(e.CreatedAt))
	}
	return tp.Render()
}
