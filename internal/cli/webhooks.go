package cli

import (
	"fmt"
	"slices"
	"strings"

	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/internal/tableprinter"
	"github.com/askproai/askpro/pkg/store"
	"github.com/askproai/askpro/pkg/tenant"
	"github.com/spf13/cobra"
)

// WebhooksOptions holds what the `askpro webhooks` commands need.
type WebhooksOptions struct {
	f        *cmdutil.Factory
	Action   string
	ID       int64
	Status   string
	Provider string
	Limit    int
	Output   string
}

var providers = []string{"retell", "calcom", "stripe"}

// NewCmdWebhooks builds `askpro webhooks list | show | stats`.
func NewCmdWebhooks(f *cmdutil.Factory, runF func(*WebhooksOptions) error) *cobra.Command {
	opts := &WebhooksOptions{f: f}
	run := func(action string) func(*cobra.Command, []string) error {
		return verb(&opts.Action, action, &opts.Output, &opts.ID, func(cmd *cobra.Command) error {
			if opts.Status != "" && !slices.Contains(store.EventStatuses, opts.Status) {
				return cmdutil.FlagErrorf("invalid --status %q: want one of %s", opts.Status, strings.Join(store.EventStatuses, ", "))
			}
			if opts.Provider != "" && !slices.Contains(providers, opts.Provider) {
				return cmdutil.FlagErrorf("invalid --provider %q: want one of %s", opts.Provider, strings.Join(providers, ", "))
			}
			if opts.Limit < 1 || opts.Limit > 1000 {
				return cmdutil.FlagErrorf("--limit must be between 1 and 1000")
			}
			if runF != nil {
				return runF(opts)
			}
			return webhooksRun(cmd, opts)
		})
	}
	cmd := &cobra.Command{Use: "webhooks", Short: "Look into the webhook inbox (webhook_events)"}
	cmd.PersistentFlags().StringVarP(&opts.Output, "output", "o", cmdutil.OutputTable, "output format: table or json")
	list := &cobra.Command{Use: "list", Short: "List stored webhook events, newest first", Args: noArgs, RunE: run("list")}
	list.Flags().StringVar(&opts.Status, "status", "", "only events in this status: "+strings.Join(store.EventStatuses, ", "))
	list.Flags().StringVar(&opts.Provider, "provider", "", "only events of this provider: "+strings.Join(providers, ", "))
	list.Flags().IntVar(&opts.Limit, "limit", 50, "at most this many events (1-1000)")
	cmd.AddCommand(list,
		&cobra.Command{Use: "show ID", Short: "Show one event with its payload", Args: exactArgs(1), RunE: run("show")},
		&cobra.Command{Use: "stats", Short: "Count events by provider and status", Args: noArgs, RunE: run("stats")},
	)
	return cmd
}

func webhooksRun(cmd *cobra.Command, opts *WebhooksOptions) error {
	ctx := tenant.AsSystem(cmd.Context())
	st, err := opts.f.Store(ctx)
	if err != nil {
		return err
	}
	out := opts.f.IO.Out
	switch opts.Action {
	case "show":
		e, err := st.Events.Get(ctx, opts.ID)
		if err != nil {
			return notFound(err, "webhook event", opts.ID)
		}
		if opts.Output == cmdutil.OutputJSON {
			return cmdutil.WriteJSON(out, e)
		}
		tp := tableprinter.New(out, opts.f.IO.ColorEnabled(), "FIELD", "VALUE")
		tp.AddRow("id", e.ID)
		tp.AddRow("provider", e.Provider)
		tp.AddRow("event_type", e.EventType)
		tp.AddRow("idempotency_key", e.IdempotencyKey)
		tp.AddRow("status", e.Status)
		tp.AddRow("queue", e.Queue)
		tp.AddRow("attempts", fmt.Sprintf("%d/%d", e.Attempts, e.MaxAttempts))
		tp.AddRow("available_at", formatTime(e.AvailableAt))
		tp.AddRow("correlation_id", e.CorrelationID)
		tp.AddRow("last_error", e.LastError)
		tp.AddRow("created_at", formatTime(e.CreatedAt))
		if err := tp.Render(); err != nil {
			return err
		}
		_, err = fmt.Fprintf(out, "payload:\n%s\n", e.Payload)
		return err
	case "stats":
		stats, err := st.Events.Stats(ctx)
		if err != nil {
			return err
		}
		if opts.Output == cmdutil.OutputJSON {
			return cmdutil.WriteJSON(out, stats)
		}
		tp := tableprinter.New(out, opts.f.IO.ColorEnabled(), "PROVIDER", "STATUS", "COUNT")
		for _, s := range stats {
			tp.AddRow(s.Provider, s.Status, s.Count)
		}
		return tp.Render()
	default:
		events, err := st.Events.List(ctx, store.EventFilter{Status: opts.Status, Provider: opts.Provider, Page: store.Page{Limit: opts.Limit}})
		if err != nil {
			return err
		}
		if opts.Output == cmdutil.OutputJSON {
			return cmdutil.WriteJSON(out, events)
		}
		tp := tableprinter.New(out, opts.f.IO.ColorEnabled(), "ID", "PROVIDER", "EVENT", "KEY", "STATUS", "QUEUE", "ATTEMPTS", "CREATED")
		for _, e := range events {
			tp.AddRow(e.ID, e.Provider, e.EventType, e.IdempotencyKey, e.Status, e.Queue, e.Attempts, formatTime(e.CreatedAt))
		}
		return tp.Render()
	}
}
