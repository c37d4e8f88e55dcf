package webhook_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/askproai/askpro/pkg/webhook"
	"github.com/askproai/askpro/pkg/webhook/webhooktest"
)

const (
	calcomSecret    = "salon-webhook-secret-test-0001"
	calcomOldSecret = "salon-webhook-secret-test-0000"
)

func TestNewCalcom(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  webhook.CalcomConfig
		ok   bool
	}{
		{name: "no secret", cfg: webhook.CalcomConfig{}},
		{name: "empty in Secrets", cfg: webhook.CalcomConfig{Secret: "a", Secrets: []string{""}}},
		{name: "only Secrets", cfg: webhook.CalcomConfig{Secrets: []string{"a"}}, ok: true},
		{name: "Secret", cfg: webhook.CalcomConfig{Secret: "a"}, ok: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := webhook.NewCalcom(tt.cfg)
			if !tt.ok {
				require.ErrorIs(t, err, webhook.ErrNoSecret)
				assert.Nil(t, p)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, "calcom", p.Name())
		})
	}
}

func TestCalcomVerify(t *testing.T) {
	t.Parallel()
	body := webhooktest.CalcomBody("BOOKING_CREATED", "uid_1")
	valid := webhooktest.SignCalcom(calcomSecret, body)

	tests := []struct {
		name   string
		cfg    webhook.CalcomConfig
		header []string
		body   []byte
		want   error
	}{
		{name: "valid", header: []string{valid}},
		{name: "upper-case hex", header: []string{strings.ToUpper(valid)}},
		{name: "rotation: old secret still accepted", cfg: webhook.CalcomConfig{Secret: calcomSecret, Secrets: []string{calcomOldSecret}},
			header: []string{webhooktest.SignCalcom(calcomOldSecret, body)}},
		{name: "rotation: new secret accepted", cfg: webhook.CalcomConfig{Secret: calcomSecret, Secrets: []string{calcomOldSecret}},
			header: []string{valid}},
		{name: "old secret after rotation", header: []string{webhooktest.SignCalcom(calcomOldSecret, body)}, want: webhook.ErrInvalidSignature},
		{name: "tampered body", header: []string{valid}, body: webhooktest.CalcomBody("BOOKING_CREATED", "uid_2"), want: webhook.ErrInvalidSignature},
		{name: "no-secret-provided", header: []string{"no-secret-provided"}, want: webhook.ErrMissingSignature},
		{name: "absent", want: webhook.ErrMissingSignature},
		{name: "empty", header: []string{""}, want: webhook.ErrMissingSignature},
		{name: "two headers", header: []string{valid, valid}, want: webhook.ErrMalformedSignature},
		{name: "sha256= prefix", header: []string{"sha256=" + valid}, want: webhook.ErrMalformedSignature},
		{name: "short", header: []string{valid[:62]}, want: webhook.ErrMalformedSignature},
		{name: "non-hex", header: []string{strings.Repeat("z", 64)}, want: webhook.ErrMalformedSignature},
		{name: "base64", header: []string{"q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA="}, want: webhook.ErrMalformedSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := tt.cfg
			if cfg.Secret == "" {
				cfg.Secret = calcomSecret
			}
			p, err := webhook.NewCalcom(cfg)
			require.NoError(t, err)
			checkVerify(t, p, "x-cal-signature-256", tt.header, orBody(tt.body, body), tt.want)
		})
	}
}

func TestCalcomParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body []byte
		want webhook.Event
	}{
		{
			name: "booking_created fixture",
			body: readTestdata(t, "calcom", "booking_created.json"),
			want: webhook.Event{Provider: "calcom", Type: "BOOKING_CREATED", Key: "calcom:BOOKING_CREATED:q4Xk2mRbN8vT1sLpW7yZcD",
				TTL: 900 * time.Second},
		},
		{
			name: "booking_cancelled fixture",
			body: readTestdata(t, "calcom", "booking_cancelled.json"),
			want: webhook.Event{Provider: "calcom", Type: "BOOKING_CANCELLED", Key: "calcom:BOOKING_CANCELLED:q4Xk2mRbN8vT1sLpW7yZcD",
				TTL: 600 * time.Second},
		},
		{
			name: "booking_rescheduled fixture keys on the new uid",
			body: readTestdata(t, "calcom", "booking_rescheduled.json"),
			want: webhook.Event{Provider: "calcom", Type: "BOOKING_RESCHEDULED", Key: "calcom:BOOKING_RESCHEDULED:Vn3hT9wQe5KpR2aLm8xBfJ",
				TTL: 600 * time.Second},
		},
		{
			name: "other trigger is normal",
			body: webhooktest.CalcomBody("BOOKING_REQUESTED", "uid_3"),
			want: webhook.Event{Provider: "calcom", Type: "BOOKING_REQUESTED", Key: "calcom:BOOKING_REQUESTED:uid_3",
				TTL: 600 * time.Second},
		},
		{
			name: "flat MEETING_STARTED uses the root uid",
			body: []byte(`{"triggerEvent":"MEETING_STARTED","createdAt":"2026-03-12T09:00:00Z","uid":"uid_4","bookingId":1}`),
			want: webhook.Event{Provider: "calcom", Type: "MEETING_STARTED", Key: "calcom:MEETING_STARTED:uid_4",
				TTL: 600 * time.Second},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := webhook.Parse("calcom", tt.body)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestCalcomParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		body    string
		missing bool
	}{
		{name: "not JSON", body: `triggerEvent=BOOKING_CREATED`},
		{name: "truncated", body: `{"triggerEvent":"BOOKING_CREATED","payload":{"uid":"u"}`},
		{name: "triggerEvent too long", body: `{"triggerEvent":"` + strings.Repeat("E", 129) + `","payload":{"uid":"u"}}`},
		{name: "no triggerEvent", body: `{"payload":{"uid":"u"}}`, missing: true},
		{name: "uid a number", body: `{"triggerEvent":"BOOKING_CREATED","payload":{"uid":1}}`, missing: true},
		{name: "root uid an object", body: `{"triggerEvent":"MEETING_ENDED","uid":{}}`, missing: true},
		{name: "empty object", body: `{}`, missing: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := webhook.Parse("calcom", []byte(tt.body))
			require.ErrorIs(t, err, webhook.ErrBadPayload)
			assert.Equal(t, tt.missing, errors.Is(err, webhook.ErrMissingField), "ErrMissingField: %v", err)
		})
	}
}

func TestCalcomAck(t *testing.T) {
	t.Parallel()
	rec := httptest.NewRecorder()
	webhook.Ack("calcom", rec)
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, "application/json", rec.Header().Get("Content-Type"))
	assert.JSONEq(t, `{"status":"ok"}`, rec.Body.String())
}
