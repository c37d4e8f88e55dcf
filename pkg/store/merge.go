package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/askproai/askpro/pkg/tenant"
)

// The merges below are each one INSERT ... ON DUPLICATE KEY UPDATE (MySQL)
// or INSERT ... ON CONFLICT DO UPDATE (SQLite) whose assignments are CASE
// expressions: an event's values win over the stored ones only when the
// event ranks at least as high, and otherwise only fill NULLs. So events of
// one record merge to the same row in any order, and an event merged twice
// changes nothing.
//
// MySQL evaluates ON DUPLICATE KEY UPDATE assignments left to right, and a
// later assignment sees the new value of an earlier one; SQLite's see the
// old row throughout. Every assignment therefore reads only columns not yet
// assigned, which is why the rank (and status) columns come last.

// upsert holds the dialect's spelling of an upsert's parts.
type upsert struct {
	mysql bool
	table string
}

func (s *Store) upsert(table string) upsert { return upsert{mysql: s.dialect == "mysql", table: table} }

// n is the incoming value of col, o its stored value.
func (u upsert) n(col string) string {
	if u.mysql {
		return "VALUES(" + col + ")"
	}
	return "excluded." + col
}

func (u upsert) o(col string) string {
	if u.mysql {
		return col
	}
	return u.table + "." + col
}

func (u upsert) greatest(col string) string {
	if u.mysql {
		return "GREATEST(" + u.o(col) + ", " + u.n(col) + ")"
	}
	return "MAX(" + u.o(col) + ", " + u.n(col) + ")"
}

// prefer is col taken from the event when win holds (the stored value
// where the event has none), else the stored value (the event's where the
// row has none).
func (u upsert) prefer(col, win string) string {
	return "CASE WHEN " + win + " THEN COALESCE(" + u.n(col) + ", " + u.o(col) + ") ELSE COALESCE(" + u.o(col) + ", " + u.n(col) + ") END"
}

// build returns the statement: INSERT of cols, and on a clash of conflict
// the assignments in order. With a guard column, a clash with a row whose
// guard differs from the incoming one changes nothing: the merge of one
// company never writes into another's row (SQLite: a WHERE on DO UPDATE;
// MySQL, which has none: each assignment keeps the stored value).
func (u upsert) build(cols []string, conflict, guard string, assigns [][2]string) string {
	var b strings.Builder
	b.WriteString("INSERT INTO " + u.table + " (" + strings.Join(cols, ", ") + ") VALUES (")
	b.WriteString(strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", "))
	b.WriteString(")")
	if u.mysql {
		b.WriteString(" ON DUPLICATE KEY UPDATE ")
	} else {
		b.WriteString(" ON CONFLICT (" + conflict + ") DO UPDATE SET ")
	}
	for i, a := range assigns {
		if i > 0 {
			b.WriteString(", ")
		}
		if guard != "" && u.mysql {
			b.WriteString(a[0] + " = IF(" + u.o(guard) + " = " + u.n(guard) + ", " + a[1] + ", " + u.o(a[0]) + ")")
			continue
		}
		b.WriteString(a[0] + " = " + a[1])
	}
	if guard != "" && !u.mysql {
		b.WriteString(" WHERE " + u.o(guard) + " = " + u.n(guard))
	}
	return b.String()
}

// Ranks of the Retell lifecycle events in [CallEvent.LifecycleRank].
const (
	RankNone     = 0 // not a lifecycle event (transcript_updated, transfer_*)
	RankStarted  = 1 // call_started
	RankEnded    = 2 // call_ended
	RankAnalyzed = 3 // call_analyzed
)

// Ranks of the transfer events in [CallEvent.TransferRank].
const (
	TransferNone    = 0
	TransferStarted = 1 // transfer_started
	TransferBridged = 2 // transfer_bridged
	TransferDone    = 3 // transfer_cancelled, transfer_ended
)

// TranscriptFinal is added to the lifecycle rank to rank the transcript of
// call_ended and call_analyzed above every transcript_updated, whose rank is
// the transcript's length in bytes (Retell sends the whole transcript so
// far, which only grows).
const TranscriptFinal int64 = 1 << 40

// CallEvent is what one Retell event says about a call: the input of
// [Calls.Merge]. Empty strings and nil pointers are "not said".
type CallEvent struct {
	RetellCallID        string // required
	BranchID            *int64
	CustomerID          *int64
	AgentID             string
	FromNumber          string // any form pkg/phone accepts; stored as E.164
	ToNumber            string
	Direction           string
	Status              string // required when the call is new; defaults to "registered"
	StartedAt           *time.Time
	EndedAt             *time.Time
	DurationMS          *int64
	DisconnectionReason string
	Summary             string
	Sentiment           string
	Successful          *bool
	Analysis            json.RawMessage
	// LifecycleRank orders the event among call_started, call_ended and
	// call_analyzed (RankStarted...RankAnalyzed; RankNone for other events).
	// The fields above are taken from a lifecycle event ranking at least as
	// high as the highest merged so far; otherwise (and from any event that
	// is not a lifecycle one) they only fill what is still NULL.
	LifecycleRank int
	// Transcript replaces the stored one when TranscriptRank is higher than
	// the stored transcript's.
	Transcript     string
	TranscriptRank int64
	// TransferDestination and TransferOutcome (started, bridged, cancelled,
	// ended) are taken when TransferRank is higher than the stored one.
	TransferDestination string
	TransferOutcome     string
	TransferRank        int
}

// Merge upserts the call by its Retell call id into the context's company,
// merging ev into what earlier events stored (see [CallEvent]): events of
// one call give the same row in any order, and merging an event twice
// changes nothing. It is one statement. updated_at moves only when the event
// raised a rank. A call already stored keeps its company. Errors:
// *ValidationError (no call id, an invalid number), tenant.ErrNoTenant.
func (r *Calls) Merge(ctx context.Context, ev CallEvent) error {
	cid, err := companyID(ctx)
	if err != nil {
		return err
	}
	if ev.RetellCallID == "" {
		return invalid("retell_call_id", "must not be empty")
	}
	nums := [3]*string{&ev.FromNumber, &ev.ToNumber, &ev.TransferDestination}
	for i, field := range [3]string{"from_number", "to_number", "transfer_destination"} {
		if *nums[i] == "" {
			continue
		}
		if *nums[i], err = r.s.normalizePhone(field, *nums[i]); err != nil {
			return err
		}
	}
	if ev.Status == "" {
		ev.Status = "registered"
	}
	analysis, err := checkJSON("analysis", ev.Analysis)
	if err != nil {
		return err
	}
	var ok sql.NullBool
	if ev.Successful != nil {
		ok = sql.NullBool{Bool: *ev.Successful, Valid: true}
	}
	now := r.s.nowUTC()
	res, err := r.s.w.ExecContext(ctx, r.s.callMergeSQL(),
		cid, nullInt64(ev.BranchID), nullInt64(ev.CustomerID), ev.RetellCallID, nullString(ev.AgentID),
		nullString(ev.FromNumber), nullString(ev.ToNumber), nullString(ev.Direction), ev.Status,
		nullTime(ev.StartedAt), nullTime(ev.EndedAt), nullInt64(ev.DurationMS), nullString(ev.DisconnectionReason),
		nullString(ev.Transcript), nullString(ev.Summary), nullString(ev.Sentiment), ok, analysis,
		nullString(ev.TransferDestination), nullString(ev.TransferOutcome),
		ev.LifecycleRank, ev.TranscriptRank, ev.TransferRank, now, now)
	if err != nil {
		return fmt.Errorf("merge call: %w", err)
	}
	return r.s.checkOwner(ctx, res, "calls", "retell_call_id", ev.RetellCallID, cid, "call "+ev.RetellCallID)
}

func nullTime(t *time.Time) sql.NullTime {
	if t == nil {
		return sql.NullTime{}
	}
	return sql.NullTime{Time: t.UTC().Truncate(time.Microsecond), Valid: true}
}

var callMerge [2]string // by dialect: 0 sqlite, 1 mysql

func init() {
	for i, mysql := range []bool{false, true} {
		u := upsert{mysql: mysql, table: "calls"}
		cols := []string{"company_id", "branch_id", "customer_id", "retell_call_id", "agent_id", "from_number", "to_number", "direction",
			"status", "started_at", "ended_at", "duration_ms", "disconnection_reason", "transcript", "summary", "sentiment", "successful",
			"analysis", "transfer_destination", "transfer_outcome", "lifecycle_rank", "transcript_rank", "transfer_rank",
			"created_at", "updated_at"}
		lifeWin := u.n("lifecycle_rank") + " > 0 AND " + u.n("lifecycle_rank") + " >= " + u.o("lifecycle_rank")
		transferWin := u.n("transfer_rank") + " > " + u.o("transfer_rank")
		transcriptWin := u.n("transcript") + " IS NOT NULL AND " + u.n("transcript_rank") + " > " + u.o("transcript_rank")
		var as [][2]string
		for _, c := range []string{"branch_id", "customer_id", "agent_id", "from_number", "to_number", "direction", "status",
			"started_at", "ended_at", "duration_ms", "disconnection_reason", "summary", "sentiment", "successful", "analysis"} {
			as = append(as, [2]string{c, u.prefer(c, lifeWin)})
		}
		as = append(as,
			[2]string{"transcript", "CASE WHEN " + transcriptWin + " THEN " + u.n("transcript") + " ELSE " + u.o("transcript") + " END"},
			[2]string{"transfer_destination", u.prefer("transfer_destination", transferWin)},
			[2]string{"transfer_outcome", "CASE WHEN " + transferWin + " THEN " + u.n("transfer_outcome") + " ELSE " + u.o("transfer_outcome") + " END"},
			[2]string{"updated_at", "CASE WHEN " + u.n("lifecycle_rank") + " > " + u.o("lifecycle_rank") +
				" OR " + u.n("transcript_rank") + " > " + u.o("transcript_rank") + " OR " + transferWin +
				" THEN " + u.n("updated_at") + " ELSE " + u.o("updated_at") + " END"},
			[2]string{"transcript_rank", u.greatest("transcript_rank")},
			[2]string{"transfer_rank", u.greatest("transfer_rank")},
			[2]string{"lifecycle_rank", u.greatest("lifecycle_rank")},
		)
		callMerge[i] = u.build(cols, "retell_call_id", "company_id", as)
	}
	for i, mysql := range []bool{false, true} {
		u := upsert{mysql: mysql, table: "appointments"}
		cols := []string{"company_id", "branch_id", "service_id", "customer_id", "call_id", "calcom_booking_uid", "starts_at", "ends_at",
			"status", "source", "cancellation_reason", "rescheduled_from_uid", "created_at", "updated_at"}
		rank := func(x string) string {
			return "(CASE " + x + " WHEN 'booked' THEN 1 WHEN 'rescheduled' THEN 2 WHEN 'cancelled' THEN 3 ELSE 0 END)"
		}
		win := rank(u.n("status")) + " >= " + rank(u.o("status"))
		var as [][2]string
		for _, c := range []string{"branch_id", "service_id", "customer_id", "call_id", "starts_at", "ends_at",
			"cancellation_reason", "rescheduled_from_uid"} {
			as = append(as, [2]string{c, u.prefer(c, win)})
		}
		higher := rank(u.n("status")) + " > " + rank(u.o("status"))
		as = append(as,
			[2]string{"updated_at", "CASE WHEN " + higher + " THEN " + u.n("updated_at") + " ELSE " + u.o("updated_at") + " END"},
			[2]string{"status", "CASE WHEN " + higher + " THEN " + u.n("status") + " ELSE " + u.o("status") + " END"},
		)
		appointmentMerge[i] = u.build(cols, "calcom_booking_uid", "company_id", as)
	}
	for i, mysql := range []bool{false, true} {
		u := upsert{mysql: mysql, table: "payments"}
		cols := []string{"company_id", "stripe_object_id", "stripe_event_id", "kind", "amount_cents", "currency", "status",
			"failure_code", "stripe_event_created_at", "created_at", "updated_at"}
		rank := func(x string) string {
			return "(CASE " + x + " WHEN 'succeeded' THEN 2 WHEN 'failed' THEN 1 ELSE 0 END)"
		}
		// The event wins with a higher status rank, or the same rank and a
		// created time not older than the stored one's. MySQL: status is
		// assigned after stripe_event_created_at and so sees the new time,
		// which gives the same answer (the event won, so its time is the
		// one it is compared with; it lost, so the time is unchanged).
		win := "(" + rank(u.n("status")) + " > " + rank(u.o("status")) + " OR (" + rank(u.n("status")) + " = " + rank(u.o("status")) +
			" AND (" + u.o("stripe_event_created_at") + " IS NULL OR " + u.n("stripe_event_created_at") + " >= " + u.o("stripe_event_created_at") + ")))"
		newer := "(" + rank(u.n("status")) + " > " + rank(u.o("status")) + " OR (" + rank(u.n("status")) + " = " + rank(u.o("status")) +
			" AND (" + u.o("stripe_event_created_at") + " IS NULL OR " + u.n("stripe_event_created_at") + " > " + u.o("stripe_event_created_at") + ")))"
		take := func(c string) [2]string {
			return [2]string{c, "CASE WHEN " + win + " THEN " + u.n(c) + " ELSE " + u.o(c) + " END"}
		}
		as := [][2]string{
			{"company_id", "COALESCE(" + u.o("company_id") + ", " + u.n("company_id") + ")"},
			take("stripe_event_id"), take("kind"), take("amount_cents"), take("currency"), take("failure_code"),
			{"updated_at", "CASE WHEN " + newer + " THEN " + u.n("updated_at") + " ELSE " + u.o("updated_at") + " END"},
			take("stripe_event_created_at"), take("status"),
		}
		paymentMerge[i] = u.build(cols, "stripe_object_id", "", as)
	}
}

var appointmentMerge, paymentMerge [2]string

func (s *Store) dialectIndex() int {
	if s.dialect == "mysql" {
		return 1
	}
	return 0
}

func (s *Store) callMergeSQL() string { return callMerge[s.dialectIndex()] }

// AppointmentEvent is what one Cal.com event says about a booking: the
// input of [Appointments.Merge]. Nil pointers and empty strings are "not
// said".
type AppointmentEvent struct {
	UID      string    // the Cal.com booking uid; required
	StartsAt time.Time // required
	EndsAt   time.Time // required
	// Status is AppointmentBooked, AppointmentRescheduled or
	// AppointmentCancelled. It only moves forward (booked < rescheduled <
	// cancelled); the other fields are taken from an event whose status
	// ranks at least as high as the stored one, and otherwise only fill
	// NULLs.
	Status             string
	BranchID           *int64
	ServiceID          *int64
	CustomerID         *int64
	CallID             *int64
	Source             string // written when the booking is new; defaults to SourceCalcom
	CancellationReason string
	RescheduledFromUID string
}

// Merge upserts the appointment by its booking uid into the context's
// company, merging ev into what earlier events stored (see
// [AppointmentEvent]): events of one booking give the same row in any order
// (a cancellation merged before the creation stays cancelled), and merging
// an event twice changes nothing. It is one statement. Errors:
// *ValidationError, tenant.ErrNoTenant.
func (r *Appointments) Merge(ctx context.Context, ev AppointmentEvent) error {
	cid, err := companyID(ctx)
	if err != nil {
		return err
	}
	if ev.UID == "" {
		return invalid("calcom_booking_uid", "must not be empty")
	}
	if ev.StartsAt.IsZero() || ev.EndsAt.IsZero() {
		return invalid("starts_at", "start and end are required")
	}
	switch ev.Status {
	case AppointmentBooked, AppointmentRescheduled, AppointmentCancelled:
	default:
		return invalid("status", "%q is not booked, rescheduled or cancelled", ev.Status)
	}
	if ev.Source == "" {
		ev.Source = SourceCalcom
	}
	now := r.s.nowUTC()
	res, err := r.s.w.ExecContext(ctx, appointmentMerge[r.s.dialectIndex()],
		cid, nullInt64(ev.BranchID), nullInt64(ev.ServiceID), nullInt64(ev.CustomerID), nullInt64(ev.CallID), ev.UID,
		ev.StartsAt.UTC().Truncate(time.Microsecond), ev.EndsAt.UTC().Truncate(time.Microsecond), ev.Status, ev.Source,
		nullString(ev.CancellationReason), nullString(ev.RescheduledFromUID), now, now)
	if err != nil {
		return fmt.Errorf("merge appointment: %w", err)
	}
	return r.s.checkOwner(ctx, res, "appointments", "calcom_booking_uid", ev.UID, cid, "booking "+ev.UID)
}

// checkOwner turns a guarded merge that changed nothing because the row
// belongs to another company into ErrConflict. A merge that changed nothing
// for another reason (a repeat; MySQL counts unchanged rows as unaffected)
// is no error. The extra read happens only when nothing was affected.
func (s *Store) checkOwner(ctx context.Context, res sql.Result, table, keyCol, key string, cid int64, what string) error {
	if n, err := res.RowsAffected(); err != nil || n > 0 {
		return nil
	}
	var owner int64
	err := s.w.QueryRowContext(ctx, "SELECT company_id FROM "+table+" WHERE "+keyCol+" = ?", key).Scan(&owner)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("check owner of %s: %w", what, err)
	}
	if owner != cid {
		return fmt.Errorf("%w: %s belongs to another company", ErrConflict, what)
	}
	return nil
}

// PaymentEvent is what one Stripe event says about an object: the input of
// [Payments.Merge].
type PaymentEvent struct {
	CompanyID      *int64 // nil: none named; a stored company is never cleared
	ObjectID       string // required: data.object.id
	EventID        string
	Kind           string // the object type; required
	AmountCents    int64
	Currency       string // required
	Status         string // PaymentSucceeded or PaymentFailed
	FailureCode    string
	EventCreatedAt time.Time // the event's created time
}

// Merge upserts the payment by its Stripe object id. The event's values
// replace the stored ones when its status ranks higher (succeeded above
// failed) or ranks the same and the event is not older; so events of one
// object give the same row in any order, and merging one twice changes
// nothing. It is one statement and needs a system context: the company
// comes from the event, not the context. Errors: *ValidationError,
// ErrNotSystem.
func (r *Payments) Merge(ctx context.Context, ev PaymentEvent) error {
	if !tenant.IsSystem(ctx) {
		return ErrNotSystem
	}
	if ev.ObjectID == "" {
		return invalid("stripe_object_id", "must not be empty")
	}
	if ev.Kind == "" {
		return invalid("kind", "must not be empty")
	}
	if len(ev.Currency) != 3 {
		return invalid("currency", "%q is not a three-letter code", ev.Currency)
	}
	if ev.Status != PaymentSucceeded && ev.Status != PaymentFailed {
		return invalid("status", "%q is not succeeded or failed", ev.Status)
	}
	var created sql.NullTime
	if !ev.EventCreatedAt.IsZero() {
		created = sql.NullTime{Time: ev.EventCreatedAt.UTC().Truncate(time.Microsecond), Valid: true}
	}
	now := r.s.nowUTC()
	_, err := r.s.w.ExecContext(ctx, paymentMerge[r.s.dialectIndex()],
		nullInt64(ev.CompanyID), ev.ObjectID, nullString(ev.EventID), ev.Kind, ev.AmountCents, strings.ToLower(ev.Currency),
		ev.Status, nullString(ev.FailureCode), created, now, now)
	if err != nil {
		return fmt.Errorf("merge payment: %w", err)
	}
	return nil
}

// MarkRescheduled marks the context's company's booking uid rescheduled,
// when it is stored and not cancelled. It is for a reschedule that does not
// say when the old booking was (so it cannot be created). Errors:
// tenant.ErrNoTenant.
func (r *Appointments) MarkRescheduled(ctx context.Context, uid string) error {
	cid, err := companyID(ctx)
	if err != nil {
		return err
	}
	_, err = r.s.w.ExecContext(ctx, "UPDATE appointments SET status = ?, updated_at = ? WHERE calcom_booking_uid = ? AND company_id = ? AND status = ?",
		AppointmentRescheduled, r.s.nowUTC(), uid, cid, AppointmentBooked)
	if err != nil {
		return fmt.Errorf("mark appointment rescheduled: %w", err)
	}
	return nil
}
