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

	"github.com/go-sql-driver/mysql"

	"github.com/askproai/askpro/internal/handoff"
	"github.com/askproai/askpro/pkg/pool"
)

// Queue names, in the order workers take them.
const (
	Critical = "critical"
	High     = "high"
	Normal   = "normal"
)

// Priority returns the ordering value stored with a queue name: critical 0,
// high 1, anything else 2.
func Priority(queue string) int {
	switch queue {
	case Critical:
		return 0
	case High:
		return 1
	}
	return 2
}

var (
	// ErrClosed is returned by Insert after Close.
	ErrClosed = errors.New("queue: inbox closed")
	// ErrInvalidEvent is returned for an event missing a required field.
	ErrInvalidEvent = errors.New("queue: invalid event")
)

// Event is one webhook delivery to store.
type Event struct {
	Provider      string            // retell, calcom or stripe
	Type          string            // provider's event type
	Key           string            // idempotency key, unique per provider
	Queue         string            // critical, high or normal; empty means normal
	Delay         time.Duration     // the job becomes available after this
	CompanyID     int64             // 0 when not known at ingestion
	Payload       []byte            // the raw JSON body
	Headers       map[string]string // headers worth keeping (no secrets)
	CorrelationID string
	IPAddress     string
	UserAgent     string
	MaxAttempts   int // 0 means 3
}

// InboxConfig configures an [Inbox].
type InboxConfig struct {
	// DB is the write handle (pool.Writer()). Required.
	DB *sql.DB
	// Dialect is "mysql" or "sqlite". Required.
	Dialect string
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
	reqs *handoff.Chan[*request]
	wg   sync.WaitGroup

	stmtMu sync.Mutex
	stmts  map[int]*sql.Stmt // prepared INSERTs by row count
}

type request struct {
	ctx  context.Context
	ev   *Event
	done chan error
}

// NewInbox validates cfg and starts the flushers. Close stops them.
func NewInbox(cfg InboxConfig) (*Inbox, error) {
	if cfg.DB == nil {
		return nil, errors.New("queue: InboxConfig.DB is required")
	}
	if cfg.Dialect != "mysql" && cfg.Dialect != "sqlite" {
		return nil, fmt.Errorf("queue: unknown dialect %q", cfg.Dialect)
	}
	if cfg.Flushers <= 0 {
		cfg.Flushers = 2
		if cfg.Dialect == "sqlite" {
			cfg.Flushers = 1
		}
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
	in := &Inbox{cfg: cfg, reqs: handoff.New[*request](cfg.Queue), stmts: map[int]*sql.Stmt{}}
	for i := 0; i < cfg.Flushers; i++ {
		in.wg.Add(1)
		go in.flusher()
	}
	return in, nil
}

// Insert stores ev and returns once its row is committed. A redelivery of
// an event already stored (same provider and key) is success, not an error.
// An error means the row is not known to be committed: do not acknowledge.
func (in *Inbox) Insert(ctx context.Context, ev Event) error {
	if ev.Provider == "" || ev.Type == "" || ev.Key == "" || len(ev.Payload) == 0 {
		return fmt.Errorf("%w: provider, type, key and payload are required", ErrInvalidEvent)
	}
	r := &request{ctx: ctx, ev: &ev, done: make(chan error, 1)}
	if err := in.reqs.Send(ctx, r); err != nil {
		if errors.Is(err, handoff.ErrClosed) {
			return ErrClosed
		}
		return fmt.Errorf("queue: insert %s: %w", ev.Key, err)
	}
	// Once queued, the row may be written even if ctx ends; wait for the
	// outcome so that the caller never acknowledges a failed write nor
	// reports as failed a write that committed. The flusher skips requests
	// whose context ended before their batch started.
	return <-r.done
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

// exactBatch is the largest batch written with its own statement on MySQL;
// larger batches are cut to a multiple of it (see InboxConfig.MaxBatch).
const exactBatch = 16

// batchLen returns how many of the n pending events the next INSERT takes.
func batchLen(n int) int {
	if n <= exactBatch {
		return n
	}
	return n - n%exactBatch
}

// flusher writes batches until the queue is closed and drained. Each round
// takes every event already queued (never waiting for more: while one
// batch commits, the next one gathers), up to MaxBatch events or
// MaxBatchBytes, writes them (on MySQL batchLen of them, keeping the rest
// for the next round, where they come first).
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
		if in.cfg.Dialect == "mysql" {
			n = batchLen(n)
		}
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
			r.done <- fmt.Errorf("queue: insert %s: %w", r.ev.Key, err)
			continue
		}
		live = append(live, r)
	}
	clear(batch[len(live):])
	return live
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
	err := in.insertRetry(ctx, live)
	if in.cfg.OnFlush != nil {
		in.cfg.OnFlush(len(live), in.cfg.Now().Sub(start), err)
	}
	if err == nil {
		for _, r := range live {
			r.done <- nil
		}
		return
	}
	if len(live) == 1 {
		live[0].done <- fmt.Errorf("queue: insert %s: %w", live[0].ev.Key, err)
		return
	}
	// The batch failed as a whole (one bad row, a deadlock, a lost
	// connection): write the rows one by one so each gets its own answer.
	in.cfg.Logger.Warn("queue: batch insert failed, retrying row by row", "size", len(live), "err", err)
	for _, r := range live {
		if err := in.insertRetry(ctx, []*request{r}); err != nil {
			r.done <- fmt.Errorf("queue: insert %s: %w", r.ev.Key, err)
		} else {
			r.done <- nil
		}
	}
}

const insertCols = "(provider, event_type, idempotency_key, company_id, payload, headers, correlation_id, ip_address, " +
	"user_agent, status, queue, priority, attempts, max_attempts, available_at, created_at, updated_at)"

const rowPlaceholders = "(?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, 0, ?, ?, ?, ?)"

// insertRetry runs insert again while it fails with a transient error (a
// deadlock victim, a lock wait timeout, a lost connection): the statement is
// idempotent, so a retry never stores a row twice.
func (in *Inbox) insertRetry(ctx context.Context, batch []*request) error {
	return pool.WithRetry(ctx, pool.Config{RetryAttempts: 3, RetryDelay: 10 * time.Millisecond, Logger: in.cfg.Logger},
		func(ctx context.Context) error { return in.insert(ctx, batch) })
}

// insert writes the batch in one statement; duplicates of stored events are
// skipped by the UNIQUE key without failing the statement.
func (in *Inbox) insert(ctx context.Context, batch []*request) error {
	args := make([]any, 0, len(batch)*15)
	now := in.cfg.Now().UTC().Truncate(time.Microsecond)
	for _, r := range batch {
		ev := r.ev
		q := ev.Queue
		if q == "" {
			q = Normal
		}
		maxAttempts := ev.MaxAttempts
		if maxAttempts <= 0 {
			maxAttempts = 3
		}
		var headers any
		if len(ev.Headers) > 0 {
			h, err := json.Marshal(ev.Headers)
			if err != nil {
				return fmt.Errorf("encode headers: %w", err)
			}
			headers = string(h)
		}
		var company any
		if ev.CompanyID > 0 {
			company = ev.CompanyID
		}
		args = append(args, ev.Provider, ev.Type, ev.Key, company, string(ev.Payload), headers,
			nullable(ev.CorrelationID), nullable(ev.IPAddress), nullable(ev.UserAgent),
			q, Priority(q), maxAttempts, now.Add(ev.Delay), now, now)
	}
	st, err := in.stmt(ctx, len(batch))
	if err != nil {
		// Preparing failed (e.g. the connection was lost): the one-off
		// statement below may still work, and its error is the one to report.
		_, err = in.cfg.DB.ExecContext(ctx, in.insertSQL(len(batch)), args...)
		return err
	}
	_, err = st.ExecContext(ctx, args...)
	var me *mysql.MySQLError
	if errors.As(err, &me) && me.Number == errTooManyPreparedStatements {
		// The server's max_prepared_stmt_count is shared by every client:
		// when it is reached, write without a prepared statement.
		_, err = in.cfg.DB.ExecContext(ctx, in.insertSQL(len(batch)), args...)
	}
	return err
}

// errTooManyPreparedStatements is MySQL's ER_MAX_PREPARED_STMT_COUNT_REACHED.
const errTooManyPreparedStatements = 1461

// stmt returns the prepared INSERT of n rows, preparing it on first use.
// database/sql prepares it again on each connection it runs on.
func (in *Inbox) stmt(ctx context.Context, n int) (*sql.Stmt, error) {
	in.stmtMu.Lock()
	st := in.stmts[n]
	in.stmtMu.Unlock()
	if st != nil {
		return st, nil
	}
	st, err := in.cfg.DB.PrepareContext(ctx, in.insertSQL(n))
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

// insertSQL is the INSERT of n rows for the dialect.
func (in *Inbox) insertSQL(n int) string {
	var b strings.Builder
	b.Grow(len(insertCols) + n*(len(rowPlaceholders)+2) + 80)
	b.WriteString("INSERT INTO webhook_events ")
	b.WriteString(insertCols)
	b.WriteString(" VALUES ")
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(rowPlaceholders)
	}
	if in.cfg.Dialect == "mysql" {
		b.WriteString(" ON DUPLICATE KEY UPDATE id = id")
	} else {
		b.WriteString(" ON CONFLICT (provider, idempotency_key) DO NOTHING")
	}
	return b.String()
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}
