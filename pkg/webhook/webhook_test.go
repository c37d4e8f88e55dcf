package webhook_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/askproai/askpro/pkg/webhook"
	"github.com/askproai/askpro/pkg/webhook/webhooktest"
)

func TestErrorClasses(t *testing.T) {
	t.Parallel()
	for _, err := range []error{webhook.ErrMissingSignature, webhook.ErrMalformedSignature,
		webhook.ErrTimestampOutOfRange, webhook.ErrInvalidSignature} {
		assert.ErrorIs(t, err, webhook.ErrUnauthorized, err.Error())
		assert.NotErrorIs(t, err, webhook.ErrBadPayload, err.Error())
		assert.True(t, strings.HasPrefix(err.Error(), "webhook: "), err.Error())
	}
	assert.ErrorIs(t, webhook.ErrMissingField, webhook.ErrBadPayload)
	assert.NotErrorIs(t, webhook.ErrMissingField, webhook.ErrUnauthorized)
	assert.NotErrorIs(t, webhook.ErrInvalidSignature, webhook.ErrMissingSignature)
}

// providerCase is one provider with a way to sign requests for it.
type providerCase struct {
	p       webhook.Verifier
	request func(t testing.TB, url string, body []byte) *http.Request
	body    []byte
	key     string
	status  int
	ack     string
}

func providerCases(t *testing.T) map[string]providerCase {
	t.Helper()
	r, err := webhook.NewRetell(webhook.RetellConfig{APIKey: retellKey})
	require.NoError(t, err)
	c, err := webhook.NewCalcom(webhook.CalcomConfig{Secret: calcomSecret})
	require.NoError(t, err)
	s, err := webhook.NewStripe(webhook.StripeConfig{Secret: stripeSecret})
	require.NoError(t, err)
	return map[string]providerCase{
		"retell": {
			p: r,
			request: func(t testing.TB, url string, body []byte) *http.Request {
				return webhooktest.RetellRequest(t, url, retellKey, body)
			},
			body: readTestdata(t, "retell", "call_ended.json"), key: "retell:call_ended:call_7f3c2a9e41b84d0c9e5a6b1d2f8c4e07",
			status: http.StatusNoContent, ack: "",
		},
		"calcom": {
			p: c,
			request: func(t testing.TB, url string, body []byte) *http.Request {
				return webhooktest.CalcomRequest(t, url, calcomSecret, body)
			},
			body: readTestdata(t, "calcom", "booking_created.json"), key: "calcom:BOOKING_CREATED:q4Xk2mRbN8vT1sLpW7yZcD",
			status: http.StatusOK, ack: `{"status":"ok"}`,
		},
		"stripe": {
			p: s,
			request: func(t testing.TB, url string, body []byte) *http.Request {
				return webhooktest.StripeRequest(t, url, stripeSecret, body)
			},
			body: readTestdata(t, "stripe", "payment_intent_succeeded.json"), key: "stripe:evt_3Ts0FixturePiSucceeded01",
			status: http.StatusOK, ack: `{"received":true}`,
		},
	}
}

// TestRoundTrip sends requests signed by webhooktest (with the real clock)
// through an HTTP server that verifies, parses and acks like pkg/server.
func TestRoundTrip(t *testing.T) {
	t.Parallel()
	for name, pc := range providerCases(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			keys := make(chan string, 1)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, err := io.ReadAll(r.Body)
				if err != nil {
					http.Error(w, err.Error(), http.StatusBadRequest)
					return
				}
				if err := pc.p.Verify(r.Header, body); err != nil {
					http.Error(w, err.Error(), http.StatusUnauthorized)
					return
				}
				ev, err := webhook.Parse(pc.p.Name(), body)
				if err != nil {
					http.Error(w, err.Error(), http.StatusBadRequest)
					return
				}
				keys <- ev.Key
				webhook.Ack(pc.p.Name(), w)
			}))
			t.Cleanup(srv.Close)

			resp, err := srv.Client().Do(pc.request(t, srv.URL, pc.body))
			require.NoError(t, err)
			got, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			require.NoError(t, resp.Body.Close())
			require.Equal(t, pc.status, resp.StatusCode, string(got))
			assert.Equal(t, pc.ack, string(got))
			assert.Equal(t, pc.key, <-keys)
			assert.Equal(t, name, pc.p.Name())

			// The same request with one byte changed is refused.
			tampered := append([]byte(nil), pc.body...)
			tampered[len(tampered)-2] ^= ' '
			req := pc.request(t, srv.URL, pc.body)
			req.Body = io.NopCloser(strings.NewReader(string(tampered)))
			req.ContentLength = int64(len(tampered))
			resp, err = srv.Client().Do(req)
			require.NoError(t, err)
			require.NoError(t, resp.Body.Close())
			assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
		})
	}
}

// TestVerifyConcurrent exercises the pooled hashes from many goroutines; run
// with -race it proves Verify is safe for concurrent use.
func TestVerifyConcurrent(t *testing.T) {
	t.Parallel()
	for name, pc := range providerCases(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			req := pc.request(t, "http://example.invalid/", pc.body)
			bad := pc.request(t, "http://example.invalid/", []byte(`{"other":true}`))
			errs := make(chan error, 64)
			for i := range cap(errs) {
				go func() {
					if i%2 == 0 {
						errs <- pc.p.Verify(req.Header, pc.body)
						return
					}
					if err := pc.p.Verify(bad.Header, pc.body); !errors.Is(err, webhook.ErrInvalidSignature) {
						errs <- errors.New("mismatch not detected: " + errString(err))
						return
					}
					errs <- nil
				}()
			}
			for range cap(errs) {
				require.NoError(t, <-errs)
			}
		})
	}
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

func TestHeadersToStore(t *testing.T) {
	t.Parallel()
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", "Retell-Webhook/1.0")
	h.Set("X-Retell-Signature", "v=1,d=00")
	h.Set("X-Cal-Signature-256", "abc")
	h.Set("X-Cal-Webhook-Version", "2021-10-20")
	h.Set("Stripe-Signature", "t=1,v1=00")
	h.Set("Authorization", "Bearer secret")
	h.Set("Cookie", "session=1")
	h.Set("X-Forwarded-For", "10.0.0.1")

	tests := []struct {
		provider string
		want     map[string]string
	}{
		{"retell", map[string]string{"content-type": "application/json", "user-agent": "Retell-Webhook/1.0"}},
		{"calcom", map[string]string{"content-type": "application/json", "user-agent": "Retell-Webhook/1.0",
			"x-cal-webhook-version": "2021-10-20"}},
		{"stripe", map[string]string{"content-type": "application/json", "user-agent": "Retell-Webhook/1.0"}},
		{"unknown", map[string]string{"content-type": "application/json", "user-agent": "Retell-Webhook/1.0"}},
	}
	for _, tt := range tests {
		t.Run(tt.provider, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, webhook.HeadersToStore(tt.provider, h))
		})
	}
}

func TestHeadersToStoreLimits(t *testing.T) {
	t.Parallel()
	h := http.Header{}
	h.Add("User-Agent", "a")
	h.Add("User-Agent", "b")
	h.Set("Content-Type", strings.Repeat("ü", 400)) // 800 bytes
	h.Set("X-Cal-Webhook-Version", "\xff"+strings.Repeat("v", 600))
	got := webhook.HeadersToStore("calcom", h)
	assert.Equal(t, "a, b", got["user-agent"])
	assert.Len(t, got["content-type"], 256, "cut to DESIGN's 256 bytes")
	assert.Equal(t, "\uFFFD"+strings.Repeat("v", 253), got["x-cal-webhook-version"], "a bad byte near the start keeps the rest")
	assert.True(t, strings.HasPrefix(got["content-type"], "üü"))
	assert.True(t, utf8.ValidString(got["content-type"]))

	empty := webhook.HeadersToStore("retell", nil)
	require.NotNil(t, empty)
	assert.Empty(t, empty)
}

// TestVerifyDoesNotAllocate pins the hot path's promise. Under the race
// detector sync.Pool drops items on purpose, so a few allocations are
// allowed there.
func TestVerifyDoesNotAllocate(t *testing.T) {
	for name, pc := range providerCases(t) {
		t.Run(name, func(t *testing.T) {
			req := pc.request(t, "http://example.invalid/", pc.body)
			var err error
			allocs := testing.AllocsPerRun(100, func() { err = pc.p.Verify(req.Header, pc.body) })
			require.NoError(t, err)
			if raceEnabled {
				assert.Less(t, allocs, 10.0)
				return
			}
			assert.Zero(t, allocs)
		})
	}
}
