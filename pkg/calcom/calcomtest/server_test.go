package calcomtest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/askproai/askpro/internal/testenv"

	"github.com/askproai/askpro/pkg/calcom/calcomtest"
)

const key = "cal_live_fake_test"

var t0 = time.Date(2026, 3, 2, 14, 5, 11, 0, time.UTC)

func berlinAt(day, hour int) time.Time {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		panic(err)
	}
	return time.Date(2026, 3, day, hour, 0, 0, 0, loc)
}

// setup starts a fake with the fixture salon: event type 4711, 60 minutes,
// the fixture's slots (12 March 9, 10, 14; 13 March 9, 11, Berlin).
func setup(t *testing.T, cfg calcomtest.Config) (*calcomtest.Server, *calcomtest.Clock) {
	t.Helper()
	clock := calcomtest.NewClock(t0)
	if cfg.Now == nil {
		cfg.Now = clock.Now
	}
	srv := calcomtest.NewServer(cfg)
	t.Cleanup(srv.Close)
	srv.AddAPIKey(key)
	srv.AddEventType(calcomtest.EventType{ID: 4711, Slug: "damenhaarschnitt-60", Title: "Damenhaarschnitt", LengthMinutes: 60,
		Location: "Torstraße 12, 10119 Berlin"})
	srv.SetAvailability(4711, "Europe/Berlin", calcomtest.Availability{Slots: []time.Time{
		berlinAt(12, 9), berlinAt(12, 10), berlinAt(12, 14), berlinAt(13, 9), berlinAt(13, 11),
	}})
	return srv, clock
}

type resp struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

func (r resp) message() string {
	e, _ := r.body["error"].(map[string]any)
	m, _ := e["message"].(string)
	return m
}

func (r resp) code() string {
	e, _ := r.body["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}

// call sends one request; version "" sends none, key "" no Authorization.
func call(t *testing.T, srv *calcomtest.Server, method, path, version, apiKey string, body any) resp {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, ok := body.([]byte)
		if !ok {
			var err error
			b, err = json.Marshal(body)
			require.NoError(t, err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, srv.URL+path, rd)
	require.NoError(t, err)
	if version != "" {
		req.Header.Set("cal-api-version", version)
	}
	if apiKey != "" {
		req.Header.Set("Authorization", "Bearer "+apiKey)
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	out := resp{status: res.StatusCode, header: res.Header, raw: raw}
	require.NoError(t, json.Unmarshal(raw, &out.body), "%s", raw)
	return out
}

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	return testenv.Fixture(t, "calcom", name)
}

func TestAuth(t *testing.T) {
	t.Parallel()
	srv, _ := setup(t, calcomtest.Config{})
	r := call(t, srv, "GET", "/v2/event-types", "2024-06-14", "", nil)
	assert.Equal(t, 401, r.status)
	assert.Equal(t, "UnauthorizedException", r.code())
	assert.Equal(t, "error", r.body["status"])
	assert.Equal(t, "/v2/event-types", r.body["path"])
	r = call(t, srv, "GET", "/v2/event-types", "2024-06-14", "cal_live_unknown", nil)
	assert.Equal(t, 401, r.status)
	assert.Equal(t, "CustomThrottlerGuard - Invalid API Key", r.message())
	r = call(t, srv, "GET", "/v2/event-types", "2024-06-14", key, nil)
	assert.Equal(t, 200, r.status)
}

func TestVersionIsRequired(t *testing.T) {
	t.Parallel()
	srv, _ := setup(t, calcomtest.Config{})
	cases := []struct{ method, path, want string }{
		{"GET", "/v2/slots?eventTypeId=4711&start=2026-03-12&end=2026-03-13", "2024-09-04"},
		{"POST", "/v2/slots/reservations", "2024-09-04"},
		{"DELETE", "/v2/slots/reservations/x", "2024-09-04"},
		{"POST", "/v2/bookings", "2024-08-13"},
		{"GET", "/v2/bookings/x", "2024-08-13"},
		{"POST", "/v2/bookings/x/cancel", "2024-08-13"},
		{"GET", "/v2/event-types", "2024-06-14"},
		{"GET", "/v2/event-types/4711", "2024-06-14"},
	}
	for _, c := range cases {
		for _, got := range []string{"", "2024-04-15"} {
			r := call(t, srv, c.method, c.path, got, key, map[string]any{})
			assert.Equalf(t, 400, r.status, "%s %s with %q", c.method, c.path, got)
			assert.Containsf(t, r.message(), "cal-api-version must be "+c.want, "%s %s", c.method, c.path)
			assert.Contains(t, r.message(), "older version")
		}
	}
	r := call(t, srv, "GET", "/v2/event-types/4711", "2024-06-14", key, nil)
	assert.Equal(t, 200, r.status)
	r = call(t, srv, "GET", "/v2/bookings/nope", "2026-02-25", key, nil)
	assert.Equal(t, 404, r.status, "the newer bookings version is accepted too")
	r = call(t, srv, "GET", "/v2/nope", "2024-06-14", key, nil)
	assert.Equal(t, 404, r.status)
	assert.Equal(t, "Cannot GET /v2/nope", r.message())
}

func TestRateLimit(t *testing.T) {
	t.Parallel()
	srv, clock := setup(t, calcomtest.Config{RateLimit: 3})
	get := func() resp { return call(t, srv, "GET", "/v2/event-types", "2024-06-14", key, nil) }
	for i := range 3 {
		r := get()
		require.Equal(t, 200, r.status)
		assert.Equal(t, "3", r.header.Get("X-RateLimit-Limit-Default"))
		assert.Equal(t, fmt.Sprint(2-i), r.header.Get("X-RateLimit-Remaining-Default"))
		assert.Equal(t, fmt.Sprint(60-i), r.header.Get("X-RateLimit-Reset-Default"), "the window started with the first request")
		clock.Advance(time.Second)
	}
	r := get()
	assert.Equal(t, 429, r.status)
	assert.Equal(t, "ThrottlerException", r.code())
	assert.Equal(t, "0", r.header.Get("X-RateLimit-Remaining-Default"))
	assert.Equal(t, "60", r.header.Get("X-RateLimit-Reset-Default"), "blocked for 60 s")
	clock.Advance(59 * time.Second)
	r = get()
	assert.Equal(t, 429, r.status)
	assert.Equal(t, "1", r.header.Get("X-RateLimit-Reset-Default"))
	clock.Advance(time.Second)
	r = get()
	assert.Equal(t, 200, r.status)
	assert.Equal(t, "2", r.header.Get("X-RateLimit-Remaining-Default"), "a new window")

	other := calcomtest.NewServer(calcomtest.Config{RateLimit: -1})
	t.Cleanup(other.Close)
	other.AddAPIKey(key)
	for range 130 {
		require.Equal(t, 200, call(t, other, "GET", "/v2/event-types", "2024-06-14", key, nil).status)
	}

	def := calcomtest.NewServer(calcomtest.Config{})
	t.Cleanup(def.Close)
	def.AddAPIKey(key)
	assert.Equal(t, "120", call(t, def, "GET", "/v2/event-types", "2024-06-14", key, nil).header.Get("X-RateLimit-Limit-Default"))
}

func TestSlots_FixtureShape(t *testing.T) {
	t.Parallel()
	srv, _ := setup(t, calcomtest.Config{})
	r := call(t, srv, "GET", "/v2/slots?eventTypeId=4711&start=2026-03-12&end=2026-03-13&timeZone=Europe/Berlin", "2024-09-04", key, nil)
	require.Equal(t, 200, r.status)
	assert.JSONEq(t, string(fixture(t, "slots_response.json")), string(r.raw))

	r = call(t, srv, "GET", "/v2/slots?eventTypeId=4711&start=2026-03-12T00:00:00Z&end=2026-03-12T23:59:59Z", "2024-09-04", key, nil)
	require.Equal(t, 200, r.status)
	assert.JSONEq(t, `{"status":"success","data":{"2026-03-12":[
		{"start":"2026-03-12T08:00:00.000Z"},{"start":"2026-03-12T09:00:00.000Z"},{"start":"2026-03-12T13:00:00.000Z"}]}}`,
		string(r.raw), "no timeZone: UTC")

	r = call(t, srv, "GET", "/v2/slots?eventTypeId=4711&start=2026-03-12T08:30:00Z&end=2026-03-12T10:00:00Z&format=range", "2024-09-04", key, nil)
	assert.JSONEq(t, `{"status":"success","data":{"2026-03-12":[{"start":"2026-03-12T09:00:00.000Z","end":"2026-03-12T10:00:00.000Z"}]}}`, string(r.raw))

	r = call(t, srv, "GET", "/v2/slots?eventTypeId=4711&start=2026-03-20&end=2026-03-21", "2024-09-04", key, nil)
	assert.JSONEq(t, `{"status":"success","data":{}}`, string(r.raw), "no slots: an empty object")
}

func TestSlots_Errors(t *testing.T) {
	t.Parallel()
	srv, _ := setup(t, calcomtest.Config{})
	cases := []struct {
		query  string
		status int
		msg    string
	}{
		{"eventTypeId=4711&start=2026-03-12T10:00:00%2B01:00&end=2026-03-13", 400, "Invalid start date"},
		{"eventTypeId=4711&start=2026-03-13&end=2026-03-12T10:00:00Z", 400, "Invalid time range given - check the 'start' and 'end' query parameters."},
		{"eventTypeId=4711&start=2026-03-12&end=2026-03-13&timeZone=Mars/Olympus", 400, "IANA"},
		{"eventTypeId=4711&start=2026-03-12&end=2026-03-13&duration=45", 400, "duration"},
		{"eventTypeId=4711&start=2026-03-12", 400, "start and end are required"},
		{"eventTypeId=999&start=2026-03-12&end=2026-03-13", 404, "Event Type not found"},
		{"start=2026-03-12&end=2026-03-13", 400, "eventTypeId is required"},
	}
	for _, c := range cases {
		r := call(t, srv, "GET", "/v2/slots?"+c.query, "2024-09-04", key, nil)
		assert.Equalf(t, c.status, r.status, "%s", c.query)
		assert.Containsf(t, r.message(), c.msg, "%s", c.query)
	}
}

func TestEventType404_IsTheFixture(t *testing.T) {
	t.Parallel()
	clock := calcomtest.NewClock(time.Date(2026, 3, 2, 14, 6, 0, 123e6, time.UTC))
	srv, _ := setup(t, calcomtest.Config{Now: clock.Now})
	r := call(t, srv, "GET", "/v2/event-types/999999", "2024-06-14", key, nil)
	assert.Equal(t, 404, r.status)
	assert.JSONEq(t, string(fixture(t, "error_response.json")), string(r.raw))
	r = call(t, srv, "GET", "/v2/event-types/abc", "2024-06-14", key, nil)
	assert.Equal(t, 400, r.status)
}

func keysOf(t *testing.T, raw []byte) []string {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(raw, &m))
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestReservations(t *testing.T) {
	t.Parallel()
	srv, clock := setup(t, calcomtest.Config{})
	srv.AddEventType(calcomtest.EventType{ID: 4712, LengthMinutes: 30, LengthOptions: []int{30, 45}, OwnerKey: key})
	srv.AddAPIKey("cal_live_other")
	srv.AddEventType(calcomtest.EventType{ID: 4713, LengthMinutes: 30})
	reserve := func(body any, k string) resp {
		return call(t, srv, "POST", "/v2/slots/reservations", "2024-09-04", k, body)
	}
	r := reserve(json.RawMessage(fixture(t, "reservation_request.json")), key)
	assert.Equal(t, 400, r.status, "slotDuration is for variable-length event types only")
	assert.Equal(t, "You passed 'slotDuration' but this event type is not a variable length event type.", r.message())

	r = reserve(map[string]any{"eventTypeId": 4711, "slotStart": "2026-03-12T08:00:00Z"}, key)
	require.Equal(t, 201, r.status)
	data, _ := json.Marshal(r.body["data"])
	assert.ElementsMatch(t, keysOf(t, data), keysOf(t, data0(t, fixture(t, "reservation_response.json"))))
	d := r.body["data"].(map[string]any)
	assert.Equal(t, "2026-03-12T09:00:00.000Z", d["slotEnd"])
	assert.Equal(t, "2026-03-02T14:10:11.000Z", d["reservationUntil"])
	uid := d["reservationUid"].(string)

	r = reserve(map[string]any{"eventTypeId": 4711, "slotStart": "2026-03-12T08:30:00Z"}, "cal_live_other")
	assert.Equal(t, 422, r.status)
	assert.Equal(t, calcomtest.MsgAlreadyReserved, r.message())

	clock.Advance(5*time.Minute + time.Second)
	r = reserve(map[string]any{"eventTypeId": 4711, "slotStart": "2026-03-12T08:00:00Z"}, "cal_live_other")
	assert.Equal(t, 201, r.status, "an expired hold no longer blocks")
	assert.Len(t, srv.Reservations(), 2, "expired reservations stay until released or used")

	r = call(t, srv, "GET", "/v2/slots/reservations/"+uid, "2024-09-04", key, nil)
	assert.Equal(t, uid, r.body["data"].(map[string]any)["reservationUid"])
	r = call(t, srv, "GET", "/v2/slots/reservations/unknown", "2024-09-04", key, nil)
	assert.Equal(t, 200, r.status)
	assert.Nil(t, r.body["data"], "the controller answers null data for an unknown uid")

	r = reserve(map[string]any{"eventTypeId": 4712, "slotStart": "2026-03-12T08:00:00Z", "slotDuration": 60}, key)
	assert.Equal(t, 400, r.status)
	assert.Equal(t, "Provided 'slotDuration' is not one of the possible lengths for the event type. The possible lengths for this variable length event type are: 30, 45", r.message())
	r = reserve(map[string]any{"eventTypeId": 4712, "slotStart": "2026-03-12T08:00:00Z", "slotDuration": 45}, key)
	assert.Equal(t, 201, r.status)
	r = reserve(map[string]any{"eventTypeId": 4713, "slotStart": "2026-03-12T08:00:00Z", "reservationDuration": 10}, key)
	assert.Equal(t, 201, r.status, "an event type without owner: every key owns it")
	assert.Equal(t, float64(10), r.body["data"].(map[string]any)["reservationDuration"])
	r = reserve(map[string]any{"eventTypeId": 4711, "slotStart": "2026-03-12T10:00:00+01:00"}, key)
	assert.Equal(t, 400, r.status, "slotStart must be UTC")
	r = reserve(map[string]any{"eventTypeId": 999, "slotStart": "2026-03-12T08:00:00Z"}, key)
	assert.Equal(t, 404, r.status)
	assert.Equal(t, "Event Type with ID=999 not found", r.message())
	r = reserve(map[string]any{"eventTypeId": 4712, "slotStart": "2026-03-13T08:00:00Z"}, "cal_live_other")
	assert.Equal(t, 201, r.status, "anyone may reserve a slot of a public event type")
}

func TestReservation_DurationOnlyForOwner(t *testing.T) {
	t.Parallel()
	srv, _ := setup(t, calcomtest.Config{})
	srv.AddAPIKey("cal_live_other")
	srv.AddEventType(calcomtest.EventType{ID: 4714, LengthMinutes: 30, OwnerKey: key})
	body := map[string]any{"eventTypeId": 4714, "slotStart": "2026-03-12T08:00:00Z", "reservationDuration": 15}
	r := call(t, srv, "POST", "/v2/slots/reservations", "2024-09-04", "cal_live_other", body)
	assert.Equal(t, 403, r.status)
	assert.Equal(t, "ForbiddenException", r.code())
	r = call(t, srv, "POST", "/v2/slots/reservations", "2024-09-04", key, body)
	assert.Equal(t, 201, r.status)
	assert.Equal(t, "2026-03-02T14:20:11.000Z", r.body["data"].(map[string]any)["reservationUntil"])
}

func data0(t *testing.T, fx []byte) []byte {
	t.Helper()
	var env struct {
		Data json.RawMessage `json:"data"`
	}
	require.NoError(t, json.Unmarshal(fx, &env))
	return env.Data
}

// TestCreateBooking_IsTheFixture: the fixture request at the fixture's
// time answers the fixture response, uid aside.
func TestCreateBooking_IsTheFixture(t *testing.T) {
	t.Parallel()
	srv, _ := setup(t, calcomtest.Config{})
	r := call(t, srv, "POST", "/v2/bookings", "2024-08-13", key, json.RawMessage(fixture(t, "create_booking_request.json")))
	require.Equal(t, 201, r.status, "%s", r.raw)
	var want, got map[string]any
	require.NoError(t, json.Unmarshal(fixture(t, "create_booking_response.json"), &want))
	require.NoError(t, json.Unmarshal(r.raw, &got))
	uid := got["data"].(map[string]any)["uid"].(string)
	assert.Len(t, uid, 22)
	got["data"].(map[string]any)["uid"] = want["data"].(map[string]any)["uid"]
	assert.Equal(t, want, got)
}

func TestCreateBooking_Validation(t *testing.T) {
	t.Parallel()
	srv, clock := setup(t, calcomtest.Config{})
	srv.AddEventType(calcomtest.EventType{ID: 5000, Team: true, LengthMinutes: 60, Host: calcomtest.Host{ID: 9}})
	srv.SetAvailability(5000, "Europe/Berlin", calcomtest.Availability{Slots: []time.Time{berlinAt(12, 9)}})
	base := func() map[string]any {
		var m map[string]any
		require.NoError(t, json.Unmarshal(fixture(t, "create_booking_request.json"), &m))
		return m
	}
	att := func(m map[string]any) map[string]any { return m["attendee"].(map[string]any) }
	meta := func(n, keyLen, valLen int) map[string]any {
		out := map[string]any{}
		for i := range n {
			out[fmt.Sprintf("%0*d", keyLen, i)] = strings.Repeat("v", valLen)
		}
		return out
	}
	cases := []struct {
		name   string
		mod    func(m map[string]any)
		status int
		msg    string
	}{
		{"start with offset", func(m map[string]any) { m["start"] = "2026-03-12T10:00:00+01:00" }, 400, "in UTC"},
		{"start missing", func(m map[string]any) { delete(m, "start") }, 400, "in UTC"},
		{"start garbage", func(m map[string]any) { m["start"] = "tomorrow" }, 400, "in UTC"},
		{"no name", func(m map[string]any) { delete(att(m), "name") }, 400, "attendee.name"},
		{"no time zone", func(m map[string]any) { delete(att(m), "timeZone") }, 400, "attendee.timeZone"},
		{"bad time zone", func(m map[string]any) { att(m)["timeZone"] = "Berlin" }, 400, "IANA"},
		{"no email or phone", func(m map[string]any) { delete(att(m), "email"); delete(att(m), "phoneNumber") }, 400, "either email or phoneNumber"},
		{"phone only", func(m map[string]any) { delete(att(m), "email") }, 201, ""},
		{"bad phone", func(m map[string]any) { att(m)["phoneNumber"] = "0151 1234567" }, 400, "international format"},
		{"no attendee", func(m map[string]any) { delete(m, "attendee") }, 400, "attendee"},
		{"51 metadata keys", func(m map[string]any) { m["metadata"] = meta(51, 2, 1) }, 400, "at most 50 keys"},
		{"key of 41", func(m map[string]any) { m["metadata"] = meta(1, 41, 1) }, 400, "longer than 40"},
		{"value of 501", func(m map[string]any) { m["metadata"] = meta(1, 2, 501) }, 400, "longer than 500"},
		{"number value", func(m map[string]any) { m["metadata"] = map[string]any{"n": 1} }, 400, "must be a string"},
		{"at the limits", func(m map[string]any) { m["metadata"] = meta(50, 40, 500) }, 201, ""},
		{"unknown event type", func(m map[string]any) { m["eventTypeId"] = 999 }, 404, "Event type with id 999 not found."},
		{"outside the hours", func(m map[string]any) { m["start"] = "2026-03-12T11:00:00Z" }, 400, calcomtest.MsgUserUnavailable},
		{"team outside the hours", func(m map[string]any) { m["eventTypeId"] = 5000; m["start"] = "2026-03-12T11:00:00Z" }, 400, calcomtest.MsgHostsUnavailable},
		{"variable length not allowed", func(m map[string]any) { m["lengthInMinutes"] = 45 }, 400, "lengthInMinutes"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := base()
			if c.status == 201 { // each success needs its own free slot
				m["start"] = map[string]string{"phone only": "2026-03-13T08:00:00Z", "at the limits": "2026-03-13T10:00:00Z"}[c.name]
			}
			c.mod(m)
			r := call(t, srv, "POST", "/v2/bookings", "2024-08-13", key, m)
			assert.Equal(t, c.status, r.status, "%s", r.raw)
			assert.Contains(t, r.message(), c.msg)
			if c.status >= 400 {
				assert.Equal(t, map[int]string{400: "BadRequestException", 404: "NotFoundException"}[c.status], r.code())
			}
		})
	}
	n := len(srv.Bookings())
	clock.Set(time.Date(2026, 3, 12, 9, 30, 0, 0, time.UTC))
	r := call(t, srv, "POST", "/v2/bookings", "2024-08-13", key, base())
	assert.Equal(t, 400, r.status)
	assert.Equal(t, calcomtest.MsgInThePast, r.message())
	assert.Len(t, srv.Bookings(), n, "refused requests book nothing")
	r = call(t, srv, "POST", "/v2/bookings", "2024-08-13", key, []byte("{nope"))
	assert.Equal(t, 400, r.status)
}

func TestSomeoneElseReserved_SaysWhenFree(t *testing.T) {
	t.Parallel()
	srv, clock := setup(t, calcomtest.Config{})
	r := call(t, srv, "POST", "/v2/slots/reservations", "2024-09-04", key, map[string]any{"eventTypeId": 4711, "slotStart": "2026-03-12T09:00:00Z"})
	require.Equal(t, 201, r.status)
	clock.Advance(100 * time.Second)
	r = call(t, srv, "POST", "/v2/bookings", "2024-08-13", key, json.RawMessage(fixture(t, "create_booking_request.json")))
	assert.Equal(t, 400, r.status)
	assert.Equal(t, "Someone else reserved this booking time slot before you. This time slot will be freed up in 200 seconds.", r.message())
	r = call(t, srv, "GET", "/v2/slots?eventTypeId=4711&start=2026-03-12&end=2026-03-12", "2024-09-04", key, nil)
	assert.JSONEq(t, `{"status":"success","data":{"2026-03-12":[{"start":"2026-03-12T08:00:00.000Z"},{"start":"2026-03-12T13:00:00.000Z"}]}}`, string(r.raw),
		"a held slot is not offered; a bare end date means the end of that day")
}

func TestFaults(t *testing.T) {
	t.Parallel()
	srv, _ := setup(t, calcomtest.Config{})
	srv.Fail(calcomtest.OpEventTypes, 503, "maintenance", 2)
	srv.Inject(calcomtest.OpEventTypes, calcomtest.Fault{Status: 500, Code: "PrismaClientKnownRequestError", Header: http.Header{"Retry-After": {"4"}}})
	get := func() resp { return call(t, srv, "GET", "/v2/event-types", "2024-06-14", key, nil) }
	for range 2 {
		r := get()
		assert.Equal(t, 503, r.status)
		assert.Equal(t, "maintenance", r.message())
		assert.Equal(t, "ServiceUnavailableException", r.code())
	}
	r := get()
	assert.Equal(t, 500, r.status)
	assert.Equal(t, "PrismaClientKnownRequestError", r.code())
	assert.Equal(t, "4", r.header.Get("Retry-After"))
	assert.Equal(t, 200, get().status, "faults are used up")

	srv.Fail(calcomtest.OpEventTypes, 502, "", -1)
	for range 3 {
		assert.Equal(t, 502, get().status, "-1: every request")
	}

	srv.FailAfterProcessing(calcomtest.OpCreateBooking, 500, 1)
	r = call(t, srv, "POST", "/v2/bookings", "2024-08-13", key, json.RawMessage(fixture(t, "create_booking_request.json")))
	assert.Equal(t, 500, r.status)
	assert.Len(t, srv.Bookings(), 1, "processed, then failed")

	reqs := srv.Requests()
	last := reqs[len(reqs)-1]
	assert.Equal(t, calcomtest.OpCreateBooking, last.Op)
	assert.Equal(t, "POST", last.Method)
	assert.Equal(t, "/v2/bookings", last.Path)
	assert.Equal(t, 500, last.Status)
	assert.JSONEq(t, string(fixture(t, "create_booking_request.json")), string(last.Body))
	assert.Equal(t, "2024-08-13", last.Header.Get("cal-api-version"))
}

func TestDelayAndHang(t *testing.T) {
	t.Parallel()
	srv, _ := setup(t, calcomtest.Config{})
	client := &http.Client{Timeout: 100 * time.Millisecond}
	post := func() error {
		req, err := http.NewRequestWithContext(context.Background(), "POST", srv.URL+"/v2/bookings", bytes.NewReader(fixture(t, "create_booking_request.json")))
		require.NoError(t, err)
		req.Header.Set("cal-api-version", "2024-08-13")
		req.Header.Set("Authorization", "Bearer "+key)
		res, err := client.Do(req)
		if err == nil {
			res.Body.Close()
		}
		return err
	}
	srv.Delay(calcomtest.OpCreateBooking, time.Minute)
	require.Error(t, post(), "the client gives up")
	assert.Empty(t, srv.Bookings(), "a delayed request whose client left is not processed")

	srv.Delay(calcomtest.OpCreateBooking, 0)
	srv.FailAfterProcessing(calcomtest.OpCreateBooking, 0, 1)
	require.Error(t, post(), "no answer: a timeout")
	assert.Len(t, srv.Bookings(), 1, "but the booking was made")
}
