package calcom_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/askproai/askpro/pkg/calcom"
	"github.com/askproai/askpro/pkg/calcom/calcomtest"
)

func TestNew_Config(t *testing.T) {
	t.Parallel()
	c, err := calcom.New(calcom.Config{APIKey: testKey})
	require.NoError(t, err)
	assert.Equal(t, "https://api.cal.com", c.BaseURL())
	c, err = calcom.New(calcom.Config{APIKey: testKey, BaseURL: "https://api.cal.eu/"})
	require.NoError(t, err)
	assert.Equal(t, calcom.EUBaseURL, c.BaseURL())

	bad := []struct {
		name string
		cfg  calcom.Config
		want string
	}{
		{"no key", calcom.Config{}, "API key is required"},
		{"key with newline", calcom.Config{APIKey: "cal_x\r\nX-Evil: 1"}, "control characters"},
		{"path", calcom.Config{APIKey: testKey, BaseURL: "https://api.cal.com/v2"}, "host without a path"},
		{"scheme", calcom.Config{APIKey: testKey, BaseURL: "ftp://api.cal.com"}, "http or https"},
		{"no host", calcom.Config{APIKey: testKey, BaseURL: "https://"}, "no host"},
		{"query", calcom.Config{APIKey: testKey, BaseURL: "https://api.cal.com?x=1"}, "must not have a query"},
		{"retries", calcom.Config{APIKey: testKey, MaxRetries: -2}, "max retries"},
		{"timeout", calcom.Config{APIKey: testKey, Timeout: -time.Second}, "negative"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := calcom.New(tt.cfg)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.NotContains(t, err.Error(), testKey)
		})
	}
}

func TestSlots(t *testing.T) {
	t.Parallel()
	c, b := setup(t)
	ctx := ctxT(t)

	// End at midnight UTC: Cal.com would read it as the end of the 13th.
	q := calcom.SlotsQuery{
		EventTypeID: salonType,
		Start:       time.Date(2026, 3, 12, 0, 0, 0, 0, time.UTC),
		End:         time.Date(2026, 3, 13, 0, 0, 0, 0, time.UTC),
		TimeZone:    "Europe/Berlin",
	}
	slots, err := c.Slots(ctx, q)
	require.NoError(t, err)
	assert.Equal(t, []string{"2026-03-12"}, slots.Days(), "the range ends where the caller said, not a day later")
	list := slots.List()
	require.Len(t, list, 8, "09:00 to 16:00 Berlin, one an hour")
	assert.True(t, list[0].Start.Equal(at(12, 9)))
	assert.True(t, list[7].Start.Equal(at(12, 16)))
	_, off := list[0].Start.Zone()
	assert.Equal(t, 3600, off, "times come in the asked zone")
	req := b.srv.RequestsOf(calcomtest.OpSlots)[0]
	assert.Equal(t, "2026-03-12T00:00:00Z", req.Query.Get("start"))
	assert.Equal(t, "2026-03-12T23:59:59Z", req.Query.Get("end"))
	assert.Equal(t, "4711", req.Query.Get("eventTypeId"))
	assert.Equal(t, "Europe/Berlin", req.Query.Get("timeZone"))

	// Booked and reserved slots are not offered.
	_, err = c.CreateBooking(ctx, bookingReq(at(12, 10)))
	require.NoError(t, err)
	_, err = c.ReserveSlot(ctx, calcom.ReservationRequest{EventTypeID: salonType, SlotStart: at(12, 11)})
	require.NoError(t, err)
	slots, err = c.Slots(ctx, q)
	require.NoError(t, err)
	var starts []int
	for _, s := range slots.List() {
		starts = append(starts, s.Start.In(berlin).Hour())
	}
	assert.Equal(t, []int{9, 12, 13, 14, 15, 16}, starts)

	// No zone: UTC days and offsets.
	slots, err = c.Slots(ctx, calcom.SlotsQuery{EventTypeID: salonType, Start: at(13, 0), End: at(13, 23)})
	require.NoError(t, err)
	list = slots.List()
	require.NotEmpty(t, list)
	_, off = list[0].Start.Zone()
	assert.Equal(t, 0, off)
	assert.Equal(t, []string{"2026-03-13"}, slots.Days())

	// Nothing free is no error.
	slots, err = c.Slots(ctx, calcom.SlotsQuery{EventTypeID: salonType, Start: at(14, 0), End: at(15, 23)}) // weekend
	require.NoError(t, err)
	assert.Empty(t, slots.List())

	_, err = c.Slots(ctx, calcom.SlotsQuery{EventTypeID: 999, Start: at(12, 0), End: at(13, 0)})
	assert.True(t, calcom.IsNotFound(err), "%v", err)
}

func TestReserveThenBook(t *testing.T) {
	t.Parallel()
	c, b := setup(t)
	ctx := ctxT(t)

	res, err := c.ReserveSlot(ctx, calcom.ReservationRequest{EventTypeID: salonType, SlotStart: at(12, 9)})
	require.NoError(t, err)
	assert.NotEmpty(t, res.ReservationUID)
	assert.True(t, res.SlotStart.Equal(at(12, 9)))
	assert.True(t, res.SlotEnd.Equal(at(12, 10)))
	assert.Equal(t, 60, res.SlotDuration)
	assert.Equal(t, 5, res.ReservationDuration)
	assert.True(t, res.ReservationUntil.Equal(t0.Add(5*time.Minute)))
	body := string(b.srv.RequestsOf(calcomtest.OpReserve)[0].Body)
	assert.Contains(t, body, `"slotStart":"2026-03-12T08:00:00Z"`, "slotStart goes out in UTC")

	got, err := c.Reservation(ctx, res.ReservationUID)
	require.NoError(t, err)
	assert.Equal(t, res.ReservationUID, got.ReservationUID)

	req := bookingReq(at(12, 9))
	req.ReservedSlotUID = res.ReservationUID
	bk, err := c.CreateBooking(ctx, req)
	require.NoError(t, err)
	assert.Equal(t, calcom.StatusAccepted, bk.Status)
	assert.True(t, bk.Start.Equal(at(12, 9)))
	assert.True(t, bk.End.Equal(at(12, 10)))
	assert.Equal(t, 60, bk.Duration)
	assert.Equal(t, "damenhaarschnitt-60", bk.EventType.Slug)
	assert.Equal(t, "Damenhaarschnitt zwischen Salon Schnittkunst und Anna Schmidt", bk.Title)
	assert.Equal(t, "kunde-00042", bk.Metadata["customerRef"])
	require.Len(t, bk.Attendees, 1)
	assert.Equal(t, "+4915112345678", bk.Attendees[0].PhoneNumber)

	assert.Empty(t, b.srv.Reservations(), "the reservation is used up")
	stored := b.srv.Bookings()
	require.Len(t, stored, 1)
	assert.Equal(t, res.ReservationUID, stored[0].ReservedSlotUID)
	_, err = c.Reservation(ctx, res.ReservationUID)
	assert.True(t, calcom.IsNotFound(err), "a used reservation is gone: %v", err)

	again, err := c.GetBooking(ctx, bk.UID)
	require.NoError(t, err)
	assert.Equal(t, bk.ID, again.ID)
}

func TestReservation_UpdateAndRelease(t *testing.T) {
	t.Parallel()
	c, b := setup(t)
	ctx := ctxT(t)
	res, err := c.ReserveSlot(ctx, calcom.ReservationRequest{EventTypeID: salonType, SlotStart: at(12, 9)})
	require.NoError(t, err)
	b.clock.Advance(2 * time.Minute)
	moved, err := c.UpdateReservation(ctx, res.ReservationUID, calcom.ReservationRequest{EventTypeID: salonType, SlotStart: at(12, 10)})
	require.NoError(t, err)
	assert.True(t, moved.SlotStart.Equal(at(12, 10)))
	assert.True(t, moved.ReservationUntil.Equal(t0.Add(7*time.Minute)), "extended from now")

	require.NoError(t, c.ReleaseReservation(ctx, res.ReservationUID))
	assert.Empty(t, b.srv.Reservations())
	err = c.ReleaseReservation(ctx, res.ReservationUID)
	assert.True(t, calcom.IsNotFound(err), "%v", err)
	_, err = c.UpdateReservation(ctx, "nope", calcom.ReservationRequest{EventTypeID: salonType, SlotStart: at(12, 10)})
	assert.True(t, calcom.IsNotFound(err), "%v", err)
}

func TestConflicts_AreSlotTaken(t *testing.T) {
	t.Parallel()
	team := int64(5000)
	tests := []struct {
		name    string
		arrange func(t *testing.T, c *calcom.Client, b *testBundle) string
		act     func(t *testing.T, c *calcom.Client, b *testBundle, uid string) error
		status  int
		msg     string
	}{
		{
			name:    "reserve a booked slot",
			arrange: func(t *testing.T, c *calcom.Client, b *testBundle) string { mustBook(t, c, at(12, 9)); return "" },
			act: func(t *testing.T, c *calcom.Client, b *testBundle, uid string) error {
				_, err := c.ReserveSlot(ctxT(t), calcom.ReservationRequest{EventTypeID: salonType, SlotStart: at(12, 9)})
				return err
			},
			status: 422, msg: "Can't reserve a slot if the event is already booked.",
		},
		{
			name:    "reserve a held slot",
			arrange: func(t *testing.T, c *calcom.Client, b *testBundle) string { mustReserve(t, c, at(12, 9)); return "" },
			act: func(t *testing.T, c *calcom.Client, b *testBundle, uid string) error {
				_, err := c.ReserveSlot(ctxT(t), calcom.ReservationRequest{EventTypeID: salonType, SlotStart: at(12, 9)})
				return err
			},
			status: 422, msg: "This time slot is already reserved by another user. Please choose a different time.",
		},
		{
			name:    "book a booked slot",
			arrange: func(t *testing.T, c *calcom.Client, b *testBundle) string { mustBook(t, c, at(12, 9)); return "" },
			act: func(t *testing.T, c *calcom.Client, b *testBundle, uid string) error {
				_, err := c.CreateBooking(ctxT(t), bookingReq(at(12, 9)))
				return err
			},
			status: 400, msg: "User either already has booking at this time or is not available",
		},
		{
			name: "book a booked team slot",
			arrange: func(t *testing.T, c *calcom.Client, b *testBundle) string {
				b.srv.AddEventType(calcomtest.EventType{ID: team, LengthMinutes: 60, Team: true, Host: calcomtest.Host{ID: 77}})
				b.srv.SetAvailability(team, "Europe/Berlin", calcomtest.Availability{Slots: []time.Time{at(12, 9)}})
				r := bookingReq(at(12, 9))
				r.EventTypeID = team
				_, err := c.CreateBooking(ctxT(t), r)
				require.NoError(t, err)
				return ""
			},
			act: func(t *testing.T, c *calcom.Client, b *testBundle, uid string) error {
				r := bookingReq(at(12, 9))
				r.EventTypeID = team
				_, err := c.CreateBooking(ctxT(t), r)
				return err
			},
			status: 400, msg: "One of the hosts either already has booking at this time or is not available",
		},
		{
			name:    "book a slot another holds",
			arrange: func(t *testing.T, c *calcom.Client, b *testBundle) string { mustReserve(t, c, at(12, 9)); return "" },
			act: func(t *testing.T, c *calcom.Client, b *testBundle, uid string) error {
				_, err := c.CreateBooking(ctxT(t), bookingReq(at(12, 9)))
				return err
			},
			status: 400, msg: "Someone else reserved this booking time slot before you. This time slot will be freed up in 300 seconds.",
		},
		{
			name: "own reservation expired, another holds it now",
			arrange: func(t *testing.T, c *calcom.Client, b *testBundle) string {
				own := mustReserve(t, c, at(12, 9))
				b.clock.Advance(6 * time.Minute)
				mustReserve(t, c, at(12, 9)) // someone else, after ours expired
				b.clock.Advance(time.Minute)
				return own.ReservationUID
			},
			act: func(t *testing.T, c *calcom.Client, b *testBundle, uid string) error {
				r := bookingReq(at(12, 9))
				r.ReservedSlotUID = uid
				_, err := c.CreateBooking(ctxT(t), r)
				return err
			},
			status: 400, msg: "Someone else reserved this booking time slot before you. This time slot will be freed up in 240 seconds.",
		},
		{
			name:    "409 of the older API version",
			arrange: func(t *testing.T, c *calcom.Client, b *testBundle) string { return "" },
			act: func(t *testing.T, c *calcom.Client, b *testBundle, uid string) error {
				b.srv.Inject(calcomtest.OpCreateBooking, calcomtest.Fault{Status: 409, Code: "ConflictException",
					Message: "Someone else reserved this booking time slot before you. This time slot will be freed up in 12 seconds."})
				_, err := c.CreateBooking(ctxT(t), bookingReq(at(12, 9)))
				return err
			},
			status: 409, msg: "Someone else reserved this booking time slot before you. This time slot will be freed up in 12 seconds.",
		},
		{
			name: "reschedule into a booked slot",
			arrange: func(t *testing.T, c *calcom.Client, b *testBundle) string {
				mustBook(t, c, at(12, 9))
				return mustBook(t, c, at(12, 11)).UID
			},
			act: func(t *testing.T, c *calcom.Client, b *testBundle, uid string) error {
				_, err := c.RescheduleBooking(ctxT(t), uid, calcom.RescheduleRequest{Start: at(12, 9)})
				return err
			},
			status: 400, msg: "User either already has booking at this time or is not available",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, b := setup(t)
			uid := tt.arrange(t, c, b)
			err := tt.act(t, c, b, uid)
			require.Error(t, err)
			assert.ErrorIs(t, err, calcom.ErrSlotTaken)
			var ae *calcom.APIError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, tt.status, ae.StatusCode)
			assert.Equal(t, tt.msg, ae.Message)
			assert.False(t, errors.Is(err, calcom.ErrAmbiguous))
		})
	}
}

func mustBook(t *testing.T, c *calcom.Client, start time.Time) calcom.Booking {
	t.Helper()
	bk, err := c.CreateBooking(ctxT(t), bookingReq(start))
	require.NoError(t, err)
	return bk
}

func mustReserve(t *testing.T, c *calcom.Client, start time.Time) calcom.Reservation {
	t.Helper()
	r, err := c.ReserveSlot(ctxT(t), calcom.ReservationRequest{EventTypeID: salonType, SlotStart: start})
	require.NoError(t, err)
	return r
}

func TestBook_OwnExpiredReservationStillBooksWhenFree(t *testing.T) {
	t.Parallel()
	c, b := setup(t)
	res := mustReserve(t, c, at(12, 9))
	b.clock.Advance(10 * time.Minute)
	r := bookingReq(at(12, 9))
	r.ReservedSlotUID = res.ReservationUID
	bk, err := c.CreateBooking(ctxT(t), r)
	require.NoError(t, err)
	assert.Equal(t, calcom.StatusAccepted, bk.Status)
	assert.Empty(t, b.srv.Reservations())
}

func TestNotFound(t *testing.T) {
	t.Parallel()
	c, _ := setup(t)
	ctx := ctxT(t)
	_, err := c.GetBooking(ctx, "nope")
	assert.True(t, calcom.IsNotFound(err), "get booking: %v", err)
	_, err = c.CancelBooking(ctx, "nope", calcom.CancelRequest{})
	assert.True(t, calcom.IsNotFound(err), "cancel: %v", err)
	_, err = c.RescheduleBooking(ctx, "nope", calcom.RescheduleRequest{Start: at(12, 9)})
	assert.True(t, calcom.IsNotFound(err), "reschedule: %v", err)
	_, err = c.Reservation(ctx, "nope")
	assert.True(t, calcom.IsNotFound(err), "reservation: %v", err)
	_, err = c.EventType(ctx, 999999)
	assert.True(t, calcom.IsNotFound(err), "event type: %v", err)
	var ae *calcom.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, "Event type with id 999999 not found", ae.Message)
	assert.Equal(t, "NotFoundException", ae.Code)
	for _, e := range []error{err} {
		assert.False(t, calcom.IsSlotTaken(e))
	}
}

func TestCancel(t *testing.T) {
	t.Parallel()
	c, b := setup(t)
	ctx := ctxT(t)
	bk := mustBook(t, c, at(12, 9))
	got, err := c.CancelBooking(ctx, bk.UID, calcom.CancelRequest{CancellationReason: "Kundin hat abgesagt"})
	require.NoError(t, err)
	assert.Equal(t, calcom.StatusCancelled, got.Status)
	assert.Equal(t, "Kundin hat abgesagt", got.CancellationReason)
	stored, ok := b.srv.Booking(bk.UID)
	require.True(t, ok)
	assert.Equal(t, "cancelled", stored.Status)

	_, err = c.CancelBooking(ctx, bk.UID, calcom.CancelRequest{})
	var ae *calcom.APIError
	require.ErrorAs(t, err, &ae, "a second cancel, not after an ambiguous attempt, is an error")
	assert.Equal(t, "This booking has already been cancelled.", ae.Message)

	// The slot is free again.
	_, err = c.CreateBooking(ctx, bookingReq(at(12, 9)))
	assert.NoError(t, err)
}

func TestReschedule(t *testing.T) {
	t.Parallel()
	c, b := setup(t)
	ctx := ctxT(t)
	old := mustBook(t, c, at(12, 9))
	nb, err := c.RescheduleBooking(ctx, old.UID, calcom.RescheduleRequest{Start: at(12, 11), ReschedulingReason: "Termin passt nicht"})
	require.NoError(t, err)
	assert.NotEqual(t, old.UID, nb.UID)
	assert.Equal(t, old.UID, nb.RescheduledFromUID)
	assert.True(t, nb.Start.Equal(at(12, 11)))
	assert.Equal(t, calcom.StatusAccepted, nb.Status)
	assert.Equal(t, "Termin passt nicht", nb.ReschedulingReason)
	assert.Contains(t, string(b.srv.RequestsOf(calcomtest.OpReschedule)[0].Body), `"start":"2026-03-12T10:00:00Z"`)

	prev, err := c.GetBooking(ctx, old.UID)
	require.NoError(t, err)
	assert.Equal(t, calcom.StatusCancelled, prev.Status)
	assert.Equal(t, nb.UID, prev.RescheduledToUID)

	// Into its own slot's neighbourhood: the old booking no longer blocks.
	_, err = c.RescheduleBooking(ctx, nb.UID, calcom.RescheduleRequest{Start: at(12, 9)})
	require.NoError(t, err)
	_, err = c.RescheduleBooking(ctx, old.UID, calcom.RescheduleRequest{Start: at(12, 14)})
	assert.Error(t, err, "a cancelled booking cannot be rescheduled")
}

func TestEventTypes(t *testing.T) {
	t.Parallel()
	c, b := setup(t)
	ctx := ctxT(t)
	b.srv.AddEventType(calcomtest.EventType{ID: 4712, Title: "Herrenhaarschnitt", LengthMinutes: 30, LengthOptions: []int{30, 45}})
	b.srv.AddEventType(calcomtest.EventType{ID: 9000, OwnerKey: "cal_live_someone_else"})

	list, err := c.EventTypes(ctx)
	require.NoError(t, err)
	require.Len(t, list, 2, "another key's event type is not listed")
	assert.Equal(t, int64(4711), list[0].ID)
	assert.Equal(t, "damenhaarschnitt-60", list[0].Slug)
	assert.Equal(t, 60, list[0].LengthInMinutes)
	assert.Equal(t, []int{30, 45}, list[1].LengthInMinutesOptions)

	et, err := c.EventType(ctx, 4712)
	require.NoError(t, err)
	assert.Equal(t, "Herrenhaarschnitt", et.Title)
	_, err = c.EventType(ctx, 9000)
	assert.True(t, calcom.IsNotFound(err))
}

func TestPing(t *testing.T) {
	t.Parallel()
	c, b := setup(t)
	require.NoError(t, c.Ping(ctxT(t)))
	require.Len(t, b.srv.RequestsOf(calcomtest.OpEventTypes), 1)

	wrong, err := calcom.New(calcom.Config{BaseURL: b.srv.URL, APIKey: "cal_live_wrong", Breaker: calcom.NewBreakers(calcom.BreakerConfig{})})
	require.NoError(t, err)
	err = wrong.Ping(ctxT(t))
	assert.ErrorIs(t, err, calcom.ErrUnauthorized)
	assert.NotContains(t, err.Error(), "cal_live_wrong")

	down, err := calcom.New(calcom.Config{BaseURL: closedURL(t), APIKey: testKey, MaxRetries: -1, Breaker: calcom.NewBreakers(calcom.BreakerConfig{})})
	require.NoError(t, err)
	err = down.Ping(ctxT(t))
	require.Error(t, err)
	assert.NotContains(t, err.Error(), testKey, "the key never appears in an error")
}

// TestHeaders: every endpoint gets its documented cal-api-version and the
// Bearer key, as the fake recorded them.
func TestHeaders(t *testing.T) {
	t.Parallel()
	c, b := setup(t)
	ctx := ctxT(t)
	_, err := c.Slots(ctx, calcom.SlotsQuery{EventTypeID: salonType, Start: at(12, 0), End: at(13, 0)})
	require.NoError(t, err)
	res := mustReserve(t, c, at(12, 9))
	_, err = c.Reservation(ctx, res.ReservationUID)
	require.NoError(t, err)
	_, err = c.UpdateReservation(ctx, res.ReservationUID, calcom.ReservationRequest{EventTypeID: salonType, SlotStart: at(12, 10)})
	require.NoError(t, err)
	require.NoError(t, c.ReleaseReservation(ctx, res.ReservationUID))
	bk := mustBook(t, c, at(12, 9))
	_, err = c.GetBooking(ctx, bk.UID)
	require.NoError(t, err)
	nb, err := c.RescheduleBooking(ctx, bk.UID, calcom.RescheduleRequest{Start: at(12, 11)})
	require.NoError(t, err)
	_, err = c.CancelBooking(ctx, nb.UID, calcom.CancelRequest{})
	require.NoError(t, err)
	_, err = c.EventTypes(ctx)
	require.NoError(t, err)
	_, err = c.EventType(ctx, salonType)
	require.NoError(t, err)

	want := map[calcomtest.Op]string{
		calcomtest.OpSlots: "2024-09-04", calcomtest.OpReserve: "2024-09-04", calcomtest.OpGetReservation: "2024-09-04",
		calcomtest.OpUpdateReservation: "2024-09-04", calcomtest.OpRelease: "2024-09-04",
		calcomtest.OpCreateBooking: "2024-08-13", calcomtest.OpGetBooking: "2024-08-13", calcomtest.OpReschedule: "2024-08-13",
		calcomtest.OpCancel: "2024-08-13", calcomtest.OpEventTypes: "2024-06-14", calcomtest.OpEventType: "2024-06-14",
	}
	seen := map[calcomtest.Op]bool{}
	for _, r := range b.srv.Requests() {
		seen[r.Op] = true
		assert.Equalf(t, want[r.Op], r.Header.Get("cal-api-version"), "%s %s", r.Method, r.Path)
		assert.Equalf(t, "Bearer "+testKey, r.Header.Get("Authorization"), "%s %s", r.Method, r.Path)
		assert.Lessf(t, r.Status, 300, "%s %s answered %d", r.Method, r.Path, r.Status)
		if r.Method == http.MethodPost || r.Method == http.MethodPatch {
			assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
		}
	}
	for op := range want {
		assert.Truef(t, seen[op], "no request of %s", op)
	}
}

func TestValidation_NothingSent(t *testing.T) {
	t.Parallel()
	c, b := setup(t)
	ctx := ctxT(t)
	many := calcom.Metadata{}
	for i := range 51 {
		many[strings.Repeat("k", 1+i%40)+string(rune('a'+i/40))] = "v"
	}
	mod := func(f func(*calcom.BookingRequest)) calcom.BookingRequest {
		r := bookingReq(at(12, 9))
		f(&r)
		return r
	}
	bad := map[string]calcom.BookingRequest{
		"51 keys":       mod(func(r *calcom.BookingRequest) { r.Metadata = many }),
		"key of 41":     mod(func(r *calcom.BookingRequest) { r.Metadata = calcom.Metadata{strings.Repeat("k", 41): "v"} }),
		"value of 501":  mod(func(r *calcom.BookingRequest) { r.Metadata = calcom.Metadata{"k": strings.Repeat("v", 501)} }),
		"emoji 251x2":   mod(func(r *calcom.BookingRequest) { r.Metadata = calcom.Metadata{"k": strings.Repeat("😀", 251)} }),
		"no name":       mod(func(r *calcom.BookingRequest) { r.Attendee.Name = "" }),
		"no time zone":  mod(func(r *calcom.BookingRequest) { r.Attendee.TimeZone = "" }),
		"no contact":    mod(func(r *calcom.BookingRequest) { r.Attendee.Email, r.Attendee.PhoneNumber = "", "" }),
		"no start":      mod(func(r *calcom.BookingRequest) { r.Start = time.Time{} }),
		"no event type": mod(func(r *calcom.BookingRequest) { r.EventTypeID = 0 }),
	}
	for name, r := range bad {
		_, err := c.CreateBooking(ctx, r)
		assert.ErrorIsf(t, err, calcom.ErrInvalidRequest, "%s", name)
	}
	_, err := c.Slots(ctx, calcom.SlotsQuery{EventTypeID: salonType, Start: at(13, 0), End: at(12, 0)})
	assert.ErrorIs(t, err, calcom.ErrInvalidRequest)
	_, err = c.ReserveSlot(ctx, calcom.ReservationRequest{EventTypeID: salonType})
	assert.ErrorIs(t, err, calcom.ErrInvalidRequest)
	_, err = c.RescheduleBooking(ctx, "uid", calcom.RescheduleRequest{})
	assert.ErrorIs(t, err, calcom.ErrInvalidRequest)
	assert.Empty(t, b.srv.Requests(), "refused requests are not sent")

	// At the limits: accepted, and the fake agrees.
	edge := calcom.Metadata{strings.Repeat("k", 40): strings.Repeat("😀", 250)}
	for i := range 49 {
		edge["key"+string(rune('A'+i))] = "v"
	}
	r := bookingReq(at(12, 9))
	r.Metadata = edge
	bk, err := c.CreateBooking(ctx, r)
	require.NoError(t, err)
	assert.Len(t, bk.Metadata, 50)
	assert.Equal(t, strings.Repeat("😀", 250), bk.Metadata[strings.Repeat("k", 40)])
}

// TestCalEU: the base URL is honoured, no host is hard-coded.
func TestCalEU(t *testing.T) {
	t.Parallel()
	com := calcomtest.NewServer(calcomtest.Config{})
	t.Cleanup(com.Close)
	eu := calcomtest.NewServer(calcomtest.Config{})
	t.Cleanup(eu.Close)
	for _, s := range []*calcomtest.Server{com, eu} {
		s.AddAPIKey(testKey)
		s.AddEventType(calcomtest.EventType{ID: salonType})
	}
	c, err := calcom.New(calcom.Config{BaseURL: eu.URL, APIKey: testKey, Breaker: calcom.NewBreakers(calcom.BreakerConfig{})})
	require.NoError(t, err)
	et, err := c.EventType(ctxT(t), salonType)
	require.NoError(t, err)
	assert.Equal(t, salonType, et.ID)
	assert.Len(t, eu.Requests(), 1)
	assert.Empty(t, com.Requests(), "nothing goes to the other host")
}

// TestReserve_ConcurrentCallersOneWins: callers racing for one slot (one
// company, one key) get one hold; everyone else hears the slot is taken.
func TestReserve_ConcurrentCallersOneWins(t *testing.T) {
	t.Parallel()
	c, b := setup(t)
	const callers = 10
	errs := make(chan error, callers)
	for range callers {
		go func() {
			_, err := c.ReserveSlot(ctxT(t), calcom.ReservationRequest{EventTypeID: salonType, SlotStart: at(12, 9)})
			errs <- err
		}()
	}
	won := 0
	for range callers {
		err := <-errs
		if err == nil {
			won++
			continue
		}
		assert.ErrorIs(t, err, calcom.ErrSlotTaken)
	}
	assert.Equal(t, 1, won)
	assert.Len(t, b.srv.Reservations(), 1)
}
