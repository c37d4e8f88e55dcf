// Package queue is askpro's durable job queue on the webhook_events table.
// The event row is the job: storing a webhook and enqueueing its processing
// is one write, so nothing is ever acknowledged that a worker cannot find.
//
// # Inbox
//
// [Inbox] is the write side on the webhook hot path. [Inbox.Insert] returns
// only once the event's row is committed, or the same event's row was
// committed before (the UNIQUE key on provider and idempotency key makes a
// redelivery a no-op, not an error).
//
// Concurrent inserts are grouped: while one flush is committing, arriving
// events queue up, and the next flush writes all of them in one multi-row
// INSERT, which is one transaction and one fsync instead of one per event.
// Each caller is still answered only after its own row is committed. Rows
// are written in key order, so concurrent writers (other processes too) take
// their locks in one order; a statement that fails with a transient error (a
// deadlock victim, a lock wait timeout, a lost connection) is run again, which
// is safe because a redelivered row is a no-op. A batch that still fails is
// retried row by row, so one bad event never fails the others.
//
//	in, err := queue.NewInbox(queue.InboxConfig{DB: p.Writer(), Dialect: "mysql"})
//	...
//	err = in.Insert(ctx, queue.Event{Provider: "retell", Type: "call_ended", Key: key, Payload: body})
package queue
