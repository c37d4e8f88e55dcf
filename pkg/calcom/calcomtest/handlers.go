package calcomtest

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
)

// Messages of the real Cal.com (README section 5, errors.service.ts,
// slots.service.ts).
const (
	MsgAlreadyBooked       = "Can't reserve a slot if the event is already booked."
	MsgAlreadyReserved     = "This time slot is already reserved by another user. Please choose a different time."
	MsgUserUnavailable     = "User either already has booking at this time or is not available"
	MsgHostsUnavailable    = "One of the hosts either already has booking at this time or is not available"
	MsgInThePast           = "Attempting to book a meeting in the past."
	MsgAlreadyCancelled    = "This booking has already been cancelled."
	msgSomeoneElseReserved = "Someone else reserved this booking time slot before you. This time slot will be freed up in %d seconds."
)

// dispatch runs the endpoint op; s.mu is held.
func (s *Server) dispatch(op Op, rt routeInfo, r *http.Request, key string, body []byte, now time.Time) answer {
	uri := r.URL.RequestURI()
	bad := func(status int, format string, args ...any) answer {
		return errAnswer(now, uri, status, "", fmt.Sprintf(format, args...))
	}
	switch op {
	case OpSlots:
		return s.slots(r, key, now, bad)
	case OpReserve:
		return s.reserve(key, body, now, bad)
	case OpGetReservation:
		for _, res := range s.reservations {
			if res.UID == rt.id {
				return ok(http.StatusOK, reservationOut(res))
			}
		}
		return ok(http.StatusOK, nil) // the controller answers null data
	case OpUpdateReservation:
		return s.updateReservation(rt.id, key, body, now, bad)
	case OpRelease:
		for i, res := range s.reservations {
			if res.UID == rt.id {
				s.reservations = append(s.reservations[:i], s.reservations[i+1:]...)
				return answer{status: http.StatusOK, body: map[string]any{"status": "success"}}
			}
		}
		return bad(http.StatusNotFound, "Slot with uid=%s not found", rt.id)
	case OpCreateBooking:
		return s.createBooking(body, now, bad)
	case OpGetBooking:
		b := s.booking(rt.id)
		if b == nil {
			return bad(http.StatusNotFound, "Booking with uid=%s not found", rt.id)
		}
		return ok(http.StatusOK, s.bookingOut(b))
	case OpCancel:
		return s.cancel(rt.id, body, now, bad)
	case OpReschedule:
		return s.reschedule(rt.id, body, now, bad)
	case OpEventTypes:
		list := []map[string]any{}
		for _, et := range s.visibleEventTypes(key) {
			list = append(list, eventTypeOut(et))
		}
		return ok(http.StatusOK, list)
	case OpEventType:
		id, err := strconv.ParseInt(rt.id, 10, 64)
		if err != nil {
			return bad(http.StatusBadRequest, "Validation failed (numeric string is expected)")
		}
		et := s.eventType(id, key)
		if et == nil {
			return bad(http.StatusNotFound, "Event type with id %d not found", id)
		}
		return ok(http.StatusOK, eventTypeOut(et))
	}
	return bad(http.StatusNotFound, "Cannot %s %s", r.Method, r.URL.Path)
}

type badFunc func(status int, format string, args ...any) answer

// eventType returns the event type id as GET /v2/event-types/{id} sees it:
// only its owner's key (or any key, for one without owner) finds it.
// Slots, reservations and bookings take any event type, as Cal.com's
// public booking endpoints do.
func (s *Server) eventType(id int64, key string) *EventType {
	et := s.eventTypes[id]
	if et == nil || (et.OwnerKey != "" && et.OwnerKey != key) {
		return nil
	}
	return et
}

func (s *Server) visibleEventTypes(key string) []*EventType {
	var out []*EventType
	for _, et := range s.eventTypes {
		if et.OwnerKey == "" || et.OwnerKey == key {
			out = append(out, et)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func (s *Server) booking(uid string) *Booking {
	for _, b := range s.bookings {
		if b.UID == uid {
			return b
		}
	}
	return nil
}

// length resolves an asked length: 0 is the default; another must be one
// of the options (or the default length).
func length(et *EventType, asked int) (int, bool) {
	if asked == 0 || asked == et.LengthMinutes {
		return et.LengthMinutes, true
	}
	for _, l := range et.LengthOptions {
		if l == asked {
			return l, true
		}
	}
	return 0, false
}

var (
	utcDateTime = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?Z$`)
	isoDate     = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
)

// parseUTC reads an ISO 8601 date-time in UTC ("...Z"). Cal.com converts
// other offsets; the fake refuses them, since the documented contract is
// UTC and a client that sends local times has a bug.
func parseUTC(s string) (time.Time, bool) {
	if !utcDateTime.MatchString(s) {
		return time.Time{}, false
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04Z"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// parseRangeBound reads a slots start or end: a UTC date-time or a bare
// date (UTC). An end at 00:00:00 means 23:59:59 of that day, as
// slots-input.service.ts adjustEndTime does.
func parseRangeBound(s string, end bool) (time.Time, bool) {
	var t time.Time
	if isoDate.MatchString(s) {
		d, err := time.Parse("2006-01-02", s)
		if err != nil {
			return time.Time{}, false
		}
		t = d
	} else {
		var ok bool
		if t, ok = parseUTC(s); !ok {
			return time.Time{}, false
		}
	}
	if end && t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 {
		t = time.Date(t.Year(), t.Month(), t.Day(), 23, 59, 59, 0, time.UTC)
	}
	return t, true
}

// candidates returns the slot starts of et's availability whose start lies
// in [from, to], ordered.
func (s *Server) candidates(et *EventType, from, to time.Time) []time.Time {
	av := s.availability[et.ID]
	if av == nil {
		return nil
	}
	var out []time.Time
	if len(av.Slots) > 0 {
		for _, t := range av.Slots {
			if !t.Before(from) && !t.After(to) {
				out = append(out, t.UTC())
			}
		}
		sort.Slice(out, func(i, j int) bool { return out[i].Before(out[j]) })
		return out
	}
	step := av.IntervalMinutes
	if step <= 0 {
		step = et.LengthMinutes
	}
	first := from.In(av.loc)
	day := time.Date(first.Year(), first.Month(), first.Day(), 0, 0, 0, 0, av.loc).AddDate(0, 0, -1)
	for ; !day.After(to.Add(24 * time.Hour)); day = day.AddDate(0, 0, 1) {
		for _, h := range av.Weekly {
			if h.Weekday != day.Weekday() {
				continue
			}
			f, _ := parseClock(h.From)
			e, _ := parseClock(h.To)
			for m := f; m+et.LengthMinutes <= e; m += step {
				t := time.Date(day.Year(), day.Month(), day.Day(), m/60, m%60, 0, 0, av.loc)
				if !t.Before(from) && !t.After(to) {
					out = append(out, t.UTC())
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Before(out[j]) })
	return out
}

// inAvailability reports whether start is a slot start of et.
func (s *Server) inAvailability(et *EventType, start time.Time) bool {
	for _, c := range s.candidates(et, start, start) {
		if c.Equal(start) {
			return true
		}
	}
	return false
}

func overlaps(aStart, aEnd, bStart, bEnd time.Time) bool {
	return aStart.Before(bEnd) && bStart.Before(aEnd)
}

// busy reports whether the host of et has an accepted booking overlapping
// [start, end), other than except.
func (s *Server) busy(et *EventType, start, end time.Time, except *Booking) bool {
	for _, b := range s.bookings {
		if b == except || b.Status != "accepted" {
			continue
		}
		other := s.eventTypes[b.EventTypeID]
		if other == nil || other.Host.ID != et.Host.ID {
			continue
		}
		if overlaps(start, end, b.Start, b.End) {
			return true
		}
	}
	return false
}

// bookedOnEventType reports an accepted booking of et overlapping
// [start, end) (slots.repository findActiveOverlappingBooking).
func (s *Server) bookedOnEventType(et *EventType, start, end time.Time) bool {
	for _, b := range s.bookings {
		if b.Status == "accepted" && b.EventTypeID == et.ID && overlaps(start, end, b.Start, b.End) {
			return true
		}
	}
	return false
}

// heldBy returns the active reservations of et overlapping [start, end),
// other than except, oldest first.
func (s *Server) heldBy(et *EventType, start, end, now time.Time, except *Reservation) []*Reservation {
	var out []*Reservation
	for _, r := range s.reservations {
		if r == except || r.EventTypeID != et.ID || !r.Until.After(now) {
			continue
		}
		if overlaps(start, end, r.SlotStart, r.SlotEnd) {
			out = append(out, r)
		}
	}
	return out
}

func (s *Server) slots(r *http.Request, key string, now time.Time, bad badFunc) answer {
	q := r.URL.Query()
	id, err := strconv.ParseInt(q.Get("eventTypeId"), 10, 64)
	if err != nil {
		return bad(http.StatusBadRequest, "calcomtest: eventTypeId is required (the fake supports no slug or username selectors)")
	}
	et := s.eventTypes[id]
	if et == nil {
		return bad(http.StatusNotFound, "Event Type not found")
	}
	if q.Get("start") == "" || q.Get("end") == "" {
		return bad(http.StatusBadRequest, "calcomtest: start and end are required")
	}
	from, ok1 := parseRangeBound(q.Get("start"), false)
	if !ok1 {
		return bad(http.StatusBadRequest, "Invalid start date")
	}
	to, ok2 := parseRangeBound(q.Get("end"), true)
	if !ok2 {
		return bad(http.StatusBadRequest, "Invalid end date")
	}
	if to.Before(from) {
		return bad(http.StatusBadRequest, "Invalid time range given - check the 'start' and 'end' query parameters.")
	}
	loc := time.UTC
	if tz := q.Get("timeZone"); tz != "" {
		l, err := time.LoadLocation(tz)
		if err != nil || tz == "Local" {
			return bad(http.StatusBadRequest, "calcomtest: timeZone %q is not an IANA time zone", tz)
		}
		loc = l
	}
	dur := et.LengthMinutes
	if d := q.Get("duration"); d != "" {
		n, err := strconv.Atoi(d)
		l, okLen := length(et, n)
		if err != nil || n <= 0 || !okLen {
			return bad(http.StatusBadRequest, "calcomtest: duration %q is not a length of event type %d (%v)", d, et.ID, append([]int{et.LengthMinutes}, et.LengthOptions...))
		}
		dur = l
	}
	rangeFormat := q.Get("format") == "range"
	data := map[string][]map[string]any{}
	for _, start := range s.candidates(et, from, to) {
		end := start.Add(time.Duration(dur) * time.Minute)
		if !start.After(now) || s.busy(et, start, end, nil) || len(s.heldBy(et, start, end, now, nil)) > 0 {
			continue
		}
		day := start.In(loc).Format("2006-01-02")
		slot := map[string]any{"start": isoIn(start, loc)}
		if rangeFormat {
			slot["end"] = isoIn(end, loc)
		}
		data[day] = append(data[day], slot)
	}
	return ok(http.StatusOK, data)
}

type reservationIn struct {
	EventTypeID         *int64 `json:"eventTypeId"`
	SlotStart           string `json:"slotStart"`
	SlotDuration        *int   `json:"slotDuration"`
	ReservationDuration *int   `json:"reservationDuration"`
}

// checkReservation validates a reservation body; it returns the event
// type, slot and hold length, or the error answer.
func (s *Server) checkReservation(key string, body []byte, bad badFunc) (*EventType, time.Time, time.Time, int, *answer) {
	var in reservationIn
	fail := func(a answer) (*EventType, time.Time, time.Time, int, *answer) {
		return nil, time.Time{}, time.Time{}, 0, &a
	}
	if err := decodeStrict(body, &in); err != nil {
		return fail(bad(http.StatusBadRequest, "calcomtest: body: %v", err))
	}
	if in.EventTypeID == nil {
		return fail(bad(http.StatusBadRequest, "eventTypeId must be an integer number"))
	}
	et := s.eventTypes[*in.EventTypeID]
	if et == nil {
		return fail(bad(http.StatusNotFound, "Event Type with ID=%d not found", *in.EventTypeID))
	}
	hold := 5
	if in.ReservationDuration != nil {
		if et.OwnerKey != "" && et.OwnerKey != key {
			return fail(bad(http.StatusForbidden, "authenticated user is not owner of event type, does not have memberships in common with owner of the event type, nor does belong to event type's team or org."))
		}
		if *in.ReservationDuration < 1 {
			return fail(bad(http.StatusBadRequest, "reservationDuration must be a positive number of minutes"))
		}
		hold = *in.ReservationDuration
	}
	start, okStart := parseUTC(in.SlotStart)
	if !okStart {
		return fail(bad(http.StatusBadRequest, "Invalid start date"))
	}
	dur := et.LengthMinutes
	if in.SlotDuration != nil {
		if len(et.LengthOptions) == 0 {
			return fail(bad(http.StatusBadRequest, "You passed 'slotDuration' but this event type is not a variable length event type."))
		}
		l, okLen := length(et, *in.SlotDuration)
		if !okLen {
			opts := make([]string, 0, len(et.LengthOptions))
			for _, o := range sortedInts(et.LengthOptions) {
				opts = append(opts, strconv.Itoa(o))
			}
			return fail(bad(http.StatusBadRequest, "Provided 'slotDuration' is not one of the possible lengths for the event type. The possible lengths for this variable length event type are: %s", strings.Join(opts, ", ")))
		}
		dur = l
	}
	return et, start, start.Add(time.Duration(dur) * time.Minute), hold, nil
}

func (s *Server) reserve(key string, body []byte, now time.Time, bad badFunc) answer {
	et, start, end, hold, fail := s.checkReservation(key, body, bad)
	if fail != nil {
		return *fail
	}
	if s.bookedOnEventType(et, start, end) {
		return bad(http.StatusUnprocessableEntity, MsgAlreadyBooked)
	}
	if len(s.heldBy(et, start, end, now, nil)) > 0 {
		return bad(http.StatusUnprocessableEntity, MsgAlreadyReserved)
	}
	s.seq++
	res := &Reservation{
		UID: newUUID(), EventTypeID: et.ID, SlotStart: start, SlotEnd: end,
		ReservationDuration: hold, Until: now.Add(time.Duration(hold) * time.Minute), CreatedAt: now, seq: s.seq,
	}
	s.reservations = append(s.reservations, res)
	return ok(http.StatusCreated, reservationOut(res))
}

func (s *Server) updateReservation(uid, key string, body []byte, now time.Time, bad badFunc) answer {
	var res *Reservation
	for _, r := range s.reservations {
		if r.UID == uid {
			res = r
		}
	}
	if res == nil {
		return bad(http.StatusNotFound, "Slot with uid=%s not found", uid)
	}
	et, start, end, hold, fail := s.checkReservation(key, body, bad)
	if fail != nil {
		return *fail
	}
	if s.bookedOnEventType(et, start, end) {
		return bad(http.StatusUnprocessableEntity, MsgAlreadyBooked)
	}
	if len(s.heldBy(et, start, end, now, res)) > 0 {
		return bad(http.StatusUnprocessableEntity, MsgAlreadyReserved)
	}
	res.EventTypeID, res.SlotStart, res.SlotEnd = et.ID, start, end
	res.ReservationDuration, res.Until = hold, now.Add(time.Duration(hold)*time.Minute)
	return ok(http.StatusOK, reservationOut(res))
}

func reservationOut(r *Reservation) map[string]any {
	return map[string]any{
		"eventTypeId":         r.EventTypeID,
		"slotStart":           isoUTC(r.SlotStart),
		"slotEnd":             isoUTC(r.SlotEnd),
		"slotDuration":        int(r.SlotEnd.Sub(r.SlotStart) / time.Minute),
		"reservationUid":      r.UID,
		"reservationDuration": r.ReservationDuration,
		"reservationUntil":    isoUTC(r.Until),
	}
}

type attendeeIn struct {
	Name        *string `json:"name"`
	Email       *string `json:"email"`
	TimeZone    *string `json:"timeZone"`
	PhoneNumber *string `json:"phoneNumber"`
	Language    *string `json:"language"`
}

type bookingIn struct {
	Start           *string                    `json:"start"`
	EventTypeID     *int64                     `json:"eventTypeId"`
	Attendee        *attendeeIn                `json:"attendee"`
	Metadata        map[string]json.RawMessage `json:"metadata"`
	ReservedSlotUID string                     `json:"reservedSlotUid"`
	LengthInMinutes *int                       `json:"lengthInMinutes"`
	Guests          []string                   `json:"guests"`
}

var (
	e164     = regexp.MustCompile(`^\+[1-9]\d{6,14}$`)
	emailish = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
)

func jsLen(s string) int { return len(utf16.Encode([]rune(s))) }

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// checkMetadata applies the documented limits: string values, at most 50
// keys, keys at most 40 and values at most 500 characters.
func checkMetadata(raw map[string]json.RawMessage, bad badFunc) (map[string]string, *answer) {
	if len(raw) > 50 {
		a := bad(http.StatusBadRequest, "metadata: Metadata can have at most 50 keys, got %d", len(raw))
		return nil, &a
	}
	out := make(map[string]string, len(raw))
	for k, v := range raw {
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			a := bad(http.StatusBadRequest, "metadata: the value of %q must be a string", k)
			return nil, &a
		}
		if jsLen(k) > 40 {
			a := bad(http.StatusBadRequest, "metadata: key %q is longer than 40 characters", k)
			return nil, &a
		}
		if jsLen(s) > 500 {
			a := bad(http.StatusBadRequest, "metadata: the value of %q is longer than 500 characters", k)
			return nil, &a
		}
		out[k] = s
	}
	return out, nil
}

func (s *Server) unavailable(et *EventType, bad badFunc) answer {
	if et.Team {
		return bad(http.StatusBadRequest, MsgHostsUnavailable)
	}
	return bad(http.StatusBadRequest, MsgUserUnavailable)
}

// checkSlot decides whether [start, end) of et can be booked now, by the
// holder of own (nil: no usable reservation), ignoring the booking except
// (a reschedule's old booking).
func (s *Server) checkSlot(et *EventType, start, end, now time.Time, own *Reservation, except *Booking, bad badFunc) *answer {
	if start.Before(now) {
		a := bad(http.StatusBadRequest, MsgInThePast)
		return &a
	}
	if !s.inAvailability(et, start) || s.busy(et, start, end, except) {
		a := s.unavailable(et, bad)
		return &a
	}
	for _, r := range s.heldBy(et, start, end, now, own) {
		if own == nil || r.seq < own.seq {
			secs := int64(math.Ceil(r.Until.Sub(now).Seconds()))
			a := bad(http.StatusBadRequest, msgSomeoneElseReserved, secs)
			return &a
		}
	}
	return nil
}

func (s *Server) createBooking(body []byte, now time.Time, bad badFunc) answer {
	var in bookingIn
	if err := decodeStrict(body, &in); err != nil {
		return bad(http.StatusBadRequest, "calcomtest: body: %v", err)
	}
	if in.EventTypeID == nil {
		return bad(http.StatusBadRequest, "calcomtest: eventTypeId is required (the fake supports no slug selectors)")
	}
	if in.Start == nil {
		return bad(http.StatusBadRequest, "start must be a valid ISO 8601 date string in UTC")
	}
	start, okStart := parseUTC(*in.Start)
	if !okStart {
		return bad(http.StatusBadRequest, "start must be a valid ISO 8601 date string in UTC, like 2026-03-12T09:00:00Z; got %q", *in.Start)
	}
	att, fail := checkAttendee(in.Attendee, bad)
	if fail != nil {
		return *fail
	}
	meta, fail := checkMetadata(in.Metadata, bad)
	if fail != nil {
		return *fail
	}
	et := s.eventTypes[*in.EventTypeID]
	if et == nil {
		return bad(http.StatusNotFound, "Event type with id %d not found.", *in.EventTypeID)
	}
	dur := et.LengthMinutes
	if in.LengthInMinutes != nil {
		l, okLen := length(et, *in.LengthInMinutes)
		if !okLen {
			return bad(http.StatusBadRequest, "lengthInMinutes %d is not a length of event type %d", *in.LengthInMinutes, et.ID)
		}
		dur = l
	}
	end := start.Add(time.Duration(dur) * time.Minute)
	var own *Reservation
	ownIdx := -1
	for i, r := range s.reservations {
		if in.ReservedSlotUID != "" && r.UID == in.ReservedSlotUID {
			ownIdx = i
			if r.Until.After(now) && r.EventTypeID == et.ID && overlaps(start, end, r.SlotStart, r.SlotEnd) {
				own = r
			}
		}
	}
	if fail := s.checkSlot(et, start, end, now, own, nil, bad); fail != nil {
		return *fail
	}
	if ownIdx >= 0 {
		s.reservations = append(s.reservations[:ownIdx], s.reservations[ownIdx+1:]...)
	}
	b := s.newBooking(et, start, end, att, meta, now)
	b.ReservedSlotUID = in.ReservedSlotUID
	b.Guests = append([]string(nil), in.Guests...)
	return ok(http.StatusCreated, s.bookingOut(b))
}

func checkAttendee(in *attendeeIn, bad badFunc) (Attendee, *answer) {
	fail := func(format string, args ...any) (Attendee, *answer) {
		a := bad(http.StatusBadRequest, format, args...)
		return Attendee{}, &a
	}
	if in == nil {
		return fail("attendee must be an object")
	}
	att := Attendee{Name: str(in.Name), Email: str(in.Email), TimeZone: str(in.TimeZone), PhoneNumber: str(in.PhoneNumber), Language: str(in.Language)}
	if strings.TrimSpace(att.Name) == "" {
		return fail("attendee.name should not be empty")
	}
	if att.TimeZone == "" {
		return fail("attendee.timeZone should not be empty")
	}
	if _, err := time.LoadLocation(att.TimeZone); err != nil || att.TimeZone == "Local" {
		return fail("attendee.timeZone must be a valid IANA time zone, got %q", att.TimeZone)
	}
	if att.Email == "" && att.PhoneNumber == "" {
		return fail("attendee: either email or phoneNumber must be provided")
	}
	if att.Email != "" && !emailish.MatchString(att.Email) {
		return fail("attendee.email must be an email")
	}
	if att.PhoneNumber != "" && !e164.MatchString(att.PhoneNumber) {
		return fail("attendee.phoneNumber must be a valid phone number in international format, got %q", att.PhoneNumber)
	}
	return att, nil
}

func (s *Server) newBooking(et *EventType, start, end time.Time, att Attendee, meta map[string]string, now time.Time) *Booking {
	s.nextID++
	b := &Booking{
		ID: s.nextID, UID: newUID(), EventTypeID: et.ID, Start: start, End: end, Status: "accepted",
		Attendee: att, Metadata: meta, CreatedAt: now,
	}
	s.bookings = append(s.bookings, b)
	return b
}

type cancelIn struct {
	CancellationReason string `json:"cancellationReason"`
}

func (s *Server) cancel(uid string, body []byte, now time.Time, bad badFunc) answer {
	var in cancelIn
	if len(strings.TrimSpace(string(body))) > 0 {
		if err := json.Unmarshal(body, &in); err != nil {
			return bad(http.StatusBadRequest, "calcomtest: body: %v", err)
		}
	}
	b := s.booking(uid)
	if b == nil {
		return bad(http.StatusNotFound, "Booking with uid=%s not found", uid)
	}
	if b.Status == "cancelled" {
		return bad(http.StatusBadRequest, MsgAlreadyCancelled)
	}
	b.Status, b.CancellationReason, b.UpdatedAt = "cancelled", in.CancellationReason, now
	return ok(http.StatusOK, s.bookingOut(b))
}

type rescheduleIn struct {
	Start              *string `json:"start"`
	ReschedulingReason string  `json:"reschedulingReason"`
	RescheduledBy      string  `json:"rescheduledBy"`
}

func (s *Server) reschedule(uid string, body []byte, now time.Time, bad badFunc) answer {
	var in rescheduleIn
	if err := decodeStrict(body, &in); err != nil {
		return bad(http.StatusBadRequest, "calcomtest: body: %v", err)
	}
	old := s.booking(uid)
	if old == nil {
		return bad(http.StatusNotFound, "Booking with uid=%s not found", uid)
	}
	if in.Start == nil {
		return bad(http.StatusBadRequest, "start must be a valid ISO 8601 date string in UTC")
	}
	start, okStart := parseUTC(*in.Start)
	if !okStart {
		return bad(http.StatusBadRequest, "start must be a valid ISO 8601 date string in UTC, like 2026-03-12T09:00:00Z; got %q", *in.Start)
	}
	if old.Status != "accepted" {
		return bad(http.StatusBadRequest, "calcomtest: booking with uid=%s is %s and cannot be rescheduled", uid, old.Status)
	}
	et := s.eventTypes[old.EventTypeID]
	if et == nil {
		return bad(http.StatusNotFound, "Event type with id %d not found.", old.EventTypeID)
	}
	end := start.Add(old.End.Sub(old.Start))
	if fail := s.checkSlot(et, start, end, now, nil, old, bad); fail != nil {
		return *fail
	}
	nb := s.newBooking(et, start, end, old.Attendee, cloneMap(old.Metadata), now)
	nb.Guests = append([]string(nil), old.Guests...)
	nb.RescheduledFromUID, nb.ReschedulingReason = old.UID, in.ReschedulingReason
	old.Status, old.Rescheduled, old.RescheduledToUID, old.UpdatedAt = "cancelled", true, nb.UID, now
	return ok(http.StatusCreated, s.bookingOut(nb))
}

// bookingOut renders b in the 2024-08-13 output shape (booking.output.ts;
// fixture create_booking_response.json).
func (s *Server) bookingOut(b *Booking) map[string]any {
	et := s.eventTypes[b.EventTypeID]
	if et == nil {
		et = &EventType{ID: b.EventTypeID}
	}
	host := et.Host
	conj := "between"
	if b.Attendee.Language == "de" {
		conj = "zwischen"
	}
	and := map[string]string{"between": "and", "zwischen": "und"}[conj]
	fields := map[string]any{"name": b.Attendee.Name}
	if b.Attendee.Email != "" {
		fields["email"] = b.Attendee.Email
	}
	if b.Attendee.PhoneNumber != "" {
		fields["attendeePhoneNumber"] = b.Attendee.PhoneNumber
	}
	attendee := map[string]any{
		"name": b.Attendee.Name, "email": b.Attendee.Email, "displayEmail": b.Attendee.Email,
		"timeZone": b.Attendee.TimeZone, "absent": false,
	}
	if b.Attendee.Language != "" {
		attendee["language"] = b.Attendee.Language
	}
	if b.Attendee.PhoneNumber != "" {
		attendee["phoneNumber"] = b.Attendee.PhoneNumber
	}
	meta := b.Metadata
	if meta == nil {
		meta = map[string]string{}
	}
	guests := b.Guests
	if guests == nil {
		guests = []string{}
	}
	out := map[string]any{
		"id":          b.ID,
		"uid":         b.UID,
		"title":       fmt.Sprintf("%s %s %s %s %s", et.Title, conj, host.Name, and, b.Attendee.Name),
		"description": "",
		"hosts": []map[string]any{{
			"id": host.ID, "name": host.Name, "email": host.Email, "displayEmail": host.Email,
			"username": host.Username, "timeZone": host.TimeZone,
		}},
		"status":                 b.Status,
		"start":                  isoUTC(b.Start),
		"end":                    isoUTC(b.End),
		"duration":               int(b.End.Sub(b.Start) / time.Minute),
		"eventTypeId":            b.EventTypeID,
		"eventType":              map[string]any{"id": et.ID, "slug": et.Slug},
		"location":               et.Location,
		"absentHost":             false,
		"createdAt":              isoUTC(b.CreatedAt),
		"updatedAt":              nil,
		"metadata":               meta,
		"attendees":              []map[string]any{attendee},
		"guests":                 guests,
		"bookingFieldsResponses": fields,
	}
	if !b.UpdatedAt.IsZero() {
		out["updatedAt"] = isoUTC(b.UpdatedAt)
	}
	if b.CancellationReason != "" {
		out["cancellationReason"] = b.CancellationReason
	}
	if b.ReschedulingReason != "" {
		out["reschedulingReason"] = b.ReschedulingReason
	}
	if b.RescheduledFromUID != "" {
		out["rescheduledFromUid"] = b.RescheduledFromUID
	}
	if b.RescheduledToUID != "" {
		out["rescheduledToUid"] = b.RescheduledToUID
	}
	return out
}

// eventTypeOut renders et in the 2024-06-14 output shape (the fields the
// fake knows).
func eventTypeOut(et *EventType) map[string]any {
	out := map[string]any{
		"id":              et.ID,
		"title":           et.Title,
		"slug":            et.Slug,
		"description":     "",
		"lengthInMinutes": et.LengthMinutes,
		"hidden":          et.Hidden,
	}
	if len(et.LengthOptions) > 0 {
		out["lengthInMinutesOptions"] = sortedInts(et.LengthOptions)
	}
	if et.Team {
		out["teamId"] = et.Host.ID
		out["schedulingType"] = "collective"
	} else {
		out["ownerId"] = et.Host.ID
	}
	return out
}
