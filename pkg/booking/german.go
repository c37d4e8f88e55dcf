package booking

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Spoken German dates and times. Every time is shown in the branch's zone
// (time.Time.In), so a slot is spoken as the clock on the salon's wall
// shows it, across daylight-saving changes. A wall time that happens twice
// (the last Sunday of October, 02:00 to 03:00 in Central Europe) is said
// with "Sommerzeit" or "Winterzeit", so the two are not confused; a wall
// time that does not exist (the last Sunday of March, 02:00 to 03:00) is
// never a slot, because slots are instants.

var germanWeekdays = [...]string{"Sonntag", "Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag"}

var germanMonths = [...]string{"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
	"September", "Oktober", "November", "Dezember"}

// civilDay is a calendar day in some zone.
type civilDay struct {
	y int
	m time.Month
	d int
}

func dayOf(t time.Time) civilDay {
	y, m, d := t.Date()
	return civilDay{y, m, d}
}

// start returns midnight of the day in loc (or the first instant of the
// day, should a zone ever skip midnight).
func (c civilDay) start(loc *time.Location) time.Time {
	return time.Date(c.y, c.m, c.d, 0, 0, 0, 0, loc)
}

// next returns the following day.
func (c civilDay) next() civilDay {
	return dayOf(time.Date(c.y, c.m, c.d+1, 12, 0, 0, 0, time.UTC))
}

// addDays returns the day n days later.
func (c civilDay) addDays(n int) civilDay {
	return dayOf(time.Date(c.y, c.m, c.d+n, 12, 0, 0, 0, time.UTC))
}

func (c civilDay) before(o civilDay) bool {
	if c.y != o.y {
		return c.y < o.y
	}
	if c.m != o.m {
		return c.m < o.m
	}
	return c.d < o.d
}

// String returns the ISO date.
func (c civilDay) String() string { return fmt.Sprintf("%04d-%02d-%02d", c.y, int(c.m), c.d) }

// weekday returns the day's weekday.
func (c civilDay) weekday() time.Weekday {
	return time.Date(c.y, c.m, c.d, 12, 0, 0, 0, time.UTC).Weekday()
}

// onDay says a day relative to today, to stand where "am Donnerstag"
// stands: "heute, Donnerstag, 12. März", "morgen, Freitag, 13. März",
// "übermorgen, ..." or "am Donnerstag, 12. März", with the year when it is
// not today's.
func onDay(day, today civilDay) string {
	date := fmt.Sprintf("%s, %d. %s", germanWeekdays[day.weekday()], day.d, germanMonths[day.m-1])
	if day.y != today.y {
		date += " " + strconv.Itoa(day.y)
	}
	switch day {
	case today:
		return "heute, " + date
	case today.addDays(1):
		return "morgen, " + date
	case today.addDays(2):
		return "übermorgen, " + date
	}
	return "am " + date
}

// sentence capitalizes the first letter of s.
func sentence(s string) string {
	for i, r := range s {
		return string(unicode.ToUpper(r)) + s[i+len(string(r)):]
	}
	return s
}

// clock says a wall time without "Uhr": "9:00", "14:30".
func clock(t time.Time) string { return fmt.Sprintf("%d:%02d", t.Hour(), t.Minute()) }

// repeatedHour reports whether t's wall time happens twice in t's zone
// (the hour the clocks go back).
func repeatedHour(t time.Time) bool {
	for _, d := range []time.Duration{-time.Hour, time.Hour} {
		o := t.Add(d).In(t.Location())
		if o.Hour() == t.Hour() && o.Minute() == t.Minute() && dayOf(o) == dayOf(t) {
			return true
		}
	}
	return false
}

// spokenClock says a wall time with "Uhr", and the season in the repeated
// hour: "14:00 Uhr", "2:30 Uhr Sommerzeit".
func spokenClock(t time.Time) string {
	s := clock(t) + " Uhr"
	if repeatedHour(t) {
		if t.IsDST() {
			s += " Sommerzeit"
		} else {
			s += " Winterzeit"
		}
	}
	return s
}

// spokenDateTime says when t is, in loc, relative to now: "am Donnerstag,
// 12. März, um 14:00 Uhr", "morgen, Freitag, 13. März, um 9:30 Uhr".
func spokenDateTime(t, now time.Time, loc *time.Location) string {
	t = t.In(loc)
	return onDay(dayOf(t), dayOf(now.In(loc))) + ", um " + spokenClock(t)
}

// spokenTimes lists wall times of one day: "um 9:00, 10:30 oder 14:00 Uhr"
// ("um 14:00 Uhr" for one). A time in the repeated hour gets its season.
func spokenTimes(ts []time.Time, loc *time.Location) string {
	if len(ts) == 0 {
		return ""
	}
	parts := make([]string, len(ts))
	for i, t := range ts {
		t = t.In(loc)
		parts[i] = clock(t)
		if repeatedHour(t) {
			parts[i] = spokenClock(t)
		}
	}
	last := parts[len(parts)-1]
	if !strings.HasSuffix(last, "zeit") {
		last += " Uhr"
	}
	if len(parts) == 1 {
		return "um " + last
	}
	return "um " + strings.Join(parts[:len(parts)-1], ", ") + " oder " + last
}

// parseDay reads the day the agent asked for, in loc relative to now:
// "2026-03-12" (what the tool's schema asks for), an ISO date-time (its
// date in loc), "heute", "morgen" or "übermorgen".
func parseDay(s string, now time.Time, loc *time.Location) (civilDay, error) {
	s = strings.TrimSpace(s)
	today := dayOf(now.In(loc))
	switch normalizeWords(s) {
	case "heute":
		return today, nil
	case "morgen":
		return today.addDays(1), nil
	case "uebermorgen":
		return today.addDays(2), nil
	}
	if d, err := time.ParseInLocation("2006-01-02", s, loc); err == nil {
		return dayOf(d), nil
	}
	if t, err := parseInstant(s, loc); err == nil {
		return dayOf(t.In(loc)), nil
	}
	return civilDay{}, fmt.Errorf("date %q is not YYYY-MM-DD", s)
}

// parseClock reads a wall time: "14:00", "14.30", "9", "14 Uhr", "14:30 Uhr".
// It returns the minutes since midnight.
func parseClock(s string) (int, error) {
	t := strings.TrimSpace(strings.ToLower(s))
	t = strings.TrimSpace(strings.TrimSuffix(t, "uhr"))
	t = strings.ReplaceAll(t, ".", ":")
	h, m, found := strings.Cut(t, ":")
	if !found {
		m = "0"
	}
	hh, err1 := strconv.Atoi(strings.TrimSpace(h))
	mm, err2 := strconv.Atoi(strings.TrimSpace(m))
	if err1 != nil || err2 != nil || hh < 0 || hh > 23 || mm < 0 || mm > 59 {
		return 0, fmt.Errorf("time %q is not HH:MM", s)
	}
	return hh*60 + mm, nil
}

// instantLayouts are the forms of a start time the agent may send; the
// schema asks for ISO 8601 with an offset.
var instantLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00", "2006-01-02 15:04:05Z07:00", "2006-01-02 15:04Z07:00"}

// localLayouts are forms without an offset: read as wall time in the
// branch's zone.
var localLayouts = []string{"2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02 15:04"}

// parseInstant reads an ISO 8601 time. One with an offset (or Z) is that
// instant; one without is the wall time in loc (in the repeated hour of a
// DST change, the first of the two).
func parseInstant(s string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, l := range instantLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	for _, l := range localLayouts {
		if t, err := time.ParseInLocation(l, s, loc); err == nil {
			// Go does not say which of a repeated hour's two instants it
			// picks: take the first.
			if e := t.Add(-time.Hour).In(loc); e.Hour() == t.Hour() && e.Minute() == t.Minute() && dayOf(e) == dayOf(t) {
				return e, nil
			}
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("time %q is not ISO 8601 (2026-03-12T14:00:00+01:00)", s)
}
