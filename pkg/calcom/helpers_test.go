package calcom_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/askproai/askpro/internal/testenv"

	"github.com/askproai/askpro/pkg/calcom"
	"github.com/askproai/askpro/pkg/calcom/calcomtest"
)

const (
	testKey   = "cal_live_test_0123456789abcdef"
	salonType = int64(4711)
)

// t0 is the fixtures' "now" (createdAt of create_booking_response.json).
var t0 = time.Date(2026, 3, 2, 14, 5, 11, 0, time.UTC)

var berlin = mustLoad("Europe/Berlin")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// testBundle holds the collaborators of a client under test.
type testBundle struct {
	srv   *calcomtest.Server
	clock *calcomtest.Clock
}

// setup starts a fake with the salon's event type 4711 (60 minutes, Monday
// to Friday 09:00-17:00 Berlin) and returns a client for it with an
// injected clock, its own budget and breakers, so tests do not share state.
func setup(t *testing.T, mod ...func(*calcom.Config)) (*calcom.Client, *testBundle) {
	t.Helper()
	clock := calcomtest.NewClock(t0)
	srv := calcomtest.NewServer(calcomtest.Config{Now: clock.Now})
	t.Cleanup(srv.Close)
	srv.AddAPIKey(testKey)
	srv.AddEventType(calcomtest.EventType{
		ID: salonType, Slug: "damenhaarschnitt-60", Title: "Damenhaarschnitt", LengthMinutes: 60,
		Location: "Torstraße 12, 10119 Berlin",
	})
	var week []calcomtest.Hours
	for d := time.Monday; d <= time.Friday; d++ {
		week = append(week, calcomtest.Hours{Weekday: d, From: "09:00", To: "17:00"})
	}
	srv.SetAvailability(salonType, "Europe/Berlin", calcomtest.Availability{Weekly: week})

	budget, err := calcom.NewLocalBudget(0, &calcom.BudgetOpts{Now: clock.Now, Sleep: clock.Sleep})
	require.NoError(t, err)
	cfg := calcom.Config{
		BaseURL: srv.URL,
		APIKey:  testKey,
		Timeout: 5 * time.Second,
		Budget:  budget,
		Breaker: calcom.NewBreakers(calcom.BreakerConfig{}),
		Now:     clock.Now,
		Sleep:   clock.Sleep,
	}
	for _, m := range mod {
		m(&cfg)
	}
	c, err := calcom.New(cfg)
	require.NoError(t, err)
	return c, &testBundle{srv: srv, clock: clock}
}

// at returns the Berlin wall time of 2026-03-dd hh:00 (CET, UTC+1).
func at(day, hour int) time.Time { return time.Date(2026, 3, day, hour, 0, 0, 0, berlin) }

func bookingReq(start time.Time) calcom.BookingRequest {
	return calcom.BookingRequest{
		Start:       start,
		EventTypeID: salonType,
		Attendee: calcom.Attendee{
			Name: "Anna Schmidt", Email: "anna.schmidt@example.de", TimeZone: "Europe/Berlin",
			PhoneNumber: "+4915112345678", Language: "de",
		},
		Metadata: calcom.Metadata{"source": "phone-agent", "customerRef": "kunde-00042"},
	}
}

func ctxT(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	return testenv.Fixture(t, "calcom", name)
}

// data returns the "data" member of a success fixture.
func data(t *testing.T, fixture []byte) json.RawMessage {
	t.Helper()
	var env struct {
		Status string          `json:"status"`
		Data   json.RawMessage `json:"data"`
	}
	require.NoError(t, json.Unmarshal(fixture, &env))
	require.Equal(t, "success", env.Status)
	return env.Data
}

// closedURL returns the base URL of a port where nothing listens.
func closedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return "http://" + addr
}

func newTextLogger(w io.Writer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }
