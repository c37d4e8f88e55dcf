package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/askproai/askpro/internal/cli/webhooks"
	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/internal/iostreams"
	"github.com/askproai/askpro/internal/tableprinter"
	"github.com/askproai/askpro/pkg/queue"
	"github.com/askproai/askpro/pkg/store"
	"github.com/askproai/askpro/pkg/tenant"
	"github.com/spf13/cobra"
)

// replayer is the queue's replay side as `askpro replay` uses it.
type replayer interface {
	Count(ctx context.Context, f queue.ReplayFilter) (int64, error)
	Page(ctx context.Context, f queue.ReplayFilter, afterID int64, limit int) ([]queue.Job, error)
	Replay(ctx context.Context, ids []int64, from queue.Status) (int64, error)
}

// auditor is the audit log method `askpro replay` calls.
type auditor = cmdutil.Auditor

// ReplayOptions holds what `askpro replay` needs.
type ReplayOptions struct {
	IO       *iostreams.IOStreams
	Replayer func(ctx context.Context) (replayer, error)
	Audit    func(ctx context.Context) (auditor, error)
	Exporter cmdutil.Exporter
	// Now is the clock --since counts back from.
	Now func() time.Time

	// Actor names who replays in the audit log ("cli:" and the OS user).
	Actor string

	IDs       []int64
	Provider  string
	EventType string
	Status    string
	// Since keeps events stored within this long before now (0 = any age).
	Since time.Duration
	// DryRun lists the events without moving them and writes no audit row.
	DryRun bool
	// PageSize is how many events are read and moved at once (1-1000).
	PageSize int
}

// ReplayEvent is one event `askpro replay` moved (or, with --dry-run, would
// move), as it was before; it is an element of the JSON's "events".
type ReplayEvent struct {
	ID           int64        `json:"id"`
	Provider     string       `json:"provider"`
	EventType    string       `json:"event_type"`
	StatusBefore queue.Status `json:"status_before"`
	// Attempts are the attempts made before the replay reset them.
	Attempts  int       `json:"attempts"`
	LastError string    `json:"last_error,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// replayAuditIDs is how many event ids one audit row lists.
const replayAuditIDs = 100

// replayStatuses are the statuses --status accepts: every one but
// processing.
var replayStatuses = slices.DeleteFunc(slices.Clone(webhooks.Statuses), func(s string) bool { return s == string(queue.Processing) })

// NewCmdReplay builds `askpro replay [--id ID ...] [--provider P]
// [--event-type T] [--status S] [--since DUR] [--dry-run]`.
func NewCmdReplay(f *cmdutil.Factory, runF func(*ReplayOptions) error) *cobra.Command {
	opts := &ReplayOptions{
		IO:       f.IO,
		Replayer: func(ctx context.Context) (replayer, error) { return f.Replayer(ctx) },
		Audit:    func(ctx context.Context) (auditor, error) { return f.AuditLog(ctx) },
		Now:      time.Now,
	}
	var since string
	cmd := &cobra.Command{
		Use:   "replay",
		Short: "Move dead-letter (or chosen) webhook events back to pending, to be processed again",
		Long: `Move the matching webhook events back to pending with their attempts reset, so that the
workers process them again, and print what was moved. Without filters every dead letter is
replayed; --id, --provider, --event-type and --since narrow the set, --status chooses another
status than dead_letter (never processing: a worker holds those). Events are read and moved a
page at a time, each page with one UPDATE guarded by the status, so an event a worker took
meanwhile is left alone. Every run except --dry-run writes one audit_log row.`,
		Example: `  askpro replay --dry-run
  askpro replay --provider retell --event-type call_ended --since 24h
  askpro replay --id 42 --id 43 -o json`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := opts.check(since); err != nil {
				return err
			}
			if opts.Actor == "" {
				opts.Actor = cmdutil.Actor()
			}
			if runF != nil {
				return runF(opts)
			}
			return replayRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.Int64SliceVar(&opts.IDs, "id", nil, "only this event id (repeat or comma-separate for several)")
	fl.StringVar(&opts.Provider, "provider", "", "only events of this provider: "+strings.Join(webhooks.Providers, ", "))
	fl.StringVar(&opts.EventType, "event-type", "", "only events of this type (call_ended, BOOKING_CREATED, charge.failed, ...)")
	fl.StringVar(&opts.Status, "status", string(queue.DeadLetter), "replay events in this status: "+strings.Join(replayStatuses, ", "))
	fl.StringVar(&since, "since", "", "only events stored within this long, such as 90m, 24h or 7d")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "list the events that would be moved, move nothing")
	fl.IntVar(&opts.PageSize, "page-size", 500, "events read and moved at once (1-1000)")
	cmdutil.AddOutputFlag(cmd, &opts.Exporter)
	return cmd
}

// check validates the flags: every problem is a usage error (exit 2),
// found before anything is opened.
func (o *ReplayOptions) check(since string) error {
	for _, id := range o.IDs {
		if id <= 0 {
			return cmdutil.FlagErrorf("--id %d is not an id (a positive number)", id)
		}
	}
	if o.Provider != "" {
		if err := cmdutil.CheckChoice("provider", o.Provider, webhooks.Providers); err != nil {
			return err
		}
	}
	if o.Status == string(queue.Processing) {
		return cmdutil.FlagErrorf("--status processing is refused: a worker holds those events' lease (wait until it finishes, or the lease expires and the reaper takes them back)")
	}
	if err := cmdutil.CheckChoice("status", o.Status, replayStatuses); err != nil {
		return err
	}
	if since != "" {
		d, err := parseSince(since)
		if err != nil {
			return cmdutil.FlagErrorf("invalid --since %q: %v", since, err)
		}
		o.Since = d
	}
	if o.PageSize < 1 || o.PageSize > queue.MaxReplayPage {
		return cmdutil.FlagErrorf("--page-size must be between 1 and %d", queue.MaxReplayPage)
	}
	return nil
}

// parseSince parses a positive Go duration (90m, 24h) or a number of days
// (7d).
func parseSince(s string) (time.Duration, error) {
	var d time.Duration
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.ParseUint(days, 10, 16)
		if err != nil {
			return 0, errors.New("want a duration such as 90m, 24h or 7d")
		}
		d = time.Duration(n) * 24 * time.Hour
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, errors.New("want a duration such as 90m, 24h or 7d")
		}
	}
	if d <= 0 {
		return 0, errors.New("must be more than zero")
	}
	return d, nil
}

// filter returns the queue filter of the flags at now.
func (o *ReplayOptions) filter(now time.Time) queue.ReplayFilter {
	f := queue.ReplayFilter{IDs: o.IDs, Provider: o.Provider, EventType: o.EventType, Status: queue.Status(o.Status)}
	if o.Since > 0 {
		f.Since = now.Add(-o.Since).UTC().Truncate(time.Second)
	}
	return f
}

// replayTally is what one run did, for the summary and the audit row.
type replayTally struct {
	matched, moved int64
	ids            []int64 // the first replayAuditIDs ids selected
}

func replayRun(ctx context.Context, opts *ReplayOptions) error {
	rp, err := opts.Replayer(ctx)
	if err != nil {
		return err
	}
	var audit auditor
	if !opts.DryRun {
		// Opened first: a run that could not be audited must not start.
		if audit, err = opts.Audit(ctx); err != nil {
			return err
		}
	}
	sys := tenant.System(ctx)
	f := opts.filter(opts.Now())
	total, err := rp.Count(sys, f)
	if err != nil {
		return err
	}
	out := newReplayOutput(opts, total)
	if err := out.begin(f); err != nil {
		return err
	}
	var tally replayTally
	runErr := replayPages(sys, opts, rp, f, out, &tally)
	if runErr == nil {
		runErr = out.end(tally)
	}
	if !opts.DryRun {
		if err := recordReplay(sys, audit, opts.Actor, f, tally, runErr); err != nil {
			return errors.Join(runErr, fmt.Errorf("%d events were moved, but the audit log was not written: %w", tally.moved, err))
		}
	}
	if runErr != nil {
		return fmt.Errorf("replay stopped after moving %d events: %w", tally.moved, runErr)
	}
	out.summary(f, tally)
	return nil
}

// replayPages reads f's events page by page and, unless it is a dry run,
// moves each page with one guarded UPDATE.
func replayPages(ctx context.Context, opts *ReplayOptions, rp replayer, f queue.ReplayFilter, out *replayOutput, tally *replayTally) error {
	after := int64(0)
	for {
		jobs, err := rp.Page(ctx, f, after, opts.PageSize)
		if err != nil {
			return err
		}
		if len(jobs) == 0 {
			return nil
		}
		after = jobs[len(jobs)-1].ID
		ids := queue.JobIDs(jobs)
		if !opts.DryRun {
			n, err := rp.Replay(ctx, ids, f.Status)
			if err != nil {
				return err
			}
			tally.moved += n
		}
		tally.matched += int64(len(jobs))
		if room := replayAuditIDs - len(tally.ids); room > 0 {
			tally.ids = append(tally.ids, ids[:min(room, len(ids))]...)
		}
		if err := out.page(jobs, tally); err != nil {
			return err
		}
	}
}

// recordReplay writes the run's one audit_log row.
func recordReplay(ctx context.Context, audit auditor, actor string, f queue.ReplayFilter, t replayTally, runErr error) error {
	details := struct {
		Filter       queue.ReplayFilter `json:"filter"`
		Matched      int64              `json:"matched"`
		Moved        int64              `json:"moved"`
		IDs          []int64            `json:"ids"`
		IDsTruncated bool               `json:"ids_truncated,omitempty"`
		Error        string             `json:"error,omitempty"`
	}{Filter: f, Matched: t.matched, Moved: t.moved, IDs: t.ids, IDsTruncated: t.matched > int64(len(t.ids))}
	if details.IDs == nil {
		details.IDs = []int64{}
	}
	if runErr != nil {
		details.Error = runErr.Error()
	}
	return cmdutil.Audit(ctx, audit, store.AuditEntry{Actor: actor, Action: "webhooks.replay", Target: "webhook_events"}, details)
}

// replayOutput renders a run page by page: table rows (TSV when piped) or
// one JSON document written as the pages come, and progress on a terminal.
type replayOutput struct {
	opts  *ReplayOptions
	total int64
	json  bool
	first bool
	// progress is shown for a run of more than one page when stderr is a
	// terminal; shown says a progress line is on screen.
	progress, shown bool
}

func newReplayOutput(opts *ReplayOptions, total int64) *replayOutput {
	return &replayOutput{opts: opts, total: total, json: opts.Exporter != nil, first: true,
		progress: opts.IO.IsStderrTTY() && total > int64(opts.PageSize)}
}

var replayHeaders = []string{"ID", "PROVIDER", "EVENT", "STATUS BEFORE", "ATTEMPTS", "LAST ERROR"}

func (o *replayOutput) begin(f queue.ReplayFilter) error {
	if !o.json {
		return nil
	}
	filter, err := json.MarshalIndent(f, "  ", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(o.opts.IO.Out, "{\n  \"dry_run\": %t,\n  \"filter\": %s,\n  \"events\": [", o.opts.DryRun, filter)
	return err
}

func (o *replayOutput) page(jobs []queue.Job, t *replayTally) error {
	o.clearProgress()
	w := o.opts.IO.Out
	if o.json {
		for _, j := range jobs {
			b, err := json.MarshalIndent(replayEvent(j), "    ", "  ")
			if err != nil {
				return err
			}
			sep := ",\n    "
			if o.first {
				sep, o.first = "\n    ", false
			}
			if _, err := fmt.Fprintf(w, "%s%s", sep, b); err != nil {
				return err
			}
		}
	} else {
		var headers []string
		if o.first || o.opts.IO.ColorEnabled() {
			headers = replayHeaders // one header when piped; one table per page on a terminal
		}
		o.first = false
		tp := tableprinter.New(w, o.opts.IO.ColorEnabled(), headers...)
		for _, j := range jobs {
			tp.AddRow(j.ID, j.Provider, j.EventType, j.Status, j.Attempts, shorten(j.LastError, 60))
		}
		if err := tp.Render(); err != nil {
			return err
		}
	}
	if o.progress {
		verb := "moved"
		n := t.moved
		if o.opts.DryRun {
			verb, n = "listed", t.matched
		}
		fmt.Fprintf(o.opts.IO.ErrOut, "\r\033[K%s %s of %s events", verb, thousands(int(n)), thousands(int(o.total)))
		o.shown = true
	}
	return nil
}

func (o *replayOutput) clearProgress() {
	if o.shown {
		fmt.Fprint(o.opts.IO.ErrOut, "\r\033[K")
		o.shown = false
	}
}

func (o *replayOutput) end(t replayTally) error {
	o.clearProgress()
	if !o.json {
		return nil
	}
	closing := "\n  ]"
	if o.first {
		closing = "]"
	}
	_, err := fmt.Fprintf(o.opts.IO.Out, "%s,\n  \"matched\": %d,\n  \"moved\": %d\n}\n", closing, t.matched, t.moved)
	return err
}

// summary says on stderr what the run did.
func (o *replayOutput) summary(f queue.ReplayFilter, t replayTally) {
	w := o.opts.IO.ErrOut
	switch {
	case t.matched == 0:
		fmt.Fprintf(w, "no %s events match: nothing to replay\n", f.Status)
	case o.opts.DryRun:
		fmt.Fprintf(w, "dry run: %s would be moved back to pending\n", events(t.matched))
	default:
		fmt.Fprintf(w, "moved %s back to pending\n", events(t.moved))
		if left := t.matched - t.moved; left > 0 {
			fmt.Fprintf(w, "left alone: %s whose status changed meanwhile (a worker or another replay was first)\n", events(left))
		}
	}
}

func events(n int64) string {
	if n == 1 {
		return "1 event"
	}
	return thousands(int(n)) + " events"
}

func replayEvent(j queue.Job) ReplayEvent {
	return ReplayEvent{ID: j.ID, Provider: j.Provider, EventType: j.EventType, StatusBefore: j.Status,
		Attempts: j.Attempts, LastError: j.LastError, CreatedAt: j.CreatedAt}
}

// shorten cuts s to at most n runes on one line, marking a cut with "…".
func shorten(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
