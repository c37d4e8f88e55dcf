package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/askproai/askpro/internal/app"
	"github.com/askproai/askpro/internal/testenv"
	"github.com/askproai/askpro/pkg/calcom/calcomtest"
	"github.com/askproai/askpro/pkg/config"
	"github.com/askproai/askpro/pkg/metrics/metricstest"
	"github.com/askproai/askpro/pkg/webhook/webhooktest"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	metricsToken = "metrics-token-for-tests"
	retellKey    = "key_retell_set"
)

// scrape is one GET /metrics of a composed askpro after real traffic.
type scrape struct {
	app      *app.App
	text     []byte
	families map[string]*dto.MetricFamily
}

// value adds up the samples of family name whose labels include labels
// (metricstest.Families.Value). ok is false when there is no such sample.
func (s scrape) value(name string, labels map[string]string) (v float64, ok bool) {
	return metricstest.Families(s.families).Value(name, labels)
}

// retellCallEvent is the call_started or call_ended fixture for call id,
// started startedAt, to the number to.
func retellCallEvent(t *testing.T, event, id, to string, startedAt time.Time) []byte {
	t.Helper()
	var body map[string]any
	require.NoError(t, json.Unmarshal(testenv.Fixture(t, "retell", "call_started.json"), &body))
	body["event"] = event
	call := body["call"].(map[string]any)
	call["call_id"], call["to_number"], call["start_timestamp"] = id, to, startedAt.UnixMilli()
	raw, err := json.Marshal(body)
	require.NoError(t, err)
	return raw
}

// scrapeAfterTraffic composes askpro (SQLite, one worker, the Cal.com fake,
// metrics.token set), sends it three signed call_started webhooks (two for
// the salon's number, one for a number no branch has), a redelivery, a
// webhook with a bad signature, and a check_availability function call that
// reads Cal.com's slots; processes the stored events; and scrapes /metrics
// with the token.
func scrapeAfterTraffic(t *testing.T) scrape {
	t.Helper()
	a, cal, _ := salonApp(t, time.Sunday, func(cfg *config.Config) {
		cfg.Retell.APIKey = retellKey
		cfg.Metrics.Token = metricsToken
	}, app.Options{Workers: 1})

	srv := httptest.NewServer(a.Server.Handler())
	t.Cleanup(srv.Close)
	send := func(req *http.Request) (int, string) {
		t.Helper()
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	now := time.Now()
	hook := srv.URL + "/webhooks/retell"
	for _, ev := range [][]byte{
		retellCallEvent(t, "call_started", "call_m1", "+493012345678", now.Add(-time.Minute)),
		retellCallEvent(t, "call_started", "call_m2", "+493012345678", now.Add(-2*time.Minute)),
		retellCallEvent(t, "call_started", "call_m3", "+493099999999", now), // no branch: dead letter
	} {
		code, body := send(webhooktest.RetellRequest(t, hook, retellKey, ev))
		require.Equal(t, http.StatusNoContent, code, body)
	}
	code, _ := send(webhooktest.RetellRequest(t, hook, retellKey, retellCallEvent(t, "call_started", "call_m1", "+493012345678", now.Add(-time.Minute))))
	require.Equal(t, http.StatusNoContent, code, "a redelivery is acknowledged")
	code, _ = send(webhooktest.RetellRequest(t, hook, "another-key", retellCallEvent(t, "call_started", "call_x", "+493012345678", now)))
	require.Equal(t, http.StatusUnauthorized, code)

	tomorrow := now.In(time.UTC).AddDate(0, 0, 1).Format(time.DateOnly)
	fn := []byte(`{"name":"check_availability","call":{"call_id":"call_m1","from_number":"+4915123456789","to_number":"+493012345678"},` +
		`"args":{"service":"damenhaarschnitt","date":"` + tomorrow + `"}}`)
	code, body := send(webhooktest.RetellRequest(t, srv.URL+"/retell/functions/check_availability", retellKey, fn))
	require.Equal(t, http.StatusOK, code, body)
	require.NotEmpty(t, cal.RequestsOf(calcomtest.OpSlots), "the function asked Cal.com: %s", body)

	// Process what was stored: two calls, one dead letter.
	require.NoError(t, a.Inbox.Close()) // writes what is queued
	n, err := a.Worker.RunOnce(context.Background(), "test")
	require.NoError(t, err)
	require.Equal(t, 3, n)

	req, err := http.NewRequest(http.MethodGet, srv.URL+"/metrics", nil)
	require.NoError(t, err)
	code, _ = send(req)
	require.Equal(t, http.StatusUnauthorized, code, "/metrics needs metrics.token when it is set")
	req.Header.Set("Authorization", "Bearer "+metricsToken)
	code, text := send(req)
	require.Equal(t, http.StatusOK, code)
	families, err := metricstest.Parse([]byte(text))
	require.NoError(t, err)
	return scrape{app: a, text: []byte(text), families: families}
}

func TestMetricsScrapeAfterTraffic(t *testing.T) {
	t.Parallel()
	s := scrapeAfterTraffic(t)
	tests := []struct {
		name   string
		metric string
		labels map[string]string
		want   float64
	}{
		{"webhooks received", "askproai_webhook_received_total", map[string]string{"service": "retell", "event_type": "call_started"}, 4},
		{"duplicates", "askproai_webhook_duplicates_total", map[string]string{"service": "retell"}, 1},
		{"signature failures", "askproai_webhook_signature_failures_total", map[string]string{"service": "retell"}, 1},
		{"processing duration", "askproai_webhook_processing_duration_seconds", map[string]string{"service": "retell", "event_type": "call_started"}, 2},
		{"jobs processed", "askproai_queue_jobs_total", map[string]string{"service": "retell", "queue": "normal", "outcome": "processed"}, 2},
		{"dead letters", "askproai_queue_dead_letters_total", map[string]string{"service": "retell", "code": "TENANT_UNRESOLVED"}, 1},
		{"queue size", "askproai_queue_size", map[string]string{"queue": "normal"}, 0},
		{"critical queue size", "askproai_queue_size", map[string]string{"queue": "critical"}, 0},
		{"events processed", "askproai_queue_events", map[string]string{"queue": "normal", "status": "processed"}, 2},
		{"events dead", "askproai_queue_events", map[string]string{"queue": "normal", "status": "dead_letter"}, 1},
		{"oldest pending", "askproai_queue_oldest_pending_seconds", map[string]string{"queue": "critical"}, 0},
		{"active calls", "askproai_active_calls", nil, 2},
		{"outbound slots", "askproai_outbound_requests_total", map[string]string{"service": "calcom", "endpoint": "/v2/slots", "method": "GET", "status": "200"}, 1},
		{"outbound duration", "askproai_outbound_request_duration_seconds", map[string]string{"service": "calcom", "endpoint": "/v2/slots"}, 1},
		{"breaker closed", "askproai_circuit_breaker_state", map[string]string{"service": "calcom"}, 0},
		{"function call", "askproai_function_calls_total", map[string]string{"name": "check_availability", "outcome": "ran"}, 1},
		{"webhook requests", "askproai_api_request_duration_seconds", map[string]string{"method": "POST", "endpoint": "/webhooks/{provider}", "status": "204"}, 4},
		{"rejected requests", "askproai_api_request_duration_seconds", map[string]string{"method": "POST", "endpoint": "/webhooks/{provider}", "status": "401"}, 1},
		{"dedup fallbacks", "askproai_dedup_fallbacks_total", map[string]string{"reason": "unavailable"}, 0},
		{"pool", "askproai_db_pool_max_open", map[string]string{"role": "main"}, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := s.value(tt.metric, tt.labels)
			require.True(t, ok, "%s%v not in the scrape", tt.metric, tt.labels)
			if tt.want >= 0 {
				assert.Equal(t, tt.want, got, "%s%v", tt.metric, tt.labels)
			}
		})
	}
	// Histograms have the spec's buckets (and +Inf).
	for name, buckets := range map[string]int{
		"askproai_api_request_duration_seconds":        11 + 1,
		"askproai_webhook_processing_duration_seconds": 8 + 1,
		"askproai_outbound_request_duration_seconds":   11 + 1,
	} {
		mf := s.families[name]
		require.NotNil(t, mf, name)
		assert.Len(t, mf.GetMetric()[0].GetHistogram().GetBucket(), buckets, name)
	}
	// No label carries an id, a number or a raw path.
	for _, forbidden := range []string{"call_m1", "+49", "4915", "/v2/bookings/", "haarmonie"} {
		for name, mf := range s.families {
			for _, m := range mf.GetMetric() {
				for _, lp := range m.GetLabel() {
					assert.NotContains(t, lp.GetValue(), forbidden, "%s{%s}", name, lp.GetName())
				}
			}
		}
	}
}

// promtool returns the path of promtool (Debian's prometheus package;
// .ci/run installs it). Without it the test skips, and fails under CI=true.
func promtool(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("promtool is not on PATH (apt-get install prometheus); CI=true needs it")
		}
		t.Skip("promtool is not on PATH: install Debian's prometheus package to run this check")
	}
	return path
}

// TestMetricsPromtoolCheck runs `promtool check metrics` on a scrape of the
// full app: it must find nothing to fix (see promtool).
func TestMetricsPromtoolCheck(t *testing.T) {
	t.Parallel()
	bin := promtool(t)
	s := scrapeAfterTraffic(t)
	cmd := exec.CommandContext(t.Context(), bin, "check", "metrics")
	cmd.Stdin = bytes.NewReader(s.text)
	out, err := cmd.CombinedOutput()
	assert.NoError(t, err, "promtool check metrics:\n%s", out)
	assert.Empty(t, strings.TrimSpace(string(out)), "promtool findings")
}
