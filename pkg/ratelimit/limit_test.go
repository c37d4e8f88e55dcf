package ratelimit_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/askproai/askpro/pkg/ratelimit"
)

func TestParseLimit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want ratelimit.Limit
	}{
		{"600/1m:60", ratelimit.Limit{Rate: 600, Period: time.Minute, Burst: 60}},
		{"1200/m", ratelimit.Limit{Rate: 1200, Period: time.Minute, Burst: 1200}},
		{"100/s:500", ratelimit.Limit{Rate: 100, Period: time.Second, Burst: 500}},
		{"5/h", ratelimit.Limit{Rate: 5, Period: time.Hour, Burst: 5}},
		{" 10 / 90s : 3 ", ratelimit.Limit{Rate: 10, Period: 90 * time.Second, Burst: 3}},
		{"off", ratelimit.Limit{}},
		{"OFF", ratelimit.Limit{}},
		{"", ratelimit.Limit{}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := ratelimit.ParseLimit(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseLimit_Errors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, says string
	}{
		{"600", "no /PERIOD"},
		{"600/minute", `period "minute"`},
		{"600/0s", `period "0s"`},
		{"600/-1m", `period "-1m"`},
		{"0/1m", `rate "0"`},
		{"-5/1m", `rate "-5"`},
		{"many/1m", `rate "many"`},
		{"1.5/1m", `rate "1.5"`},
		{"600/1m:", `burst ""`},
		{"600/1m:0", `burst "0"`},
		{"600/1m:x", `burst "x"`},
		{"600/1m:60:1", `burst "60:1"`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			_, err := ratelimit.ParseLimit(tt.in)
			require.ErrorIs(t, err, ratelimit.ErrInvalidLimit)
			assert.Contains(t, err.Error(), tt.says)
			assert.Contains(t, err.Error(), "e.g. 600/1m:60", "the error shows the format")
		})
	}
}

func TestLimit_StringRoundTrips(t *testing.T) {
	t.Parallel()
	for _, l := range []ratelimit.Limit{{}, ratelimit.PerSecond(100), ratelimit.PerMinute(600), {Rate: 7, Period: 90 * time.Second, Burst: 2},
		{Rate: 1, Period: 10 * time.Second, Burst: 1}, {Rate: 1, Period: 2 * time.Hour, Burst: 1}, {Rate: 1, Period: 500 * time.Millisecond, Burst: 1}} {
		got, err := ratelimit.ParseLimit(l.String())
		require.NoError(t, err, l.String())
		assert.Equal(t, l, got)
	}
	assert.Equal(t, "off", ratelimit.Limit{}.String())
	assert.Equal(t, "600/1m:600", ratelimit.PerMinute(600).String())
	assert.Equal(t, "5/1h30m:2", ratelimit.Limit{Rate: 5, Period: 90 * time.Minute, Burst: 2}.String())
	assert.Equal(t, "5/10s:5", ratelimit.Limit{Rate: 5, Period: 10 * time.Second, Burst: 5}.String())
	assert.Equal(t, "5/2h:5", ratelimit.Limit{Rate: 5, Period: 2 * time.Hour, Burst: 5}.String())
}

func TestLimit_Validate(t *testing.T) {
	t.Parallel()
	assert.NoError(t, ratelimit.Limit{Rate: 1, Period: time.Second}.Validate(), "burst 0 defaults to rate")
	assert.ErrorIs(t, ratelimit.Limit{}.Validate(), ratelimit.ErrInvalidLimit)
	assert.ErrorIs(t, ratelimit.Limit{Rate: 1, Period: time.Second, Burst: -1}.Validate(), ratelimit.ErrInvalidLimit)
}
