package ingest_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/askproai/askpro/pkg/dedup"
	"github.com/askproai/askpro/pkg/queue"
	"github.com/askproai/askpro/pkg/webhook/webhooktest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWebhookAcknowledgements(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b testBundle) {
		code, body, h := do(t, webhooktest.RetellRequest(t, b.srv.URL+"/webhooks/retell", retellKey, webhooktest.RetellBody("call_ended", "call_1")))
		assert.Equal(t, http.StatusNoContent, code)
		assert.Empty(t, body)
		assert.NotEmpty(t, h.Get("X-Correlation-ID"))

		code, body, _ = do(t, webhooktest.CalcomRequest(t, b.srv.URL+"/webhooks/calcom", calcomSecret, webhooktest.CalcomBody("BOOKING_CREATED", "uid_1")))
		assert.Equal(t, http.StatusOK, code)
		assert.JSONEq(t, `{"status":"ok"}`, body)

		code, body, _ = do(t, webhooktest.StripeRequest(t, b.srv.URL+"/webhooks/stripe", stripeSecret, webhooktest.StripeBody("evt_1", "payment_intent.succeeded")))
		assert.Equal(t, http.StatusOK, code)
		assert.JSONEq(t, `{"received":true}`, body)

		require.Equal(t, 3, rows(t, b))
		type row struct {
			provider, typ, key, status, queue string
			priority                          int
		}
		got := map[string]row{}
		rs, err := b.app.Pool.DB().Query("SELECT provider, event_type, idempotency_key, status, queue, priority FROM webhook_events")
		require.NoError(t, err)
		defer rs.Close()
		for rs.Next() {
			var r row
			require.NoError(t, rs.Scan(&r.provider, &r.typ, &r.key, &r.status, &r.queue, &r.priority))
			got[r.provider] = r
		}
		require.NoError(t, rs.Err())
		assert.Equal(t, row{"retell", "call_ended", "retell:call_ended:call_1", "pending", "critical", 0}, got["retell"])
		assert.Equal(t, row{"calcom", "BOOKING_CREATED", "calcom:BOOKING_CREATED:uid_1", "pending", "critical", 0}, got["calcom"])
		assert.Equal(t, row{"stripe", "payment_intent.succeeded", "stripe:evt_1", "pending", "critical", 0}, got["stripe"])
	})
}

func TestWebhookStoresRequestContextWithoutSecrets(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b testBundle) {
		req := webhooktest.RetellRequest(t, b.srv.URL+"/webhooks/retell", retellKey, webhooktest.RetellBody("call_started", "call_ctx"))
		req.Header.Set("X-Correlation-ID", "corr-123")
		req.Header.Set("User-Agent", "Retell-Webhook/1.0")
		code, _, h := do(t, req)
		require.Equal(t, http.StatusNoContent, code)
		assert.Equal(t, "corr-123", h.Get("X-Correlation-ID"), "correlation id is echoed")

		var corr, ip, ua, headers, payload string
		require.NoError(t, b.app.Pool.DB().QueryRow("SELECT correlation_id, ip_address, user_agent, headers, payload FROM webhook_events").
			Scan(&corr, &ip, &ua, &headers, &payload))
		assert.Equal(t, "corr-123", corr)
		assert.Equal(t, "127.0.0.1", ip)
		assert.Equal(t, "Retell-Webhook/1.0", ua)
		assert.NotContains(t, strings.ToLower(headers), "signature", "signatures are not stored")
		assert.Contains(t, payload, "call_ctx")
	})
}

func TestWebhookRejectsAndStoresNothing(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b testBundle) {
		url := b.srv.URL + "/webhooks/retell"
		good := webhooktest.RetellBody("call_ended", "call_x")
		tests := []struct {
			name string
			req  func() *http.Request
			code int
		}{
			{"oversized", func() *http.Request {
				big := append([]byte(`{"event":"call_ended","call":{"call_id":"c","pad":"`), bytes.Repeat([]byte("a"), 1<<20)...)
				big = append(big, `"}}`...)
				return webhooktest.RetellRequest(t, url, retellKey, big)
			}, http.StatusRequestEntityTooLarge},
			{"malformed json", func() *http.Request {
				return webhooktest.RetellRequest(t, url, retellKey, []byte(`{"event":`))
			}, http.StatusBadRequest},
			{"missing call id", func() *http.Request {
				return webhooktest.RetellRequest(t, url, retellKey, []byte(`{"event":"call_ended","call":{}}`))
			}, http.StatusBadRequest},
			{"invalid UTF-8", func() *http.Request {
				return webhooktest.RetellRequest(t, url, retellKey, []byte("{\"event\":\"call_ended\",\"call\":{\"call_id\":\"c\xff\"}}"))
			}, http.StatusBadRequest},
			{"unsigned", func() *http.Request {
				r, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(good))
				return r
			}, http.StatusUnauthorized},
			{"wrong key", func() *http.Request {
				return webhooktest.RetellRequest(t, url, "another-key", good)
			}, http.StatusUnauthorized},
			{"stale timestamp", func() *http.Request {
				return webhooktest.RetellRequestAt(t, url, retellKey, good, time.Now().Add(-10*time.Minute))
			}, http.StatusUnauthorized},
			{"future timestamp", func() *http.Request {
				return webhooktest.RetellRequestAt(t, url, retellKey, good, time.Now().Add(10*time.Minute))
			}, http.StatusUnauthorized},
			{"tampered body", func() *http.Request {
				r := webhooktest.RetellRequest(t, url, retellKey, good)
				tampered := bytes.Replace(good, []byte("call_x"), []byte("call_y"), 1)
				r2, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(tampered))
				r2.Header = r.Header
				return r2
			}, http.StatusUnauthorized},
			{"calcom no-secret-provided", func() *http.Request {
				r, _ := http.NewRequest(http.MethodPost, b.srv.URL+"/webhooks/calcom", bytes.NewReader(webhooktest.CalcomBody("BOOKING_CREATED", "u")))
				r.Header.Set("X-Cal-Signature-256", "no-secret-provided")
				return r
			}, http.StatusUnauthorized},
			{"unknown provider", func() *http.Request {
				return webhooktest.RetellRequest(t, b.srv.URL+"/webhooks/twilio", retellKey, good)
			}, http.StatusNotFound},
		}
		for _, tt := range tests {
			code, _, _ := do(t, tt.req())
			assert.Equal(t, tt.code, code, tt.name)
		}
		assert.Equal(t, 0, rows(t, b), "no rejected request stores a row")

		// The server keeps answering, and a good delivery is stored.
		code, _, _ := do(t, webhooktest.RetellRequest(t, url, retellKey, good))
		assert.Equal(t, http.StatusNoContent, code)
		assert.Equal(t, 1, rows(t, b))
		assert.Equal(t, 6.0, sumMetric(t, b, "askproai_webhook_signature_failures_total"), "each signature failure is counted")
	})
}

// sumMetric adds up every sample of a counter family in the registry.
func sumMetric(t *testing.T, b testBundle, name string) float64 {
	t.Helper()
	mfs, err := b.reg.Gather()
	require.NoError(t, err)
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			sum += m.GetCounter().GetValue()
		}
	}
	return sum
}

func TestWebhookConcurrentDuplicates(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b testBundle) {
		body := webhooktest.CalcomBody("BOOKING_CREATED", "uid_same")
		const n = 50
		var wg sync.WaitGroup
		codes := make([]int, n)
		start := make(chan struct{})
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				req := webhooktest.CalcomRequest(t, b.srv.URL+"/webhooks/calcom", calcomSecret, body)
				<-start
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					return
				}
				resp.Body.Close()
				codes[i] = resp.StatusCode
			}(i)
		}
		close(start)
		wg.Wait()
		for i, c := range codes {
			assert.Equal(t, http.StatusOK, c, "request %d", i)
		}
		assert.Equal(t, 1, rows(t, b), "50 concurrent deliveries of one event store one row")
		assert.Equal(t, float64(n-1), sumMetric(t, b, "askproai_webhook_duplicates_total"),
			"every delivery but the one that stored the event is a duplicate, caught by dedup or by the UNIQUE key")

		// A later redelivery is answered from the completed dedup key.
		before := sumMetric(t, b, "askproai_webhook_duplicates_total")
		code, _, _ := do(t, webhooktest.CalcomRequest(t, b.srv.URL+"/webhooks/calcom", calcomSecret, body))
		assert.Equal(t, http.StatusOK, code)
		assert.Equal(t, before+1, sumMetric(t, b, "askproai_webhook_duplicates_total"))
		assert.Equal(t, 1, rows(t, b))
	})
}

func TestWebhookDuplicateCaughtByTheDatabaseIsCounted(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b testBundle) {
		// Stored by another replica (or before a Redis flush): dedup knows
		// nothing, the UNIQUE key does.
		body := webhooktest.StripeBody("evt_db_dup", "charge.failed")
		res, err := b.app.Inbox.Insert(context.Background(), queue.Event{Provider: "stripe", Type: "charge.failed", Key: "stripe:evt_db_dup", Payload: body})
		require.NoError(t, err)
		require.False(t, res.Duplicate)

		code, ack, _ := do(t, webhooktest.StripeRequest(t, b.srv.URL+"/webhooks/stripe", stripeSecret, body))
		assert.Equal(t, http.StatusOK, code, "a duplicate is acknowledged")
		assert.JSONEq(t, `{"received":true}`, ack)
		assert.Equal(t, 1, rows(t, b))
		assert.Equal(t, 1.0, sumMetric(t, b, "askproai_webhook_duplicates_total"), "and counted as a duplicate, not a plain success")
		assert.Equal(t, 1, strings.Count(b.logs.String(), "webhook: duplicate acknowledged"), "and logged once at Info")
	})
}

func TestWebhookFailureBetweenClaimAndInsertReleases(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b testBundle) {
		body := webhooktest.StripeBody("evt_fail_once", "charge.failed")
		b.failer.fails.Store(1)
		code, _, _ := do(t, webhooktest.StripeRequest(t, b.srv.URL+"/webhooks/stripe", stripeSecret, body))
		assert.Equal(t, http.StatusServiceUnavailable, code, "an event not stored is not acknowledged")
		assert.Equal(t, 0, rows(t, b))

		// The key was released: a fresh claim gets it.
		c, err := b.app.DedupStore.Claim(context.Background(), "stripe:evt_fail_once", time.Second)
		require.NoError(t, err)
		assert.Equal(t, dedup.Claimed, c.State, "the failed request released its claim")
		require.NoError(t, b.app.DedupStore.Release(context.Background(), c))

		// The provider's retry is stored and acknowledged.
		code, body2, _ := do(t, webhooktest.StripeRequest(t, b.srv.URL+"/webhooks/stripe", stripeSecret, body))
		assert.Equal(t, http.StatusOK, code)
		assert.JSONEq(t, `{"received":true}`, body2)
		assert.Equal(t, 1, rows(t, b))
	})
}

func TestWebhookInFlightClaimIsNotADuplicate(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b testBundle) {
		// A process died holding the claim: the key is in flight, no row.
		_, err := b.app.DedupStore.Claim(context.Background(), "retell:call_ended:call_orphan", time.Minute)
		require.NoError(t, err)
		code, _, _ := do(t, webhooktest.RetellRequest(t, b.srv.URL+"/webhooks/retell", retellKey, webhooktest.RetellBody("call_ended", "call_orphan")))
		assert.Equal(t, http.StatusNoContent, code)
		assert.Equal(t, 1, rows(t, b), "the retry of an orphaned in-flight event is stored, not dropped as a duplicate")
	})
}

func TestHealthEndpoints(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b testBundle) {
		req, _ := http.NewRequest(http.MethodGet, b.srv.URL+"/healthz", nil)
		code, _, _ := do(t, req)
		assert.Equal(t, http.StatusOK, code)
		req, _ = http.NewRequest(http.MethodGet, b.srv.URL+"/readyz", nil)
		code, body, _ := do(t, req)
		assert.Equal(t, http.StatusOK, code)
		assert.JSONEq(t, `{"status":"ok","checks":{"database":"ok"}}`, body)
		req, _ = http.NewRequest(http.MethodGet, b.srv.URL+"/metrics", nil)
		code, body, _ = do(t, req)
		assert.Equal(t, http.StatusOK, code)
		assert.Contains(t, body, "askproai_api_request_duration_seconds")
	})
}

// TestWebhookCalcomPingIsStored: the test button of Cal.com's webhook
// settings sends a PING without a uid; it is stored and acknowledged, and
// a second PING is a second event (issue 7, defect 6).
func TestWebhookCalcomPingIsStored(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b testBundle) {
		for i, at := range []string{"2026-03-10T09:20:41.118Z", "2026-03-10T09:20:42.007Z"} {
			body := []byte(`{"triggerEvent":"PING","createdAt":"` + at + `","payload":{"type":"Test","title":"Test trigger event"}}`)
			code, resp, _ := do(t, webhooktest.CalcomRequest(t, b.srv.URL+"/webhooks/calcom", calcomSecret, body))
			require.Equal(t, http.StatusOK, code, resp)
			assert.JSONEq(t, `{"status":"ok"}`, resp)
			assert.Equal(t, i+1, rows(t, b))
		}
	})
}
