package queue

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/askproai/askpro/internal/correlation"
	"github.com/askproai/askpro/internal/sanitize"
	"github.com/askproai/askpro/pkg/pool"
	"github.com/askproai/askpro/pkg/tenant"
	"github.com/google/uuid"
)

// WorkerConfig configures a [Worker].
type WorkerConfig struct {
	// DB is the write handle (pool.Writer()): claims, transitions and the
	// handlers' transactions go through it. Required.
	DB *sql.DB
	// Dialect is the database's dialect (pool.Dialect()). Required.
	Dialect pool.Dialect
	// Handler processes the jobs, usually a [*Mux]. Required.
	Handler Handler
	// Workers is the number of concurrent workers. Defaults to 4.
	Workers int
	// Batch bounds the jobs one worker claims at once and runs in one
	// transaction. Defaults to 16. 1 claims and commits job by job.
	Batch int
	// Timeout bounds one attempt of one job. Defaults to 120 s.
	Timeout time.Duration
	// Lease is how long a claim holds its jobs before another worker may
	// take them back; a running worker renews it every Lease/3. Defaults to
	// Timeout + 30 s.
	Lease time.Duration
	// PollInterval is how long an idle worker waits before it looks for
	// jobs again (Notify wakes it sooner). Defaults to 100 ms.
	PollInterval time.Duration
	// ReapInterval is how often expired leases are taken back. Defaults to
	// Lease/4, at most 10 s.
	ReapInterval time.Duration
	// DrainTimeout bounds how long Run waits, once its context ends, for
	// the running jobs; then their contexts end. Jobs claimed but not started
	// are released at once. Defaults to 30 s.
	DrainTimeout time.Duration
	// Retry is the schedule of waits after failed attempts. Defaults to
	// [DefaultRetryPolicy]. A job dead-letters after its max_attempts or
	// when the policy gives up, whichever comes first.
	Retry *RetryPolicy
	// Name identifies this process's leases in locked_by. Defaults to
	// hostname:pid.
	Name string
	// Now returns the current time; every time the worker writes or
	// compares comes from it. Nil means time.Now.
	Now func() time.Time
	// Logger receives the workers' logs. Nil means slog.Default().
	Logger *slog.Logger
	// Metrics, if set, observes the workers (see [NewWorkerMetrics]).
	Metrics *WorkerMetrics
}

// Worker runs jobs from webhook_events: N workers that claim batches,
// run them through the Handler and record the outcome (DESIGN.md "Queue and
// processing"). Any number of Workers in any number of processes may share
// one database.
//
// # Lifecycle of a batch
//
// A worker claims up to Batch waiting jobs (pending, or retrying whose
// available_at has come) in strict priority order and leases them: status
// processing, locked_by = a token of this claim, locked_until = now +
// Lease, attempts + 1. While it works, it renews the lease every Lease/3.
// It runs the jobs in one transaction, each under its own Timeout, and marks
// the successful ones processed in that same transaction, guarded by the
// token: the effects and the outcome commit together, and a worker whose
// lease was taken back commits nothing. When a handler fails, the
// transaction is rolled back, the failure is recorded for that job alone,
// and the others run again in a new transaction.
//
// The statement that records an outcome (one UPDATE for the whole batch's
// completion, one per failure) also stores the company a handler resolved
// ([Job.SetCompany]) on the rows that have none, so that an event whose
// company only processing can tell (a Retell call's number, a Cal.com
// booking's event type) is its company's to read.
//
// A failed job waits on the Retry schedule (retrying) or, when its
// attempts are spent or the error is a [*PermanentError], goes to
// dead_letter with the reason and an error log. Dead letters stay until
// replayed or purged.
//
// A lease that expires (its worker was killed) is taken back by the reaper
// of any Worker: the attempt counts, and the job is available again at once,
// or dead-lettered when it had no attempts left.
type Worker struct {
	cfg   WorkerConfig
	d     driver
	log   *slog.Logger
	retry RetryPolicy

	wake   chan struct{}
	seq    atomic.Int64
	hard   context.Context // ends DrainTimeout after Run's context
	cancel context.CancelFunc
}

// NewWorker validates cfg and returns a Worker; Run starts it.
func NewWorker(cfg WorkerConfig) (*Worker, error) {
	if cfg.DB == nil {
		return nil, errors.New("queue: WorkerConfig.DB is required")
	}
	if cfg.Handler == nil {
		return nil, errors.New("queue: WorkerConfig.Handler is required")
	}
	d, err := newDriver(cfg.Dialect)
	if err != nil {
		return nil, err
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 4
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 16
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 120 * time.Second
	}
	if cfg.Lease <= 0 {
		cfg.Lease = cfg.Timeout + 30*time.Second
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 100 * time.Millisecond
	}
	if cfg.ReapInterval <= 0 {
		cfg.ReapInterval = min(cfg.Lease/4, 10*time.Second)
	}
	if cfg.DrainTimeout <= 0 {
		cfg.DrainTimeout = 30 * time.Second
	}
	retry := DefaultRetryPolicy
	if cfg.Retry != nil {
		retry = *cfg.Retry
	}
	if cfg.Name == "" {
		host, _ := os.Hostname()
		cfg.Name = fmt.Sprintf("%s:%d", host, os.Getpid())
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	w := &Worker{cfg: cfg, d: d, log: log, retry: retry, wake: make(chan struct{}, 1)}
	w.hard, w.cancel = context.WithCancel(context.Background())
	return w, nil
}

// Notify wakes an idle worker: call it after storing an event, so that it
// is taken at once rather than at the next poll. It never blocks.
func (w *Worker) Notify() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Run runs the workers and the reaper until ctx ends. Then it stops
// claiming, lets each worker finish the job it is running (within
// DrainTimeout, after which the job's context ends and its effects are
// rolled back), releases the claimed jobs not started and returns nil. Run
// may be called once.
func (w *Worker) Run(ctx context.Context) error {
	defer w.cancel()
	stop := context.AfterFunc(ctx, func() {
		t := time.AfterFunc(w.cfg.DrainTimeout, w.cancel)
		context.AfterFunc(w.hard, func() { t.Stop() })
	})
	defer stop()

	// A unique token per process start: a restarted process never owns the
	// leases of its previous life.
	prefix := w.cfg.Name + "/" + uuid.NewString()[:8]
	var wg sync.WaitGroup
	for i := range w.cfg.Workers {
		wg.Go(func() { w.loop(ctx, fmt.Sprintf("%s/w%d", prefix, i+1)) })
	}
	wg.Go(func() { w.reaper(ctx) })
	w.log.InfoContext(ctx, "queue: workers started", "workers", w.cfg.Workers, "batch", w.cfg.Batch, "lease", w.cfg.Lease, "name", prefix)
	wg.Wait()
	w.log.InfoContext(ctx, "queue: workers stopped")
	return nil
}

func (w *Worker) now() time.Time { return w.cfg.Now().UTC().Truncate(time.Microsecond) }

// loop is one worker: claim, run, repeat; wait when there is nothing to do.
func (w *Worker) loop(ctx context.Context, name string) {
	for ctx.Err() == nil {
		n, err := w.RunOnce(ctx, name)
		if err != nil {
			w.log.WarnContext(ctx, "queue: claim failed", "worker", name, "err", err)
		}
		if n == w.cfg.Batch && err == nil {
			continue // a full batch: there may be more waiting
		}
		// Idle: wait for the poll interval (spread a little, so that idle
		// workers do not poll in step), a Notify or the end.
		t := time.NewTimer(w.cfg.PollInterval/2 + rand.N(w.cfg.PollInterval))
		select {
		case <-ctx.Done():
		case <-w.wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// RunOnce claims one batch as worker name, runs it and records the
// outcomes; it returns the number of jobs claimed. The workers of Run call
// it in a loop; tests and tools may call it directly. When ctx ends, the
// job running finishes and the rest of the batch is released.
func (w *Worker) RunOnce(ctx context.Context, name string) (int, error) {
	token := fmt.Sprintf("%s#%d", name, w.seq.Add(1))
	now := w.now()
	jobs, err := w.d.claim(ctx, w.cfg.DB, claimArgs{token: token, now: now, until: now.Add(w.cfg.Lease), n: w.cfg.Batch})
	if err != nil || len(jobs) == 0 {
		if err != nil && ctx.Err() != nil {
			err = nil // stopping
		}
		return 0, err
	}
	w.cfg.Metrics.claimed(len(jobs))
	b := &batch{w: w, token: token, jobs: make([]*running, len(jobs))}
	for i := range jobs {
		b.jobs[i] = &running{job: &jobs[i]}
	}
	stopHB := w.heartbeat(b)
	b.run(ctx)
	stopHB()
	return len(jobs), nil
}

// running is one claimed job and what became of it.
type running struct {
	job  *Job
	took time.Duration
	err  error // the handler's error of the last run
	// transient counts the runs of this attempt that failed with a
	// transient database error (a deadlock victim, a lock wait timeout):
	// they are run again at once, up to maxTransient times, before the
	// failure counts as an attempt.
	transient int
}

// maxTransient is how many times one attempt of a job is run again at once
// after a transient database error, before it waits on the retry schedule.
const maxTransient = 3

// batch is one claim's jobs, leased to token.
type batch struct {
	w     *Worker
	token string
	jobs  []*running
}

// ids returns the ids of the jobs.
func ids(jobs []*running) []int64 {
	out := make([]int64, len(jobs))
	for i, r := range jobs {
		out[i] = r.job.ID
	}
	return out
}

// run runs the batch: all of it in one transaction while nothing fails;
// each failure is recorded alone and the rest run again.
func (b *batch) run(ctx context.Context) {
	w := b.w
	todo := b.jobs
	for round := 0; len(todo) > 0; round++ {
		if round > (2+maxTransient)*len(b.jobs)+2 {
			// Cannot happen: each round settles at least one job. Keep the
			// loop bounded all the same; the leases expire and the reaper
			// takes the jobs back.
			w.log.ErrorContext(ctx, "queue: batch did not settle", "jobs", len(todo))
			return
		}
		out := b.attempt(ctx, todo)
		switch {
		case out.err != nil:
			// The transaction itself failed (a lost connection, a deadlock,
			// a failed commit): nothing of it is known to be applied. The
			// jobs stay leased; run them one at a time to settle each.
			w.log.WarnContext(ctx, "queue: batch transaction failed", "jobs", len(todo), "err", out.err)
			if len(todo) == 1 {
				b.recordFailure(ctx, todo[0], out.err)
				return
			}
			for _, r := range todo {
				b.run1(ctx, r)
			}
			return
		case out.failed != nil && pool.IsTransient(out.failed.err) && out.failed.transient < maxTransient:
			// A deadlock victim (InnoDB rolled the whole transaction back)
			// or a lock wait timeout: nothing is wrong with the event, so
			// run the batch again now rather than after the retry wait.
			out.failed.transient++
			w.log.DebugContext(ctx, "queue: transient database error in a batch; running it again", "job", out.failed.job.ID, "err", out.failed.err)
			todo = append(append(out.again, out.failed), out.rest...)
		case out.failed != nil:
			b.recordFailure(ctx, out.failed, out.failed.err)
			todo = append(out.again, out.rest...)
		case len(out.again) > 0:
			todo = append(out.again, out.rest...)
		default:
			// Everything ran or, when ctx ended, the rest was left.
			if len(out.rest) > 0 {
				b.release(out.rest)
			}
			return
		}
	}
}

// run1 runs a single job in its own transaction and settles it.
func (b *batch) run1(ctx context.Context, r *running) {
	out := b.attempt(ctx, []*running{r})
	switch {
	case out.err != nil:
		b.recordFailure(ctx, r, out.err)
	case out.failed != nil:
		b.recordFailure(ctx, r, r.err)
	case len(out.rest) > 0:
		b.release(out.rest)
	}
}

// outcome is what one transaction of a batch came to.
type outcome struct {
	// failed is the job whose handler failed; the transaction was rolled
	// back, and again holds the jobs that had succeeded in it.
	failed *running
	// again are jobs to run again: those rolled back with a failed one, or
	// those still leased after a lost lease rolled the transaction back.
	again []*running
	// rest are the jobs not run because ctx ended.
	rest []*running
	// err is a failure of the transaction itself.
	err error
}

// attempt runs jobs in one transaction until one fails, ctx ends or all
// ran; then it commits the successful ones with their completion, or rolls
// back.
func (b *batch) attempt(ctx context.Context, jobs []*running) (out outcome) {
	w := b.w
	tx, err := w.cfg.DB.BeginTx(w.hard, nil)
	if err != nil {
		return outcome{err: fmt.Errorf("begin: %w", err)}
	}
	defer func() { _ = tx.Rollback() }() // after Commit, a no-op
	var ok []*running
	for i, r := range jobs {
		if ctx.Err() != nil || w.hard.Err() != nil {
			out.rest = jobs[i:]
			break
		}
		r.err = w.process(tx, r)
		if r.err != nil && !errors.Is(r.err, ErrUnhandled) {
			return outcome{failed: r, again: ok, rest: jobs[i+1:]}
		}
		ok = append(ok, r)
	}
	if len(ok) == 0 {
		return out
	}
	n, err := complete(w.hard, tx, b.token, w.now(), ok)
	if err != nil {
		return outcome{err: err}
	}
	if n != int64(len(ok)) {
		// A lease was taken back while the batch ran: another worker owns
		// one of these jobs now. Roll everything back and run again only
		// the jobs still leased to this claim.
		_ = tx.Rollback()
		owned, err := leased(w.hard, w.cfg.DB, b.token, ids(ok))
		if err != nil {
			return outcome{err: err}
		}
		for _, r := range ok {
			if !owned[r.job.ID] {
				w.cfg.Metrics.outcome(r.job, "lost")
				w.log.WarnContext(w.jobContext(ctx, r.job), "queue: job's lease was taken back while it ran; its effects are rolled back, its new owner runs it",
					"job", r.job.ID)
				continue
			}
			out.again = append(out.again, r)
		}
		return out
	}
	if err := tx.Commit(); err != nil {
		return outcome{err: fmt.Errorf("commit: %w", err)}
	}
	for _, r := range ok {
		w.stored(ctx, r.job)
		b.processed(ctx, r)
	}
	return out
}

// stored brings the job's CompanyID in line with what its outcome's
// statement wrote: the company its handler resolved, where the row had
// none. A stored company that differs from the resolved one is kept, and
// logged: the payload claimed one company at ingestion and processing found
// another.
func (w *Worker) stored(ctx context.Context, j *Job) {
	switch {
	case j.resolved <= 0:
	case j.CompanyID == nil:
		id := j.resolved
		j.CompanyID = &id
	case *j.CompanyID != j.resolved:
		w.log.WarnContext(w.jobContext(ctx, j), "queue: processing resolved another company than the event's stored one; the stored company is kept",
			"job", j.ID, "provider", j.Provider, "event_type", j.EventType, "stored_company_id", *j.CompanyID, "resolved_company_id", j.resolved)
	}
}

// process runs the handler on one job under its timeout, with the job's
// correlation id and a system context, recovering a panic as an error.
func (w *Worker) process(tx *sql.Tx, r *running) (err error) {
	ctx, cancel := context.WithTimeout(w.jobContext(w.hard, r.job), w.cfg.Timeout)
	defer cancel()
	r.job.resolved = 0 // what this run resolves (SetCompany), not an earlier run
	w.log.DebugContext(ctx, "queue: job started", "job", r.job.ID, "provider", r.job.Provider,
		"event_type", r.job.EventType, "attempt", r.job.Attempts)
	start := time.Now()
	defer func() {
		r.took = time.Since(start)
		if p := recover(); p != nil {
			err = fmt.Errorf("handler panicked: %v\n%s", p, debug.Stack())
		}
		if err == nil && ctx.Err() != nil {
			// A handler that ignored its deadline: its writes may be
			// incomplete.
			err = fmt.Errorf("attempt timed out after %s: %w", w.cfg.Timeout, ctx.Err())
		}
	}()
	return w.cfg.Handler.Process(ctx, tx, r.job)
}

// jobContext is ctx with the job's correlation id, marked as system work.
func (w *Worker) jobContext(ctx context.Context, j *Job) context.Context {
	ctx = tenant.System(ctx)
	if j.CorrelationID != "" {
		ctx = correlation.WithCorrelationID(ctx, j.CorrelationID)
	}
	return ctx
}

// processed logs and counts a committed job: one Info line per job, with
// its correlation id (the start is a Debug line).
func (b *batch) processed(ctx context.Context, r *running) {
	w := b.w
	outcome := "processed"
	if errors.Is(r.err, ErrUnhandled) {
		outcome = "unhandled"
	}
	w.cfg.Metrics.done(r.job, outcome, r.took, w.now())
	w.log.InfoContext(w.jobContext(ctx, r.job), "queue: job "+outcome, "job", r.job.ID, "provider", r.job.Provider,
		"event_type", r.job.EventType, "attempt", r.job.Attempts, "took_ms", r.took.Milliseconds())
}

// recordFailure records a failed attempt of one job: retrying on the
// schedule, or dead_letter when permanent or out of attempts.
func (b *batch) recordFailure(ctx context.Context, r *running, cause error) {
	w := b.w
	j := r.job
	now := w.now()
	reason := sanitize.String(cause.Error(), 4096)
	delay, more := w.retry.Next(j.Attempts)
	permanent := IsPermanent(cause)
	dead := permanent || !more || j.Attempts >= j.MaxAttempts
	var ok bool
	// A deadlock victim or a lock wait timeout is run again: the UPDATE is
	// guarded, so running it twice changes nothing more.
	err := inboxRetry.run(w.hard, pool.IsTransient, func(ctx context.Context) error {
		var err error
		ok, err = fail(ctx, w.cfg.DB, j, b.token, now, dead, now.Add(delay), reason, r.took)
		return err
	})
	if err == nil && ok {
		w.stored(ctx, j)
	}
	jctx := w.jobContext(ctx, j)
	switch {
	case err != nil:
		w.log.ErrorContext(jctx, "queue: could not record a failed attempt; the lease will expire and the job run again",
			"job", j.ID, "attempt", j.Attempts, "cause", reason, "err", err)
	case !ok:
		w.cfg.Metrics.outcome(j, "lost")
		w.log.WarnContext(jctx, "queue: job's lease was taken back before its failure was recorded", "job", j.ID, "cause", reason)
	case dead:
		code := "ATTEMPTS_EXHAUSTED"
		var pe *PermanentError
		if errors.As(cause, &pe) {
			code = pe.Code
		}
		w.cfg.Metrics.deadLetter(j, code)
		w.log.ErrorContext(jctx, "queue: job dead-lettered", "job", j.ID, "provider", j.Provider, "event_type", j.EventType,
			"attempts", j.Attempts, "permanent", permanent, "code", code, "err", reason)
	default:
		w.cfg.Metrics.outcome(j, "retried")
		w.log.WarnContext(jctx, "queue: job failed; retrying", "job", j.ID, "provider", j.Provider, "event_type", j.EventType,
			"attempt", j.Attempts, "retry_in", delay.Round(time.Millisecond), "err", reason)
	}
}

// release gives back jobs of the batch that were never started.
func (b *batch) release(rest []*running) {
	w := b.w
	ctx, cancel := context.WithTimeout(context.WithoutCancel(w.hard), 10*time.Second)
	defer cancel()
	var n int64
	err := inboxRetry.run(ctx, pool.IsTransient, func(ctx context.Context) error {
		var err error
		n, err = release(ctx, w.cfg.DB, b.token, w.now(), ids(rest))
		return err
	})
	if err != nil {
		w.log.Warn("queue: could not release jobs; their leases will expire", "jobs", len(rest), "err", err)
		return
	}
	for _, r := range rest {
		w.cfg.Metrics.outcome(r.job, "released")
	}
	w.log.Info("queue: released jobs not started", "jobs", n)
}

// heartbeat renews the batch's lease every Lease/3 until the returned
// function is called.
func (w *Worker) heartbeat(b *batch) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(w.cfg.Lease / 3)
		defer t.Stop()
		all := ids(b.jobs)
		for {
			select {
			case <-done:
				return
			case <-t.C:
				ctx, cancel := context.WithTimeout(context.Background(), w.cfg.Lease/3)
				now := w.now()
				if _, err := extend(ctx, w.cfg.DB, b.token, now.Add(w.cfg.Lease), now, all); err != nil {
					w.log.Warn("queue: lease renewal failed", "lease", b.token, "err", err)
				}
				cancel()
			}
		}
	})
	return func() { close(done); wg.Wait() }
}

// reaper takes back expired leases every ReapInterval until ctx ends.
func (w *Worker) reaper(ctx context.Context) {
	t := time.NewTicker(w.cfg.ReapInterval)
	defer t.Stop()
	for {
		if _, _, err := w.Reap(ctx); err != nil && ctx.Err() == nil {
			w.log.WarnContext(ctx, "queue: reaping expired leases failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Reap takes back the jobs whose lease expired (their worker was killed or
// stalled): each counts as an attempt; those with attempts left are
// available again at once, the others go to dead_letter. It returns the
// numbers of each. Run's reaper calls it every ReapInterval.
func (w *Worker) Reap(ctx context.Context) (retried, dead int64, err error) {
	dead, retried, err = reap(ctx, w.cfg.DB, w.now())
	if dead+retried > 0 {
		w.cfg.Metrics.reaped(retried, dead)
		w.log.WarnContext(ctx, "queue: took back jobs whose lease expired", "retried", retried, "dead_lettered", dead)
	}
	return retried, dead, err
}
