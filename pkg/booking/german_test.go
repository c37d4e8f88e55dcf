package booking

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	require.NoError(t, err)
	return loc
}

func TestSpokenDateTime(t *testing.T) {
	t.Parallel()
	berlin := mustZone(t, "Europe/Berlin")
	now := time.Date(2026, 3, 10, 9, 15, 0, 0, berlin) // a Tuesday
	tests := []struct {
		name string
		at   time.Time
		want string
	}{
		{"fixture slot", time.Date(2026, 3, 12, 13, 0, 0, 0, time.UTC), "übermorgen, Donnerstag, 12. März, um 14:00 Uhr"},
		{"today", time.Date(2026, 3, 10, 16, 30, 0, 0, berlin), "heute, Dienstag, 10. März, um 16:30 Uhr"},
		{"tomorrow", time.Date(2026, 3, 11, 9, 0, 0, 0, berlin), "morgen, Mittwoch, 11. März, um 9:00 Uhr"},
		{"later", time.Date(2026, 3, 19, 10, 5, 0, 0, berlin), "am Donnerstag, 19. März, um 10:05 Uhr"},
		{"next year", time.Date(2027, 1, 4, 11, 0, 0, 0, berlin), "am Montag, 4. Januar 2027, um 11:00 Uhr"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, spokenDateTime(tt.at, now, berlin))
		})
	}
}

func TestSpokenTimes(t *testing.T) {
	t.Parallel()
	berlin := mustZone(t, "Europe/Berlin")
	at := func(h, m int) time.Time { return time.Date(2026, 3, 12, h, m, 0, 0, berlin) }
	assert.Equal(t, "um 9:00, 10:30 oder 14:00 Uhr", spokenTimes([]time.Time{at(9, 0), at(10, 30), at(14, 0)}, berlin))
	assert.Equal(t, "um 9:00 oder 17:00 Uhr", spokenTimes([]time.Time{at(9, 0), at(17, 0)}, berlin))
	assert.Equal(t, "um 14:00 Uhr", spokenTimes([]time.Time{at(14, 0).UTC()}, berlin), "UTC instants are spoken in the branch's zone")
	assert.Equal(t, "", spokenTimes(nil, berlin))
}

// TestSpokenAcrossDST: the last Sunday of March and of October in the three
// zones of the salons. Instants before, after and in the switch hour are
// spoken as the wall clock shows them; the repeated hour says which.
func TestSpokenAcrossDST(t *testing.T) {
	t.Parallel()
	for _, zone := range []string{"Europe/Berlin", "Europe/Vienna", "Europe/Zurich"} {
		t.Run(zone, func(t *testing.T) {
			t.Parallel()
			loc := mustZone(t, zone)
			now := time.Date(2026, 3, 20, 12, 0, 0, 0, time.UTC)
			// 29 March 2026: 01:00 UTC is 02:00 CET, which becomes 03:00 CEST.
			assert.Equal(t, "am Sonntag, 29. März, um 1:30 Uhr", spokenDateTime(time.Date(2026, 3, 29, 0, 30, 0, 0, time.UTC), now, loc))
			assert.Equal(t, "am Sonntag, 29. März, um 3:00 Uhr", spokenDateTime(time.Date(2026, 3, 29, 1, 0, 0, 0, time.UTC), now, loc))
			assert.Equal(t, "am Sonntag, 29. März, um 10:00 Uhr", spokenDateTime(time.Date(2026, 3, 29, 8, 0, 0, 0, time.UTC), now, loc))
			assert.Equal(t, "am Samstag, 28. März, um 10:00 Uhr", spokenDateTime(time.Date(2026, 3, 28, 9, 0, 0, 0, time.UTC), now, loc))
			// 25 October 2026: 01:00 UTC is 03:00 CEST, which becomes 02:00 CET.
			now = time.Date(2026, 10, 20, 12, 0, 0, 0, time.UTC)
			assert.Equal(t, "am Sonntag, 25. Oktober, um 2:30 Uhr Sommerzeit", spokenDateTime(time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC), now, loc))
			assert.Equal(t, "am Sonntag, 25. Oktober, um 2:30 Uhr Winterzeit", spokenDateTime(time.Date(2026, 10, 25, 1, 30, 0, 0, time.UTC), now, loc))
			assert.Equal(t, "am Sonntag, 25. Oktober, um 10:00 Uhr", spokenDateTime(time.Date(2026, 10, 25, 9, 0, 0, 0, time.UTC), now, loc))
			assert.Equal(t, "am Samstag, 24. Oktober, um 10:00 Uhr", spokenDateTime(time.Date(2026, 10, 24, 8, 0, 0, 0, time.UTC), now, loc))
			assert.Equal(t, "um 1:30, 2:30 Uhr Sommerzeit oder 2:30 Uhr Winterzeit",
				spokenTimes([]time.Time{time.Date(2026, 10, 24, 23, 30, 0, 0, time.UTC), time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC),
					time.Date(2026, 10, 25, 1, 30, 0, 0, time.UTC)}, loc))
		})
	}
}

func TestParseDayAndClock(t *testing.T) {
	t.Parallel()
	berlin := mustZone(t, "Europe/Berlin")
	now := time.Date(2026, 3, 10, 23, 30, 0, 0, time.UTC) // already 11 March in Berlin
	for in, want := range map[string]string{
		"2026-03-12": "2026-03-12", "heute": "2026-03-11", "Morgen": "2026-03-12", "übermorgen": "2026-03-13",
		"2026-03-12T14:00:00+01:00": "2026-03-12", "2026-03-12T23:30:00Z": "2026-03-13",
	} {
		d, err := parseDay(in, now, berlin)
		require.NoError(t, err, in)
		assert.Equal(t, want, d.String(), in)
	}
	_, err := parseDay("nächste Woche", now, berlin)
	assert.Error(t, err)
	for in, want := range map[string]int{"14:00": 840, "9": 540, "14 Uhr": 840, "14.30": 870, "9:05 Uhr": 545} {
		m, err := parseClock(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, m, in)
	}
	for _, in := range []string{"25:00", "abends", "14:60", ""} {
		_, err := parseClock(in)
		assert.Error(t, err, in)
	}
}

func TestParseInstant(t *testing.T) {
	t.Parallel()
	berlin := mustZone(t, "Europe/Berlin")
	want := time.Date(2026, 3, 12, 13, 0, 0, 0, time.UTC)
	for _, in := range []string{"2026-03-12T14:00:00+01:00", "2026-03-12T13:00:00Z", "2026-03-12T14:00+01:00", "2026-03-12T14:00:00", "2026-03-12 14:00"} {
		got, err := parseInstant(in, berlin)
		require.NoError(t, err, in)
		assert.True(t, want.Equal(got), "%s: got %s", in, got)
	}
	// Without an offset on the autumn switch: the first 02:30 (summer time).
	got, err := parseInstant("2026-10-25T02:30:00", berlin)
	require.NoError(t, err)
	assert.True(t, got.Equal(time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC)), "got %s", got.UTC())
	_, err = parseInstant("Donnerstag 14 Uhr", berlin)
	assert.Error(t, err)
}
