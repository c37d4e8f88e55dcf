package webhooks

import (
	"context"
	"fmt"

	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/internal/iostreams"
	"github.com/askproai/askpro/internal/tableprinter"
	"github.com/askproai/askpro/pkg/queue"
	"github.com/askproai/askpro/pkg/tenant"
	"github.com/spf13/cobra"
)

// eventGetter is the read-model method `webhooks show` calls.
type eventGetter interface {
	Get(ctx context.Context, id int64) (queue.Job, error)
}

// ShowOptions holds what `askpro webhooks show` needs.
type ShowOptions struct {
	IO       *iostreams.IOStreams
	Events   func(ctx context.Context) (eventGetter, error)
	Exporter cmdutil.Exporter

	ID int64
}

// NewCmdShow builds `askpro webhooks show ID`.
func NewCmdShow(f *cmdutil.Factory, runF func(*ShowOptions) error) *cobra.Command {
	opts := &ShowOptions{
		IO:     f.IO,
		Events: func(ctx context.Context) (eventGetter, error) { return f.Events(ctx) },
	}
	cmd := &cobra.Command{
		Use:   "show ID",
		Short: "Show one event with its payload",
		Args:  cmdutil.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := cmdutil.ParseID(args[0])
			if err != nil {
				return err
			}
			opts.ID = id
			if runF != nil {
				return runF(opts)
			}
			return showRun(cmd.Context(), opts)
		},
	}
	cmdutil.AddOutputFlag(cmd, &opts.Exporter)
	return cmd
}

func showRun(ctx context.Context, opts *ShowOptions) error {
	events, err := opts.Events(ctx)
	if err != nil {
		return err
	}
	e, err := events.Get(tenant.System(ctx), opts.ID)
	if err != nil {
		return cmdutil.NotFound(err, "webhook event", opts.ID)
	}
	if opts.Exporter != nil {
		return opts.Exporter.Write(opts.IO, e)
	}
	out := opts.IO.Out
	tp := tableprinter.New(out, opts.IO.ColorEnabled(), "FIELD", "VALUE")
	tp.AddRow("id", e.ID)
	tp.AddRow("provider", e.Provider)
	tp.AddRow("event_type", e.EventType)
	tp.AddRow("idempotency_key", e.IdempotencyKey)
	tp.AddRow("status", e.Status)
	tp.AddRow("queue", e.Queue)
	tp.AddRow("attempts", fmt.Sprintf("%d/%d", e.Attempts, e.MaxAttempts))
	tp.AddRow("available_at", cmdutil.FormatTime(e.AvailableAt))
	tp.AddRow("correlation_id", e.CorrelationID)
	tp.AddRow("last_error", e.LastError)
	tp.AddRow("created_at", cmdutil.FormatTime(e.CreatedAt))
	if err := tp.Render(); err != nil {
		return err
	}
	_, err = fmt.Fprintf(out, "payload:\n%s\n", e.Payload)
	return err
}
