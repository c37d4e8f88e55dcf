package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/askproai/askpro/internal/testenv"
	"github.com/askproai/askpro/pkg/booking"
	"github.com/askproai/askpro/pkg/calcom/calcomtest"
	"github.com/askproai/askpro/pkg/webhook/webhooktest"
)

// TestBookingAcrossTwoServes posts the fixtures' book_appointment call to
// two askpro serve processes on one MariaDB, four times at once: one
// Cal.com booking, one appointment, four identical confirmations.
func TestBookingAcrossTwoServes(t *testing.T) {
	t.Parallel()
	cal := calcomtest.NewServer(calcomtest.Config{RateLimit: -1})
	t.Cleanup(cal.Close)
	cal.AddAPIKey("cal_live_e2e")
	cal.AddEventType(calcomtest.EventType{ID: 4711, LengthMinutes: 60, Host: calcomtest.Host{ID: 1}})
	var week []calcomtest.Hours
	for wd := time.Monday; wd <= time.Saturday; wd++ {
		week = append(week, calcomtest.Hours{Weekday: wd, From: "09:00", To: "18:00"})
	}
	cal.SetAvailability(4711, "Europe/Berlin", calcomtest.Availability{Weekly: week})

	e := apiBackends(t, "mysql", "ASKPRO_CALCOM_API_KEY=cal_live_e2e", "ASKPRO_CALCOM_BASE_URL="+cal.URL,
		"ASKPRO_RATELIMIT_FUNCTIONS_PER_IP=off")
	_, branch := e.company(t, "Salon Haarmonie", "haarmonie-"+runID(), "+493012345678")
	b := strconv.FormatInt(branch, 10)
	_, code := run(t, e.dir, e.environ, "service", "add", "--branch", b, "--name", "Damenhaarschnitt", "--type", "treatment",
		"--duration", "60", "--event-type-id", "4711")
	require.Equal(t, 0, code)
	for wd := 1; wd <= 6; wd++ {
		_, code := run(t, e.dir, e.environ, "hours", "set", "--branch", b, "--weekday", strconv.Itoa(wd), "--opens", "09:00", "--closes", "18:00")
		require.Equal(t, 0, code)
	}
	serves := []*proc{startServe(t, e.dir, e.environ, "--no-workers"), startServe(t, e.dir, e.environ, "--no-workers")}

	berlin, err := time.LoadLocation("Europe/Berlin")
	require.NoError(t, err)
	now := time.Now().In(berlin)
	day := now.AddDate(0, 0, 7+(int(time.Thursday)-int(now.Weekday())+7)%7)
	start := time.Date(day.Year(), day.Month(), day.Day(), 14, 0, 0, 0, berlin)
	var body map[string]any
	require.NoError(t, json.Unmarshal(testenv.Fixture(t, "retell", "function_call_book_appointment.json"), &body))
	body["args"].(map[string]any)["start_time"] = start.Format(time.RFC3339)
	raw, err := json.Marshal(body)
	require.NoError(t, err)

	answers := make([]string, 4)
	var wg sync.WaitGroup
	for i := range answers {
		wg.Go(func() {
			req := webhooktest.RetellRequest(t, serves[i%2].url+"/retell/functions/book_appointment", retellKey, raw)
			resp, err := http.DefaultClient.Do(req)
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
	for i := 1; i < len(answers); i++ {
		assert.Equal(t, answers[0], answers[i], "every repeat gets the first answer, from either process")
	}
	var ans booking.Answer
	require.NoError(t, json.Unmarshal([]byte(answers[0]), &ans))
	assert.Equal(t, booking.StatusOK, ans.Status, ans.Result)
	assert.Len(t, cal.Bookings(), 1, "one Cal.com booking")
	var n int
	require.NoError(t, e.db.QueryRow("SELECT COUNT(*) FROM appointments WHERE source = 'phone'").Scan(&n))
	assert.Equal(t, 1, n, "one appointment")
	require.NoError(t, e.db.QueryRow("SELECT COUNT(*) FROM function_calls").Scan(&n))
	assert.Equal(t, 1, n, "one function call")
}
