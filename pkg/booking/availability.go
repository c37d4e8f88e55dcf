package booking

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/askproai/askpro/pkg/calcom"
	"github.com/askproai/askpro/pkg/store"
)

// availabilityArgs are check_availability's parameters (pkg/provision's
// tool): service, date YYYY-MM-DD, time HH:MM (optional).
type availabilityArgs struct {
	Service string `json:"service"`
	Date    string `json:"date"`
	Time    string `json:"time"`
}

// slotData is one slot as Answer.Data gives it: ISO 8601 times with the
// branch's offset, and the wall time.
type slotData struct {
	Start string `json:"start"`
	End   string `json:"end"`
	Time  string `json:"time"`
}

func slotsData(starts []time.Time, svc store.Service, loc *time.Location) []slotData {
	out := make([]slotData, len(starts))
	for i, t := range starts {
		t = t.In(loc)
		out[i] = slotData{Start: t.Format(time.RFC3339), End: t.Add(time.Duration(svc.DurationMinutes) * time.Minute).Format(time.RFC3339), Time: clock(t)}
	}
	return out
}

// checkAvailability answers check_availability: the free slots of the
// service's event type (Cal.com GET /v2/slots, in the branch's time zone)
// on the day asked, within the branch's opening hours (when it has any),
// offered as at most MaxOptions times: those nearest to the time asked, or
// spread over the day. A full day offers the first free day of the
// LookaheadDays after it (StatusNoSlots with those slots). A day's slots
// are cached for SlotCacheTTL.
func (cal *calendar) checkAvailability(ctx context.Context, c Call) (Answer, error) {
	var a availabilityArgs
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
	today := dayOf(now.In(loc))
	if strings.TrimSpace(a.Date) == "" {
		if strings.TrimSpace(a.Time) == "" {
			return Answer{Status: StatusAsk, Result: "Für welchen Tag möchten Sie den Termin?"}, nil
		}
		a.Date = today.String()
	}
	day, err := parseDay(a.Date, now, loc)
	if err != nil {
		return Answer{Status: StatusInvalid, Result: "Diesen Tag habe ich nicht verstanden. Für welchen Tag möchten Sie den Termin?",
			Data: map[string]any{"error": err.Error()}}, nil
	}
	if day.before(today) {
		return Answer{Status: StatusInvalid, Result: "Dieser Tag liegt in der Vergangenheit. Für welchen Tag möchten Sie den Termin?",
			Data: map[string]any{"error": "date " + day.String() + " is in the past"}}, nil
	}
	var asked *time.Time
	if strings.TrimSpace(a.Time) != "" {
		m, err := parseClock(a.Time)
		if err != nil {
			return Answer{Status: StatusInvalid, Result: "Diese Uhrzeit habe ich nicht verstanden. Um wie viel Uhr möchten Sie kommen?",
				Data: map[string]any{"error": err.Error()}}, nil
		}
		t := time.Date(day.y, day.m, day.d, m/60, m%60, 0, 0, loc)
		asked = &t
	}
	cl, err := cal.client(ctx, c)
	if err != nil {
		return cal.unavailable(ctx, c, "client", err), nil
	}
	hours, err := cal.hours(tctx, c.Branch.ID)
	if err != nil {
		return Answer{}, err
	}
	starts, err := cal.daySlots(ctx, cl, c, svc, day, loc, hours, false)
	if err != nil {
		return cal.unavailable(ctx, c, "slots", err), nil
	}
	data := map[string]any{"service": svc.Name, "service_id": svc.ID, "date": day.String(), "time_zone": loc.String()}
	when := onDay(day, today)
	if len(starts) > 0 {
		pick := choose(starts, asked, cal.maxOptions)
		data["slots"], data["free_count"] = slotsData(pick, svc, loc), len(starts)
		switch {
		case asked == nil:
			return Answer{Status: StatusOK, Result: sentence(when) + ", ist " + spokenTimes(pick, loc) + " frei.", Data: data}, nil
		case pick[0].Equal(*asked) || containsTime(pick, *asked):
			return Answer{Status: StatusOK, Result: sentence(when) + ", ist " + spokenTimes([]time.Time{*asked}, loc) + " frei.", Data: data}, nil
		}
		return Answer{Status: StatusOK, Result: sentence(spokenTimes([]time.Time{*asked}, loc)) + " ist " + when + ", " +
			"leider nichts frei. Möglich wäre " + spokenTimes(pick, loc) + ".", Data: data}, nil
	}
	next, nextStarts, err := cal.nextFreeDay(ctx, cl, c, svc, day, loc, hours)
	if err != nil {
		return cal.unavailable(ctx, c, "slots", err), nil
	}
	if len(nextStarts) == 0 {
		data["slots"] = []slotData{}
		return Answer{Status: StatusNoSlots, Result: sentence(when) + ", ist leider nichts frei, und in den " +
			strconv.Itoa(max(cal.lookahead, 0)) + " Tagen danach auch nicht.", Data: data}, nil
	}
	pick := choose(nextStarts, nil, cal.maxOptions)
	data["next_date"], data["slots"] = next.String(), slotsData(pick, svc, loc)
	return Answer{Status: StatusNoSlots, Result: sentence(when) + ", ist leider nichts frei. Der nächste freie Tag ist " +
		strings.TrimPrefix(onDay(next, today), "am ") + ": " + spokenTimes(pick, loc) + ".", Data: data}, nil
}

func deref(a *Answer) Answer {
	if a == nil {
		return Answer{}
	}
	return *a
}

func containsTime(ts []time.Time, t time.Time) bool {
	for _, x := range ts {
		if x.Equal(t) {
			return true
		}
	}
	return false
}

// choose picks at most n of the sorted starts: the nearest to asked (ties:
// the earlier), or without asked n spread evenly from the first to the
// last; returned in order.
func choose(starts []time.Time, asked *time.Time, n int) []time.Time {
	if len(starts) <= n {
		return append([]time.Time(nil), starts...)
	}
	var out []time.Time
	if asked != nil {
		byDist := append([]time.Time(nil), starts...)
		sort.SliceStable(byDist, func(i, j int) bool {
			return absDur(byDist[i].Sub(*asked)) < absDur(byDist[j].Sub(*asked))
		})
		out = byDist[:n]
		sort.Slice(out, func(i, j int) bool { return out[i].Before(out[j]) })
		return out
	}
	if n == 1 {
		return []time.Time{starts[0]}
	}
	for i := range n {
		out = append(out, starts[i*(len(starts)-1)/(n-1)])
	}
	return out
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// openHours are a branch's opening intervals by ISO weekday (1 Monday ...
// 7 Sunday), in minutes since midnight; nil means the branch keeps none
// and Cal.com's availability alone decides.
type openHours map[int][][2]int

// hours returns a branch's opening hours, from the cache when fresh.
func (cal *calendar) hours(ctx context.Context, branchID int64) (openHours, error) {
	if h, ok := cal.openHours.get(branchID, cal.now()); ok {
		return h, nil
	}
	h, err := cal.loadHours(ctx, branchID)
	if err != nil {
		return nil, err
	}
	cal.openHours.put(branchID, h, cal.now().Add(cal.cacheTTL), cal.cacheTTL > 0)
	return h, nil
}

func (cal *calendar) loadHours(ctx context.Context, branchID int64) (openHours, error) {
	hs, err := cal.st.WorkingHours.List(ctx, branchID)
	if err != nil {
		return nil, fmt.Errorf("list opening hours of branch %d: %w", branchID, err)
	}
	if len(hs) == 0 {
		return nil, nil
	}
	out := openHours{}
	for _, h := range hs {
		o, err1 := parseClock(h.Opens)
		cl := 24 * 60
		var err2 error
		if h.Closes != "24:00" {
			cl, err2 = parseClock(h.Closes)
		}
		if err1 != nil || err2 != nil {
			continue
		}
		out[h.Weekday] = append(out[h.Weekday], [2]int{o, cl})
	}
	return out, nil
}

// open reports whether a slot of dur starting at t (in the branch's zone)
// lies within the opening hours, on the wall clock.
func (h openHours) open(t time.Time, dur time.Duration) bool {
	if h == nil {
		return true
	}
	wd := int(t.Weekday())
	if wd == 0 {
		wd = 7
	}
	from := t.Hour()*60 + t.Minute()
	to := from + int(dur/time.Minute)
	for _, iv := range h[wd] {
		if from >= iv[0] && to <= iv[1] {
			return true
		}
	}
	return false
}

// daySlots returns the free slot starts of svc on day (in loc), within
// hours, ordered. fresh skips the cache (but refreshes it).
func (cal *calendar) daySlots(ctx context.Context, cl *calcom.Client, c Call, svc store.Service, day civilDay, loc *time.Location,
	hours openHours, fresh bool) ([]time.Time, error) {
	key := slotKey{company: c.Company.ID, eventType: *svc.CalcomEventTypeID, day: day, tz: loc.String()}
	if !fresh {
		if s, ok := cal.cachedSlots(key); ok {
			return cal.within(s, svc, loc, hours), nil
		}
	}
	byDay, err := cal.fetchSlots(ctx, cl, svc, day, day.next(), loc)
	if err != nil {
		return nil, err
	}
	cal.cacheSlots(key, byDay[day])
	return cal.within(byDay[day], svc, loc, hours), nil
}

// fetchSlots asks Cal.com for the free slots of svc's event type from the
// start of from to the start of to (days in loc), grouped by day in loc.
// The cache holds what Cal.com says; opening hours are applied on reading.
func (cal *calendar) fetchSlots(ctx context.Context, cl *calcom.Client, svc store.Service, from, to civilDay, loc *time.Location) (map[civilDay][]time.Time, error) {
	start, end := from.start(loc), to.start(loc)
	if now := cal.now(); start.Before(now) {
		start = now.Truncate(time.Minute)
	}
	out := map[civilDay][]time.Time{}
	if !end.After(start) {
		return out, nil
	}
	slots, err := cl.Slots(ctx, calcom.SlotsQuery{EventTypeID: *svc.CalcomEventTypeID, Start: start, End: end, TimeZone: loc.String()})
	if err != nil {
		return nil, fmt.Errorf("slots of event type %d: %w", *svc.CalcomEventTypeID, err)
	}
	for _, s := range slots.List() {
		t := s.Start.In(loc)
		if t.Before(start) || !t.Before(end) {
			continue
		}
		d := dayOf(t)
		out[d] = append(out[d], t)
	}
	return out, nil
}

// within keeps the starts in the future that fit the opening hours.
func (cal *calendar) within(starts []time.Time, svc store.Service, loc *time.Location, hours openHours) []time.Time {
	now := cal.now()
	dur := time.Duration(svc.DurationMinutes) * time.Minute
	var out []time.Time
	for _, t := range starts {
		t = t.In(loc)
		if t.After(now) && hours.open(t, dur) {
			out = append(out, t)
		}
	}
	return out
}

// nextFreeDay finds the first day after day, within LookaheadDays, with
// free slots (one Cal.com request for the whole range; each day found is
// cached).
func (cal *calendar) nextFreeDay(ctx context.Context, cl *calcom.Client, c Call, svc store.Service, day civilDay, loc *time.Location,
	hours openHours) (civilDay, []time.Time, error) {
	if cal.lookahead <= 0 {
		return civilDay{}, nil, nil
	}
	from, to := day.next(), day.addDays(cal.lookahead+1)
	byDay, err := cal.fetchSlots(ctx, cl, svc, from, to, loc)
	if err != nil {
		return civilDay{}, nil, err
	}
	for d := from; d.before(to); d = d.next() {
		cal.cacheSlots(slotKey{company: c.Company.ID, eventType: *svc.CalcomEventTypeID, day: d, tz: loc.String()}, byDay[d])
		if s := cal.within(byDay[d], svc, loc, hours); len(s) > 0 {
			return d, s, nil
		}
	}
	return civilDay{}, nil, nil
}

// alternatives returns the free slots nearest to t, fetched fresh (a
// conflict means the cache was wrong): on t's day, else on the next free
// day. It gives the Answer of a conflict.
func (cal *calendar) alternatives(ctx context.Context, cl *calcom.Client, c Call, svc store.Service, t time.Time, loc *time.Location,
	hours openHours) (Answer, error) {
	now := cal.now()
	day := dayOf(t.In(loc))
	starts, err := cal.daySlots(ctx, cl, c, svc, day, loc, hours, true)
	if err != nil {
		return cal.unavailable(ctx, c, "alternatives", err), nil
	}
	var others []time.Time
	for _, s := range starts {
		if !s.Equal(t) {
			others = append(others, s)
		}
	}
	data := map[string]any{"service": svc.Name, "service_id": svc.ID, "time_zone": loc.String(), "taken": t.In(loc).Format(time.RFC3339)}
	taken := "Der Termin " + spokenDateTime(t, now, loc) + " ist leider gerade vergeben worden."
	if len(others) > 0 {
		pick := choose(others, &t, cal.maxOptions)
		data["date"], data["slots"] = day.String(), slotsData(pick, svc, loc)
		return Answer{Status: StatusConflict, Result: taken + " Am selben Tag wäre noch " + spokenTimes(pick, loc) + " frei.", Data: data}, nil
	}
	next, nextStarts, err := cal.nextFreeDay(ctx, cl, c, svc, day, loc, hours)
	if err != nil {
		return cal.unavailable(ctx, c, "alternatives", err), nil
	}
	if len(nextStarts) == 0 {
		data["slots"] = []slotData{}
		return Answer{Status: StatusConflict, Result: taken + " In den nächsten Tagen ist leider nichts mehr frei.", Data: data}, nil
	}
	pick := choose(nextStarts, nil, cal.maxOptions)
	data["date"], data["slots"] = next.String(), slotsData(pick, svc, loc)
	return Answer{Status: StatusConflict, Result: taken + " Frei wäre " + onDay(next, dayOf(now.In(loc))) + ", " + spokenTimes(pick, loc) + ".",
		Data: data}, nil
}
