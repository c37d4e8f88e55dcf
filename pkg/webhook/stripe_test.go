package webhook_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/askproai/askpro/pkg/webhook"
	"github.com/askproai/askpro/pkg/webhook/webhooktest"
)

const (
	stripeSecret    = "whsec_test_new_0001"
	stripeOldSecret = "whsec_test_old_0000"
)

func TestNewStripe(t *testing.T) {
	t.Parallel()
	_, err := webhook.NewStripe(webhook.StripeConfig{})
	require.ErrorIs(t, err, webhook.ErrNoSecret)
	_, err = webhook.NewStripe(webhook.StripeConfig{Secret: "whsec_a", Secrets: []string{""}})
	require.ErrorIs(t, err, webhook.ErrNoSecret)
	_, err = webhook.NewStripe(webhook.StripeConfig{Secret: "whsec_a", Tolerance: -time.Second})
	require.Error(t, err)
	p, err := webhook.NewStripe(webhook.StripeConfig{Secrets: []string{"whsec_a"}})
	require.NoError(t, err)
	assert.Equal(t, "stripe", p.Name())
}

// v1 returns the hex signature of body at ts under secret.
func v1(secret string, ts int64, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(strconv.FormatInt(ts, 10) + "."))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

func TestStripeVerify(t *testing.T) {
	t.Parallel()
	body := webhooktest.StripeBody("evt_1", "payment_intent.succeeded")
	ts := now.Unix()
	tss := strconv.FormatInt(ts, 10)
	good := v1(stripeSecret, ts, body)
	old := v1(stripeOldSecret, ts, body)

	tests := []struct {
		name   string
		cfg    webhook.StripeConfig
		header []string
		body   []byte
		want   error
	}{
		{name: "valid", header: []string{webhooktest.SignStripe(stripeSecret, body, now)}},
		{name: "exactly tolerance old", header: []string{webhooktest.SignStripe(stripeSecret, body, now.Add(-300*time.Second))}},
		{name: "exactly tolerance ahead", header: []string{webhooktest.SignStripe(stripeSecret, body, now.Add(300*time.Second))}},
		{name: "301 s old", header: []string{webhooktest.SignStripe(stripeSecret, body, now.Add(-301*time.Second))}, want: webhook.ErrTimestampOutOfRange},
		{name: "301 s in the future", header: []string{webhooktest.SignStripe(stripeSecret, body, now.Add(301*time.Second))}, want: webhook.ErrTimestampOutOfRange},
		{name: "a day in the future", header: []string{webhooktest.SignStripe(stripeSecret, body, now.Add(24*time.Hour))}, want: webhook.ErrTimestampOutOfRange},
		{name: "custom tolerance", cfg: webhook.StripeConfig{Tolerance: time.Minute}, header: []string{webhooktest.SignStripe(stripeSecret, body, now.Add(-61*time.Second))}, want: webhook.ErrTimestampOutOfRange},
		{name: "Stripe rolls its secret: old and new v1", header: []string{"t=" + tss + ",v1=" + old + ",v1=" + good}},
		{name: "Stripe rolls its secret: new v1 first", header: []string{webhooktest.SignStripe(stripeSecret, body, now, stripeOldSecret)}},
		{name: "we rotate: old secret still configured", cfg: webhook.StripeConfig{Secrets: []string{stripeOldSecret}},
			header: []string{"t=" + tss + ",v1=" + old}},
		{name: "old secret not configured", header: []string{"t=" + tss + ",v1=" + old}, want: webhook.ErrInvalidSignature},
		{name: "v0 ignored", header: []string{"t=" + tss + ",v1=" + good + ",v0=" + old}},
		{name: "only v0, even a correct one", header: []string{"t=" + tss + ",v0=" + good}, want: webhook.ErrInvalidSignature},
		{name: "no signature at all", header: []string{"t=" + tss}, want: webhook.ErrInvalidSignature},
		{name: "unknown keys ignored", header: []string{"t=" + tss + ",v2=xyz,v1=" + good}},
		{name: "any order", header: []string{"v1=" + good + ",t=" + tss}},
		{name: "non-hex v1 skipped", header: []string{"t=" + tss + ",v1=nothex,v1=" + good}},
		{name: "only non-hex v1", header: []string{"t=" + tss + ",v1=" + strings.Repeat("x", 64)}, want: webhook.ErrInvalidSignature},
		{name: "wrong secret", cfg: webhook.StripeConfig{Secret: "whsec_other"}, header: []string{"t=" + tss + ",v1=" + good}, want: webhook.ErrInvalidSignature},
		{name: "secret without whsec_ prefix is another key", cfg: webhook.StripeConfig{Secret: strings.TrimPrefix(stripeSecret, "whsec_")},
			header: []string{"t=" + tss + ",v1=" + good}, want: webhook.ErrInvalidSignature},
		{name: "tampered body", header: []string{"t=" + tss + ",v1=" + good}, body: webhooktest.StripeBody("evt_2", "payment_intent.succeeded"), want: webhook.ErrInvalidSignature},
		{name: "t not the signed one", header: []string{"t=" + strconv.FormatInt(ts+1, 10) + ",v1=" + good}, want: webhook.ErrInvalidSignature},
		{name: "stale and wrong is wrong", header: []string{"t=1,v1=" + good}, want: webhook.ErrInvalidSignature},
		{name: "absent", want: webhook.ErrMissingSignature},
		{name: "empty", header: []string{""}, want: webhook.ErrMissingSignature},
		{name: "two headers", header: []string{"t=" + tss + ",v1=" + good, "t=" + tss + ",v1=" + good}, want: webhook.ErrMalformedSignature},
		{name: "no t", header: []string{"v1=" + good}, want: webhook.ErrMalformedSignature},
		{name: "empty t", header: []string{"t=,v1=" + good}, want: webhook.ErrMalformedSignature},
		{name: "two t", header: []string{"t=" + tss + ",t=" + tss + ",v1=" + good}, want: webhook.ErrMalformedSignature},
		{name: "negative t", header: []string{"t=-" + tss + ",v1=" + good}, want: webhook.ErrMalformedSignature},
		{name: "t in ms overflowing", header: []string{"t=99999999999999999999,v1=" + good}, want: webhook.ErrMalformedSignature},
		{name: "pair without =", header: []string{"t=" + tss + ",v1" + good}, want: webhook.ErrMalformedSignature},
		{name: "pair with two =", header: []string{"t=" + tss + ",v1=" + good + "=x"}, want: webhook.ErrMalformedSignature},
		{name: "trailing comma", header: []string{"t=" + tss + ",v1=" + good + ","}, want: webhook.ErrMalformedSignature},
		{name: "spaces", header: []string{"t=" + tss + ", v1=" + good}, want: webhook.ErrInvalidSignature},
		{name: "retell syntax", header: []string{"v=" + tss + ",d=" + good}, want: webhook.ErrMalformedSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := tt.cfg
			if cfg.Secret == "" {
				cfg.Secret = stripeSecret
			}
			if cfg.Now == nil {
				cfg.Now = fixedClock(now)
			}
			p, err := webhook.NewStripe(cfg)
			require.NoError(t, err)
			checkVerify(t, p, "stripe-signature", tt.header, orBody(tt.body, body), tt.want)
		})
	}
}

func TestStripeParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body []byte
		want webhook.Event
	}{
		{
			name: "payment_intent_succeeded fixture",
			body: readTestdata(t, "stripe", "payment_intent_succeeded.json"),
			want: webhook.Event{Provider: "stripe", Type: "payment_intent.succeeded", Key: "stripe:evt_3Ts0FixturePiSucceeded01",
				TTL: 1800 * time.Second},
		},
		{
			name: "charge_failed fixture",
			body: readTestdata(t, "stripe", "charge_failed.json"),
			want: webhook.Event{Provider: "stripe", Type: "charge.failed", Key: "stripe:evt_3Ts0FixtureChargeFailed1",
				TTL: 900 * time.Second},
		},
		{
			name: "invoice_payment_failed fixture",
			body: readTestdata(t, "stripe", "invoice_payment_failed.json"),
			want: webhook.Event{Provider: "stripe", Type: "invoice.payment_failed", Key: "stripe:evt_1Ts0FixtureInvoiceFail01",
				TTL: 900 * time.Second},
		},
		{
			name: "other type is normal, company from metadata",
			body: webhooktest.StripeBody("evt_9", "customer.created", 42),
			want: webhook.Event{Provider: "stripe", Type: "customer.created", Key: "stripe:evt_9",
				TTL: 900 * time.Second, CompanyID: 42},
		},
		{
			name: "company_id as a JSON number",
			body: []byte(`{"id":"evt_n","type":"charge.failed","data":{"object":{"metadata":{"company_id":7}}}}`),
			want: webhook.Event{Provider: "stripe", Type: "charge.failed", Key: "stripe:evt_n",
				TTL: 900 * time.Second, CompanyID: 7},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := webhook.Parse("stripe", tt.body)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestStripeParseCompanyIDUnknown(t *testing.T) {
	t.Parallel()
	for _, meta := range []string{`null`, `{}`, `{"company_id":""}`, `{"company_id":"abc"}`, `{"company_id":"-3"}`,
		`{"company_id":"0"}`, `{"company_id":1.5}`, `{"company_id":null}`, `{"company_id":"99999999999999999999"}`} {
		t.Run(meta, func(t *testing.T) {
			t.Parallel()
			ev, err := webhook.Parse("stripe", []byte(`{"id":"evt_1","type":"charge.failed","data":{"object":{"metadata":`+meta+`}}}`))
			require.NoError(t, err)
			assert.Zero(t, ev.CompanyID)
			assert.Equal(t, "stripe:evt_1", ev.Key)
		})
	}
}

func TestStripeParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		body    string
		missing bool
	}{
		{name: "not JSON", body: `<xml/>`},
		{name: "id not a string", body: `{"id":1,"type":"charge.failed"}`, missing: true},
		{name: "type an object", body: `{"id":"evt_1","type":{"a":1}}`, missing: true},
		{name: "key too long", body: `{"id":"evt_` + strings.Repeat("x", 250) + `","type":"charge.failed"}`},
		{name: "type too long", body: `{"id":"evt_1","type":"` + strings.Repeat("t", 129) + `"}`},
		{name: "no id", body: `{"type":"charge.failed"}`, missing: true},
		{name: "no type", body: `{"id":"evt_1"}`, missing: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := webhook.Parse("stripe", []byte(tt.body))
			require.ErrorIs(t, err, webhook.ErrBadPayload)
			assert.Equal(t, tt.missing, errors.Is(err, webhook.ErrMissingField), "ErrMissingField: %v", err)
		})
	}
}

func TestStripeAck(t *testing.T) {
	t.Parallel()
	rec := httptest.NewRecorder()
	webhook.Ack("stripe", rec)
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, "application/json", rec.Header().Get("Content-Type"))
	assert.JSONEq(t, `{"received":true}`, rec.Body.String())
}
