package queuetest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/askproai/askpro/pkg/pool"
	"github.com/askproai/askpro/pkg/queue"
	"github.com/askproai/askpro/pkg/tenant"
)

// workerTests are the worker's part of the suite: claim order, guarded
// transitions, retries on the injected clock, leases.
var workerTests = []struct {
	name string
	fn   func(t *testing.T, p *pool.Pool)
}{
	{"ClaimTakesCriticalFirst", testClaimPriority},
	{"ClaimWaitsForAvailableAt", testClaimDelay},
	{"FailTwiceThenSucceed", testRetryThenSucceed},
	{"AlwaysFailingDeadLetters", testAlwaysFails},
	{"PermanentErrorDeadLettersAtOnce", testPermanent},
	{"DeadlockRunsAgainAtOnce", testDeadlockAgain},
	{"UnhandledIsProcessed", testUnhandled},
	{"EffectsCommitWithTheOutcome", testEffectsAtomic},
	{"LostLeaseCommitsNothing", testLostLease},
	{"ExpiredLeaseWithoutAttemptsDeadLetters", testReapDeadLetters},
	{"ManyWorkersRunEachJobOnce", testManyWorkers},
	{"StopReleasesJobsNotStarted", testStopReleases},
	{"ResolvedCompanyIsStoredPerJob", testResolvedCompany},
	{"ResolvedCompanyOfFailedJobs", testResolvedCompanyFailed},
	{"ResolvedCompanyCommitsWithItsRun", testResolvedCompanyRolledBack},
}

// clock is a settable clock for the worker.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock {
	return &clock{now: time.Now().UTC().Truncate(time.Microsecond)}
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// newWorker returns a Worker on p with no jitter and cfg's other settings.
func newWorker(t *testing.T, p *pool.Pool, h queue.Handler, c *clock, cfg queue.WorkerConfig) *queue.Worker {
	t.Helper()
	cfg.DB, cfg.Dialect, cfg.Handler = p.Writer(), p.Dialect(), h
	if cfg.Retry == nil {
		cfg.Retry = &queue.RetryPolicy{Delays: queue.DefaultRetryPolicy.Delays}
	}
	if c != nil {
		cfg.Now = c.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	w, err := queue.NewWorker(cfg)
	require.NoError(t, err)
	return w
}

// store inserts events through an Inbox whose clock is c (nil: real time)
// and returns their ids in order.
func store(t *testing.T, p *pool.Pool, c *clock, evs ...queue.Event) []int64 {
	t.Helper()
	cfg := queue.InboxConfig{Flushers: 1}
	if c != nil {
		cfg.Now = c.Now
	}
	in := newInbox(t, p, cfg)
	ctx := context.Background()
	ids := make([]int64, len(evs))
	for i, ev := range evs {
		_, err := in.Insert(ctx, ev)
		require.NoError(t, err)
		require.NoError(t, p.DB().QueryRow("SELECT id FROM webhook_events WHERE provider = ? AND idempotency_key = ?",
			ev.Provider, []byte(ev.Key)).Scan(&ids[i]))
	}
	return ids
}

func job(t *testing.T, p *pool.Pool, id int64) queue.Job {
	t.Helper()
	rd, err := queue.NewReader(p)
	require.NoError(t, err)
	j, err := rd.Get(tenant.System(context.Background()), id)
	require.NoError(t, err)
	return j
}

// recorder is a handler that records the order of the jobs it sees.
type recorder struct {
	mu   sync.Mutex
	seen []int64
	fn   func(ctx context.Context, tx *sql.Tx, j *queue.Job) error
}

func (r *recorder) Process(ctx context.Context, tx *sql.Tx, j *queue.Job) error {
	r.mu.Lock()
	r.seen = append(r.seen, j.ID)
	r.mu.Unlock()
	if r.fn != nil {
		return r.fn(ctx, tx, j)
	}
	return nil
}

func (r *recorder) Seen() []int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]int64(nil), r.seen...)
}

func runOnce(t *testing.T, w *queue.Worker, name string) int {
	t.Helper()
	n, err := w.RunOnce(context.Background(), name)
	require.NoError(t, err)
	return n
}

func testClaimPriority(t *testing.T, p *pool.Pool) {
	// Stored oldest first: normal, high, normal, critical.
	ids := store(t, p, nil,
		queue.Event{Provider: "retell", Type: "call_started", Key: "retell:call_started:a", Payload: []byte(`{}`)},
		queue.Event{Provider: "stripe", Type: "charge.failed", Key: "stripe:evt_h", Payload: []byte(`{}`)},
		queue.Event{Provider: "calcom", Type: "PING", Key: "calcom:PING:x", Payload: []byte(`{}`)},
		queue.Event{Provider: "retell", Type: "call_ended", Key: "retell:call_ended:a", Payload: []byte(`{}`)},
	)
	rec := &recorder{}
	w := newWorker(t, p, rec, nil, queue.WorkerConfig{Batch: 1})
	for range 4 {
		require.Equal(t, 1, runOnce(t, w, "w"))
	}
	assert.Equal(t, 0, runOnce(t, w, "w"), "nothing left")
	assert.Equal(t, []int64{ids[3], ids[1], ids[0], ids[2]}, rec.Seen(), "critical, then high, then normal oldest first")

	// In one batch the order is the same.
	ids = store(t, p, nil,
		queue.Event{Provider: "retell", Type: "call_started", Key: "retell:call_started:b", Payload: []byte(`{}`)},
		queue.Event{Provider: "calcom", Type: "BOOKING_CREATED", Key: "calcom:BOOKING_CREATED:b", Payload: []byte(`{}`)},
	)
	rec2 := &recorder{}
	w2 := newWorker(t, p, rec2, nil, queue.WorkerConfig{Batch: 10})
	require.Equal(t, 2, runOnce(t, w2, "w2"))
	assert.Equal(t, []int64{ids[1], ids[0]}, rec2.Seen())
	for _, id := range ids {
		j := job(t, p, id)
		assert.Equal(t, queue.Processed, j.Status)
		assert.Equal(t, 1, j.Attempts)
		assert.Empty(t, j.LockedBy)
		assert.Nil(t, j.LockedUntil)
		assert.NotNil(t, j.ProcessedAt)
		assert.NotNil(t, j.ProcessingTimeMS)
	}
}

func testClaimDelay(t *testing.T, p *pool.Pool) {
	c := newClock()
	ids := store(t, p, c, queue.Event{Provider: "retell", Type: "call_analyzed", Key: "retell:call_analyzed:d", Payload: []byte(`{}`)})
	rec := &recorder{}
	w := newWorker(t, p, rec, c, queue.WorkerConfig{})
	assert.Equal(t, 0, runOnce(t, w, "w"), "call_analyzed waits 5 s")
	c.Advance(4 * time.Second)
	assert.Equal(t, 0, runOnce(t, w, "w"))
	c.Advance(time.Second)
	assert.Equal(t, 1, runOnce(t, w, "w"))
	assert.Equal(t, []int64{ids[0]}, rec.Seen())
}

// failing fails the first n attempts of every job.
func failing(n int) *recorder {
	var calls atomic.Int64
	return &recorder{fn: func(context.Context, *sql.Tx, *queue.Job) error {
		if calls.Add(1) <= int64(n) {
			return errors.New("calendar unreachable")
		}
		return nil
	}}
}

func testRetryThenSucceed(t *testing.T, p *pool.Pool) {
	c := newClock()
	ids := store(t, p, c, event("stripe:evt_retry"))
	w := newWorker(t, p, failing(2), c, queue.WorkerConfig{})

	require.Equal(t, 1, runOnce(t, w, "w"))
	j := job(t, p, ids[0])
	assert.Equal(t, queue.Retrying, j.Status)
	assert.Equal(t, 1, j.Attempts)
	assert.Equal(t, c.Now().Add(10*time.Second), j.AvailableAt, "first retry after 10 s")
	assert.Contains(t, j.LastError, "calendar unreachable")
	assert.Empty(t, j.LockedBy)

	c.Advance(9 * time.Second)
	assert.Equal(t, 0, runOnce(t, w, "w"), "not before its time")
	c.Advance(time.Second)
	require.Equal(t, 1, runOnce(t, w, "w"))
	j = job(t, p, ids[0])
	assert.Equal(t, queue.Retrying, j.Status)
	assert.Equal(t, 2, j.Attempts)
	assert.Equal(t, c.Now().Add(60*time.Second), j.AvailableAt, "second retry after 60 s")

	c.Advance(60 * time.Second)
	require.Equal(t, 1, runOnce(t, w, "w"))
	j = job(t, p, ids[0])
	assert.Equal(t, queue.Processed, j.Status)
	assert.Equal(t, 3, j.Attempts)
	assert.Empty(t, j.LastError, "a processed job keeps no error")
}

func testAlwaysFails(t *testing.T, p *pool.Pool) {
	c := newClock()
	start := c.Now()
	ids := store(t, p, c, event("stripe:evt_dead"))
	w := newWorker(t, p, failing(1000), c, queue.WorkerConfig{})
	var waits []time.Duration
	for attempt := 1; attempt <= 3; attempt++ {
		require.Equal(t, 1, runOnce(t, w, "w"), "attempt %d", attempt)
		j := job(t, p, ids[0])
		require.Equal(t, attempt, j.Attempts)
		if attempt < 3 {
			require.Equal(t, queue.Retrying, j.Status)
			waits = append(waits, j.AvailableAt.Sub(c.Now()))
			c.Advance(j.AvailableAt.Sub(c.Now()))
		}
	}
	assert.Equal(t, []time.Duration{10 * time.Second, 60 * time.Second}, waits, "the schedule seen through the clock")
	assert.Equal(t, start.Add(70*time.Second), c.Now())
	j := job(t, p, ids[0])
	assert.Equal(t, queue.DeadLetter, j.Status, "dead after 3 attempts")
	assert.Contains(t, j.LastError, "calendar unreachable")
	c.Advance(time.Hour)
	assert.Equal(t, 0, runOnce(t, w, "w"), "a dead letter is never claimed")
}

func testPermanent(t *testing.T, p *pool.Pool) {
	ids := store(t, p, nil, event("stripe:evt_perm"))
	w := newWorker(t, p, &recorder{fn: func(context.Context, *sql.Tx, *queue.Job) error {
		return queue.Permanent("TENANT_UNRESOLVED", "no branch has the number %s", "+49301234")
	}}, nil, queue.WorkerConfig{})
	require.Equal(t, 1, runOnce(t, w, "w"))
	j := job(t, p, ids[0])
	assert.Equal(t, queue.DeadLetter, j.Status)
	assert.Equal(t, 1, j.Attempts)
	assert.Equal(t, "TENANT_UNRESOLVED: no branch has the number +49301234", j.LastError)
}

func testUnhandled(t *testing.T, p *pool.Pool) {
	ids := store(t, p, nil, queue.Event{Provider: "calcom", Type: "PING", Key: "calcom:PING:u", Payload: []byte(`{}`)})
	w := newWorker(t, p, queue.NewMux(), nil, queue.WorkerConfig{})
	require.Equal(t, 1, runOnce(t, w, "w"))
	assert.Equal(t, queue.Processed, job(t, p, ids[0]).Status)
}

// effect writes one audit_log row for the job through tx: the handler's
// "effect", counted by effects.
func effect(ctx context.Context, tx *sql.Tx, j *queue.Job) error {
	_, err := tx.ExecContext(ctx, "INSERT INTO audit_log (actor, action, target) VALUES ('queuetest', 'effect', ?)", fmt.Sprint(j.ID))
	return err
}

func effects(t *testing.T, p *pool.Pool, id int64) int {
	t.Helper()
	var n int
	require.NoError(t, p.DB().QueryRow("SELECT COUNT(*) FROM audit_log WHERE action = 'effect' AND target = ?", fmt.Sprint(id)).Scan(&n))
	return n
}

func testEffectsAtomic(t *testing.T, p *pool.Pool) {
	var evs []queue.Event
	for i := range 5 {
		evs = append(evs, event(fmt.Sprintf("stripe:evt_fx_%d", i)))
	}
	ids := store(t, p, nil, evs...)
	bad := ids[2]
	rec := &recorder{fn: func(ctx context.Context, tx *sql.Tx, j *queue.Job) error {
		if err := effect(ctx, tx, j); err != nil {
			return err
		}
		if j.ID == bad {
			return errors.New("fails after writing")
		}
		return nil
	}}
	w := newWorker(t, p, rec, nil, queue.WorkerConfig{Batch: 10})
	require.Equal(t, 5, runOnce(t, w, "w"))
	for _, id := range ids {
		j := job(t, p, id)
		if id == bad {
			assert.Equal(t, queue.Retrying, j.Status)
			assert.Equal(t, 0, effects(t, p, id), "a failed job's writes are rolled back")
			continue
		}
		assert.Equal(t, queue.Processed, j.Status, "job %d", id)
		assert.Equal(t, 1, effects(t, p, id), "job %d: its effect once, though its batch ran again", id)
	}
	seen := map[int64]int{}
	for _, id := range rec.Seen() {
		seen[id]++
	}
	assert.Equal(t, 1, seen[bad], "the failing job ran once in this attempt")
}

func testLostLease(t *testing.T, p *pool.Pool) {
	c := newClock()
	ids := store(t, p, c, event("stripe:evt_lease"))
	entered, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	slow := &recorder{fn: func(ctx context.Context, tx *sql.Tx, j *queue.Job) error {
		if err := effect(ctx, tx, j); err != nil {
			return err
		}
		once.Do(func() { close(entered); <-release })
		return nil
	}}
	lease := time.Minute
	a := newWorker(t, p, slow, c, queue.WorkerConfig{Lease: lease})
	done := make(chan int)
	go func() {
		n, _ := a.RunOnce(context.Background(), "a")
		done <- n
	}()
	<-entered
	// A's lease expires (its clock says so; its heartbeat ticks in real
	// time every 20 s and has not run yet).
	c.Advance(lease + time.Second)
	b := newWorker(t, p, &recorder{fn: effect}, c, queue.WorkerConfig{})
	if p.Dialect() == pool.SQLite {
		// SQLite has one writer, and A's transaction holds it while its
		// handler runs: no reaper can take the job back until A has
		// committed, and then there is nothing to take back.
		type reaped struct {
			retried, dead int64
			err           error
		}
		got := make(chan reaped, 1)
		go func() {
			r, d, err := b.Reap(context.Background())
			got <- reaped{r, d, err}
		}()
		close(release)
		require.Equal(t, 1, <-done)
		r := <-got
		require.NoError(t, r.err)
		assert.Equal(t, [2]int64{0, 0}, [2]int64{r.retried, r.dead})
		assert.Equal(t, 0, runOnce(t, b, "b"))
		j := job(t, p, ids[0])
		assert.Equal(t, queue.Processed, j.Status)
		assert.Equal(t, 1, j.Attempts)
		assert.Equal(t, 1, effects(t, p, ids[0]))
		return
	}
	// MySQL: another worker's reaper takes the job back and runs it while
	// A's transaction is still open.
	retried, dead, err := b.Reap(context.Background())
	require.NoError(t, err)
	assert.Equal(t, int64(1), retried)
	assert.Equal(t, int64(0), dead)
	j := job(t, p, ids[0])
	assert.Equal(t, queue.Retrying, j.Status)
	assert.Contains(t, j.LastError, "LEASE_EXPIRED")
	require.Equal(t, 1, runOnce(t, b, "b"))
	close(release)
	require.Equal(t, 1, <-done)
	j = job(t, p, ids[0])
	assert.Equal(t, queue.Processed, j.Status)
	assert.Equal(t, 2, j.Attempts, "the reaped attempt counts")
	assert.Equal(t, 1, effects(t, p, ids[0]), "the effect once: the worker that lost its lease committed nothing")
}

func testReapDeadLetters(t *testing.T, p *pool.Pool) {
	c := newClock()
	ev := event("stripe:evt_reap")
	ev.MaxAttempts = 1
	ids := store(t, p, c, ev)
	_, err := p.Writer().Exec("UPDATE webhook_events SET status = 'processing', attempts = 1, locked_by = 'gone', locked_until = ? WHERE id = ?",
		c.Now().Add(time.Second), ids[0])
	require.NoError(t, err)
	w := newWorker(t, p, &recorder{}, c, queue.WorkerConfig{})
	retried, dead, err := w.Reap(context.Background())
	require.NoError(t, err)
	assert.Equal(t, [2]int64{0, 0}, [2]int64{retried, dead}, "a lease that has not expired is left alone")
	c.Advance(2 * time.Second)
	retried, dead, err = w.Reap(context.Background())
	require.NoError(t, err)
	assert.Equal(t, [2]int64{0, 1}, [2]int64{retried, dead})
	j := job(t, p, ids[0])
	assert.Equal(t, queue.DeadLetter, j.Status)
	assert.Empty(t, j.LockedBy)
}

func testManyWorkers(t *testing.T, p *pool.Pool) {
	const n = 300
	var evs []queue.Event
	for i := range n {
		evs = append(evs, event(fmt.Sprintf("stripe:evt_many_%d", i)))
	}
	ids := store(t, p, nil, evs...)
	var mu sync.Mutex
	runs := map[int64]int{}
	h := queue.HandlerFunc(func(ctx context.Context, tx *sql.Tx, j *queue.Job) error {
		mu.Lock()
		runs[j.ID]++
		mu.Unlock()
		return effect(ctx, tx, j)
	})
	// Two Workers (two processes) of four workers each.
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for i := range 2 {
		w := newWorker(t, p, h, nil, queue.WorkerConfig{Workers: 4, Batch: 8, PollInterval: 10 * time.Millisecond, Name: fmt.Sprintf("proc%d", i)})
		wg.Go(func() { _ = w.Run(ctx) })
	}
	rd, err := queue.NewReader(p)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		st, err := rd.Stats(tenant.System(context.Background()))
		require.NoError(t, err)
		for _, s := range st {
			if s.Status == queue.Processed && s.Provider == "stripe" {
				return s.Count >= n
			}
		}
		return false
	}, 60*time.Second, 20*time.Millisecond)
	cancel()
	wg.Wait()
	for _, id := range ids {
		assert.Equal(t, 1, runs[id], "job %d ran once", id)
	}
	var total int
	require.NoError(t, p.DB().QueryRow("SELECT COUNT(*) FROM audit_log WHERE action = 'effect'").Scan(&total))
	assert.Equal(t, n, total, "one effect per job")
}

func testStopReleases(t *testing.T, p *pool.Pool) {
	var evs []queue.Event
	for i := range 4 {
		evs = append(evs, event(fmt.Sprintf("stripe:evt_stop_%d", i)))
	}
	ids := store(t, p, nil, evs...)
	// Make the second a retry, so that release gives it back as retrying.
	_, err := p.Writer().Exec("UPDATE webhook_events SET status = 'retrying', attempts = 1 WHERE id = ?", ids[1])
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	entered := make(chan struct{})
	var once sync.Once
	h := &recorder{fn: func(jctx context.Context, tx *sql.Tx, j *queue.Job) error {
		once.Do(func() { close(entered); cancel() })
		// The running job finishes although Run's context ended.
		if jctx.Err() != nil {
			return jctx.Err()
		}
		return effect(jctx, tx, j)
	}}
	w := newWorker(t, p, h, nil, queue.WorkerConfig{Workers: 1, Batch: 10})
	runDone := make(chan struct{})
	go func() { _ = w.Run(ctx); close(runDone) }()
	<-entered
	<-runDone
	assert.Len(t, h.Seen(), 1, "after the stop no job starts")
	first := h.Seen()[0]
	for _, id := range ids {
		j := job(t, p, id)
		switch {
		case id == first:
			assert.Equal(t, queue.Processed, j.Status, "the running job finished")
		case id == ids[1]:
			assert.Equal(t, queue.Retrying, j.Status)
			assert.Equal(t, 1, j.Attempts, "the claim's attempt is undone")
		default:
			assert.Equal(t, queue.Pending, j.Status, "job %d released", id)
			assert.Equal(t, 0, j.Attempts)
		}
		assert.Empty(t, j.LockedBy)
	}
}

func testDeadlockAgain(t *testing.T, p *pool.Pool) {
	var evs []queue.Event
	for i := range 3 {
		evs = append(evs, event(fmt.Sprintf("stripe:evt_deadlock_%d", i)))
	}
	ids := store(t, p, nil, evs...)
	var calls atomic.Int64
	rec := &recorder{fn: func(ctx context.Context, tx *sql.Tx, j *queue.Job) error {
		if err := effect(ctx, tx, j); err != nil {
			return err
		}
		if j.ID == ids[1] && calls.Add(1) <= 2 {
			// What InnoDB answers a deadlock victim.
			return fmt.Errorf("ensure customer: %w", &mysql.MySQLError{Number: 1213, Message: "Deadlock found when trying to get lock; try restarting transaction"})
		}
		return nil
	}}
	w := newWorker(t, p, rec, nil, queue.WorkerConfig{Batch: 10})
	require.Equal(t, 3, runOnce(t, w, "w"))
	for _, id := range ids {
		j := job(t, p, id)
		assert.Equal(t, queue.Processed, j.Status, "job %d: processed in the same claim, not after a retry wait", id)
		assert.Equal(t, 1, j.Attempts, "job %d: a deadlock does not spend an attempt", id)
		assert.Equal(t, 1, effects(t, p, id), "job %d: its effect once", id)
	}
	assert.Equal(t, int64(3), calls.Load(), "the deadlocked job ran twice more")

	// A job that keeps losing deadlocks waits on the schedule after
	// maxTransient runs again.
	more := store(t, p, nil, event("stripe:evt_deadlock_always"))
	w2 := newWorker(t, p, &recorder{fn: func(context.Context, *sql.Tx, *queue.Job) error {
		return &mysql.MySQLError{Number: 1213, Message: "Deadlock found"}
	}}, nil, queue.WorkerConfig{})
	require.Equal(t, 1, runOnce(t, w2, "w2"))
	j := job(t, p, more[0])
	assert.Equal(t, queue.Retrying, j.Status)
	assert.Equal(t, 1, j.Attempts)
	assert.Contains(t, j.LastError, "Deadlock")
}

// companyOf returns the row's company_id, 0 for NULL.
func companyOf(t *testing.T, p *pool.Pool, id int64) int64 {
	t.Helper()
	var c sql.NullInt64
	require.NoError(t, p.DB().QueryRow("SELECT company_id FROM webhook_events WHERE id = ?", id).Scan(&c))
	return c.Int64
}

// resolving is a handler that sets the company of each job from by (none
// for a job not in it) and then returns fails[job] (nil when absent).
func resolving(by map[int64]int64, fails map[int64]error) *recorder {
	return &recorder{fn: func(_ context.Context, _ *sql.Tx, j *queue.Job) error {
		if c, ok := by[j.ID]; ok {
			j.SetCompany(c)
		}
		return fails[j.ID]
	}}
}

func testResolvedCompany(t *testing.T, p *pool.Pool) {
	claimed := event("stripe:evt_co_claimed")
	claimed.CompanyID = 9 // what the payload claimed at ingestion
	ids := store(t, p, nil, event("stripe:evt_co_a1"), event("stripe:evt_co_b"), event("stripe:evt_co_none"),
		event("stripe:evt_co_a2"), claimed, event("stripe:evt_co_unhandled"))
	a1, b, none, a2, cl, unh := ids[0], ids[1], ids[2], ids[3], ids[4], ids[5]
	rec := resolving(map[int64]int64{a1: 101, b: 202, a2: 101, cl: 303, unh: 404}, map[int64]error{unh: queue.ErrUnhandled})
	w := newWorker(t, p, rec, nil, queue.WorkerConfig{Batch: 10})
	require.Equal(t, 6, runOnce(t, w, "w"), "one batch")
	assert.Len(t, rec.Seen(), 6, "ran once each: nothing failed")
	want := map[int64]int64{a1: 101, b: 202, none: 0, a2: 101, cl: 9, unh: 404}
	for id, c := range want {
		j := job(t, p, id)
		assert.Equal(t, queue.Processed, j.Status, "job %d", id)
		assert.Equal(t, c, companyOf(t, p, id), "job %d: its own company; a stored one kept; none when none resolved", id)
	}

	// Processing again (a replay) never overwrites what is stored.
	rp, err := queue.NewReplayer(p, queue.ReplayerConfig{})
	require.NoError(t, err)
	n, err := rp.Replay(tenant.System(context.Background()), []int64{a1}, queue.Processed)
	require.NoError(t, err)
	require.Equal(t, int64(1), n)
	w2 := newWorker(t, p, resolving(map[int64]int64{a1: 555}, nil), nil, queue.WorkerConfig{Batch: 10})
	require.Equal(t, 1, runOnce(t, w2, "w2"))
	assert.Equal(t, int64(101), companyOf(t, p, a1), "the company stored first is kept")
}

func testResolvedCompanyFailed(t *testing.T, p *pool.Pool) {
	c := newClock()
	ids := store(t, p, c, event("stripe:evt_cf_ok"), event("stripe:evt_cf_dead"), event("stripe:evt_cf_retry"), event("stripe:evt_cf_unknown"))
	ok, dead, retry, unknown := ids[0], ids[1], ids[2], ids[3]
	c.Advance(time.Second) // the Inbox stamps each insert a microsecond after the last
	rec := resolving(map[int64]int64{ok: 11, dead: 22, retry: 33},
		map[int64]error{
			dead:    queue.Permanent("TENANT_CONFLICT", "the call is another company's"),
			retry:   errors.New("calendar unreachable"),
			unknown: queue.Permanent("TENANT_UNRESOLVED", "no branch has the number"),
		})
	w := newWorker(t, p, rec, c, queue.WorkerConfig{Batch: 10})
	require.Equal(t, 4, runOnce(t, w, "w"))
	tests := []struct {
		id      int64
		status  queue.Status
		company int64
	}{
		{ok, queue.Processed, 11},
		{dead, queue.DeadLetter, 22},
		{retry, queue.Retrying, 33},
		{unknown, queue.DeadLetter, 0},
	}
	for _, tt := range tests {
		j := job(t, p, tt.id)
		assert.Equal(t, tt.status, j.Status, "job %d", tt.id)
		assert.Equal(t, tt.company, companyOf(t, p, tt.id), "job %d (%s)", tt.id, tt.status)
	}
}

func testResolvedCompanyRolledBack(t *testing.T, p *pool.Pool) {
	// The first job resolves a company only in its first run; that run is
	// rolled back with the second job's failure, and the run that commits
	// resolves none: the row gets what the committed run resolved.
	ids := store(t, p, nil, event("stripe:evt_rb_a"), event("stripe:evt_rb_b"))
	a, bad := ids[0], ids[1]
	var runs atomic.Int64
	rec := &recorder{fn: func(_ context.Context, _ *sql.Tx, j *queue.Job) error {
		switch j.ID {
		case a:
			if runs.Add(1) == 1 {
				j.SetCompany(77)
			}
		case bad:
			j.SetCompany(88)
			return errors.New("fails after resolving")
		}
		return nil
	}}
	w := newWorker(t, p, rec, nil, queue.WorkerConfig{Batch: 10})
	require.Equal(t, 2, runOnce(t, w, "w"))
	assert.Equal(t, int64(2), runs.Load(), "the first job ran again after the rollback")
	assert.Equal(t, queue.Processed, job(t, p, a).Status)
	assert.Equal(t, int64(0), companyOf(t, p, a), "a rolled-back run's company is not stored")
	assert.Equal(t, queue.Retrying, job(t, p, bad).Status)
	assert.Equal(t, int64(88), companyOf(t, p, bad), "the failing run's company is stored with its failure")
}
