package queue

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/askproai/askpro/pkg/pool"
	"github.com/askproai/askpro/pkg/tenant"
)

// ReplayFilter selects the events a [Replayer] pages through and moves. Its
// fields narrow the selection together (AND); the zero value is every dead
// letter.
type ReplayFilter struct {
	// IDs, if set, keeps only these events.
	IDs []int64 `json:"ids,omitempty"`
	// Provider, if set, keeps only events of this provider.
	Provider string `json:"provider,omitempty"`
	// EventType, if set, keeps only events of this type (compared exactly).
	EventType string `json:"event_type,omitempty"`
	// Status is the status the events are in. Defaults to [DeadLetter].
	// [Processing] is refused with [ErrReplayProcessing].
	Status Status `json:"status"`
	// Since, if not zero, keeps only events stored at or after it
	// (created_at >= Since).
	Since time.Time `json:"since,omitzero"`
}

// status returns the filter's status with its default.
func (f ReplayFilter) status() Status {
	if f.Status == "" {
		return DeadLetter
	}
	return f.Status
}

// check validates the filter's status.
func (f ReplayFilter) check() error {
	switch s := f.status(); {
	case s == Processing:
		return ErrReplayProcessing
	case !s.Valid():
		return fmt.Errorf("%w: unknown status %q", ErrReplayFilter, s)
	}
	for _, id := range f.IDs {
		if id <= 0 {
			return fmt.Errorf("%w: id %d is not positive", ErrReplayFilter, id)
		}
	}
	return nil
}

// where returns the filter's WHERE clause, without the keyword, and its
// arguments.
func (f ReplayFilter) where() (string, []any) {
	conds := []string{"status = ?"}
	args := []any{string(f.status())}
	if len(f.IDs) > 0 {
		conds = append(conds, "id IN ("+placeholders(len(f.IDs))+")")
		for _, id := range f.IDs {
			args = append(args, id)
		}
	}
	if f.Provider != "" {
		conds, args = append(conds, "provider = ?"), append(args, f.Provider)
	}
	if f.EventType != "" {
		conds, args = append(conds, "event_type = ?"), append(args, f.EventType)
	}
	if !f.Since.IsZero() {
		conds, args = append(conds, "created_at >= ?"), append(args, f.Since.UTC())
	}
	return strings.Join(conds, " AND "), args
}

var (
	// ErrReplayProcessing is returned for a replay of events in
	// [Processing]: a worker holds their lease, and only it (or the reaper,
	// once the lease expires) may move them.
	ErrReplayProcessing = errors.New("queue: events in processing cannot be replayed: a worker holds their lease")
	// ErrReplayFilter is returned for a [ReplayFilter] or a status that
	// selects nothing sensible (an unknown status, an id below 1).
	ErrReplayFilter = errors.New("queue: invalid replay filter")
)

// ReplayerConfig configures a [Replayer]. The zero value is ready to use.
type ReplayerConfig struct {
	// Now returns the current time, which replayed events get as
	// available_at and updated_at. Nil means time.Now.
	Now func() time.Time
}

// Replayer moves stored events back to [Pending] with their attempts reset,
// so that workers process them again: the operator's `askpro replay`. It
// reads on the pool's read handle and writes on its writer. Every method
// needs a system context ([tenant.System]) and returns [ErrNotSystem]
// without one. It is safe for concurrent use.
//
// A replay is meant to run page by page, so that a large set is never
// loaded at once:
//
//	after := int64(0)
//	for {
//		jobs, err := rp.Page(ctx, f, after, 500)
//		if err != nil || len(jobs) == 0 {
//			break // (handle err)
//		}
//		moved, err := rp.Replay(ctx, queue.JobIDs(jobs), f.Status)
//		after = jobs[len(jobs)-1].ID
//	}
type Replayer struct {
	db, writer *sql.DB
	now        func() time.Time
}

// NewReplayer returns a Replayer on p. Its only error is a pool of an
// unknown dialect.
func NewReplayer(p *pool.Pool, cfg ReplayerConfig) (*Replayer, error) {
	if _, err := newDriver(p.Dialect()); err != nil {
		return nil, err
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Replayer{db: p.DB(), writer: p.Writer(), now: cfg.Now}, nil
}

// MaxReplayPage is the most events [Replayer.Page] returns and
// [Replayer.Replay] moves in one call.
const MaxReplayPage = 1000

// Count returns how many events f selects now. Errors: [ErrNotSystem],
// [ErrReplayProcessing], [ErrReplayFilter], the database's.
func (r *Replayer) Count(ctx context.Context, f ReplayFilter) (int64, error) {
	if err := r.check(ctx, f); err != nil {
		return 0, err
	}
	where, args := f.where()
	var n int64
	if err := r.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM webhook_events WHERE "+where, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("queue: count replay events: %w", err)
	}
	return n, nil
}

// Page returns up to limit events that f selects and whose id is above
// afterID, in id order, without payloads and headers: pass the last id of
// one page as afterID of the next (keyset paging, so moving a page never
// shifts the next one). limit defaults to 500 and is at most
// [MaxReplayPage]. The result is never nil; it is empty past the last page.
// Errors: [ErrNotSystem], [ErrReplayProcessing], [ErrReplayFilter], the
// database's.
func (r *Replayer) Page(ctx context.Context, f ReplayFilter, afterID int64, limit int) ([]Job, error) {
	if err := r.check(ctx, f); err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = 500
	}
	where, args := f.where()
	q := "SELECT " + jobCols + " FROM webhook_events WHERE " + where +
		fmt.Sprintf(" AND id > ? ORDER BY id LIMIT %d", min(limit, MaxReplayPage))
	rows, err := r.db.QueryContext(ctx, q, append(args, afterID)...)
	if err != nil {
		return nil, fmt.Errorf("queue: page replay events: %w", err)
	}
	defer rows.Close()
	out := []Job{}
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, fmt.Errorf("queue: page replay events: %w", err)
		}
		out = append(out, j)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("queue: page replay events: %w", err)
	}
	return out, nil
}

// Replay moves the events ids that are still in status from (default
// [DeadLetter]) back to [Pending], in one UPDATE guarded by that status, and
// returns how many it moved: an event that changed status meanwhile (a
// worker claimed it, another replay moved it) is left alone and not
// counted. A moved event gets attempts 0, available_at and updated_at now,
// no lease (locked_by, locked_until NULL) and no processed_at or
// processing_time_ms, since it has not been processed in its new life.
// last_error is kept: it says why the event failed until the next attempt
// writes its own outcome.
//
// At most [MaxReplayPage] ids are taken at once; no ids moves nothing.
// Errors: [ErrNotSystem], [ErrReplayProcessing], [ErrReplayFilter] (an
// unknown status, an id below 1, too many ids), the database's.
func (r *Replayer) Replay(ctx context.Context, ids []int64, from Status) (int64, error) {
	f := ReplayFilter{IDs: ids, Status: from}
	if err := r.check(ctx, f); err != nil {
		return 0, err
	}
	if len(ids) == 0 {
		return 0, nil
	}
	if len(ids) > MaxReplayPage {
		return 0, fmt.Errorf("%w: %d ids, at most %d at once", ErrReplayFilter, len(ids), MaxReplayPage)
	}
	now := r.now().UTC().Truncate(time.Microsecond)
	args := []any{string(Pending), now, now}
	for _, id := range ids {
		args = append(args, id)
	}
	args = append(args, string(f.status()))
	res, err := r.writer.ExecContext(ctx, "UPDATE webhook_events SET status = ?, attempts = 0, available_at = ?, updated_at = ?, "+
		"locked_by = NULL, locked_until = NULL, processed_at = NULL, processing_time_ms = NULL "+
		"WHERE id IN ("+placeholders(len(ids))+") AND status = ?", args...)
	if err != nil {
		return 0, fmt.Errorf("queue: replay events: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("queue: replay events: rows affected: %w", err)
	}
	return n, nil
}

func (r *Replayer) check(ctx context.Context, f ReplayFilter) error {
	if !tenant.IsSystem(ctx) {
		return ErrNotSystem
	}
	return f.check()
}

// JobIDs returns the ids of jobs, in their order.
func JobIDs(jobs []Job) []int64 {
	ids := make([]int64, len(jobs))
	for i, j := range jobs {
		ids[i] = j.ID
	}
	return ids
}
