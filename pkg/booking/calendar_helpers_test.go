package booking_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/askproai/askpro/internal/dbtest"
	"github.com/askproai/askpro/internal/testenv"
	"github.com/askproai/askpro/pkg/booking"
	"github.com/askproai/askpro/pkg/calcom"
	"github.com/askproai/askpro/pkg/calcom/calcomtest"
	"github.com/askproai/askpro/pkg/phone"
	"github.com/askproai/askpro/pkg/store"
	"github.com/stretchr/testify/require"
)

// calNow is when the calendar tests run: Tuesday 10 March 2026, 10:15 in
// Berlin, before the fixture's Thursday 12 March.
var calNow = time.Date(2026, 3, 10, 9, 15, 0, 0, time.UTC)

const calKey = "cal_live_test"

// calBundle is the fixtures' salon with a fake Cal.com and the four
// functions.
type calBundle struct {
	testBundle
	cal   *calcomtest.Server
	clock *calcomtest.Clock
	fns   map[string]booking.Function
	men   store.Service
}

type calendarsFunc func(ctx context.Context, companyID int64) (*calcom.Client, error)

func (f calendarsFunc) For(ctx context.Context, id int64) (*calcom.Client, error) { return f(ctx, id) }

// calSetup seeds the salon (setup) with Herrenhaarschnitt (event type 4712)
// next to Damenhaarschnitt (4711), both 60 minutes, open Monday to Saturday
// 09:00-18:00 in the branch's hours and at Cal.com, and returns the
// functions against the fake.
func calSetup(t *testing.T, url string, cfg booking.CalendarConfig) calBundle {
	t.Helper()
	b := calBundle{testBundle: setup(t, url, nil), clock: calcomtest.NewClock(calNow)}
	var err error
	b.men, err = b.st.Services.Create(b.ctx, store.NewService{BranchID: b.branch.ID, Name: "Herrenhaarschnitt", Type: "haircut",
		DurationMinutes: 60, CalcomEventTypeID: ptr(int64(4712))})
	require.NoError(t, err)
	b.cal = calcomtest.NewServer(calcomtest.Config{Now: b.clock.Now, RateLimit: -1})
	t.Cleanup(b.cal.Close)
	b.cal.AddAPIKey(calKey)
	var week []calcomtest.Hours
	for wd := 1; wd <= 6; wd++ {
		_, err := b.st.WorkingHours.Set(b.ctx, b.branch.ID, wd, "09:00", "18:00")
		require.NoError(t, err)
		week = append(week, calcomtest.Hours{Weekday: time.Weekday(wd), From: "09:00", To: "18:00"})
	}
	for _, id := range []int64{fixtureEventType, 4712} {
		b.cal.AddEventType(calcomtest.EventType{ID: id, LengthMinutes: 60, Host: calcomtest.Host{ID: id}})
		b.cal.SetAvailability(id, "Europe/Berlin", calcomtest.Availability{Weekly: week})
	}
	client, err := calcom.New(calcom.Config{BaseURL: b.cal.URL, APIKey: calKey, Now: b.clock.Now, Sleep: b.clock.Sleep,
		Breaker: calcom.NewBreakers(calcom.BreakerConfig{}), MaxRetries: -1,
		Budget: calcom.BudgetFunc(func(context.Context, string) error { return nil })})
	require.NoError(t, err)
	cfg.Store = b.st
	cfg.Now = b.clock.Now
	cfg.Calendars = calendarsFunc(func(_ context.Context, id int64) (*calcom.Client, error) {
		require.Equal(t, b.company.ID, id)
		return client, nil
	})
	b.fns, err = booking.NewCalendarFunctions(cfg)
	require.NoError(t, err)
	return b
}

// calEachDialect runs fn against SQLite and MariaDB.
func calEachDialect(t *testing.T, cfg booking.CalendarConfig, fn func(t *testing.T, b calBundle)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		fn(t, calSetup(t, dbtest.SQLite(t), cfg))
	})
	t.Run("mysql", func(t *testing.T) {
		t.Parallel()
		fn(t, calSetup(t, dbtest.MySQL(t), cfg))
	})
}

// call builds a function call of the salon's branch from caller.
func (b calBundle) call(name, caller string, args any) booking.Call {
	raw, err := json.Marshal(args)
	if err != nil {
		panic(err)
	}
	return booking.Call{CallID: fixtureCallID, Name: name, Company: b.company, Branch: b.branch, Caller: phone.Number(caller),
		Args: raw, Received: b.clock.Now()}
}

// serve calls the function and requires no error.
func (b calBundle) serve(t *testing.T, ctx context.Context, c booking.Call) booking.Answer {
	t.Helper()
	ans, err := b.fns[c.Name].Serve(ctx, c)
	require.NoError(t, err)
	return ans
}

// fixtureCall reads a Retell function-call fixture of
// ../shared/fixtures/retell into a Call of the salon.
func (b calBundle) fixtureCall(t *testing.T, file string) booking.Call {
	t.Helper()
	raw := testenv.Fixture(t, "retell", file)
	var f struct {
		Name string          `json:"name"`
		Args json.RawMessage `json:"args"`
		Call struct {
			CallID     string `json:"call_id"`
			FromNumber string `json:"from_number"`
			ToNumber   string `json:"to_number"`
		} `json:"call"`
	}
	require.NoError(t, json.Unmarshal(raw, &f))
	require.Equal(t, string(b.branch.PhoneNumber), f.Call.ToNumber)
	return booking.Call{CallID: f.Call.CallID, Name: f.Name, Company: b.company, Branch: b.branch, Caller: phone.Number(f.Call.FromNumber),
		Args: f.Args, Received: b.clock.Now()}
}

// slotStarts returns the "start" of each slot in an answer's Data.
func slotStarts(t *testing.T, a booking.Answer) []string {
	t.Helper()
	raw, err := json.Marshal(a.Data)
	require.NoError(t, err)
	var d struct {
		Slots []struct {
			Start string `json:"start"`
		} `json:"slots"`
	}
	require.NoError(t, json.Unmarshal(raw, &d))
	out := []string{}
	for _, s := range d.Slots {
		out = append(out, s.Start)
	}
	return out
}
