package booking

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/prometheus/client_golang/prometheus"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/askproai/askpro/pkg/calcom"
	"github.com/askproai/askpro/pkg/phone"
	"github.com/askproai/askpro/pkg/store"
	"github.com/askproai/askpro/pkg/tenant"
)

// CalendarConfig configures the agent's calendar functions
// ([NewCalendarFunctions]).
type CalendarConfig struct {
	// Store holds the branches' services, opening hours, customers and
	// appointments. Required.
	Store *store.Store
	// Calendars gives each company's Cal.com client. Required.
	Calendars Calendars
	// Logger receives a line per Cal.com failure and per booking. Nil
	// discards.
	Logger *slog.Logger
	// Now is the clock ("in the past", "heute", the slot cache). Nil means
	// time.Now.
	Now func() time.Time
	// SlotCacheTTL is how long the free slots of an event type and day are
	// remembered for check_availability. They are never trusted for
	// booking: a booking reserves at Cal.com, and the alternatives offered
	// after a conflict are fetched fresh. Zero means 5s; negative disables
	// the cache.
	SlotCacheTTL time.Duration
	// CacheTTL is how long a branch's services and opening hours are
	// remembered between function calls (hits only), so that a call reads
	// the database for what changes only when a person edits it. A
	// service added or changed is seen within CacheTTL. Zero means 5s
	// (the branch cache of [FunctionsConfig.CacheTTL]); negative disables
	// the cache.
	CacheTTL time.Duration
	// MaxOptions is how many slots an answer offers. Zero means 3.
	MaxOptions int
	// LookaheadDays is how many days after a full day are searched for the
	// next free slots. Zero means 7; negative searches none.
	LookaheadDays int
	// WriteTimeout bounds the store writes after Cal.com acted (customer,
	// appointment); they run even when the call's context has ended, so a
	// booking made is recorded. Zero means 5s.
	WriteTimeout time.Duration
	// PhoneRegion is the region of a customer_phone written without a
	// country code. Zero means "DE".
	PhoneRegion string
	// Registerer takes askproai_bookings_total{status,branch}. Nil counts
	// into a counter no registry exports.
	Registerer prometheus.Registerer
}

// NewCalendarFunctions returns the agent's four calendar functions by name
// ([FuncCheckAvailability], [FuncBookAppointment],
// [FuncCancelAppointment], [FuncRescheduleAppointment]), served against
// the company's Cal.com account (Calendars) and the store. The functions
// are safe for concurrent use. It returns an error when Store or Calendars
// is missing or a number is negative where it must not be.
//
// What each answers is described on checkAvailability, bookAppointment,
// cancelAppointment and rescheduleAppointment; every expected outcome is an
// [Answer] (StatusUnavailable when Cal.com is slow, down, out of budget or
// its breaker is open), and an error only means an unexpected failure (the
// database).
func NewCalendarFunctions(cfg CalendarConfig) (map[string]Function, error) {
	if cfg.Store == nil {
		return nil, errors.New("booking: CalendarConfig.Store is required")
	}
	if cfg.Calendars == nil {
		return nil, errors.New("booking: CalendarConfig.Calendars is required")
	}
	if cfg.MaxOptions < 0 {
		return nil, fmt.Errorf("booking: CalendarConfig.MaxOptions %d is negative", cfg.MaxOptions)
	}
	if cfg.WriteTimeout < 0 {
		return nil, fmt.Errorf("booking: CalendarConfig.WriteTimeout %s is negative", cfg.WriteTimeout)
	}
	cal := &calendar{st: cfg.Store, cals: cfg.Calendars, log: cfg.Logger, now: cfg.Now, ttl: cfg.SlotCacheTTL,
		maxOptions: cfg.MaxOptions, lookahead: cfg.LookaheadDays, writeTimeout: cfg.WriteTimeout, region: cfg.PhoneRegion,
		cacheTTL: cfg.CacheTTL}
	if cal.log == nil {
		cal.log = slog.New(slog.DiscardHandler)
	}
	if cal.now == nil {
		cal.now = time.Now
	}
	if cal.ttl == 0 {
		cal.ttl = 5 * time.Second
	}
	if cal.cacheTTL == 0 {
		cal.cacheTTL = 5 * time.Second
	}
	if cal.maxOptions == 0 {
		cal.maxOptions = 3
	}
	if cal.lookahead == 0 {
		cal.lookahead = 7
	}
	if cal.writeTimeout == 0 {
		cal.writeTimeout = 5 * time.Second
	}
	if cal.region == "" {
		cal.region = "DE"
	}
	bookings, err := newBookingsCounter(cfg.Registerer)
	if err != nil {
		return nil, err
	}
	return map[string]Function{
		FuncCheckAvailability:     ReadOnly(FunctionFunc(cal.checkAvailability)),
		FuncBookAppointment:       bookings.counted(FuncBookAppointment, FunctionFunc(cal.bookAppointment)),
		FuncCancelAppointment:     bookings.counted(FuncCancelAppointment, FunctionFunc(cal.cancelAppointment)),
		FuncRescheduleAppointment: bookings.counted(FuncRescheduleAppointment, FunctionFunc(cal.rescheduleAppointment)),
	}, nil
}

// calendar serves the calendar functions.
type calendar struct {
	st           *store.Store
	cals         Calendars
	log          *slog.Logger
	now          func() time.Time
	ttl          time.Duration
	maxOptions   int
	lookahead    int
	writeTimeout time.Duration
	region       string
	cacheTTL     time.Duration

	// services holds a branch's services (branch 0: the company's), and
	// openHours a branch's opening hours, for cacheTTL.
	services  cache[serviceKey, []store.Service]
	openHours cache[int64, openHours]

	slotsMu sync.Mutex
	slots   map[slotKey]cachedSlots
}

// slotKey names the cached slots of one event type and day of a company.
type slotKey struct {
	company, eventType int64
	day                civilDay
	tz                 string
}

type cachedSlots struct {
	starts []time.Time
	exp    time.Time
}

// maxCachedDays bounds the slot cache; when full it starts again empty.
const maxCachedDays = 10000

func (cal *calendar) cachedSlots(k slotKey) ([]time.Time, bool) {
	if cal.ttl < 0 {
		return nil, false
	}
	cal.slotsMu.Lock()
	defer cal.slotsMu.Unlock()
	e, ok := cal.slots[k]
	if !ok || !cal.now().Before(e.exp) {
		return nil, false
	}
	return e.starts, true
}

func (cal *calendar) cacheSlots(k slotKey, starts []time.Time) {
	if cal.ttl < 0 {
		return
	}
	cal.slotsMu.Lock()
	defer cal.slotsMu.Unlock()
	if cal.slots == nil || len(cal.slots) >= maxCachedDays {
		cal.slots = make(map[slotKey]cachedSlots)
	}
	cal.slots[k] = cachedSlots{starts: starts, exp: cal.now().Add(cal.ttl)}
}

// forgetSlots drops the cached slots of a day (after a booking, a
// cancellation or a conflict changed them).
func (cal *calendar) forgetSlots(k slotKey) {
	cal.slotsMu.Lock()
	defer cal.slotsMu.Unlock()
	delete(cal.slots, k)
}

// branchZone returns the branch's time zone; an unknown or empty one is
// Europe/Berlin (logged), the zone branches are created with.
func (cal *calendar) branchZone(ctx context.Context, b store.Branch) *time.Location {
	name := b.Timezone
	if name == "" {
		name = "Europe/Berlin"
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		cal.log.WarnContext(ctx, "booking: branch time zone unknown, using Europe/Berlin", "branch_id", b.ID, "timezone", b.Timezone)
		loc, _ = time.LoadLocation("Europe/Berlin")
	}
	return loc
}

// decodeArgs reads the call's args into v; malformed args are an Answer.
func decodeArgs(c Call, v any) *Answer {
	if len(c.Args) == 0 {
		return nil
	}
	if err := json.Unmarshal(c.Args, v); err != nil {
		return &Answer{Status: StatusInvalid, Result: "Die Angaben konnte ich leider nicht lesen. Können Sie sie bitte noch einmal nennen?",
			Data: map[string]any{"error": "args: " + err.Error()}}
	}
	return nil
}

// unavailable is the answer when Cal.com cannot be reached in time: a
// call back, or the transfer when the branch has one. It logs why.
func (cal *calendar) unavailable(ctx context.Context, c Call, what string, err error) Answer {
	level := slog.LevelWarn
	if errors.Is(err, calcom.ErrUnauthorized) || errors.Is(err, calcom.ErrNotFound) || errors.Is(err, calcom.ErrInvalidRequest) {
		level = slog.LevelError // configuration, not weather
	}
	cal.log.Log(ctx, level, "booking: calendar unavailable", "function", c.Name, "call_id", c.CallID, "company_id", c.Company.ID,
		"branch_id", c.Branch.ID, "step", what, "error", err.Error())
	transfer := c.Branch.TransferNumber != ""
	msg := "Ich komme gerade leider nicht an den Terminkalender. "
	if transfer {
		msg += "Ich kann Sie gern mit einer Mitarbeiterin oder einem Mitarbeiter verbinden, oder wir rufen Sie zurück, sobald es wieder geht."
	} else {
		msg += "Wir rufen Sie gern zurück, sobald es wieder geht. Ist das für Sie in Ordnung?"
	}
	return Answer{Status: StatusUnavailable, Result: msg, Data: map[string]any{"callback": true, "transfer": transfer}}
}

// client returns the company's Cal.com client.
func (cal *calendar) client(ctx context.Context, c Call) (*calcom.Client, error) {
	cl, err := cal.cals.For(ctx, c.Company.ID)
	if err != nil {
		return nil, fmt.Errorf("cal.com client of company %d: %w", c.Company.ID, err)
	}
	return cl, nil
}

// tenantCtx scopes ctx to the call's company.
func tenantCtx(ctx context.Context, c Call) context.Context {
	return tenant.WithCompany(ctx, c.Company.ID)
}

// normalizePhone returns the E.164 form of n, or "".
func (cal *calendar) normalizePhone(n string) phone.Number {
	n = strings.TrimSpace(n)
	if n == "" {
		return ""
	}
	e, err := phone.Normalize(n, cal.region)
	if err != nil {
		return ""
	}
	return phone.Number(e)
}

// serviceKey names the cached services of a branch (0: all the company's).
type serviceKey struct{ company, branch int64 }

// listServices returns the services of a branch of c's company (branch 0:
// all of them), ordered by id, from the cache when fresh. The slice is
// shared: callers must not change it.
func (cal *calendar) listServices(ctx context.Context, c Call, branchID int64) ([]store.Service, error) {
	k := serviceKey{company: c.Company.ID, branch: branchID}
	if v, ok := cal.services.get(k, cal.now()); ok {
		return v, nil
	}
	v, err := cal.st.Services.ListByBranch(ctx, branchID)
	if err != nil {
		return nil, err
	}
	cal.services.put(k, v, cal.now().Add(cal.cacheTTL), cal.cacheTTL > 0)
	return v, nil
}

// service returns a service of c's company by id: from the cached list of
// the company's services, else from the store.
func (cal *calendar) service(ctx context.Context, c Call, id int64) (store.Service, error) {
	all, err := cal.listServices(ctx, c, 0)
	if err != nil {
		return store.Service{}, err
	}
	for _, s := range all {
		if s.ID == id {
			return s, nil
		}
	}
	return cal.st.Services.Get(ctx, id)
}

// bookable returns the branch's active services that have a Cal.com event
// type, ordered by id.
func (cal *calendar) bookable(ctx context.Context, c Call) ([]store.Service, error) {
	all, err := cal.listServices(ctx, c, c.Branch.ID)
	if err != nil {
		return nil, fmt.Errorf("list services of branch %d: %w", c.Branch.ID, err)
	}
	out := make([]store.Service, 0, len(all))
	for _, s := range all {
		if s.IsActive && s.CalcomEventTypeID != nil {
			out = append(out, s)
		}
	}
	return out, nil
}

// resolveService finds the service the "service" argument names among the
// branch's bookable services (see matchService). Not exactly one: the
// Answer to give (StatusAsk listing the candidates, StatusNotFound listing
// what the branch offers).
func (cal *calendar) resolveService(ctx context.Context, c Call, arg string) (store.Service, *Answer, error) {
	svcs, err := cal.bookable(ctx, c)
	if err != nil {
		return store.Service{}, nil, err
	}
	if len(svcs) == 0 {
		return store.Service{}, &Answer{Status: StatusNotFound,
			Result: "Für diesen Standort kann ich leider keine Termine telefonisch buchen."}, nil
	}
	if strings.TrimSpace(arg) == "" {
		if len(svcs) == 1 {
			return svcs[0], nil, nil
		}
		return store.Service{}, &Answer{Status: StatusAsk,
			Result: "Für welche Leistung möchten Sie den Termin? Wir bieten " + serviceList(svcs, "und") + " an.",
			Data:   map[string]any{"services": serviceNames(svcs)}}, nil
	}
	found := matchService(arg, svcs)
	switch len(found) {
	case 1:
		return found[0], nil, nil
	case 0:
		return store.Service{}, &Answer{Status: StatusNotFound,
			Result: "Diese Leistung finde ich leider nicht. Wir bieten " + serviceList(svcs, "und") + " an.",
			Data:   map[string]any{"services": serviceNames(svcs)}}, nil
	}
	return store.Service{}, &Answer{Status: StatusAsk,
		Result: "Meinen Sie " + serviceList(found, "oder") + "?",
		Data:   map[string]any{"services": serviceNames(found)}}, nil
}

func serviceNames(svcs []store.Service) []map[string]any {
	out := make([]map[string]any, len(svcs))
	for i, s := range svcs {
		out[i] = map[string]any{"id": s.ID, "name": s.Name, "duration_minutes": s.DurationMinutes}
	}
	return out
}

// serviceList says names as a German list: "A, B und C" (or "oder").
func serviceList(svcs []store.Service, and string) string {
	names := make([]string, len(svcs))
	for i, s := range svcs {
		names[i] = s.Name
	}
	if len(names) == 1 {
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " " + and + " " + names[len(names)-1]
}

// normalizeWords folds a service name for comparison: lower case, umlauts
// and ß spelled out (ä→ae, ö→oe, ü→ue, ß→ss, also their accented
// cousins), everything that is not a letter or digit a single space.
func normalizeWords(s string) string {
	s = umlauts.Replace(strings.ToLower(s))
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }), " ")
}

var umlauts = strings.NewReplacer("ä", "ae", "ö", "oe", "ü", "ue", "ß", "ss", "é", "e", "è", "e", "ê", "e", "á", "a", "à", "a", "â", "a")

// compact is the normalized form without spaces: "Damen-Haarschnitt" and
// "damenhaarschnitt" compare equal.
func compact(s string) string { return strings.ReplaceAll(normalizeWords(s), " ", "") }

// fillers are words a caller adds that name no service.
var fillers = map[string]bool{"ein": true, "eine": true, "einen": true, "fuer": true, "der": true, "die": true, "das": true,
	"bitte": true, "termin": true, "zum": true, "zur": true, "mal": true, "gern": true, "gerne": true}

// matchService finds the services arg names, forgivingly, best tier first:
//  1. the service's id ("12"), or its name equal after normalizing (case,
//     umlauts, ß, spaces and hyphens do not matter);
//  2. one name containing the other ("haarschnitt" is in
//     "Damenhaarschnitt"), or every word of arg in the name;
//  3. a near miss: arg is the name with a middle part left out
//     ("Herrenschnitt" for "Herrenhaarschnitt"), or within an edit distance
//     of a quarter of the name's length (typos, "Damenhaarschnit"); the
//     nearest win.
//
// It returns every service of the best tier that matched (more than one:
// ambiguous), or none.
func matchService(arg string, svcs []store.Service) []store.Service {
	if id, err := strconv.ParseInt(strings.TrimSpace(arg), 10, 64); err == nil {
		for _, s := range svcs {
			if s.ID == id {
				return []store.Service{s}
			}
		}
		return nil
	}
	var words []string
	for _, w := range strings.Fields(normalizeWords(arg)) {
		if !fillers[w] {
			words = append(words, w)
		}
	}
	q := strings.Join(words, "")
	if q == "" {
		return nil
	}
	var exact, contains []store.Service
	type near struct {
		s    store.Service
		dist int
	}
	var nears []near
	for _, s := range svcs {
		n := compact(s.Name)
		if n == "" {
			continue
		}
		if n == q {
			exact = append(exact, s)
			continue
		}
		if strings.Contains(n, q) || strings.Contains(q, n) || allIn(words, n) {
			contains = append(contains, s)
			continue
		}
		if d, ok := nearMiss(q, n); ok {
			nears = append(nears, near{s, d})
		}
	}
	switch {
	case len(exact) > 0:
		return exact
	case len(contains) > 0:
		return contains
	case len(nears) == 0:
		return nil
	}
	sort.SliceStable(nears, func(i, j int) bool { return nears[i].dist < nears[j].dist })
	var out []store.Service
	for _, n := range nears {
		if n.dist == nears[0].dist {
			out = append(out, n.s)
		}
	}
	return out
}

// allIn reports whether every word (of at least 3 letters) is in name.
func allIn(words []string, name string) bool {
	n := 0
	for _, w := range words {
		if len(w) < 3 {
			continue
		}
		if !strings.Contains(name, w) {
			return false
		}
		n++
	}
	return n > 0
}

// nearMiss reports whether q is name with a middle part left out (a
// shared prefix and suffix of at least 3 letters each that cover q), or
// within edit distance len(name)/4 of it, and how far it is.
func nearMiss(q, name string) (int, bool) {
	d := levenshtein(q, name)
	if len(q) < len(name) {
		p := commonPrefix(q, name)
		s := commonSuffix(q[p:], name[p:])
		if p >= 3 && s >= 3 && p+s == len(q) {
			return d, true
		}
	}
	limit := len([]rune(name)) / 4
	return d, len(q) >= 4 && d <= limit
}

func commonPrefix(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

func commonSuffix(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[len(a)-1-n] == b[len(b)-1-n] {
		n++
	}
	return n
}

// levenshtein is the edit distance of a and b, by runes.
func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
