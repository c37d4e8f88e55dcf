package webhooks

import (
	"context"
	"fmt"
	"time"

	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/internal/iostreams"
	"github.com/askproai/askpro/internal/tableprinter"
	"github.com/askproai/askpro/pkg/queue"
	"github.com/askproai/askpro/pkg/tenant"
	"github.com/spf13/cobra"
)

// eventCounter is the read-model methods `webhooks stats` calls.
type eventCounter interface {
	Stats(ctx context.Context) ([]queue.Stat, error)
	QueueStats(ctx context.Context, now time.Time) (queue.QueueStats, error)
}

// StatsOptions holds what `askpro webhooks stats` needs.
type StatsOptions struct {
	IO       *iostreams.IOStreams
	Events   func(ctx context.Context) (eventCounter, error)
	Exporter cmdutil.Exporter
	// Now is the clock the oldest waiting event's age is measured on.
	Now func() time.Time
}

// StatsResult is what `askpro webhooks stats` reports; its JSON form is the
// stable schema of `-o json`.
type StatsResult struct {
	// ByProvider counts events by provider and status.
	ByProvider []queue.Stat `json:"by_provider"`
	// ByQueue counts events by queue and status, queues in the order
	// workers take them.
	ByQueue []queue.QueueStat `json:"by_queue"`
	// OldestPending is when the longest-waiting event (pending or
	// retrying, available now) became available, or null when none waits.
	OldestPending *time.Time `json:"oldest_pending"`
	// OldestPendingAgeSeconds is how long that event has waited, or null.
	OldestPendingAgeSeconds *float64 `json:"oldest_pending_age_seconds"`
}

// NewCmdStats builds `askpro webhooks stats`.
func NewCmdStats(f *cmdutil.Factory, runF func(*StatsOptions) error) *cobra.Command {
	opts := &StatsOptions{
		IO:     f.IO,
		Events: func(ctx context.Context) (eventCounter, error) { return f.Events(ctx) },
		Now:    time.Now,
	}
	cmd := &cobra.Command{
		Use:   "stats",
		Short: "Count events by provider, queue and status, and show how long the oldest waiting event has waited",
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
	sys := tenant.System(ctx)
	byProvider, err := events.Stats(sys)
	if err != nil {
		return err
	}
	now := opts.Now()
	qs, err := events.QueueStats(sys, now)
	if err != nil {
		return err
	}
	res := StatsResult{ByProvider: byProvider, ByQueue: qs.Counts, OldestPending: qs.OldestPending}
	var age time.Duration
	if qs.OldestPending != nil {
		age = max(now.Sub(*qs.OldestPending), 0)
		secs := age.Seconds()
		res.OldestPendingAgeSeconds = &secs
	}
	if opts.Exporter != nil {
		return opts.Exporter.Write(opts.IO, res)
	}
	color := opts.IO.ColorEnabled()
	tp := tableprinter.New(opts.IO.Out, color, "PROVIDER", "STATUS", "COUNT")
	for _, s := range res.ByProvider {
		tp.AddRow(s.Provider, s.Status, s.Count)
	}
	if err := tp.Render(); err != nil {
		return err
	}
	fmt.Fprintln(opts.IO.Out)
	tp = tableprinter.New(opts.IO.Out, color, "QUEUE", "STATUS", "COUNT")
	for _, s := range res.ByQueue {
		tp.AddRow(s.Queue, s.Status, s.Count)
	}
	if err := tp.Render(); err != nil {
		return err
	}
	if res.OldestPending == nil {
		_, err = fmt.Fprintln(opts.IO.Out, "\noldest waiting event: none")
		return err
	}
	_, err = fmt.Fprintf(opts.IO.Out, "\noldest waiting event: available since %s (waiting %s)\n",
		cmdutil.FormatTime(*res.OldestPending), age.Round(time.Second))
	return err
}
