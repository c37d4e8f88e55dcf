package booking

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/askproai/askpro/pkg/calcom"
	"github.com/askproai/askpro/pkg/store"
)

// cancelArgs are cancel_appointment's parameters.
type cancelArgs struct {
	StartTime string `json:"start_time"`
	Reason    string `json:"reason"`
}

// rescheduleArgs are reschedule_appointment's parameters.
type rescheduleArgs struct {
	StartTime    string `json:"start_time"`
	NewStartTime string `json:"new_start_time"`
}

// appointmentData is an appointment as Answer.Data lists it.
type appointmentData struct {
	Start   string `json:"start"`
	End     string `json:"end"`
	Service string `json:"service,omitempty"`
}

// mine finds the caller's upcoming appointment the call means: the
// caller's own (their number, within the call's company; never another
// customer's), booked, starting after now; the one at start_time when
// given. Not exactly one: the Answer to give (StatusNotFound, or StatusAsk
// listing them by day and time).
func (cal *calendar) mine(ctx context.Context, c Call, startArg string, loc *time.Location) (store.Appointment, *Answer, error) {
	now := cal.now()
	none := &Answer{Status: StatusNotFound, Result: "Unter Ihrer Telefonnummer finde ich keinen anstehenden Termin."}
	if c.Caller == "" {
		none.Result = "Ihre Telefonnummer wird mir nicht angezeigt, deshalb finde ich Ihren Termin nicht. " +
			"Bitte rufen Sie von der Nummer an, mit der Sie gebucht haben."
		return store.Appointment{}, none, nil
	}
	cust, err := cal.st.Customers.GetByPhone(ctx, string(c.Caller))
	if errors.Is(err, store.ErrNotFound) {
		return store.Appointment{}, none, nil
	}
	if err != nil {
		return store.Appointment{}, nil, fmt.Errorf("find customer: %w", err)
	}
	apps, err := cal.st.Appointments.UpcomingForCustomer(ctx, cust.ID, now)
	if err != nil {
		return store.Appointment{}, nil, err
	}
	if len(apps) == 0 {
		return store.Appointment{}, none, nil
	}
	if strings.TrimSpace(startArg) != "" {
		if at, err := parseInstant(startArg, loc); err == nil {
			for _, a := range apps {
				if a.StartsAt.Equal(at) {
					return a, nil, nil
				}
			}
		}
	} else if len(apps) == 1 {
		return apps[0], nil, nil
	}
	names, err := cal.serviceNames(ctx, c)
	if err != nil {
		return store.Appointment{}, nil, err
	}
	list := make([]string, len(apps))
	data := make([]appointmentData, len(apps))
	for i, a := range apps {
		list[i] = spokenDateTime(a.StartsAt, now, loc)
		data[i] = appointmentData{Start: a.StartsAt.In(loc).Format(time.RFC3339), End: a.EndsAt.In(loc).Format(time.RFC3339)}
		if a.ServiceID != nil && names[*a.ServiceID] != "" {
			list[i] += " (" + names[*a.ServiceID] + ")"
			data[i].Service = names[*a.ServiceID]
		}
	}
	var msg string
	if len(apps) == 1 {
		msg = "Ich finde einen Termin " + list[0] + ". Meinen Sie diesen?"
	} else {
		msg = "Ich finde mehrere Termine: " + strings.Join(list[:len(list)-1], ", ") + " und " + list[len(list)-1] + ". Welchen meinen Sie?"
	}
	return store.Appointment{}, &Answer{Status: StatusAsk, Result: msg, Data: map[string]any{"appointments": data}}, nil
}

// serviceNames maps the company's service ids to names.
func (cal *calendar) serviceNames(ctx context.Context, c Call) (map[int64]string, error) {
	svcs, err := cal.listServices(ctx, c, 0)
	if err != nil {
		return nil, fmt.Errorf("list services: %w", err)
	}
	out := make(map[int64]string, len(svcs))
	for _, s := range svcs {
		out[s.ID] = s.Name
	}
	return out, nil
}

// cancelAppointment answers cancel_appointment: the caller's appointment
// (see mine) is cancelled at Cal.com (POST /v2/bookings/{uid}/cancel) and
// marked cancelled in the store, even when ctx ended meanwhile; Cal.com's
// BOOKING_CANCELLED webhook merges into the same row. Cal.com unavailable:
// StatusUnavailable, nothing written.
func (cal *calendar) cancelAppointment(ctx context.Context, c Call) (Answer, error) {
	var a cancelArgs
	if ans := decodeArgs(c, &a); ans != nil {
		return *ans, nil
	}
	tctx := tenantCtx(ctx, c)
	loc := cal.branchZone(ctx, c.Branch)
	app, ans, err := cal.mine(tctx, c, a.StartTime, loc)
	if err != nil || ans != nil {
		return deref(ans), err
	}
	cl, err := cal.client(ctx, c)
	if err != nil {
		return cal.unavailable(ctx, c, "client", err), nil
	}
	reason := strings.TrimSpace(a.Reason)
	if reason == "" {
		reason = "Am Telefon abgesagt"
	}
	_, err = cl.CancelBooking(ctx, app.CalcomBookingUID, calcom.CancelRequest{CancellationReason: reason})
	if calcom.IsNotFound(err) {
		cal.log.WarnContext(ctx, "booking: appointment to cancel is unknown to Cal.com", "call_id", c.CallID, "uid", app.CalcomBookingUID)
		return Answer{Status: StatusNotFound, Result: "Diesen Termin finde ich im Kalender leider nicht mehr. Wir melden uns bei Ihnen."}, nil
	}
	if err != nil {
		return cal.unavailable(ctx, c, "cancel", err), nil
	}
	wctx, cancel := context.WithTimeout(context.WithoutCancel(tctx), cal.writeTimeout)
	defer cancel()
	if werr := cal.st.Appointments.Merge(wctx, store.AppointmentEvent{UID: app.CalcomBookingUID, StartsAt: app.StartsAt, EndsAt: app.EndsAt,
		Status: store.AppointmentCancelled, CancellationReason: reason}); werr != nil {
		cal.log.ErrorContext(ctx, "booking: cancelled but not recorded", "call_id", c.CallID, "uid", app.CalcomBookingUID, "error", werr.Error())
	}
	if app.ServiceID != nil {
		cal.forgetAround(tctx, c, *app.ServiceID, app.StartsAt, loc)
	}
	cal.log.InfoContext(ctx, "booking: cancelled", "call_id", c.CallID, "company_id", c.Company.ID, "uid", app.CalcomBookingUID)
	return Answer{Status: StatusOK, Result: "Ihr Termin " + spokenDateTime(app.StartsAt, cal.now(), loc) + " ist abgesagt.",
		Data: map[string]any{"booking_uid": app.CalcomBookingUID, "start": app.StartsAt.In(loc).Format(time.RFC3339), "cancelled": true}}, nil
}

// forgetAround drops the cached slots of the day of t for a service.
func (cal *calendar) forgetAround(ctx context.Context, c Call, serviceID int64, t time.Time, loc *time.Location) {
	svc, err := cal.service(ctx, c, serviceID)
	if err != nil || svc.CalcomEventTypeID == nil {
		return
	}
	cal.forgetSlots(slotKey{company: c.Company.ID, eventType: *svc.CalcomEventTypeID, day: dayOf(t.In(loc)), tz: loc.String()})
}

// rescheduleAppointment answers reschedule_appointment: the caller's
// appointment (see mine) is moved at Cal.com (POST
// /v2/bookings/{uid}/reschedule, which answers a new booking); the new
// booking is stored (rescheduled_from_uid the old) and the old marked
// rescheduled, as the BOOKING_RESCHEDULED webhook does, so both merge into
// the same rows. The new time taken: StatusConflict with alternatives. A
// reschedule that may have happened (calcom.ErrAmbiguous) is checked by
// reading the old booking: rescheduledToUid names the new one.
func (cal *calendar) rescheduleAppointment(ctx context.Context, c Call) (Answer, error) {
	var a rescheduleArgs
	if ans := decodeArgs(c, &a); ans != nil {
		return *ans, nil
	}
	tctx := tenantCtx(ctx, c)
	loc := cal.branchZone(ctx, c.Branch)
	now := cal.now()
	if strings.TrimSpace(a.NewStartTime) == "" {
		return Answer{Status: StatusAsk, Result: "Auf wann möchten Sie den Termin verschieben?"}, nil
	}
	newStart, err := parseInstant(a.NewStartTime, loc)
	if err != nil {
		return Answer{Status: StatusInvalid, Result: "Die neue Uhrzeit habe ich nicht verstanden. Auf wann möchten Sie den Termin verschieben?",
			Data: map[string]any{"error": err.Error()}}, nil
	}
	if !newStart.After(now) {
		return Answer{Status: StatusInvalid, Result: "Der neue Zeitpunkt liegt in der Vergangenheit. Auf wann möchten Sie den Termin verschieben?",
			Data: map[string]any{"error": "new_start_time " + newStart.Format(time.RFC3339) + " is in the past"}}, nil
	}
	app, ans, err := cal.mine(tctx, c, a.StartTime, loc)
	if err != nil || ans != nil {
		return deref(ans), err
	}
	if app.StartsAt.Equal(newStart) {
		return Answer{Status: StatusOK, Result: "Ihr Termin ist bereits " + spokenDateTime(newStart, now, loc) + ".",
			Data: map[string]any{"booking_uid": app.CalcomBookingUID, "start": newStart.In(loc).Format(time.RFC3339)}}, nil
	}
	if app.ServiceID == nil {
		return Answer{}, fmt.Errorf("appointment %s has no service", app.CalcomBookingUID)
	}
	svc, err := cal.service(tctx, c, *app.ServiceID)
	if err != nil {
		return Answer{}, fmt.Errorf("service of appointment %s: %w", app.CalcomBookingUID, err)
	}
	if svc.CalcomEventTypeID == nil {
		return Answer{}, fmt.Errorf("service %d has no event type", svc.ID)
	}
	cl, err := cal.client(ctx, c)
	if err != nil {
		return cal.unavailable(ctx, c, "client", err), nil
	}
	defer cal.forgetSlots(slotKey{company: c.Company.ID, eventType: *svc.CalcomEventTypeID, day: dayOf(newStart.In(loc)), tz: loc.String()})
	defer cal.forgetSlots(slotKey{company: c.Company.ID, eventType: *svc.CalcomEventTypeID, day: dayOf(app.StartsAt.In(loc)), tz: loc.String()})

	nb, err := cl.RescheduleBooking(ctx, app.CalcomBookingUID, calcom.RescheduleRequest{Start: newStart, ReschedulingReason: "Am Telefon verschoben"})
	switch {
	case err == nil:
	case calcom.IsSlotTaken(err):
		hours, herr := cal.hours(tctx, c.Branch.ID)
		if herr != nil {
			return Answer{}, herr
		}
		return cal.alternatives(ctx, cl, c, svc, newStart, loc, hours)
	case errors.Is(err, calcom.ErrAmbiguous):
		nb, err = cal.rescheduledTo(ctx, cl, app.CalcomBookingUID)
		if err != nil {
			cal.log.ErrorContext(ctx, "booking: cannot tell whether the reschedule was made", "call_id", c.CallID, "uid", app.CalcomBookingUID, "error", err.Error())
			ans := cal.unavailable(ctx, c, "reschedule", err)
			ans.Result = "Ich konnte leider nicht bestätigen, ob der Termin verschoben wurde. Wir prüfen das und rufen Sie zurück."
			return ans, nil
		}
		if nb.UID == "" {
			return cal.unavailable(ctx, c, "reschedule", errors.New("reschedule was not made")), nil
		}
	case calcom.IsNotFound(err):
		return Answer{Status: StatusNotFound, Result: "Diesen Termin finde ich im Kalender leider nicht mehr. Wir melden uns bei Ihnen."}, nil
	default:
		return cal.unavailable(ctx, c, "reschedule", err), nil
	}
	if nb.Start.IsZero() {
		nb.Start = newStart
	}
	end := nb.End
	if !end.After(nb.Start) {
		end = nb.Start.Add(app.EndsAt.Sub(app.StartsAt))
	}
	if werr := cal.recordReschedule(ctx, c, svc, app, nb.UID, nb.Start, end); werr != nil {
		cal.log.ErrorContext(ctx, "booking: rescheduled but not recorded", "call_id", c.CallID, "uid", nb.UID, "error", werr.Error())
	}
	cal.log.InfoContext(ctx, "booking: rescheduled", "call_id", c.CallID, "company_id", c.Company.ID, "old_uid", app.CalcomBookingUID, "uid", nb.UID)
	return Answer{Status: StatusOK, Result: "Ihr Termin ist verschoben auf " + strings.TrimPrefix(spokenDateTime(nb.Start, now, loc), "am ") + ".",
		Data: map[string]any{"booking_uid": nb.UID, "rescheduled_from_uid": app.CalcomBookingUID,
			"start": nb.Start.In(loc).Format(time.RFC3339), "end": end.In(loc).Format(time.RFC3339)}}, nil
}

// rescheduledTo reads the old booking after an ambiguous reschedule: the
// new booking when it was moved, a zero Booking when it was not.
func (cal *calendar) rescheduledTo(ctx context.Context, cl *calcom.Client, oldUID string) (calcom.Booking, error) {
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cal.writeTimeout)
	defer cancel()
	old, err := cl.GetBooking(wctx, oldUID)
	if err != nil {
		return calcom.Booking{}, err
	}
	if old.RescheduledToUID == "" {
		return calcom.Booking{}, nil
	}
	return cl.GetBooking(wctx, old.RescheduledToUID)
}

// recordReschedule stores the new booking and marks the old one
// rescheduled, as the BOOKING_RESCHEDULED webhook handler does, in one
// transaction.
func (cal *calendar) recordReschedule(ctx context.Context, c Call, svc store.Service, old store.Appointment, uid string, start, end time.Time) error {
	wctx, cancel := context.WithTimeout(context.WithoutCancel(tenantCtx(ctx, c)), cal.writeTimeout)
	defer cancel()
	return cal.st.Tx(wctx, func(st *store.Store) error {
		ev := store.AppointmentEvent{UID: uid, StartsAt: start, EndsAt: end, Status: store.AppointmentBooked, BranchID: old.BranchID,
			ServiceID: &svc.ID, CustomerID: old.CustomerID, Source: store.SourcePhone, RescheduledFromUID: old.CalcomBookingUID}
		if ev.BranchID == nil {
			ev.BranchID = &c.Branch.ID
		}
		if id, err := callRow(wctx, st, c, old.CustomerID); err != nil {
			return err
		} else if id != 0 {
			ev.CallID = &id
		}
		if err := st.Appointments.Merge(wctx, ev); err != nil {
			return fmt.Errorf("merge appointment %s: %w", uid, err)
		}
		prev := store.AppointmentEvent{UID: old.CalcomBookingUID, StartsAt: old.StartsAt, EndsAt: old.EndsAt, Status: store.AppointmentRescheduled}
		if err := st.Appointments.Merge(wctx, prev); err != nil {
			return fmt.Errorf("mark %s rescheduled: %w", old.CalcomBookingUID, err)
		}
		return nil
	})
}
