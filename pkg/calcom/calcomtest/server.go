package calcomtest

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
)

// API versions the fake requires, one per endpoint group (README section 2).
const (
	VersionBookings      = "2024-08-13"
	VersionBookingsNewer = "2026-02-25" // same input and output as 2024-08-13
	VersionSlots         = "2024-09-04"
	VersionEventTypes    = "2024-06-14"
)

// Rate limit of Cal.com for an API key (README section 5).
const (
	DefaultRateLimit = 120
	RateWindow       = 60 * time.Second
	RateBlock        = 60 * time.Second
)

// Op names an endpoint, for fault injection and in [Request].
type Op string

// Endpoints of the fake.
const (
	OpSlots             Op = "slots"              // GET /v2/slots
	OpReserve           Op = "reserve"            // POST /v2/slots/reservations
	OpGetReservation    Op = "get-reservation"    // GET /v2/slots/reservations/{uid}
	OpUpdateReservation Op = "update-reservation" // PATCH /v2/slots/reservations/{uid}
	OpRelease           Op = "release"            // DELETE /v2/slots/reservations/{uid}
	OpCreateBooking     Op = "create-booking"     // POST /v2/bookings
	OpGetBooking        Op = "get-booking"        // GET /v2/bookings/{uid}
	OpCancel            Op = "cancel"             // POST /v2/bookings/{uid}/cancel
	OpReschedule        Op = "reschedule"         // POST /v2/bookings/{uid}/reschedule
	OpEventTypes        Op = "event-types"        // GET /v2/event-types
	OpEventType         Op = "event-type"         // GET /v2/event-types/{id}
	OpUnknown           Op = "unknown"            // any other path
)

// Config configures a [Server].
type Config struct {
	// Now is the fake's clock: reservation expiry, "in the past", the rate
	// limit window. Nil means time.Now. [Clock] is a settable clock.
	Now func() time.Time
	// RateLimit is how many requests an API key may make per 60 s before
	// it is blocked for 60 s with 429. Zero means 120; -1 turns the limit
	// off.
	RateLimit int
}

// EventType is an event type of the fake.
type EventType struct {
	// ID is the event type id. Required, unique.
	ID int64
	// Slug and Title default to "event-<id>" and "Event <id>".
	Slug, Title string
	// LengthMinutes is the default length. Zero means 30.
	LengthMinutes int
	// LengthOptions are the lengths of a variable-length event type; only
	// these may be asked for as slotDuration, duration or lengthInMinutes.
	LengthOptions []int
	// OwnerKey is the API key that owns the event type: only it lists and
	// reads it (GET /v2/event-types) and may set reservationDuration.
	// Slots, reservations and bookings take any event type, as Cal.com's
	// public booking endpoints do. Empty means every key owns it.
	OwnerKey string
	// Team makes it a team event type: conflicts use the hosts message.
	Team bool
	// Hidden is reported as is.
	Hidden bool
	// Host is the booking's host. Event types with the same Host.ID share
	// one calendar: a booking of one makes the others busy. A zero Host is
	// {ID 4201, "Salon Schnittkunst", the availability's time zone}.
	Host Host
	// Location is the booking's location.
	Location string
}

// Host is the host of an event type.
type Host struct {
	ID                              int64
	Name, Email, Username, TimeZone string
}

// Hours is one opening interval of a weekday, "HH:MM" to "HH:MM" in the
// availability's time zone.
type Hours struct {
	Weekday  time.Weekday
	From, To string
}

// Availability is when an event type can be booked.
type Availability struct {
	// Weekly are the opening hours; slots start every IntervalMinutes from
	// each From while they end by To.
	Weekly []Hours
	// Slots are explicit slot starts; when set, Weekly is ignored.
	Slots []time.Time
	// IntervalMinutes is the distance between slot starts. Zero means the
	// event type's length.
	IntervalMinutes int
}

// Attendee is a booking's attendee as the fake stores it.
type Attendee struct {
	Name, Email, TimeZone, PhoneNumber, Language string
}

// Booking is a booking as the fake stores it.
type Booking struct {
	ID                 int64
	UID                string
	EventTypeID        int64
	Start, End         time.Time
	Status             string // accepted, cancelled
	Attendee           Attendee
	Metadata           map[string]string
	Guests             []string
	ReservedSlotUID    string // the reservation it used up, if any
	RescheduledFromUID string
	RescheduledToUID   string
	Rescheduled        bool // the old booking of a reschedule
	CancellationReason string
	ReschedulingReason string
	CreatedAt          time.Time
	UpdatedAt          time.Time // zero until changed
}

// Reservation is a slot reservation as the fake stores it (kept after it
// expires, until it is released or used).
type Reservation struct {
	UID                 string
	EventTypeID         int64
	SlotStart, SlotEnd  time.Time
	ReservationDuration int // minutes
	Until               time.Time
	CreatedAt           time.Time
	seq                 int64
}

// Request is a request the fake received, in order of arrival.
type Request struct {
	Op     Op
	Method string
	Path   string
	Query  url.Values
	Header http.Header
	Body   []byte
	// Status is the status answered (0 while the answer is pending, or if
	// the client gave up first).
	Status int
}

// Fault is an injected failure of one endpoint; see [Server.Inject].
type Fault struct {
	// Status is the answer's status. With AfterProcessing, zero means no
	// answer at all: the fake holds the request until the client gives up
	// (a timeout).
	Status int
	// Code and Message fill the error body; empty Code is the NestJS
	// exception of Status, empty Message the status text.
	Code, Message string
	// Header is added to the answer (Retry-After, say).
	Header http.Header
	// Times is how many requests the fault answers. Zero means once; -1
	// means every request.
	Times int
	// AfterProcessing makes the request take effect (the booking is made,
	// the slot reserved) before the fault answers, as when Cal.com fails
	// after committing, or the answer is lost.
	AfterProcessing bool
}

type rateState struct {
	windowEnd    time.Time
	hits         int
	blockedUntil time.Time
}

// Server is an in-memory Cal.com API v2 on an httptest server. It is safe
// for concurrent use; all methods may be called while requests run.
type Server struct {
	// URL is the base URL to give the client (host only, no /v2).
	URL string

	srv       *httptest.Server
	now       func() time.Time
	rateLimit int
	closing   chan struct{}
	closeOnce sync.Once

	mu           sync.Mutex
	keys         map[string]bool
	eventTypes   map[int64]*EventType
	availability map[int64]*availability
	bookings     []*Booking
	reservations []*Reservation
	requests     []*Request
	faults       map[Op][]*Fault
	delays       map[Op]time.Duration
	rates        map[string]*rateState
	nextID       int64
	seq          int64
}

type availability struct {
	loc *time.Location
	Availability
}

// NewServer starts a fake Cal.com. Close it when done (t.Cleanup(s.Close)).
func NewServer(cfg Config) *Server {
	s := &Server{
		now:          cfg.Now,
		rateLimit:    cfg.RateLimit,
		closing:      make(chan struct{}),
		keys:         make(map[string]bool),
		eventTypes:   make(map[int64]*EventType),
		availability: make(map[int64]*availability),
		faults:       make(map[Op][]*Fault),
		delays:       make(map[Op]time.Duration),
		rates:        make(map[string]*rateState),
		nextID:       918272, // the first booking is the fixture's 918273
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.rateLimit == 0 {
		s.rateLimit = DefaultRateLimit
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	s.URL = s.srv.URL
	return s
}

// Close stops the server; requests held by a fault or a delay end.
func (s *Server) Close() {
	s.closeOnce.Do(func() { close(s.closing) })
	s.srv.Close()
}

// AddAPIKey makes key a valid API key.
func (s *Server) AddAPIKey(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys[key] = true
}

// AddEventType adds or replaces an event type. It panics on an ID below 1.
func (s *Server) AddEventType(et EventType) {
	if et.ID < 1 {
		panic(fmt.Sprintf("calcomtest: event type id %d must be positive", et.ID))
	}
	if et.Slug == "" {
		et.Slug = fmt.Sprintf("event-%d", et.ID)
	}
	if et.Title == "" {
		et.Title = fmt.Sprintf("Event %d", et.ID)
	}
	if et.LengthMinutes == 0 {
		et.LengthMinutes = 30
	}
	if et.Host.ID == 0 {
		et.Host.ID = 4201
	}
	if et.Host.Name == "" {
		et.Host.Name = "Salon Schnittkunst"
	}
	if et.Host.Email == "" {
		et.Host.Email = "termine@salon-schnittkunst.example"
	}
	if et.Host.Username == "" {
		et.Host.Username = "salon-schnittkunst"
	}
	et.LengthOptions = append([]int(nil), et.LengthOptions...)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.eventTypes[et.ID] = &et
}

// SetAvailability sets when eventTypeID can be booked, in timeZone (an
// IANA name). It panics for an unknown event type, an unknown zone or
// malformed hours: these are mistakes in the test.
func (s *Server) SetAvailability(eventTypeID int64, timeZone string, a Availability) {
	loc, err := time.LoadLocation(timeZone)
	if err != nil {
		panic(fmt.Sprintf("calcomtest: time zone %q: %v", timeZone, err))
	}
	for _, h := range a.Weekly {
		f, err1 := parseClock(h.From)
		t, err2 := parseClock(h.To)
		if err1 != nil || err2 != nil || t <= f {
			panic(fmt.Sprintf("calcomtest: hours %s-%s: want HH:MM to a later HH:MM", h.From, h.To))
		}
	}
	a.Weekly = append([]Hours(nil), a.Weekly...)
	a.Slots = append([]time.Time(nil), a.Slots...)
	s.mu.Lock()
	defer s.mu.Unlock()
	et := s.eventTypes[eventTypeID]
	if et == nil {
		panic(fmt.Sprintf("calcomtest: no event type %d: add it first", eventTypeID))
	}
	if et.Host.TimeZone == "" {
		et.Host.TimeZone = timeZone
	}
	s.availability[eventTypeID] = &availability{loc: loc, Availability: a}
}

var clockRe = regexp.MustCompile(`^([01]\d|2[0-4]):([0-5]\d)$`)

// parseClock reads "HH:MM" as minutes after midnight.
func parseClock(s string) (int, error) {
	m := clockRe.FindStringSubmatch(s)
	if m == nil {
		return 0, fmt.Errorf("not HH:MM: %q", s)
	}
	var h, mi int
	fmt.Sscanf(m[1], "%d", &h)
	fmt.Sscanf(m[2], "%d", &mi)
	return h*60 + mi, nil
}

// Bookings returns copies of all bookings, oldest first.
func (s *Server) Bookings() []Booking {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Booking, len(s.bookings))
	for i, b := range s.bookings {
		out[i] = *b
		out[i].Metadata = cloneMap(b.Metadata)
		out[i].Guests = append([]string(nil), b.Guests...)
	}
	return out
}

// Booking returns a copy of the booking uid and whether it exists.
func (s *Server) Booking(uid string) (Booking, bool) {
	for _, b := range s.Bookings() {
		if b.UID == uid {
			return b, true
		}
	}
	return Booking{}, false
}

// Reservations returns copies of the reservations not released or used
// up, expired ones included, oldest first.
func (s *Server) Reservations() []Reservation {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Reservation, len(s.reservations))
	for i, r := range s.reservations {
		out[i] = *r
	}
	return out
}

// Requests returns copies of every request received, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
		out[i] = *r
		out[i].Query = cloneValues(r.Query)
		out[i].Header = r.Header.Clone()
		out[i].Body = append([]byte(nil), r.Body...)
	}
	return out
}

// RequestsOf returns the requests of op, in order.
func (s *Server) RequestsOf(op Op) []Request {
	var out []Request
	for _, r := range s.Requests() {
		if r.Op == op {
			out = append(out, r)
		}
	}
	return out
}

// Inject queues f for op: the next f.Times requests of op that pass
// authentication, the rate limit and the version check get f's answer.
// Faults of one op are used in the order injected.
func (s *Server) Inject(op Op, f Fault) {
	if f.Times == 0 {
		f.Times = 1
	}
	f.Header = f.Header.Clone()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[op] = append(s.faults[op], &f)
}

// Fail answers the next times requests of op with status and message
// before doing anything (times -1: every request).
func (s *Server) Fail(op Op, status int, message string, times int) {
	s.Inject(op, Fault{Status: status, Message: message, Times: times})
}

// FailAfterProcessing lets the next times requests of op take effect and
// then answers status (0: no answer until the client gives up), the
// ambiguous failure of README section 5.
func (s *Server) FailAfterProcessing(op Op, status int, times int) {
	s.Inject(op, Fault{Status: status, Times: times, AfterProcessing: true})
}

// Delay makes every later request of op wait d (on the real clock) before
// it is handled; a request whose client gives up first is not handled.
// Zero removes the delay.
func (s *Server) Delay(op Op, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d <= 0 {
		delete(s.delays, op)
		return
	}
	s.delays[op] = d
}

func (s *Server) takeFault(op Op) *Fault {
	q := s.faults[op]
	if len(q) == 0 {
		return nil
	}
	f := q[0]
	if f.Times > 0 {
		f.Times--
		if f.Times == 0 {
			s.faults[op] = q[1:]
		}
	}
	c := *f
	return &c
}

// answer is what a handler answers.
type answer struct {
	status int
	body   any
	header http.Header
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	op, rt := route(r.Method, r.URL.Path)
	rec := &Request{Op: op, Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone(), Body: body}
	s.mu.Lock()
	s.requests = append(s.requests, rec)
	s.mu.Unlock()

	a, hold := s.handle(r, op, rt, body)
	if hold {
		select {
		case <-r.Context().Done():
		case <-s.closing:
		}
		return
	}
	for k, vs := range a.header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	buf, err := json.Marshal(a.body)
	if err != nil {
		a.status, buf = http.StatusInternalServerError, []byte(`{"status":"error"}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(a.status)
	_, _ = w.Write(buf)
	s.mu.Lock()
	rec.Status = a.status
	s.mu.Unlock()
}

// handle runs the checks and the endpoint. hold means: answer nothing
// until the client gives up.
func (s *Server) handle(r *http.Request, op Op, rt routeInfo, body []byte) (answer, bool) {
	uri := r.URL.RequestURI()
	key, hasKey := bearer(r.Header.Get("Authorization"))
	s.mu.Lock()
	now := s.now()
	known := hasKey && s.keys[key]
	s.mu.Unlock()
	if !hasKey {
		return errAnswer(now, uri, http.StatusUnauthorized, "", "calcomtest: no \"Authorization: Bearer <api key>\" header (the fake wants an API key on every endpoint)"), false
	}
	if !known {
		return errAnswer(now, uri, http.StatusUnauthorized, "", "CustomThrottlerGuard - Invalid API Key"), false
	}
	rateHeader, limited := s.countRate(key, now)
	if limited {
		a := errAnswer(now, uri, http.StatusTooManyRequests, "ThrottlerException", "CustomThrottlerGuard - Too many requests. Please try again later.")
		a.header = rateHeader
		return a, false
	}
	withRate := func(a answer) answer {
		if a.header == nil {
			a.header = http.Header{}
		}
		for k, v := range rateHeader {
			if _, set := a.header[k]; !set { // a fault's own headers win
				a.header[k] = v
			}
		}
		return a
	}
	if op == OpUnknown {
		return withRate(errAnswer(now, uri, http.StatusNotFound, "", fmt.Sprintf("Cannot %s %s", r.Method, r.URL.Path))), false
	}
	if got := r.Header.Get("cal-api-version"); !versionOK(rt.group, got) {
		msg := fmt.Sprintf("calcomtest: cal-api-version must be %s for %s, got %q (the real Cal.com silently answers with an older version of the endpoint)", rt.group, rt.prefix, got)
		return withRate(errAnswer(now, uri, http.StatusBadRequest, "", msg)), false
	}

	s.mu.Lock()
	delay := s.delays[op]
	s.mu.Unlock()
	if delay > 0 {
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return answer{}, true
		case <-s.closing:
			t.Stop()
			return answer{}, true
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	now = s.now()
	f := s.takeFault(op)
	if f != nil && !f.AfterProcessing {
		return withRate(faultAnswer(now, uri, f)), false
	}
	a := s.dispatch(op, rt, r, key, body, now)
	if f != nil {
		if f.Status == 0 {
			return answer{}, true
		}
		return withRate(faultAnswer(now, uri, f)), false
	}
	return withRate(a), false
}

func faultAnswer(now time.Time, uri string, f *Fault) answer {
	msg := f.Message
	if msg == "" {
		msg = http.StatusText(f.Status)
	}
	a := errAnswer(now, uri, f.Status, f.Code, msg)
	a.header = f.Header.Clone()
	return a
}

func bearer(h string) (string, bool) {
	k, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || k == "" {
		return "", false
	}
	return k, true
}

func versionOK(want, got string) bool {
	if want == VersionBookings {
		return got == VersionBookings || got == VersionBookingsNewer
	}
	return got == want
}

// countRate counts one request of key: Cal.com's throttler (a fixed window
// of 60 s from the first request, then a block of 60 s). It returns the
// X-RateLimit-*-Default headers and whether the request is refused.
func (s *Server) countRate(key string, now time.Time) (http.Header, bool) {
	if s.rateLimit < 0 {
		return nil, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.rates[key]
	if st == nil {
		st = &rateState{}
		s.rates[key] = st
	}
	h := http.Header{}
	h.Set("X-RateLimit-Limit-Default", fmt.Sprint(s.rateLimit))
	secs := func(d time.Duration) string { return fmt.Sprint(int64(math.Ceil(d.Seconds()))) }
	if now.Before(st.blockedUntil) {
		h.Set("X-RateLimit-Remaining-Default", "0")
		h.Set("X-RateLimit-Reset-Default", secs(st.blockedUntil.Sub(now)))
		return h, true
	}
	if !now.Before(st.windowEnd) {
		st.windowEnd, st.hits = now.Add(RateWindow), 0
	}
	st.hits++
	if st.hits > s.rateLimit {
		st.blockedUntil = now.Add(RateBlock)
		h.Set("X-RateLimit-Remaining-Default", "0")
		h.Set("X-RateLimit-Reset-Default", secs(RateBlock))
		return h, true
	}
	h.Set("X-RateLimit-Remaining-Default", fmt.Sprint(s.rateLimit-st.hits))
	h.Set("X-RateLimit-Reset-Default", secs(st.windowEnd.Sub(now)))
	return h, false
}

// routeInfo is a matched route: its version group, path prefix and id.
type routeInfo struct {
	group  string // version the endpoint needs
	prefix string
	id     string // uid or id of the path, unescaped
}

func route(method, path string) (Op, routeInfo) {
	seg := strings.Split(strings.Trim(path, "/"), "/")
	unesc := func(s string) string {
		if u, err := url.PathUnescape(s); err == nil {
			return u
		}
		return s
	}
	if len(seg) < 2 || seg[0] != "v2" {
		return OpUnknown, routeInfo{}
	}
	switch seg[1] {
	case "slots":
		ri := routeInfo{group: VersionSlots, prefix: "/v2/slots"}
		switch {
		case len(seg) == 2 && method == http.MethodGet:
			return OpSlots, ri
		case len(seg) == 3 && seg[2] == "reservations" && method == http.MethodPost:
			return OpReserve, ri
		case len(seg) == 4 && seg[2] == "reservations":
			ri.id = unesc(seg[3])
			switch method {
			case http.MethodGet:
				return OpGetReservation, ri
			case http.MethodPatch:
				return OpUpdateReservation, ri
			case http.MethodDelete:
				return OpRelease, ri
			}
		}
	case "bookings":
		ri := routeInfo{group: VersionBookings, prefix: "/v2/bookings"}
		switch {
		case len(seg) == 2 && method == http.MethodPost:
			return OpCreateBooking, ri
		case len(seg) == 3 && method == http.MethodGet:
			ri.id = unesc(seg[2])
			return OpGetBooking, ri
		case len(seg) == 4 && method == http.MethodPost && seg[3] == "cancel":
			ri.id = unesc(seg[2])
			return OpCancel, ri
		case len(seg) == 4 && method == http.MethodPost && seg[3] == "reschedule":
			ri.id = unesc(seg[2])
			return OpReschedule, ri
		}
	case "event-types":
		ri := routeInfo{group: VersionEventTypes, prefix: "/v2/event-types"}
		switch {
		case len(seg) == 2 && method == http.MethodGet:
			return OpEventTypes, ri
		case len(seg) == 3 && method == http.MethodGet:
			ri.id = unesc(seg[2])
			return OpEventType, ri
		}
	}
	return OpUnknown, routeInfo{}
}

// exceptions are the NestJS exception names of statuses.
var exceptions = map[int]string{
	400: "BadRequestException", 401: "UnauthorizedException", 403: "ForbiddenException",
	404: "NotFoundException", 409: "ConflictException", 422: "UnprocessableEntityException",
	429: "ThrottlerException", 500: "InternalServerErrorException", 502: "BadGatewayException",
	503: "ServiceUnavailableException", 504: "GatewayTimeoutException",
}

// errAnswer builds the error body of the HTTP exception filter (README
// section 3; fixture error_response.json).
func errAnswer(now time.Time, uri string, status int, code, msg string) answer {
	if code == "" {
		code = exceptions[status]
		if code == "" {
			code = "HttpException"
		}
	}
	return answer{status: status, body: map[string]any{
		"status":    "error",
		"timestamp": isoUTC(now),
		"path":      uri,
		"error": map[string]any{
			"code":    code,
			"message": msg,
			"details": map[string]any{"message": msg, "error": http.StatusText(status), "statusCode": status},
		},
	}}
}

func ok(status int, data any) answer {
	return answer{status: status, body: map[string]any{"status": "success", "data": data}}
}

// isoUTC formats like JavaScript's toISOString.
func isoUTC(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// isoIn formats like luxon's toISO in loc ("2026-03-12T09:00:00.000+01:00").
func isoIn(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("2006-01-02T15:04:05.000Z07:00")
}

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

func newUID() string {
	var b [22]byte
	_, _ = rand.Read(b[:])
	for i := range b {
		b[i] = base62[int(b[i])%len(base62)]
	}
	return string(b[:])
}

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

func cloneMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// decodeStrict decodes a JSON object body.
func decodeStrict(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return fmt.Errorf("the body is empty")
	}
	return json.Unmarshal(body, v)
}

func sortedInts(xs []int) []int {
	out := append([]int(nil), xs...)
	sort.Ints(out)
	return out
}
