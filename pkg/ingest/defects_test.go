package ingest_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/askproai/askpro/internal/correlation"
	"github.com/askproai/askpro/internal/sanitize"
	"github.com/askproai/askpro/pkg/webhook/webhooktest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Issue 7 defect 1: an unsigned flood with huge header values grows the log
// by a bounded amount per request.
func TestUnsignedFloodWithHugeUserAgentIsLoggedBounded(t *testing.T) {
	t.Parallel()
	b := setup(t, backends[0])
	huge := strings.Repeat("A", 1_000_000) // 1 MB, under the server's header limit
	const n = 30
	before := b.logs.Len()
	for i := 0; i < n; i++ {
		req := webhooktest.RetellRequest(t, b.srv.URL+"/webhooks/retell", "wrong-key", webhooktest.RetellBody("call_ended", "call_flood"))
		req.Header.Set("User-Agent", huge)
		code, _, _ := do(t, req)
		require.Equal(t, http.StatusUnauthorized, code)
	}
	grown := b.logs.Len() - before
	assert.Less(t, grown, n*2048, "each rejected request adds less than 2 KiB of log")
	assert.Equal(t, n, strings.Count(b.logs.String(), "security: webhook signature rejected"), "each one is still logged")
	assert.Equal(t, 0, rows(t, b))
}

// Issue 7 defect 3: an X-Correlation-ID of 65-128 characters is replaced
// by a fresh id, and the event is stored.
func TestLongCorrelationIDIsReplacedAndTheEventStored(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b testBundle) {
		long := strings.Repeat("c", 100)
		req := webhooktest.CalcomRequest(t, b.srv.URL+"/webhooks/calcom", calcomSecret, webhooktest.CalcomBody("BOOKING_CREATED", "uid_corr"))
		req.Header.Set("X-Correlation-ID", long)
		code, _, h := do(t, req)
		require.Equal(t, http.StatusOK, code)
		echoed := h.Get("X-Correlation-ID")
		assert.NotEqual(t, long, echoed)
		assert.True(t, correlation.Valid(echoed))

		var stored string
		require.NoError(t, b.app.Pool.DB().QueryRow("SELECT correlation_id FROM webhook_events").Scan(&stored))
		assert.Equal(t, echoed, stored, "the row carries the id the response echoed")
		assert.Equal(t, 1, rows(t, b))
	})
}

// Issue 7 defect 4: a User-Agent that is not valid UTF-8 is stored
// sanitised, on MySQL too; a bad byte near the start does not shorten a
// long value to a few bytes.
func TestNonUTF8UserAgentIsStoredSanitised(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b testBundle) {
		tests := []struct {
			name, ua, id string
		}{
			{"short with bad bytes", "Retell-Webhook/1.0 \xff\xfe(x)", "call_ua1"},
			{"long with a bad byte near the start", "A\xff" + strings.Repeat("b", 600), "call_ua2"},
		}
		for _, tt := range tests {
			req := webhooktest.RetellRequest(t, b.srv.URL+"/webhooks/retell", retellKey, webhooktest.RetellBody("call_started", tt.id))
			req.Header.Set("User-Agent", tt.ua)
			code, body, _ := do(t, req)
			require.Equal(t, http.StatusNoContent, code, "%s: %s", tt.name, body)

			var ua string
			require.NoError(t, b.app.Pool.DB().QueryRow(
				"SELECT user_agent FROM webhook_events WHERE idempotency_key = ?", []byte("retell:call_started:"+tt.id)).Scan(&ua)) // keys are bytes
			assert.True(t, utf8.ValidString(ua), tt.name)
			assert.Equal(t, sanitize.String(tt.ua, 256), ua, tt.name)
			assert.Greater(t, len(ua), len(tt.ua)/3, "%s: not cut to a few bytes", tt.name)
		}
	})
}

// Issue 7 defect 10: with Redis down, each dedup failure is logged once,
// with the request's correlation id.
func TestDedupFailuresAreLoggedOnceWithTheCorrelationID(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	dead := ln.Addr().String()
	require.NoError(t, ln.Close()) // nothing listens here any more

	var logs syncBuffer
	log := slog.New(correlation.NewHandler(slog.NewJSONHandler(&logs, nil), "test-host", "test"))
	cfg, _ := testConfig(t, backends[0])
	cfg.Redis.URL = "redis://" + dead + "/0"
	a := newApp(t, cfg, "", log)
	srv := httptest.NewServer(a.Server.Handler())
	t.Cleanup(srv.Close)

	req := webhooktest.StripeRequest(t, srv.URL+"/webhooks/stripe", stripeSecret, webhooktest.StripeBody("evt_redis_down", "charge.failed"))
	req.Header.Set("X-Correlation-ID", "corr-redis-down")
	code, _, _ := do(t, req)
	require.Equal(t, http.StatusOK, code, "Redis down fails open to the database")

	var claimLines, completeLines int
	for _, line := range bytes.Split(bytes.TrimSpace([]byte(logs.String())), []byte("\n")) {
		var m map[string]any
		require.NoError(t, json.Unmarshal(line, &m), string(line))
		if m["event_key"] != "stripe:evt_redis_down" {
			continue
		}
		msg, _ := m["msg"].(string)
		switch {
		case strings.Contains(msg, "claim"):
			claimLines++
		case strings.Contains(msg, "complete"):
			completeLines++
		default:
			continue
		}
		assert.Equal(t, "corr-redis-down", m["correlation_id"], msg)
	}
	assert.Equal(t, 1, claimLines, "the claim failure is logged once:\n%s", logs.String())
	assert.Equal(t, 1, completeLines, "the complete failure is logged once:\n%s", logs.String())
	assert.Contains(t, logs.String(), `"component":"go-redis"`, "go-redis' own lines go through slog")
}

// Issue 8: the dedup's and the handler's lines of one request carry its
// correlation id through the logger's handler, without the packages
// knowing about it.
func TestRequestLinesCarryTheCorrelationID(t *testing.T) {
	t.Parallel()
	b := setup(t, backends[0])
	body := webhooktest.RetellBody("call_ended", "call_dup")
	for i := 0; i < 2; i++ {
		req := webhooktest.RetellRequest(t, b.srv.URL+"/webhooks/retell", retellKey, body)
		req.Header.Set("X-Correlation-ID", "corr-dup")
		code, _, _ := do(t, req)
		require.Equal(t, http.StatusNoContent, code)
	}
	require.Contains(t, b.logs.String(), `"msg":"duplicate webhook"`, "dedup logged the redelivery")
	for _, line := range strings.Split(strings.TrimSpace(b.logs.String()), "\n") {
		if strings.Contains(line, "duplicate webhook") {
			assert.Contains(t, line, `"correlation_id":"corr-dup"`)
			assert.Contains(t, line, `"hostname":"test-host"`)
		}
	}
}
