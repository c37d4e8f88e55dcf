package calcom_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/askproai/askpro/pkg/calcom"
)

// generic decodes JSON into maps and slices, numbers as json.Number.
func generic(t *testing.T, b []byte) any {
	t.Helper()
	var v any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	require.NoError(t, dec.Decode(&v))
	return v
}

// assertSameJSON compares two JSON trees field by field; strings that are
// both RFC 3339 times compare as instants (Go writes "09:00:00Z" where
// JavaScript writes "09:00:00.000Z").
func assertSameJSON(t *testing.T, want, got any, path string) {
	t.Helper()
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !assert.Truef(t, ok, "%s: want an object, got %T", path, got) {
			return
		}
		for k, wv := range w {
			gv, ok := g[k]
			if assert.Truef(t, ok, "%s.%s is missing", path, k) {
				assertSameJSON(t, wv, gv, path+"."+k)
			}
		}
		for k := range g {
			_, ok := w[k]
			assert.Truef(t, ok, "%s.%s is not in the fixture", path, k)
		}
	case []any:
		g, ok := got.([]any)
		if !assert.Truef(t, ok, "%s: want an array, got %T", path, got) || !assert.Lenf(t, g, len(w), "%s", path) {
			return
		}
		for i := range w {
			assertSameJSON(t, w[i], g[i], path+"["+strconv.Itoa(i)+"]")
		}
	case string:
		g, ok := got.(string)
		if !assert.Truef(t, ok, "%s: want a string, got %T", path, got) {
			return
		}
		wt, err1 := time.Parse(time.RFC3339Nano, w)
		gt, err2 := time.Parse(time.RFC3339Nano, g)
		if err1 == nil && err2 == nil {
			assert.Truef(t, wt.Equal(gt), "%s: time %s, want %s", path, g, w)
			return
		}
		assert.Equalf(t, w, g, "%s", path)
	default:
		assert.Equalf(t, want, got, "%s", path)
	}
}

func TestFixture_CreateBookingRequest(t *testing.T) {
	t.Parallel()
	raw := readFixture(t, "create_booking_request.json")
	var fx struct {
		Start       string            `json:"start"`
		EventTypeID int64             `json:"eventTypeId"`
		Attendee    map[string]string `json:"attendee"`
		Metadata    map[string]string `json:"metadata"`
	}
	require.NoError(t, json.Unmarshal(raw, &fx))
	start, err := time.Parse(time.RFC3339, fx.Start)
	require.NoError(t, err)

	req := calcom.BookingRequest{
		Start:       start.In(berlin), // a local time must still go out in UTC
		EventTypeID: fx.EventTypeID,
		Attendee: calcom.Attendee{
			Name: fx.Attendee["name"], Email: fx.Attendee["email"], TimeZone: fx.Attendee["timeZone"],
			PhoneNumber: fx.Attendee["phoneNumber"], Language: fx.Attendee["language"],
		},
		Metadata: fx.Metadata,
	}
	require.NoError(t, req.Validate())
	got, err := json.Marshal(req)
	require.NoError(t, err)
	assert.Equal(t, generic(t, raw), generic(t, got), "encoded request, field by field and byte for byte in each value")
	assert.Contains(t, string(got), `"start":"2026-03-12T09:00:00Z"`)
}

func TestFixture_ReservationRequest(t *testing.T) {
	t.Parallel()
	raw := readFixture(t, "reservation_request.json")
	var fx struct {
		EventTypeID  int64  `json:"eventTypeId"`
		SlotStart    string `json:"slotStart"`
		SlotDuration int    `json:"slotDuration"`
	}
	require.NoError(t, json.Unmarshal(raw, &fx))
	start, err := time.Parse(time.RFC3339, fx.SlotStart)
	require.NoError(t, err)
	got, err := json.Marshal(calcom.ReservationRequest{EventTypeID: fx.EventTypeID, SlotStart: start.In(berlin), SlotDuration: fx.SlotDuration})
	require.NoError(t, err)
	assert.Equal(t, generic(t, raw), generic(t, got))
}

func TestFixture_DecodeResponses(t *testing.T) {
	t.Parallel()
	t.Run("booking", func(t *testing.T) {
		t.Parallel()
		d := data(t, readFixture(t, "create_booking_response.json"))
		var b calcom.Booking
		require.NoError(t, json.Unmarshal(d, &b))
		assert.Equal(t, int64(918273), b.ID)
		assert.Equal(t, "q4Xk2mRbN8vT1sLpW7yZcD", b.UID)
		assert.Equal(t, calcom.StatusAccepted, b.Status)
		assert.True(t, b.Start.Equal(time.Date(2026, 3, 12, 9, 0, 0, 0, time.UTC)))
		assert.Equal(t, 60, b.Duration)
		assert.Equal(t, calcom.EventTypeRef{ID: 4711, Slug: "damenhaarschnitt-60"}, b.EventType)
		assert.Nil(t, b.UpdatedAt)
		require.Len(t, b.Attendees, 1)
		assert.Equal(t, "+4915112345678", b.Attendees[0].PhoneNumber)
		assert.Equal(t, "kunde-00042", b.Metadata["customerRef"])
		assert.Equal(t, "+4915112345678", b.BookingFieldsResponses["attendeePhoneNumber"])
		again, err := json.Marshal(b)
		require.NoError(t, err)
		assertSameJSON(t, generic(t, d), generic(t, again), "data")
	})
	t.Run("reservation", func(t *testing.T) {
		t.Parallel()
		d := data(t, readFixture(t, "reservation_response.json"))
		var r calcom.Reservation
		require.NoError(t, json.Unmarshal(d, &r))
		assert.Equal(t, "e84be5a3-4696-49e3-acc7-b2f3999c3b94", r.ReservationUID)
		assert.Equal(t, 5, r.ReservationDuration)
		assert.True(t, r.ReservationUntil.Equal(time.Date(2026, 3, 12, 8, 5, 0, 0, time.UTC)))
		again, err := json.Marshal(r)
		require.NoError(t, err)
		assertSameJSON(t, generic(t, d), generic(t, again), "data")
	})
	t.Run("slots", func(t *testing.T) {
		t.Parallel()
		d := data(t, readFixture(t, "slots_response.json"))
		var s calcom.Slots
		require.NoError(t, json.Unmarshal(d, &s))
		assert.Equal(t, []string{"2026-03-12", "2026-03-13"}, s.Days())
		list := s.List()
		require.Len(t, list, 5)
		assert.True(t, list[0].Start.Equal(at(12, 9)))
		_, off := list[0].Start.Zone()
		assert.Equal(t, 3600, off, "the slot keeps the offset of the asked time zone")
		assert.True(t, list[4].Start.Equal(at(13, 11)))
		again, err := json.Marshal(s)
		require.NoError(t, err)
		assertSameJSON(t, generic(t, d), generic(t, again), "data")
	})
}

// serveFixture answers every request with body and status.
func serveFixture(t *testing.T, status int, body []byte) *calcom.Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	c, err := calcom.New(calcom.Config{BaseURL: srv.URL, APIKey: testKey, MaxRetries: -1, Breaker: calcom.NewBreakers(calcom.BreakerConfig{})})
	require.NoError(t, err)
	return c
}

func TestFixture_ErrorResponses(t *testing.T) {
	t.Parallel()
	t.Run("not found", func(t *testing.T) {
		t.Parallel()
		c := serveFixture(t, http.StatusNotFound, readFixture(t, "error_response.json"))
		_, err := c.EventType(ctxT(t), 999999)
		var ae *calcom.APIError
		require.ErrorAs(t, err, &ae)
		assert.Equal(t, 404, ae.StatusCode)
		assert.Equal(t, "NotFoundException", ae.Code)
		assert.Equal(t, "Event type with id 999999 not found", ae.Message)
		assert.Equal(t, "/v2/event-types/999999", ae.Path)
		assert.Equal(t, "2026-03-02T14:06:00.123Z", ae.Timestamp)
		assert.JSONEq(t, `{"message":"Event type with id 999999 not found","error":"Not Found","statusCode":404}`, string(ae.Details))
		assert.True(t, calcom.IsNotFound(err))
		assert.False(t, calcom.IsSlotTaken(err))
	})
	t.Run("reservation conflict", func(t *testing.T) {
		t.Parallel()
		c := serveFixture(t, http.StatusUnprocessableEntity, readFixture(t, "reservation_conflict.json"))
		_, err := c.ReserveSlot(ctxT(t), calcom.ReservationRequest{EventTypeID: salonType, SlotStart: at(12, 10)})
		var ae *calcom.APIError
		require.ErrorAs(t, err, &ae)
		assert.Equal(t, "UnprocessableEntityException", ae.Code)
		assert.ErrorIs(t, err, calcom.ErrSlotTaken)
		assert.False(t, calcom.IsNotFound(err))
	})
	t.Run("booking conflict", func(t *testing.T) {
		t.Parallel()
		c := serveFixture(t, http.StatusBadRequest, readFixture(t, "booking_conflict.json"))
		_, err := c.CreateBooking(ctxT(t), bookingReq(at(12, 10)))
		var ae *calcom.APIError
		require.ErrorAs(t, err, &ae)
		assert.Equal(t, "BadRequestException", ae.Code)
		assert.Equal(t, "/v2/bookings", ae.Path)
		assert.ErrorIs(t, err, calcom.ErrSlotTaken)
		assert.False(t, errors.Is(err, calcom.ErrAmbiguous), "a 400 is an answer, not an ambiguous failure")
	})
}

func TestAPIError_SlotTakenNeedsStatusAndMessage(t *testing.T) {
	t.Parallel()
	someone := "Someone else reserved this booking time slot before you. This time slot will be freed up in 287 seconds."
	tests := []struct {
		status int
		msg    string
		taken  bool
	}{
		{422, "Can't reserve a slot if the event is already booked.", true},
		{422, "This time slot is already reserved by another user. Please choose a different time.", true},
		{422, "Booking with id=4711 at 2026-03-12T09:00:00Z has no more seats left.", true},
		{400, "User either already has booking at this time or is not available", true},
		{400, "One of the hosts either already has booking at this time or is not available", true},
		{400, someone, true},
		{409, someone, true},
		// Same message, another status: not the documented conflict.
		{500, "User either already has booking at this time or is not available", false},
		{422, "User either already has booking at this time or is not available", false},
		{400, "Can't reserve a slot if the event is already booked.", false},
		{422, someone, false},
		{400, "Attempting to book a meeting in the past.", false},
		{404, "Event type with id 1 not found", false},
	}
	for _, tt := range tests {
		t.Run(tt.msg[:20]+"/"+http.StatusText(tt.status), func(t *testing.T) {
			t.Parallel()
			err := error(&calcom.APIError{StatusCode: tt.status, Message: tt.msg})
			assert.Equal(t, tt.taken, errors.Is(err, calcom.ErrSlotTaken))
		})
	}
}
