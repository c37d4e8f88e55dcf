package queue

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/askproai/askpro/internal/handoff"
	"github.com/askproai/askpro/internal/sanitize"
	"github.com/askproai/askpro/pkg/pool"
)

var (
	// ErrClosed is returned by Insert after Close.
	ErrClosed = errors.New("queue: inbox closed")
	// ErrInvalidEvent is returned for an event the table cannot hold: a
	// required field missing, an unknown provider, an event type over 128
	// bytes or an idempotency key over 255 bytes. Storing it again would
	// fail again: refuse it, do not retry.
	ErrInvalidEvent = errors.New("queue: invalid event")
)

// Limits of the webhook_events columns an Event fills.
const (
	// MaxKeyBytes is the longest idempotency key (VARBINARY(255)).
	MaxKeyBytes = 255
	// MaxEventTypeBytes is the longest event type stored.
	MaxEventTypeBytes = 128
	// maxUserAgent, maxCorrelationID and maxIPAddress bound the header
	// values stored (the columns hold more characters than this many bytes).
	maxUserAgent     = 256
	maxCorrelationID = 64
	maxIPAddress     = 45
)

// Event is one webhook delivery to store. Its queue, priority and delay
// come from [Route] on Provider and Type.
type Event struct {
	Provider  string // retell, calcom or stripe
	Type      string // provider's event type
	Key       string // idempotency key, unique per provider, compared as bytes
	CompanyID int64  // what the payload claims; 0 when not known at ingestion
	// Payload is the raw body, stored byte for byte. The Inbox does not
	// check that it is JSON: the caller does, before storing.
	Payload []byte
	Headers map[string]string // headers worth keeping (no secrets)
	// CorrelationID, IPAddress and UserAgent are stored made valid UTF-8
	// and cut to 64, 45 and 256 bytes, so that no header value can make
	// the insert fail.
	CorrelationID string
	IPAddress     string
	UserAgent     string
	MaxAttempts   int // 0 means 3
}

// InsertResult is the outcome of a successful [Inbox.Insert].
type InsertResult struct {
	// Duplicate reports that the UNIQUE key (provider, idempotency_key)
	// already held this event: nothing was written. The caller
	// acknowledges it like a new event and counts or logs a duplicate.
	Duplicate bool
}

// InboxConfig configures an [Inbox].
type InboxConfig struct {
	// DB is the write handle (pool.Writer()). Required.
	DB *sql.DB
	// Dialect is the database's dialect (pool.Dialect()). Required.
	Dialect pool.Dialect
	// Flushers is the number of concurrent batch writers. Defaults to 2 on
	// MySQL and 1 on SQLite (one writer). Fewer flushers make larger
	// batches, which cost the database much less per row; two let one batch
	// execute while the other waits for its commit to be flushed to disk.
	Flushers int
	// MaxBatch bounds the events of one INSERT. Defaults to 128.
	//
	// The INSERT of each batch size is prepared once and reused instead of
	// being parsed again for every batch. On MySQL, where every pooled
	// connection a statement runs on keeps it until the connection closes,
	// batches of up to 16 events are written as they are and larger ones
	// are cut to a multiple of 16, the rest leading the flusher's next
	// batch: that bounds the distinct statements to 16 + MaxBatch/16. If
	// the server's max_prepared_stmt_count is reached all the same, batches
	// are written without a prepared statement. SQLite has one writer
	// connection and takes every batch whole.
	MaxBatch int
	// MaxBatchBytes bounds the payload bytes of one INSERT (keep it well
	// under MySQL's max_allowed_packet). Defaults to 4 MiB.
	MaxBatchBytes int
	// Queue bounds the events waiting for a flusher; Insert blocks (until
	// its context ends) when it is full. Defaults to 4096.
	Queue int
	// Logger receives batch failures. Nil means slog.Default().
	Logger *slog.Logger
	// Now returns the current time. Nil means time.Now.
	Now func() time.Time
	// OnFlush, if set, is called after each flush with the batch size and
	// how long the write took (metrics).
	OnFlush func(size int, took time.Duration, err error)
}

// Inbox writes events to webhook_events with group commit. It is safe for
// concurrent use.
type Inbox struct {
	cfg  InboxConfig
	d    driver
	reqs *handoff.Chan[*request]
	wg   sync.WaitGroup

	stmtMu sync.Mutex
	stmts  map[int]*sql.Stmt // prepared INSERTs by row count

	tsMu   sync.Mutex
	lastTS time.Time // the latest batch timestamp handed out
}

type request struct {
	ctx  context.Context
	ev   *Event
	done chan result
}

type result struct {
	res InsertResult
	err error
}

// NewInbox validates cfg and starts the flushers. Close stops them.
func NewInbox(cfg InboxConfig) (*Inbox, error) {
	if cfg.DB == nil {
		return nil, errors.New("queue: InboxConfig.DB is required")
	}
	d, err := newDriver(cfg.Dialect)
	if err != nil {
		return nil, err
	}
	if cfg.Flushers <= 0 {
		cfg.Flushers = d.flushers()
	}
	if cfg.MaxBatch <= 0 {
		cfg.MaxBatch = 128
	}
	if cfg.MaxBatchBytes <= 0 {
		cfg.MaxBatchBytes = 4 << 20
	}
	if cfg.Queue <= 0 {
		cfg.Queue = 4096
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	in := &Inbox{cfg: cfg, d: d, reqs: handoff.New[*request](cfg.Queue), stmts: map[int]*sql.Stmt{}}
	for i := 0; i < cfg.Flushers; i++ {
		in.wg.Add(1)
		go in.flusher()
	}
	return in, nil
}

// Insert stores ev and returns once its row is committed, or once it is
// known that the same event (provider and key) was stored before: then the
// result says Duplicate and nothing was written. Either way the event is
// durably stored and may be acknowledged.
//
// An error means the row is not known to be committed: do not acknowledge.
// Errors: [ErrInvalidEvent] (never retry), [ErrClosed], the context's
// error when it ends before the event's batch starts, and database errors
// (transient ones were already retried).
func (in *Inbox) Insert(ctx context.Context, ev Event) (InsertResult, error) {
	if err := validate(&ev); err != nil {
		return InsertResult{}, err
	}
	r := &request{ctx: ctx, ev: &ev, done: make(chan result, 1)}
	if err := in.reqs.Send(ctx, r); err != nil {
		if errors.Is(err, handoff.ErrClosed) {
			return InsertResult{}, ErrClosed
		}
		return InsertResult{}, fmt.Errorf("queue: insert %s: %w", ev.Key, err)
	}
	// Once queued, the row may be written even if ctx ends; wait for the
	// outcome so that the caller never acknowledges a failed write nor
	// reports as failed a write that committed. The flusher skips requests
	// whose context ended before their batch started.
	res := <-r.done
	return res.res, res.err
}

// validate refuses what the table cannot hold and bounds the header values.
func validate(ev *Event) error {
	switch {
	case ev.Provider == "" || ev.Type == "" || ev.Key == "" || len(ev.Payload) == 0:
		return fmt.Errorf("%w: provider, type, key and payload are required", ErrInvalidEvent)
	case !knownProvider(ev.Provider):
		return fmt.Errorf("%w: unknown provider %q", ErrInvalidEvent, sanitize.Log(ev.Provider))
	case len(ev.Type) > MaxEventTypeBytes:
		return fmt.Errorf("%w: event type longer than %d bytes", ErrInvalidEvent, MaxEventTypeBytes)
	case len(ev.Key) > MaxKeyBytes:
		return fmt.Errorf("%w: idempotency key longer than %d bytes", ErrInvalidEvent, MaxKeyBytes)
	}
	ev.CorrelationID = sanitize.String(ev.CorrelationID, maxCorrelationID)
	ev.IPAddress = sanitize.String(ev.IPAddress, maxIPAddress)
	ev.UserAgent = sanitize.String(ev.UserAgent, maxUserAgent)
	return nil
}

// Close stops accepting events, writes those already queued, waits for the
// flushers and closes the prepared statements. It is safe to call more than
// once. Its only error is a failure to close a prepared statement.
func (in *Inbox) Close() error {
	in.reqs.Close()
	in.wg.Wait()
	in.stmtMu.Lock()
	defer in.stmtMu.Unlock()
	var err error
	for n, st := range in.stmts {
		if cerr := st.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("queue: close prepared insert: %w", cerr)
		}
		delete(in.stmts, n)
	}
	return err
}

// flusher writes batches until the queue is closed and drained. Each round
// takes every event already queued (never waiting for more: while one
// batch commits, the next one gathers), up to MaxBatch events or
// MaxBatchBytes, and writes the driver's batchLen of them, keeping the rest
// for the next round, where they come first.
func (in *Inbox) flusher() {
	defer in.wg.Done()
	pending := make([]*request, 0, in.cfg.MaxBatch)
	open := true
	for {
		if len(pending) == 0 {
			if !open {
				return
			}
			first, ok := <-in.reqs.C()
			if !ok {
				return
			}
			pending = append(pending, first)
		}
		if open {
			pending, open = in.reqs.Drain(pending, in.cfg.MaxBatch)
		}
		pending = in.dropEnded(pending)
		if len(pending) == 0 {
			continue
		}
		// Respect the byte bound, then cut to a statement size.
		n, size := 0, 0
		for n < len(pending) && (n == 0 || size+len(pending[n].ev.Payload) <= in.cfg.MaxBatchBytes) {
			size += len(pending[n].ev.Payload)
			n++
		}
		n = in.d.batchLen(n)
		in.flush(pending[:n])
		rest := copy(pending, pending[n:])
		clear(pending[rest:])
		pending = pending[:rest]
	}
}

// dropEnded answers and removes the requests whose context ended before
// their batch started: they are not written.
func (in *Inbox) dropEnded(batch []*request) []*request {
	live := batch[:0]
	for _, r := range batch {
		if err := r.ctx.Err(); err != nil {
			r.done <- result{err: fmt.Errorf("queue: insert %s: %w", r.ev.Key, err)}
			continue
		}
		live = append(live, r)
	}
	clear(batch[len(live):])
	return live
}

// batchTime returns the created_at of the next batch: now, and always later
// than the previous batch's, so that no two batches of this Inbox share a
// timestamp (see insert).
func (in *Inbox) batchTime() time.Time {
	now := in.cfg.Now().UTC().Truncate(time.Microsecond)
	in.tsMu.Lock()
	defer in.tsMu.Unlock()
	if !now.After(in.lastTS) {
		now = in.lastTS.Add(time.Microsecond)
	}
	in.lastTS = now
	return now
}

// flush writes live in one INSERT and answers each request; a batch that
// fails as a whole is retried row by row.
func (in *Inbox) flush(live []*request) {
	if len(live) == 0 {
		return
	}
	// Every writer takes the rows' key locks in the same order, which keeps
	// concurrent batches (other flushers, other processes) from deadlocking
	// on events they share.
	slices.SortFunc(live, func(a, b *request) int {
		return cmp.Or(strings.Compare(a.ev.Provider, b.ev.Provider), strings.Compare(a.ev.Key, b.ev.Key))
	})
	start := in.cfg.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dups, err := in.insertRetry(ctx, live)
	if in.cfg.OnFlush != nil {
		in.cfg.OnFlush(len(live), in.cfg.Now().Sub(start), err)
	}
	if err == nil {
		for i, r := range live {
			r.done <- result{res: InsertResult{Duplicate: dups[i]}}
		}
		return
	}
	if len(live) == 1 {
		live[0].done <- result{err: fmt.Errorf("queue: insert %s: %w", live[0].ev.Key, err)}
		return
	}
	// The batch failed as a whole (one bad row, a lost connection): write
	// the rows one by one so each gets its own answer.
	in.cfg.Logger.Warn("queue: batch insert failed, retrying row by row", "size", len(live), "err", err)
	for _, r := range live {
		dups, err := in.insertRetry(ctx, []*request{r})
		if err != nil {
			r.done <- result{err: fmt.Errorf("queue: insert %s: %w", r.ev.Key, err)}
		} else {
			r.done <- result{res: InsertResult{Duplicate: dups[0]}}
		}
	}
}

// insertRetry runs insert again while it fails with a transient error (a
// deadlock victim, a lock wait timeout, a lost connection), on the Inbox's
// short schedule. The statement skips stored rows, so a retry never stores
// a row twice; the batch keeps its timestamp, so a row the failed attempt
// did commit still counts as this batch's.
func (in *Inbox) insertRetry(ctx context.Context, batch []*request) ([]bool, error) {
	now := in.batchTime()
	var dups []bool
	err := inboxRetry.run(ctx, pool.IsTransient, func(ctx context.Context) error {
		var err error
		dups, err = in.insert(ctx, batch, now)
		return err
	})
	return dups, err
}

// insert writes the batch (sorted by provider and key) in one statement
// with created_at = now and reports, per request, whether its event was
// already stored.
//
// A repeated event within the batch is written once; the later copies are
// duplicates. When the statement inserts fewer rows than it was given, one
// SELECT of the batch's keys tells them apart: a row whose created_at is not
// now was there before. Edge case: a row stored by another process for the
// same key in the same microsecond would count as new here, so one delivery
// of the two is not reported as a duplicate; both are stored once and
// acknowledged correctly, only the duplicate count misses one.
func (in *Inbox) insert(ctx context.Context, batch []*request, now time.Time) ([]bool, error) {
	dups := make([]bool, len(batch))
	args := make([]any, 0, len(batch)*insertArgs)
	rows := 0
	for i, r := range batch {
		ev := r.ev
		if i > 0 && ev.Provider == batch[i-1].ev.Provider && ev.Key == batch[i-1].ev.Key {
			dups[i] = true
			continue
		}
		rt := Route(ev.Provider, ev.Type)
		maxAttempts := ev.MaxAttempts
		if maxAttempts <= 0 {
			maxAttempts = 3
		}
		var headers any
		if len(ev.Headers) > 0 {
			h, err := json.Marshal(ev.Headers)
			if err != nil {
				return nil, fmt.Errorf("encode headers: %w", err)
			}
			headers = string(h)
		}
		var company any
		if ev.CompanyID > 0 {
			company = ev.CompanyID
		}
		args = append(args, ev.Provider, ev.Type, []byte(ev.Key), company, ev.Payload, headers,
			nullable(ev.CorrelationID), nullable(ev.IPAddress), nullable(ev.UserAgent),
			string(rt.Queue), rt.Priority, maxAttempts, now.Add(rt.Delay), now, now)
		rows++
	}
	res, err := in.exec(ctx, rows, args...)
	if err != nil {
		return nil, err
	}
	inserted, err := res.RowsAffected()
	if err != nil {
		return nil, fmt.Errorf("rows affected: %w", err)
	}
	if inserted == int64(rows) {
		return dups, nil
	}
	if err := in.markStored(ctx, batch, dups, now); err != nil {
		return nil, err
	}
	return dups, nil
}

// markStored sets dups[i] for each request whose row was stored before now.
func (in *Inbox) markStored(ctx context.Context, batch []*request, dups []bool, now time.Time) error {
	args := make([]any, 0, 2*len(batch))
	for i, r := range batch {
		if !dups[i] {
			args = append(args, r.ev.Provider, []byte(r.ev.Key))
		}
	}
	rows, err := in.query(ctx, existingSQL(len(args)/2), args...)
	if err != nil {
		return fmt.Errorf("find stored events: %w", err)
	}
	defer rows.Close()
	type pk struct{ provider, key string }
	old := map[pk]bool{}
	for rows.Next() {
		var provider string
		var key []byte
		var created time.Time
		if err := rows.Scan(&provider, &key, &created); err != nil {
			return fmt.Errorf("find stored events: %w", err)
		}
		old[pk{provider, string(key)}] = !created.Equal(now)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("find stored events: %w", err)
	}
	for i, r := range batch {
		if !dups[i] {
			stored, found := old[pk{r.ev.Provider, r.ev.Key}]
			if !found {
				// Neither inserted nor there: not known to be stored.
				return fmt.Errorf("event %s is not stored after its insert", sanitize.Log(r.ev.Key))
			}
			dups[i] = stored
		}
	}
	return nil
}

// exec runs the INSERT of n rows, prepared once per row count.
func (in *Inbox) exec(ctx context.Context, n int, args ...any) (sql.Result, error) {
	st, err := in.stmt(ctx, n)
	if err != nil {
		// Preparing failed (e.g. the connection was lost): the one-off
		// statement may still work, and its error is the one to report.
		return in.cfg.DB.ExecContext(ctx, in.d.insertSQL(n), args...)
	}
	res, err := st.ExecContext(ctx, args...)
	if in.d.tooManyPrepared(err) {
		// The server's max_prepared_stmt_count is shared by every client:
		// when it is reached, write without a prepared statement.
		return in.cfg.DB.ExecContext(ctx, in.d.insertSQL(n), args...)
	}
	return res, err
}

// query runs a query unprepared: it serves only batches with duplicates.
func (in *Inbox) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return in.cfg.DB.QueryContext(ctx, q, args...)
}

// stmt returns the prepared INSERT of n rows, preparing it on first use.
// database/sql prepares it again on each connection it runs on.
func (in *Inbox) stmt(ctx context.Context, n int) (*sql.Stmt, error) {
	in.stmtMu.Lock()
	st := in.stmts[n]
	in.stmtMu.Unlock()
	if st != nil {
		return st, nil
	}
	st, err := in.cfg.DB.PrepareContext(ctx, in.d.insertSQL(n))
	if err != nil {
		return nil, err
	}
	in.stmtMu.Lock()
	defer in.stmtMu.Unlock()
	if prev := in.stmts[n]; prev != nil { // another flusher was first
		_ = st.Close()
		return prev, nil
	}
	in.stmts[n] = st
	return st, nil
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}
