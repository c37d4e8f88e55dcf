// Package queue is askpro's durable job queue on the webhook_events table,
// and the one owner of that table: its row type ([Job]), statuses
// ([Status]), routing table ([Route]), write side ([Inbox]) and read model
// ([Reader]). The event row is the job: storing a webhook and enqueueing its
// processing is one write, so nothing is ever acknowledged that a worker
// cannot find.
//
// # Routing
//
// [Route] gives each provider's event type its queue, priority and delay
// (DESIGN.md "Queue and processing"): critical for Retell call_ended, Cal.com
// BOOKING_CREATED and Stripe payment_intent.succeeded; high for Cal.com
// BOOKING_CANCELLED and BOOKING_RESCHEDULED and Stripe charge.failed and
// invoice.payment_failed; normal for the rest, Retell call_analyzed 5 s
// later. The Inbox writes queue, priority and available_at from it.
//
// # Inbox
//
// [Inbox] is the write side on the webhook hot path. [Inbox.Insert] returns
// only once the event's row is committed, or the same event's row was
// committed before: the UNIQUE key on provider and idempotency key makes a
// redelivery a no-op, reported as [InsertResult.Duplicate], not an error.
// The payload is stored byte for byte and the key compared as bytes; header
// values are made valid UTF-8 and bounded, so no header can fail an insert.
//
// Concurrent inserts are grouped: while one flush is committing, arriving
// events queue up, and the next flush writes all of them in one multi-row
// INSERT, which is one transaction and one fsync instead of one per event.
// Each caller is still answered only after its own row is committed. Rows
// are written in key order, so concurrent writers (other processes too) take
// their locks in one order; a statement that fails with a transient error (a
// deadlock victim, a lock wait timeout, a lost connection) is run again on a
// short [RetryPolicy], which is safe because a stored row is skipped. A
// batch that still fails is retried row by row, so one bad event never fails
// the others. Only a batch that inserted fewer rows than it held costs a
// second statement: one SELECT of its keys tells the duplicates apart.
//
//	in, err := queue.NewInbox(queue.InboxConfig{DB: p.Writer(), Dialect: p.Dialect()})
//	...
//	res, err := in.Insert(ctx, queue.Event{Provider: "retell", Type: "call_ended", Key: key, Payload: body})
//	if err != nil {
//		// not stored: do not acknowledge
//	}
//	if res.Duplicate {
//		// stored before: acknowledge, count a duplicate
//	}
//
// # Reading
//
// [Reader] lists, gets and counts events for operators; it needs a system
// context (tenant.System), since the inbox spans every company.
//
//	rd, err := queue.NewReader(p)
//	jobs, err := rd.List(tenant.System(ctx), queue.Filter{Status: queue.DeadLetter})
//
// # Processing
//
// [Worker] runs the jobs: it claims batches in strict priority order
// (SELECT ... FOR UPDATE SKIP LOCKED on MySQL, one UPDATE ... RETURNING on
// SQLite's single writer), leases them, runs each through a [Handler] in one
// transaction with the batch's completion, retries failures on
// [DefaultRetryPolicy], dead-letters what cannot succeed ([Permanent]) and
// takes back the leases of dead workers. [Mux] routes jobs to handlers by
// provider and event type; pkg/booking registers askpro's.
//
//	mux := queue.NewMux()
//	mux.HandleFunc("stripe", "charge.refunded", func(ctx context.Context, tx *sql.Tx, job *queue.Job) error {
//		job.SetCompany(companyID)                 // once the tenant is known: stored on the event row
//		_, err := tx.ExecContext(ctx, "...", ...) // effects through tx
//		return err
//	})
//	w, err := queue.NewWorker(queue.WorkerConfig{DB: p.Writer(), Dialect: p.Dialect(), Handler: mux})
//	...
//	err = w.Run(ctx) // until ctx ends, then drains
//
// docs/queue.md explains the lifecycle, the batching and the claim's index.
//
// # Replay
//
// [Replayer] moves chosen events (dead letters by default) back to pending
// with their attempts reset, a page at a time, each page one UPDATE guarded
// by the status it expects (`askpro replay`).
//
// # Drivers
//
// The SQL of each dialect (MySQL/MariaDB, SQLite) sits behind a small
// unexported driver; package queuetest is the conformance suite every driver
// passes on a real database: the inbox, the read model, and the worker's
// claim order, retries on an injected clock, guarded transitions and leases.
package queue
