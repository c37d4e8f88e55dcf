package webhooktest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/askproai/askpro/pkg/webhook"
	"github.com/askproai/askpro/pkg/webhook/webhooktest"
)

func readJSON(t *testing.T, provider string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", provider, "signature_vectors.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, v))
}

// The signers reproduce every valid vector of the shared fixtures.
func TestSignersMatchVectors(t *testing.T) {
	t.Parallel()
	t.Run("retell", func(t *testing.T) {
		var f struct {
			Vectors []struct {
				APIKey      string `json:"api_key"`
				TimestampMS int64  `json:"timestamp_ms"`
				Body        string `json:"body"`
				HeaderValue string `json:"header_value"`
				Valid       bool   `json:"valid"`
			} `json:"vectors"`
		}
		readJSON(t, "retell", &f)
		n := 0
		for _, v := range f.Vectors {
			if v.Valid {
				n++
				assert.Equal(t, v.HeaderValue, webhooktest.SignRetell(v.APIKey, []byte(v.Body), time.UnixMilli(v.TimestampMS)))
			}
		}
		assert.Equal(t, 3, n)
	})
	t.Run("calcom", func(t *testing.T) {
		var f struct {
			Vectors []struct {
				Secret, Body string
				HeaderValue  string `json:"header_value"`
				Valid        bool
			} `json:"vectors"`
		}
		readJSON(t, "calcom", &f)
		n := 0
		for _, v := range f.Vectors {
			if v.Valid {
				n++
				assert.Equal(t, v.HeaderValue, webhooktest.SignCalcom(v.Secret, []byte(v.Body)))
			}
		}
		assert.Equal(t, 3, n)
	})
	t.Run("stripe", func(t *testing.T) {
		var f struct {
			Vectors []struct {
				Secret, Body string
				Timestamp    int64
				HeaderValue  string `json:"header_value"`
				Valid        bool
			} `json:"vectors"`
		}
		readJSON(t, "stripe", &f)
		// Vector 0 is a single v1 with the configured secret.
		v := f.Vectors[0]
		require.True(t, v.Valid)
		assert.Equal(t, v.HeaderValue, webhooktest.SignStripe(v.Secret, []byte(v.Body), time.Unix(v.Timestamp, 0)))
	})
}

func TestRequests(t *testing.T) {
	t.Parallel()
	at := time.Unix(1_767_261_617, 0)
	clock := func() time.Time { return at }
	r, err := webhook.NewRetell(webhook.RetellConfig{APIKey: "rk", Now: clock})
	require.NoError(t, err)
	c, err := webhook.NewCalcom(webhook.CalcomConfig{Secret: "cs"})
	require.NoError(t, err)
	s, err := webhook.NewStripe(webhook.StripeConfig{Secret: "whsec_s", Now: clock})
	require.NoError(t, err)

	tests := []struct {
		name string
		p    webhook.Verifier
		req  *http.Request
		body []byte
		key  string
	}{
		{"retell", r, webhooktest.RetellRequestAt(t, "http://x/webhooks/retell", "rk", webhooktest.RetellBody("call_ended", "c1"), at),
			webhooktest.RetellBody("call_ended", "c1"), "retell:call_ended:c1"},
		{"calcom", c, webhooktest.CalcomRequest(t, "http://x/webhooks/calcom", "cs", webhooktest.CalcomBody("BOOKING_CREATED", "u1")),
			webhooktest.CalcomBody("BOOKING_CREATED", "u1"), "calcom:BOOKING_CREATED:u1"},
		{"stripe", s, webhooktest.StripeRequestAt(t, "http://x/webhooks/stripe", "whsec_s", webhooktest.StripeBody("evt_1", "charge.failed", 3), at),
			webhooktest.StripeBody("evt_1", "charge.failed", 3), "stripe:evt_1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, http.MethodPost, tt.req.Method)
			assert.Equal(t, "application/json", tt.req.Header.Get("Content-Type"))
			got, err := io.ReadAll(tt.req.Body)
			require.NoError(t, err)
			assert.Equal(t, tt.body, got)
			require.NoError(t, tt.p.Verify(tt.req.Header, got))
			ev, err := webhook.Parse(tt.p.Name(), got)
			require.NoError(t, err)
			assert.Equal(t, tt.key, ev.Key)
		})
	}

	// Real clock variants are accepted by adapters on the real clock.
	rr, err := webhook.NewRetell(webhook.RetellConfig{APIKey: "rk"})
	require.NoError(t, err)
	body := webhooktest.RetellBody("call_started", "c2")
	assert.NoError(t, rr.Verify(webhooktest.RetellRequest(t, "http://x", "rk", body).Header, body))
	ss, err := webhook.NewStripe(webhook.StripeConfig{Secret: "whsec_s"})
	require.NoError(t, err)
	body = webhooktest.StripeBody("evt_2", "charge.failed")
	assert.NoError(t, ss.Verify(webhooktest.StripeRequest(t, "http://x", "whsec_s", body).Header, body))
	assert.Equal(t, webhooktest.CalcomWebhookVersion, webhooktest.CalcomRequest(t, "http://x", "cs", nil).Header.Get("X-Cal-Webhook-Version"))
}

func TestSignStripeRotation(t *testing.T) {
	t.Parallel()
	at := time.Unix(1_767_261_617, 0)
	body := []byte(`{}`)
	h := webhooktest.SignStripe("whsec_new", body, at, "whsec_old")
	for _, secret := range []string{"whsec_new", "whsec_old"} {
		p, err := webhook.NewStripe(webhook.StripeConfig{Secret: secret, Now: func() time.Time { return at }})
		require.NoError(t, err)
		hdr := http.Header{}
		hdr.Set(webhook.StripeSignatureHeader, h)
		assert.NoError(t, p.Verify(hdr, body), secret)
	}
}
