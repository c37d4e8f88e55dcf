// Package booking is askpro's domain processing: the webhook handlers that
// turn stored Retell, Cal.com and Stripe events into calls, customers,
// appointments and payments.
//
// # Registering
//
// [Register] installs the handlers on a [queue.Mux], next to any a Go user
// registers for event types of their own:
//
//	mux := queue.NewMux()
//	if err := booking.Register(mux, booking.Config{Store: st, Logger: logger}); err != nil { ... }
//	mux.HandleFunc("calcom", "FORM_SUBMITTED", onForm)
//
// Event types nothing is registered for (Cal.com PING, Stripe events other
// than the three below, ...) get [queue.ErrUnhandled] from the Mux: the job
// is processed with no effect, and counted.
//
// # What each event does
//
//   - retell call_started, call_ended, call_analyzed, transcript_updated,
//     transfer_started, transfer_bridged, transfer_cancelled, transfer_ended:
//     the call is upserted by call.call_id, under the company of the active
//     branch whose number is to_number (from_number for an outbound call);
//     the caller (from_number inbound, to_number outbound) is found or
//     created as the company's customer. Calls that never connected
//     (dial_busy, dial_no_answer, dial_failed: no call_started) are calls too.
//     transfer_* events record the destination (top-level
//     transfer_destination.number) and the furthest outcome (started,
//     bridged, cancelled, ended); transcript_updated keeps only the newest
//     transcript, and the final one of call_ended/call_analyzed wins.
//   - calcom BOOKING_CREATED, BOOKING_RESCHEDULED, BOOKING_CANCELLED: the
//     appointment is upserted by payload.uid; company, service and branch
//     come from the service bound to payload.eventTypeId. A reschedule
//     creates the new uid (rescheduled_from_uid = rescheduleUid) and marks
//     the old one rescheduled. The attendee becomes a customer when a phone
//     number is given.
//   - stripe payment_intent.succeeded, charge.failed, invoice.payment_failed:
//     the payment is upserted by data.object.id. The company is
//     data.object.metadata.company_id, checked to exist. Without one the
//     payment has no company (company_id NULL): Stripe knows nothing of
//     askpro's tenants unless the object was created with the id in its
//     metadata, and the fixtures' objects were not; such payments are seen
//     by system (operator) listings only.
//
// # The event's company
//
// Each handler names the company it resolved as the event's
// ([queue.Job.SetCompany]) as soon as it has it, before any write: the
// worker stores it on the webhook_events row with the outcome (processed,
// retrying or dead_letter) where the row has none, so the company sees its
// Retell and Cal.com events (GET /api/v1/webhook-events), which name no
// company at ingestion. It costs no statement: the worker's completion
// UPDATE carries it.
//
// # Order and repetition
//
// Events of one call or booking may be processed in any order and more than
// once. Each write is a rank-guarded merge (see [store.Calls.Merge],
// [store.Appointments.Merge], [store.Payments.Merge]): a late call_started
// never overwrites what call_ended wrote, a cancellation processed before
// the creation stays cancelled (booked < rescheduled < cancelled), and
// processing an event twice, or a call's events in any order, gives the
// same rows.
//
// # Transactions, errors, logs
//
// Every write goes through the job's transaction ([store.Store.WithTx]), so
// the effects commit with the job's status or not at all. An event that can
// never succeed returns a [queue.PermanentError] with [CodeTenantUnresolved]
// (no branch for the number, no or an ambiguous service for the event
// type, a payment naming a company that does not exist) or
// [CodePayloadInvalid] (not JSON, required fields missing): the worker
// dead-letters it at once. Database errors are returned to be retried. Every
// step logs through the configured logger with the job's context, so the
// correlation id the worker put there appears on each line; numbers are
// masked (internal/logging.Phone). A Retell function call logs "booking
// step" lines (internal/logging.LogStep: function, step, branch_id,
// outcome, duration_ms): one "answer" line at Info per request, the run at
// Debug, failures at Warn or Error. Refused signatures are security events
// (internal/logging.LogSecurity).
//
// # Cost
//
// On the common path an event costs few statements, each one round trip:
// Retell 2 (the customer upsert returning its id, the call merge; 3 when the
// branch is not cached), Cal.com 2 (customer, appointment; 3 for a
// reschedule; +1 uncached service lookup), Stripe 1 (+1 uncached company
// check when metadata names one). The branch by number, the services of an
// event type and a company's existence are cached in the process for
// [Config.CacheTTL] (5 s by default; hits only).
//
// # The agent's functions and the inbound webhook
//
// [NewFunctions] serves Retell's custom functions at [FunctionsPattern]
// and the inbound call webhook at [InboundPattern] (signed like Retell
// webhooks). Each call of a function acts once: the first request claims
// its function_calls row ([store.FunctionCalls.Claim]) keyed by call id,
// name and the SHA-256 of the canonical arguments, runs the [Function]
// under its budget and records the answer; repeats, concurrent or later,
// in this process or another, wait for that row and answer its bytes. A
// run whose process died is taken over once its lease (budget plus grace)
// has expired. Past the budget the caller hears a polite German fallback,
// never silence; the inbound webhook reads only indexed rows and caches.
package booking
