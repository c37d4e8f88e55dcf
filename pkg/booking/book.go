package booking

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/askproai/askpro/pkg/calcom"
	"github.com/askproai/askpro/pkg/phone"
	"github.com/askproai/askpro/pkg/store"
)

// bookArgs are book_appointment's parameters (pkg/provision's tool).
type bookArgs struct {
	Service       string `json:"service"`
	StartTime     string `json:"start_time"`
	CustomerName  string `json:"customer_name"`
	CustomerPhone string `json:"customer_phone"`
	CustomerEmail string `json:"customer_email"`
}

// Metadata keys askpro puts on the Cal.com bookings it makes.
const (
	MetaSource    = "source"            // "phone"
	MetaCallID    = "retell_call_id"    // the Retell call
	MetaCompanyID = "askpro_company_id" // the company's id
	MetaBranchID  = "askpro_branch_id"  // the branch's id
	MetaServiceID = "askpro_service_id" // the service's id
)

// bookAppointment answers book_appointment (README section 5 of the
// Cal.com fixtures): the start is checked (an ISO time with offset, one
// without is the branch's wall time; in the past: StatusInvalid), the slot
// is reserved (POST /v2/slots/reservations) and booked with its
// reservedSlotUid (POST /v2/bookings: the caller's name and number, else
// customer_phone, the branch's zone, language de, metadata naming the call,
// company, branch and service); then the customer and the appointment
// (source phone, with the call) are written, even when ctx has ended.
//
// A slot taken at reserve or at booking is StatusConflict with the nearest
// free alternatives, fetched fresh; a slot the same caller already holds
// for the service in this company (an earlier attempt of ours) is success.
// Cal.com slow, down, out of budget or its breaker open: StatusUnavailable,
// the reservation released, nothing written.
//
// A create that failed after it was sent (calcom.ErrAmbiguous) is never
// sent again. The reservation tells what happened: only a booking uses it
// up before it expires, and only we knew its uid. Gone: the booking was
// made (StatusOK, Data.confirmed false; its appointment comes with Cal.com's
// BOOKING_CREATED webhook, the customer is written now). Still held: it
// was not; the hold is released and the answer is StatusUnavailable. The
// reservation cannot be read: StatusUnavailable saying that the booking
// could not be confirmed, and nothing released.
func (cal *calendar) bookAppointment(ctx context.Context, c Call) (Answer, error) {
	var a bookArgs
	if ans := decodeArgs(c, &a); ans != nil {
		return *ans, nil
	}
	tctx := tenantCtx(ctx, c)
	svc, ans, err := cal.resolveService(tctx, c, a.Service)
	if err != nil || ans != nil {
		return deref(ans), err
	}
	loc := cal.branchZone(ctx, c.Branch)
	now := cal.now()
	if strings.TrimSpace(a.StartTime) == "" {
		return Answer{Status: StatusAsk, Result: "Zu welcher Uhrzeit soll ich den Termin eintragen?"}, nil
	}
	start, err := parseInstant(a.StartTime, loc)
	if err != nil {
		return Answer{Status: StatusInvalid, Result: "Diese Uhrzeit habe ich nicht verstanden. Wann soll der Termin sein?",
			Data: map[string]any{"error": err.Error()}}, nil
	}
	if !start.After(now) {
		return Answer{Status: StatusInvalid, Result: "Dieser Zeitpunkt liegt in der Vergangenheit. Wann soll der Termin sein?",
			Data: map[string]any{"error": "start_time " + start.Format(time.RFC3339) + " is in the past"}}, nil
	}
	name := strings.TrimSpace(a.CustomerName)
	if name == "" {
		return Answer{Status: StatusAsk, Result: "Auf welchen Namen darf ich den Termin eintragen?"}, nil
	}
	number := c.Caller
	if number == "" {
		number = cal.normalizePhone(a.CustomerPhone)
	}
	email := strings.TrimSpace(a.CustomerEmail)
	if number == "" && email == "" {
		return Answer{Status: StatusAsk, Result: "Unter welcher Telefonnummer können wir Sie erreichen?"}, nil
	}

	// An earlier attempt of ours may have booked it already.
	if mine, ok, err := cal.heldBy(tctx, number, svc, start); err != nil {
		return Answer{}, err
	} else if ok {
		return cal.booked(c, svc, mine.CalcomBookingUID, mine.StartsAt, mine.EndsAt, loc, true), nil
	}

	cl, err := cal.client(ctx, c)
	if err != nil {
		return cal.unavailable(ctx, c, "client", err), nil
	}
	hours, err := cal.hours(tctx, c.Branch.ID)
	if err != nil {
		return Answer{}, err
	}
	key := slotKey{company: c.Company.ID, eventType: *svc.CalcomEventTypeID, day: dayOf(start.In(loc)), tz: loc.String()}
	defer cal.forgetSlots(key) // whatever happened, the day's slots changed or were wrong

	res, err := cl.ReserveSlot(ctx, calcom.ReservationRequest{EventTypeID: *svc.CalcomEventTypeID, SlotStart: start})
	switch {
	case calcom.IsSlotTaken(err):
		cal.log.InfoContext(ctx, "booking: slot taken at reserve", "call_id", c.CallID, "branch_id", c.Branch.ID, "start", start)
		return cal.alternatives(ctx, cl, c, svc, start, loc, hours)
	case err != nil:
		// An ambiguous reserve may leave a hold: it expires by itself.
		return cal.unavailable(ctx, c, "reserve", err), nil
	}

	req := calcom.BookingRequest{
		Start:       start,
		EventTypeID: *svc.CalcomEventTypeID,
		Attendee: calcom.Attendee{Name: name, Email: email, TimeZone: loc.String(), PhoneNumber: string(number),
			Language: "de"},
		Metadata: calcom.Metadata{
			MetaSource:    store.SourcePhone,
			MetaCallID:    c.CallID,
			MetaCompanyID: strconv.FormatInt(c.Company.ID, 10),
			MetaBranchID:  strconv.FormatInt(c.Branch.ID, 10),
			MetaServiceID: strconv.FormatInt(svc.ID, 10),
		},
		ReservedSlotUID: res.ReservationUID,
	}
	if c.CallID == "" {
		delete(req.Metadata, MetaCallID)
	}
	bk, err := cl.CreateBooking(ctx, req)
	switch {
	case err == nil:
	case calcom.IsSlotTaken(err):
		cal.release(ctx, cl, c, res.ReservationUID)
		if mine, ok, herr := cal.heldBy(tctx, number, svc, start); herr != nil {
			return Answer{}, herr
		} else if ok {
			return cal.booked(c, svc, mine.CalcomBookingUID, mine.StartsAt, mine.EndsAt, loc, true), nil
		}
		cal.log.InfoContext(ctx, "booking: slot taken at booking", "call_id", c.CallID, "branch_id", c.Branch.ID, "start", start)
		return cal.alternatives(ctx, cl, c, svc, start, loc, hours)
	case errors.Is(err, calcom.ErrAmbiguous):
		return cal.ambiguousBooking(ctx, cl, c, svc, res, number, name, email, start, loc, err)
	default:
		cal.release(ctx, cl, c, res.ReservationUID)
		return cal.unavailable(ctx, c, "book", err), nil
	}

	end := bk.End
	if end.IsZero() || !end.After(bk.Start) {
		end = bk.Start.Add(time.Duration(svc.DurationMinutes) * time.Minute)
	}
	if bk.Start.IsZero() {
		bk.Start = start
	}
	if werr := cal.record(ctx, c, svc, number, name, email, store.AppointmentEvent{UID: bk.UID, StartsAt: bk.Start, EndsAt: end,
		Status: store.AppointmentBooked, Source: store.SourcePhone}); werr != nil {
		// The booking exists at Cal.com: the caller is told so, and its
		// BOOKING_CREATED webhook writes the appointment later.
		cal.log.ErrorContext(ctx, "booking: booked but not recorded", "call_id", c.CallID, "uid", bk.UID, "error", werr.Error())
	}
	cal.log.InfoContext(ctx, "booking: booked", "call_id", c.CallID, "company_id", c.Company.ID, "branch_id", c.Branch.ID,
		"service_id", svc.ID, "uid", bk.UID, "start", bk.Start)
	return cal.booked(c, svc, bk.UID, bk.Start, end, loc, true), nil
}

// booked is the confirmation of a booking.
func (cal *calendar) booked(c Call, svc store.Service, uid string, start, end time.Time, loc *time.Location, confirmed bool) Answer {
	data := map[string]any{"service": svc.Name, "service_id": svc.ID, "start": start.In(loc).Format(time.RFC3339),
		"end": end.In(loc).Format(time.RFC3339), "time_zone": loc.String(), "confirmed": confirmed}
	if uid != "" {
		data["booking_uid"] = uid
	}
	return Answer{Status: StatusOK, Data: data,
		Result: "Ihr Termin für " + svc.Name + " ist " + spokenDateTime(start, cal.now(), loc) + " eingetragen."}
}

// heldBy finds an appointment of the caller (by number) for svc at start,
// still booked: what an earlier attempt of ours made.
func (cal *calendar) heldBy(ctx context.Context, number phone.Number, svc store.Service, start time.Time) (store.Appointment, bool, error) {
	if number == "" {
		return store.Appointment{}, false, nil
	}
	cust, err := cal.st.Customers.GetByPhone(ctx, string(number))
	if errors.Is(err, store.ErrNotFound) {
		return store.Appointment{}, false, nil
	}
	if err != nil {
		return store.Appointment{}, false, fmt.Errorf("find customer: %w", err)
	}
	apps, err := cal.st.Appointments.UpcomingForCustomer(ctx, cust.ID, start.Add(-time.Second))
	if err != nil {
		return store.Appointment{}, false, err
	}
	for _, a := range apps {
		if a.StartsAt.Equal(start) && (a.ServiceID == nil || *a.ServiceID == svc.ID) {
			return a, true, nil
		}
	}
	return store.Appointment{}, false, nil
}

// release gives a reservation back, even when ctx has ended.
func (cal *calendar) release(ctx context.Context, cl *calcom.Client, c Call, uid string) {
	if uid == "" {
		return
	}
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cal.writeTimeout)
	defer cancel()
	if err := cl.ReleaseReservation(wctx, uid); err != nil && !calcom.IsNotFound(err) {
		cal.log.WarnContext(ctx, "booking: reservation not released; it expires by itself", "call_id", c.CallID, "error", err.Error())
	}
}

// record writes the customer (when there is a number), the call (so the
// appointment names it) and the appointment, under the call's company, in
// one transaction (all or nothing, one commit), with a context that
// outlives ctx by WriteTimeout: what Cal.com did is recorded even when the
// call's budget ended meanwhile.
func (cal *calendar) record(ctx context.Context, c Call, svc store.Service, number phone.Number, name, email string, ev store.AppointmentEvent) error {
	wctx, cancel := context.WithTimeout(context.WithoutCancel(tenantCtx(ctx, c)), cal.writeTimeout)
	defer cancel()
	ev.BranchID, ev.ServiceID = &c.Branch.ID, &svc.ID
	return cal.st.Tx(wctx, func(st *store.Store) error {
		ev := ev // an attempt after a deadlock starts from the event as given
		if number != "" {
			id, err := st.Customers.Ensure(wctx, string(number), name, email)
			if err != nil {
				return fmt.Errorf("ensure customer: %w", err)
			}
			ev.CustomerID = &id
		}
		if id, err := callRow(wctx, st, c, ev.CustomerID); err != nil {
			return err
		} else if id != 0 {
			ev.CallID = &id
		}
		if err := st.Appointments.Merge(wctx, ev); err != nil {
			return fmt.Errorf("merge appointment %s: %w", ev.UID, err)
		}
		return nil
	})
}

// callRow returns the id of the call's row, creating it when Retell's
// call_started has not been processed yet (RankNone: every field the
// webhooks bring later wins). No call id: 0.
func callRow(ctx context.Context, st *store.Store, c Call, customerID *int64) (int64, error) {
	if c.CallID == "" {
		return 0, nil
	}
	if call, err := st.Calls.GetByRetellID(ctx, c.CallID); err == nil {
		return call.ID, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return 0, fmt.Errorf("find call: %w", err)
	}
	ev := store.CallEvent{RetellCallID: c.CallID, BranchID: &c.Branch.ID, CustomerID: customerID, FromNumber: string(c.Caller),
		ToNumber: string(c.Branch.PhoneNumber), Direction: "inbound", LifecycleRank: store.RankNone}
	if err := st.Calls.Merge(ctx, ev); err != nil {
		return 0, fmt.Errorf("merge call: %w", err)
	}
	call, err := st.Calls.GetByRetellID(ctx, c.CallID)
	if err != nil {
		return 0, fmt.Errorf("find call: %w", err)
	}
	return call.ID, nil
}

// ambiguousBooking decides what a create that may have happened did, by
// the reservation it would have used up (see bookAppointment).
func (cal *calendar) ambiguousBooking(ctx context.Context, cl *calcom.Client, c Call, svc store.Service, res calcom.Reservation,
	number phone.Number, name, email string, start time.Time, loc *time.Location, cause error) (Answer, error) {
	cal.log.WarnContext(ctx, "booking: booking may have been made, checking its reservation", "call_id", c.CallID, "error", cause.Error())
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cal.writeTimeout)
	defer cancel()
	_, err := cl.Reservation(wctx, res.ReservationUID)
	switch {
	case calcom.IsNotFound(err) && (res.ReservationUntil.IsZero() || cal.now().Before(res.ReservationUntil)):
		// Used up before it expired: by our booking.
		if number != "" {
			if _, err := cal.st.Customers.Ensure(tenantCtx(wctx, c), string(number), name, email); err != nil {
				cal.log.ErrorContext(ctx, "booking: customer not recorded", "call_id", c.CallID, "error", err.Error())
			}
		}
		cal.log.WarnContext(ctx, "booking: booked without an answer; the appointment comes with Cal.com's webhook", "call_id", c.CallID,
			"branch_id", c.Branch.ID, "start", start)
		end := start.Add(time.Duration(svc.DurationMinutes) * time.Minute)
		return cal.booked(c, svc, "", start, end, loc, false), nil
	case err == nil:
		cal.release(ctx, cl, c, res.ReservationUID)
		return cal.unavailable(ctx, c, "book", cause), nil
	}
	cal.log.ErrorContext(ctx, "booking: cannot tell whether the booking was made", "call_id", c.CallID, "start", start, "error", err.Error())
	a := cal.unavailable(ctx, c, "book", cause)
	a.Result = "Ich konnte leider nicht bestätigen, ob der Termin eingetragen wurde. Wir prüfen das und rufen Sie zurück."
	a.Data = map[string]any{"callback": true, "transfer": c.Branch.TransferNumber != "", "booking_unknown": true}
	return a, nil
}
