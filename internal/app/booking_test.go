package app_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/askproai/askpro/internal/app"
	"github.com/askproai/askpro/internal/testenv"
	"github.com/askproai/askpro/pkg/booking"
	"github.com/askproai/askpro/pkg/calcom/calcomtest"
	"github.com/askproai/askpro/pkg/config"
	"github.com/askproai/askpro/pkg/store"
	"github.com/askproai/askpro/pkg/tenant"
	"github.com/askproai/askpro/pkg/webhook/webhooktest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// salonApp composes askpro (SQLite, the Cal.com account of calcom.* on a
// Cal.com fake) for the salon of the fixtures: company Salon Haarmonie,
// branch Mitte (+493012345678), Damenhaarschnitt on event type 4711, open
// 09:00-18:00 from Monday to lastDay (time.Sunday: every day) at the
// branch and at Cal.com. edit changes the config; opts gets the logger and
// NoProcessCollectors. It returns the App, the fake and the company's
// context.
func salonApp(t *testing.T, lastDay time.Weekday, edit func(*config.Config), opts app.Options) (*app.App, *calcomtest.Server, context.Context) {
	t.Helper()
	days := int(lastDay)
	if lastDay == time.Sunday {
		days = 7
	}
	cal := calcomtest.NewServer(calcomtest.Config{RateLimit: -1})
	t.Cleanup(cal.Close)
	cal.AddAPIKey("cal_live_platform")
	cal.AddEventType(calcomtest.EventType{ID: 4711, LengthMinutes: 60, Host: calcomtest.Host{ID: 1}})
	var week []calcomtest.Hours
	for wd := 1; wd <= days; wd++ {
		week = append(week, calcomtest.Hours{Weekday: time.Weekday(wd % 7), From: "09:00", To: "18:00"})
	}
	cal.SetAvailability(4711, "Europe/Berlin", calcomtest.Availability{Weekly: week})

	cfg := testConfig(t)
	cfg.Calcom.APIKey, cfg.Calcom.BaseURL = "cal_live_platform", cal.URL
	edit(cfg)
	opts.Logger, opts.NoProcessCollectors = slog.New(slog.DiscardHandler), true
	a, err := app.New(context.Background(), cfg, opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = a.Close() })
	sys := tenant.System(context.Background())
	c, err := a.Store.Companies.Create(sys, store.NewCompany{Name: "Salon Haarmonie", Subdomain: "haarmonie", Industry: "beauty"})
	require.NoError(t, err)
	ctx := tenant.WithCompany(context.Background(), c.ID)
	b, err := a.Store.Branches.Create(ctx, store.NewBranch{Name: "Mitte", PhoneNumber: "+493012345678"})
	require.NoError(t, err)
	et := int64(4711)
	_, err = a.Store.Services.Create(ctx, store.NewService{BranchID: b.ID, Name: "Damenhaarschnitt", Type: "treatment", DurationMinutes: 60, CalcomEventTypeID: &et})
	require.NoError(t, err)
	for wd := 1; wd <= days; wd++ {
		_, err := a.Store.WorkingHours.Set(ctx, b.ID, wd, "09:00", "18:00")
		require.NoError(t, err)
	}
	return a, cal, ctx
}

// TestBookingThroughTheServer posts the fixtures' book_appointment call
// three times at once to a composed askpro (the real functions, the Cal.com
// account of calcom.*, the Cal.com fake): one Cal.com booking, one
// appointment, three identical confirmations.
func TestBookingThroughTheServer(t *testing.T) {
	t.Parallel()
	berlin, err := time.LoadLocation("Europe/Berlin")
	require.NoError(t, err)
	// The fixture's call, moved to next week's Thursday at 14:00 in Berlin.
	now := time.Now().In(berlin)
	day := now.AddDate(0, 0, 7+(int(time.Thursday)-int(now.Weekday())+7)%7)
	start := time.Date(day.Year(), day.Month(), day.Day(), 14, 0, 0, 0, berlin)

	a, cal, ctx := salonApp(t, time.Saturday, func(cfg *config.Config) { cfg.Retell.APIKey = "key_retell_set" }, app.Options{})

	var body map[string]any
	require.NoError(t, json.Unmarshal(testenv.Fixture(t, "retell", "function_call_book_appointment.json"), &body))
	body["args"].(map[string]any)["start_time"] = start.Format(time.RFC3339)
	raw, err := json.Marshal(body)
	require.NoError(t, err)

	srv := httptest.NewServer(a.Server.Handler())
	t.Cleanup(srv.Close)
	answers := make([]string, 3)
	var wg sync.WaitGroup
	for i := range answers {
		wg.Go(func() {
			resp, err := http.DefaultClient.Do(webhooktest.RetellRequest(t, srv.URL+"/retell/functions/book_appointment", "key_retell_set", raw))
			if !assert.NoError(t, err) {
				return
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			assert.Equal(t, http.StatusOK, resp.StatusCode, string(b))
			answers[i] = string(b)
		})
	}
	wg.Wait()
	assert.Equal(t, answers[0], answers[1])
	assert.Equal(t, answers[0], answers[2])
	var ans booking.Answer
	require.NoError(t, json.NewDecoder(strings.NewReader(answers[0])).Decode(&ans))
	assert.Equal(t, booking.StatusOK, ans.Status, ans.Result)
	assert.Contains(t, ans.Result, "14:00")
	assert.Len(t, cal.Bookings(), 1, "one Cal.com booking")
	appts, err := a.Store.Appointments.List(ctx, store.Page{})
	require.NoError(t, err)
	require.Len(t, appts, 1, "one appointment")
	assert.Equal(t, "phone", appts[0].Source)
	assert.True(t, appts[0].StartsAt.Equal(start))
}
