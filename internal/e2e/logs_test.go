package e2e

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/askproai/askpro/internal/testenv"
	"github.com/askproai/askpro/pkg/calcom/calcomtest"
	"github.com/askproai/askpro/pkg/phone"
	"github.com/askproai/askpro/pkg/webhook/webhooktest"
)

// logLines parses a process's JSON log output, one object per line.
func logLines(t *testing.T, out string) []map[string]any {
	t.Helper()
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &m), "every line is JSON: %s", l)
		lines = append(lines, m)
	}
	return lines
}

// send posts body to url with headers (name, value pairs) and returns the
// status, draining the answer.
func send(t *testing.T, req *http.Request, hdr ...string) int {
	t.Helper()
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := apiClient.Do(req)
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// retellCall is a Retell call webhook body with numbers.
func retellCall(event, callID, from, to string) []byte {
	b, _ := json.Marshal(map[string]any{
		"event": event,
		"call": map[string]any{
			"call_id": callID, "call_type": "phone_call", "direction": "inbound", "agent_id": "agent_e2e",
			"call_status": map[string]string{"call_started": "ongoing", "call_ended": "ended"}[event],
			"from_number": from, "to_number": to, "start_timestamp": time.Now().Add(-time.Minute).UnixMilli(),
		},
	})
	return b
}

// TestLogsFollowAnEventAndKeepSecrets runs `askpro serve` (with workers) on
// MariaDB and Redis with JSON logs at debug level, and every secret askpro
// knows set: webhook secrets, the Retell and Cal.com keys, an API key, the
// metrics token and the encryption key. It delivers signed Retell, Cal.com
// and Stripe webhooks, a call's lifecycle with the caller's number, a
// function call and the inbound lookup, and refused requests of each kind.
//
// Then (issue 13, done-when) a webhook's correlation id is in its ingestion
// line, its stored row and its processing lines; and the whole log, the
// error file included, holds none of the secrets and none of the numbers
// in full, but each number's masked form where it was logged.
func TestLogsFollowAnEventAndKeepSecrets(t *testing.T) {
	t.Parallel()
	id := runID()
	var raw [32]byte
	_, _ = rand.Read(raw[:])
	encKey := base64.StdEncoding.EncodeToString(raw[:])
	calKey := "cal_live_logs_" + id
	metricsToken := "metrics-token-" + id
	errorFile := filepath.Join(t.TempDir(), "errors.log")

	cal := calcomtest.NewServer(calcomtest.Config{RateLimit: -1})
	t.Cleanup(cal.Close)
	cal.AddAPIKey(calKey)
	cal.AddEventType(calcomtest.EventType{ID: 4711, LengthMinutes: 60, Host: calcomtest.Host{ID: 1}})
	var week []calcomtest.Hours
	for wd := time.Monday; wd <= time.Saturday; wd++ {
		week = append(week, calcomtest.Hours{Weekday: wd, From: "09:00", To: "18:00"})
	}
	cal.SetAvailability(4711, "Europe/Berlin", calcomtest.Availability{Weekly: week})

	e := apiBackends(t, "mysql", "ASKPRO_LOG_LEVEL=debug", "ASKPRO_LOG_FORMAT=json", "ASKPRO_LOG_ERROR_FILE="+errorFile,
		"ASKPRO_CALCOM_API_KEY="+calKey, "ASKPRO_CALCOM_BASE_URL="+cal.URL, "ASKPRO_METRICS_TOKEN="+metricsToken,
		"ASKPRO_SECURITY_ENCRYPTION_KEY="+encKey, "ASKPRO_RATELIMIT_FUNCTIONS_PER_IP=off")
	const (
		branchNumber   = "+493098765432"
		callerNumber   = "+4915123456789"
		functionCaller = "+4917612345678"
	)
	company, branch := e.company(t, "Salon Logs", "logs-"+id, branchNumber)
	b := strconv.FormatInt(branch, 10)
	_, code := run(t, e.dir, e.environ, "service", "add", "--branch", b, "--name", "Damenhaarschnitt", "--type", "treatment",
		"--duration", "60", "--event-type-id", "4711")
	require.Equal(t, 0, code)
	for wd := 1; wd <= 6; wd++ {
		_, code := run(t, e.dir, e.environ, "hours", "set", "--branch", b, "--weekday", strconv.Itoa(wd), "--opens", "09:00", "--closes", "18:00")
		require.Equal(t, 0, code)
	}
	key := e.newKey(t, "--company", strconv.FormatInt(company, 10))
	p := startServe(t, e.dir, e.environ)

	// The event followed: a call_started with the caller's number and our
	// correlation id.
	corr := "e2e-follow-" + id
	callID := "call_logs_" + id
	started := retellCall("call_started", callID, callerNumber, branchNumber)
	require.Equal(t, http.StatusNoContent, send(t, webhooktest.RetellRequest(t, p.url+"/webhooks/retell", retellKey, started),
		"X-Correlation-ID", corr), "Retell is acknowledged with 204")
	eventKey := "retell:call_started:" + callID
	require.Eventually(t, func() bool {
		return countWhere(t, e.db, "SELECT COUNT(*) FROM webhook_events WHERE idempotency_key = ? AND status = 'processed'", []byte(eventKey)) == 1
	}, 60*time.Second, 50*time.Millisecond, "the call_started event is processed:\n%s", p.logs.String())
	var stored string
	require.NoError(t, e.db.QueryRow("SELECT correlation_id FROM webhook_events WHERE idempotency_key = ?", []byte(eventKey)).Scan(&stored))
	assert.Equal(t, corr, stored, "the row carries the request's correlation id")

	// The rest of the run.
	ended := retellCall("call_ended", callID, callerNumber, branchNumber)
	assert.Equal(t, http.StatusNoContent, send(t, webhooktest.RetellRequest(t, p.url+"/webhooks/retell", retellKey, ended)))
	assert.Equal(t, http.StatusOK, send(t, webhooktest.CalcomRequest(t, p.url+"/webhooks/calcom", calcomSecret,
		webhooktest.CalcomBody("BOOKING_CREATED", "uid_logs_"+id))))
	assert.Equal(t, http.StatusOK, send(t, webhooktest.StripeRequest(t, p.url+"/webhooks/stripe", stripeSecret,
		webhooktest.StripeBody("evt_logs_"+id, "payment_intent.succeeded"))))
	assert.Equal(t, http.StatusUnauthorized, send(t, webhooktest.RetellRequest(t, p.url+"/webhooks/retell", "not-the-key", ended)),
		"a bad signature is refused (and logged as a security event)")

	var fn map[string]any
	require.NoError(t, json.Unmarshal(testenv.Fixture(t, "retell", "function_call_check_availability.json"), &fn))
	fn["call"] = map[string]any{"call_id": callID, "call_type": "phone_call", "direction": "inbound",
		"from_number": functionCaller, "to_number": branchNumber}
	fn["args"].(map[string]any)["date"] = time.Now().AddDate(0, 0, 8).Format(time.DateOnly)
	fnBody, err := json.Marshal(fn)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, send(t, webhooktest.RetellRequest(t, p.url+"/retell/functions/check_availability", retellKey, fnBody)))
	assert.Equal(t, http.StatusUnauthorized, send(t, webhooktest.RetellRequest(t, p.url+"/retell/functions/check_availability", "wrong", fnBody)))

	inbound := []byte(`{"event":"call_inbound","call_inbound":{"from_number":"` + callerNumber + `","to_number":"` + branchNumber + `"}}`)
	req := webhooktest.RetellRequest(t, p.url+"/retell/inbound", retellKey, inbound)
	resp, err := apiClient.Do(req)
	require.NoError(t, err)
	ans, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, string(ans))
	assert.Contains(t, string(ans), "Salon Logs", "the lookup found the branch")

	assert.Equal(t, http.StatusOK, get(t, p.url, key.secret, "/api/v1/calls").status)
	wrong := key.secret[:len(key.secret)-1] + map[bool]string{true: "b", false: "a"}[strings.HasSuffix(key.secret, "a")]
	assert.Equal(t, http.StatusUnauthorized, get(t, p.url, wrong, "/api/v1/calls").status, "a wrong key is refused")
	mreq, err := http.NewRequest(http.MethodGet, p.url+"/metrics", nil)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, send(t, mreq, "Authorization", "Bearer "+metricsToken))

	require.Eventually(t, func() bool {
		return countWhere(t, e.db, "SELECT COUNT(*) FROM webhook_events WHERE status IN ('pending', 'retrying', 'processing')") == 0
	}, 60*time.Second, 50*time.Millisecond, "every event is processed")
	require.NoError(t, p.stop(t))
	logs := p.logs.String()
	lines := logLines(t, logs)

	t.Run("the correlation id follows the event", func(t *testing.T) {
		msgs := map[string]int{}
		for _, l := range lines {
			if l["correlation_id"] != corr {
				continue
			}
			msg, _ := l["msg"].(string)
			msgs[msg]++
			assert.NotEmpty(t, l["hostname"], msg)
			assert.Equal(t, "dev", l["version"], msg)
			if msg == "webhook: accepted" {
				assert.Equal(t, "INFO", l["level"])
				assert.Equal(t, "retell", l["provider"])
				assert.Equal(t, "call_started", l["event_type"])
				assert.Equal(t, eventKey, l["event_key"])
				assert.Equal(t, "stored", l["status"])
			}
		}
		for _, want := range []string{
			"webhook: accepted",      // ingestion
			"queue: job started",     // the worker
			"queue: job processed",   // the worker
			"booking: call's branch", // the handler, while processing it
			"booking: call merged",
		} {
			assert.Equal(t, 1, msgs[want], "%q with correlation_id %s; lines with it: %v", want, corr, msgs)
		}
	})

	t.Run("no secret and no full number in the logs", func(t *testing.T) {
		errLog, err := os.ReadFile(errorFile)
		require.NoError(t, err, "serve created the error file")
		errLines := logLines(t, string(errLog))
		require.NotEmpty(t, errLines, "the dead-lettered Cal.com and Stripe events (their payloads are minimal) are errors")
		for _, l := range errLines {
			assert.Equal(t, "ERROR", l["level"], "only errors in the error file: %v", l)
			assert.Equal(t, "dev", l["version"])
		}
		all := logs + string(errLog)
		for name, secret := range map[string]string{
			"retell.api_key": retellKey, "calcom.webhook_secret": calcomSecret, "stripe.webhook_secret": stripeSecret,
			"calcom.api_key": calKey, "metrics.token": metricsToken, "security.encryption_key": encKey,
			"the API key": key.secret, "the API key's secret part": key.secret[len(key.secret)-20:],
			"the refused key's secret part": wrong[len(wrong)-20:],
		} {
			assert.NotContains(t, all, secret, "%s leaked into the logs", name)
		}
		for _, n := range []string{branchNumber, callerNumber, functionCaller} {
			assert.NotContains(t, all, n, "a full number in the logs")
			assert.NotContains(t, all, n[1:], "a full number without its +")
			assert.Contains(t, logs, phone.Mask(n), "%s is logged masked (the masking ran)", phone.Mask(n))
		}
		var security, steps int
		for _, l := range lines {
			if l["event"] == "security" {
				security++
				assert.NotEmpty(t, l["ip"], l["msg"])
				assert.Contains(t, l, "user_agent", l["msg"])
			}
			if l["msg"] == "booking step" && l["step"] == "answer" {
				steps++
				assert.Equal(t, "check_availability", l["function"])
				assert.Equal(t, float64(branch), l["branch_id"])
				assert.Contains(t, l, "duration_ms")
				assert.Equal(t, phone.Mask(functionCaller), l["from_number"])
			}
		}
		assert.Equal(t, 3, security, "the webhook, the function call and the API key refused:\n%s", logs)
		assert.Equal(t, 1, steps, "one answer step for the one verified function call")
	})
}

// TestServeErrorFileBadPath: a log.error_file that cannot be opened is a
// configuration error, exit 2, before anything is opened.
func TestServeErrorFileBadPath(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bad := filepath.Join(dir, "no-such-dir", "errors.log")
	_, code := run(t, dir, env("ASKPRO_LOG_ERROR_FILE="+bad, "ASKPRO_HTTP_ADDR="+freeAddr(t)), "serve")
	assert.Equal(t, 2, code)
	assert.NoFileExists(t, filepath.Join(dir, "askpro.db"), "no database was created")
}
