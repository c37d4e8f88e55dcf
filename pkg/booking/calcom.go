package booking

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/askproai/askpro/internal/logging"
	"github.com/askproai/askpro/pkg/queue"
	"github.com/askproai/askpro/pkg/store"
	"github.com/askproai/askpro/pkg/tenant"
)

// calcomEvent is the part of a Cal.com webhook body the handler reads.
type calcomEvent struct {
	TriggerEvent string        `json:"triggerEvent"`
	Payload      calcomBooking `json:"payload"`
}

type calcomBooking struct {
	UID                 string           `json:"uid"`
	EventTypeID         *int64           `json:"eventTypeId"`
	StartTime           string           `json:"startTime"`
	EndTime             string           `json:"endTime"`
	Attendees           []calcomAttendee `json:"attendees"`
	Responses           calcomResponses  `json:"responses"`
	CancellationReason  string           `json:"cancellationReason"`
	RescheduleUID       string           `json:"rescheduleUid"`
	RescheduleStartTime string           `json:"rescheduleStartTime"`
	RescheduleEndTime   string           `json:"rescheduleEndTime"`
}

type calcomAttendee struct {
	Name        string `json:"name"`
	Email       string `json:"email"`
	PhoneNumber string `json:"phoneNumber"`
}

// calcomResponses holds the booking form's answers; a value of an odd shape
// is ignored, never a reason to refuse the event.
type calcomResponses struct {
	AttendeePhoneNumber calcomResponse `json:"attendeePhoneNumber"`
}

type calcomResponse struct{ Value string }

func (r *calcomResponse) UnmarshalJSON(b []byte) error {
	var v struct {
		Value json.RawMessage `json:"value"`
	}
	if json.Unmarshal(b, &v) == nil {
		_ = json.Unmarshal(v.Value, &r.Value) // a non-string value leaves it empty
	}
	return nil
}

// Calcom processes a Cal.com booking event (BOOKING_CREATED,
// BOOKING_RESCHEDULED, BOOKING_CANCELLED): the booking is merged into
// appointments by its uid (see [store.Appointments.Merge]) under the company
// of the service bound to its event type (services.calcom_event_type_id),
// with the service's branch. A reschedule creates the new uid and marks the
// old one (rescheduleUid) rescheduled, creating it from rescheduleStartTime
// and rescheduleEndTime when it was never seen. The attendee becomes the
// company's customer when the booking gives a valid phone number
// (attendees[0].phoneNumber, else responses.attendeePhoneNumber). The
// service's company becomes the event's ([queue.Job.SetCompany]) as soon as
// it is found.
//
// When several services of one company share the event type, the first
// (lowest id) is taken. Errors: PAYLOAD_INVALID (not JSON, no uid, no event
// type, unreadable times), TENANT_UNRESOLVED (no active service has the
// event type, or services of several companies do).
func (h *Handlers) Calcom(ctx context.Context, tx *sql.Tx, job *queue.Job) error {
	var ev calcomEvent
	if err := json.Unmarshal(job.Payload, &ev); err != nil {
		return h.permanent(ctx, job, CodePayloadInvalid, "calcom %s: body: %w", job.EventType, err)
	}
	p := &ev.Payload
	if p.UID == "" {
		return h.permanent(ctx, job, CodePayloadInvalid, "calcom %s: payload.uid is missing", job.EventType)
	}
	if p.EventTypeID == nil {
		return h.permanent(ctx, job, CodePayloadInvalid, "calcom %s %s: payload.eventTypeId is missing", job.EventType, p.UID)
	}
	start, err1 := time.Parse(time.RFC3339, p.StartTime)
	end, err2 := time.Parse(time.RFC3339, p.EndTime)
	if err1 != nil || err2 != nil || end.Before(start) {
		return h.permanent(ctx, job, CodePayloadInvalid, "calcom %s %s: startTime %q / endTime %q are not a time range", job.EventType, p.UID, p.StartTime, p.EndTime)
	}
	st := h.txStore(tx)
	svcs, err := h.servicesFor(ctx, st, *p.EventTypeID)
	if err != nil {
		return h.storeErr(ctx, job, "find service", err)
	}
	if len(svcs) == 0 {
		return h.permanent(ctx, job, CodeTenantUnresolved, "calcom %s %s: no active service has event type %d", job.EventType, p.UID, *p.EventTypeID)
	}
	svc := svcs[0]
	for _, s := range svcs[1:] {
		if s.CompanyID != svc.CompanyID {
			return h.permanent(ctx, job, CodeTenantUnresolved, "calcom %s %s: event type %d belongs to services of several companies (%d, %d)",
				job.EventType, p.UID, *p.EventTypeID, svc.CompanyID, s.CompanyID)
		}
	}
	job.SetCompany(svc.CompanyID) // the event is the company's, whatever happens next
	ctx = tenant.WithCompany(ctx, svc.CompanyID)
	h.log.DebugContext(ctx, "booking: booking's service", "uid", p.UID, "event_type", job.EventType, "company_id", svc.CompanyID, "service_id", svc.ID)

	in := store.AppointmentEvent{UID: p.UID, StartsAt: start, EndsAt: end, BranchID: &svc.BranchID, ServiceID: &svc.ID}
	var number, name, email string
	if len(p.Attendees) > 0 {
		number, name, email = p.Attendees[0].PhoneNumber, p.Attendees[0].Name, p.Attendees[0].Email
	}
	if number == "" {
		number = p.Responses.AttendeePhoneNumber.Value
	}
	if e164 := h.normalize(number); e164 != "" {
		id, err := st.Customers.Ensure(ctx, e164, name, email)
		if err != nil {
			return h.storeErr(ctx, job, "ensure customer", err)
		}
		in.CustomerID = &id
		h.log.DebugContext(ctx, "booking: booking's customer", "uid", p.UID, "customer_id", id)
	} else if number != "" {
		h.log.InfoContext(ctx, "booking: attendee number is not valid, no customer", "uid", p.UID, logging.Phone("number", number))
	}
	switch job.EventType {
	case "BOOKING_CREATED":
		in.Status = store.AppointmentBooked
	case "BOOKING_CANCELLED":
		in.Status, in.CancellationReason = store.AppointmentCancelled, p.CancellationReason
	case "BOOKING_RESCHEDULED":
		in.Status, in.RescheduledFromUID = store.AppointmentBooked, p.RescheduleUID
	default:
		return queue.ErrUnhandled
	}
	if err := st.Appointments.Merge(ctx, in); err != nil {
		return h.storeErr(ctx, job, "merge appointment", err)
	}
	if job.EventType == "BOOKING_RESCHEDULED" && p.RescheduleUID != "" && p.RescheduleUID != p.UID {
		old := in
		old.UID, old.Status, old.RescheduledFromUID = p.RescheduleUID, store.AppointmentRescheduled, ""
		os, err1 := time.Parse(time.RFC3339, p.RescheduleStartTime)
		oe, err2 := time.Parse(time.RFC3339, p.RescheduleEndTime)
		if err1 == nil && err2 == nil && !oe.Before(os) {
			old.StartsAt, old.EndsAt = os, oe
			err = st.Appointments.Merge(ctx, old)
		} else {
			// Without the old times an unseen booking cannot be created;
			// a known one is still marked.
			h.log.InfoContext(ctx, "booking: reschedule without the old booking's times", "uid", p.UID, "old_uid", p.RescheduleUID)
			err = st.Appointments.MarkRescheduled(ctx, p.RescheduleUID)
		}
		if err != nil {
			return h.storeErr(ctx, job, "mark rescheduled", err)
		}
	}
	h.log.InfoContext(ctx, "booking: appointment merged", "uid", p.UID, "event_type", job.EventType, "company_id", svc.CompanyID,
		"service_id", svc.ID, "status", in.Status)
	return nil
}
