package webhook_test

import (
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

const retellKey = "key_test_retell_0001"

// now is the receiver clock of the table tests.
var now = time.Date(2026, 3, 10, 9, 15, 3, 762_000_000, time.UTC)

func newRetell(t *testing.T, cfg webhook.RetellConfig) *webhook.Retell {
	t.Helper()
	if cfg.APIKey == "" {
		cfg.APIKey = retellKey
	}
	if cfg.Now == nil {
		cfg.Now = fixedClock(now)
	}
	p, err := webhook.NewRetell(cfg)
	require.NoError(t, err)
	return p
}

func TestNewRetell(t *testing.T) {
	t.Parallel()
	_, err := webhook.NewRetell(webhook.RetellConfig{})
	require.ErrorIs(t, err, webhook.ErrNoSecret)
	_, err = webhook.NewRetell(webhook.RetellConfig{APIKey: "k", Tolerance: -time.Second})
	require.Error(t, err)

	p, err := webhook.NewRetell(webhook.RetellConfig{APIKey: "k"})
	require.NoError(t, err)
	assert.Equal(t, "retell", p.Name())
	// The default clock is the real one.
	body := []byte(`{}`)
	assert.NoError(t, p.Verify(header(webhook.RetellSignatureHeader, webhooktest.SignRetell("k", body, time.Now())), body))
}

func TestRetellVerify(t *testing.T) {
	t.Parallel()
	body := webhooktest.RetellBody("call_ended", "call_1")
	validDigest := strings.TrimPrefix(webhooktest.SignRetell(retellKey, body, now), "v="+ms(now)+",d=")
	require.Len(t, validDigest, 64)
	hex64 := strings.Repeat("ab", 32)

	tests := []struct {
		name   string
		cfg    webhook.RetellConfig
		header []string // values of X-Retell-Signature; nil = absent
		body   []byte   // defaults to body
		want   error    // nil = accepted
	}{
		{name: "valid now", header: []string{sign(body, now)}},
		{name: "valid upper-case hex", header: []string{"v=" + ms(now) + ",d=" + strings.ToUpper(validDigest)}},
		{name: "exactly tolerance old", header: []string{sign(body, now.Add(-5*time.Minute))}},
		{name: "exactly tolerance ahead", header: []string{sign(body, now.Add(5*time.Minute))}},
		{name: "1 ms too old", header: []string{sign(body, now.Add(-5*time.Minute-time.Millisecond))}, want: webhook.ErrTimestampOutOfRange},
		{name: "1 ms too far in the future", header: []string{sign(body, now.Add(5*time.Minute+time.Millisecond))}, want: webhook.ErrTimestampOutOfRange},
		{name: "an hour in the future", header: []string{sign(body, now.Add(time.Hour))}, want: webhook.ErrTimestampOutOfRange},
		{name: "epoch timestamp", header: []string{sign(body, time.UnixMilli(0))}, want: webhook.ErrTimestampOutOfRange},
		{name: "custom tolerance", cfg: webhook.RetellConfig{Tolerance: time.Minute}, header: []string{sign(body, now.Add(-61*time.Second))}, want: webhook.ErrTimestampOutOfRange},
		{name: "custom tolerance inside", cfg: webhook.RetellConfig{Tolerance: time.Minute}, header: []string{sign(body, now.Add(-60*time.Second))}},
		{name: "wrong key", cfg: webhook.RetellConfig{APIKey: "other"}, header: []string{sign(body, now)}, want: webhook.ErrInvalidSignature},
		{name: "tampered body", header: []string{sign(body, now)}, body: webhooktest.RetellBody("call_ended", "call_2"), want: webhook.ErrInvalidSignature},
		{name: "empty body signed", header: []string{sign(nil, now)}, body: []byte{}},
		{name: "stale and wrong is wrong", header: []string{"v=1,d=" + hex64}, want: webhook.ErrInvalidSignature},
		{name: "timestamp not the signed one", header: []string{"v=" + ms(now.Add(time.Second)) + ",d=" + validDigest}, want: webhook.ErrInvalidSignature},
		{name: "absent", header: nil, want: webhook.ErrMissingSignature},
		{name: "empty", header: []string{""}, want: webhook.ErrMissingSignature},
		{name: "two headers", header: []string{sign(body, now), sign(body, now)}, want: webhook.ErrMalformedSignature},
		{name: "order swapped", header: []string{"d=" + validDigest + ",v=" + ms(now)}, want: webhook.ErrMalformedSignature},
		{name: "no v", header: []string{"d=" + validDigest}, want: webhook.ErrMalformedSignature},
		{name: "empty v", header: []string{"v=,d=" + validDigest}, want: webhook.ErrMalformedSignature},
		{name: "negative v", header: []string{"v=-" + ms(now) + ",d=" + validDigest}, want: webhook.ErrMalformedSignature},
		{name: "decimal v", header: []string{"v=" + ms(now) + ".5,d=" + validDigest}, want: webhook.ErrMalformedSignature},
		{name: "overflowing v", header: []string{"v=99999999999999999999,d=" + validDigest}, want: webhook.ErrMalformedSignature},
		{name: "short digest", header: []string{"v=" + ms(now) + ",d=" + validDigest[:63]}, want: webhook.ErrMalformedSignature},
		{name: "long digest", header: []string{"v=" + ms(now) + ",d=" + validDigest + "0"}, want: webhook.ErrMalformedSignature},
		{name: "non-hex digest", header: []string{"v=" + ms(now) + ",d=" + strings.Repeat("g", 64)}, want: webhook.ErrMalformedSignature},
		{name: "trailing field", header: []string{"v=" + ms(now) + ",d=" + validDigest + ",x=1"}, want: webhook.ErrMalformedSignature},
		{name: "leading space", header: []string{" v=" + ms(now) + ",d=" + validDigest}, want: webhook.ErrMalformedSignature},
		{name: "space after comma", header: []string{"v=" + ms(now) + ", d=" + validDigest}, want: webhook.ErrMalformedSignature},
		{name: "semicolon", header: []string{"v=" + ms(now) + ";d=" + validDigest}, want: webhook.ErrMalformedSignature},
		{name: "stripe syntax", header: []string{"t=" + ms(now) + ",v1=" + validDigest}, want: webhook.ErrMalformedSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := newRetell(t, tt.cfg)
			checkVerify(t, p, "x-retell-signature", tt.header, orBody(tt.body, body), tt.want)
		})
	}
}

func TestRetellVerifyOutOfRangeSaysDirection(t *testing.T) {
	t.Parallel()
	p := newRetell(t, webhook.RetellConfig{})
	body := []byte(`{}`)
	err := p.Verify(header(webhook.RetellSignatureHeader, sign(body, now.Add(-10*time.Minute))), body)
	require.ErrorIs(t, err, webhook.ErrTimestampOutOfRange)
	assert.Contains(t, err.Error(), "10m0s old")
	err = p.Verify(header(webhook.RetellSignatureHeader, sign(body, now.Add(10*time.Minute))), body)
	require.ErrorIs(t, err, webhook.ErrTimestampOutOfRange)
	assert.Contains(t, err.Error(), "10m0s in the future")
}

func TestRetellParse(t *testing.T) {
	t.Parallel()
	const callID = "call_7f3c2a9e41b84d0c9e5a6b1d2f8c4e07"
	tests := []struct {
		name string
		body []byte
		want webhook.Event
	}{
		{
			name: "call_started fixture",
			body: readTestdata(t, "retell", "call_started.json"),
			want: webhook.Event{Provider: "retell", Type: "call_started", Key: "retell:call_started:" + callID,
				TTL: 300 * time.Second},
		},
		{
			name: "call_ended fixture",
			body: readTestdata(t, "retell", "call_ended.json"),
			want: webhook.Event{Provider: "retell", Type: "call_ended", Key: "retell:call_ended:" + callID,
				TTL: 600 * time.Second},
		},
		{
			name: "call_analyzed fixture",
			body: readTestdata(t, "retell", "call_analyzed.json"),
			want: webhook.Event{Provider: "retell", Type: "call_analyzed", Key: "retell:call_analyzed:" + callID,
				TTL: 300 * time.Second},
		},
		{
			name: "call_failed is not a lifecycle event",
			body: webhooktest.RetellBody("call_failed", "call_9"),
			want: webhook.Event{Provider: "retell", Type: "call_failed", Key: "retell:call_failed:call_9:" + digest(webhooktest.RetellBody("call_failed", "call_9")),
				TTL: 300 * time.Second},
		},
		{
			name: "transcript_updated is normal and repeats",
			body: webhooktest.RetellBody("transcript_updated", "call_9"),
			want: webhook.Event{Provider: "retell", Type: "transcript_updated", Key: "retell:transcript_updated:call_9:" + digest(webhooktest.RetellBody("transcript_updated", "call_9")),
				TTL: 300 * time.Second},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := webhook.Parse("retell", tt.body)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestRetellParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		body    string
		missing bool // ErrMissingField, else only ErrBadPayload
	}{
		{name: "not JSON", body: `{"event":`},
		{name: "empty body", body: ``},
		{name: "array", body: `[{"event":"call_ended"}]`},
		{name: "event not a string", body: `{"event":1,"call":{"call_id":"c"}}`, missing: true},
		{name: "call_id a number", body: `{"event":"call_ended","call":{"call_id":7}}`, missing: true},
		{name: "call not an object", body: `{"event":"call_ended","call":"c"}`, missing: true},
		{name: "lone surrogate in event", body: `{"event":"call_\ud83d","call":{"call_id":"c"}}`},
		{name: "control character in event", body: `{"event":"call_ended\n","call":{"call_id":"c"}}`},
		{name: "C1 control in event", body: `{"event":"call_ended\u0085","call":{"call_id":"c"}}`},
		{name: "invalid UTF-8", body: "{\"event\":\"call_ended\",\"call\":{\"call_id\":\"\xff\"}}"},
		{name: "trailing data", body: `{"event":"call_ended","call":{"call_id":"c"}} {}`},
		{name: "string root", body: `"call_ended"`},
		{name: "key too long", body: `{"event":"call_ended","call":{"call_id":"` + strings.Repeat("x", 250) + `"}}`},
		{name: "event too long", body: `{"event":"` + strings.Repeat("e", 129) + `","call":{"call_id":"c"}}`},
		{name: "null", body: `null`},
		{name: "null event", body: `{"event":null,"call":{"call_id":"c"}}`, missing: true},
		{name: "no event", body: `{"call":{"call_id":"c"}}`, missing: true},
		{name: "empty event", body: `{"event":"","call":{"call_id":"c"}}`, missing: true},
		{name: "no call", body: `{"event":"call_ended"}`, missing: true},
		{name: "no call_id", body: `{"event":"call_ended","call":{"agent_id":"a"}}`, missing: true},
		{name: "call_inbound has no call", body: `{"event":"call_inbound","call_inbound":{"from_number":"+4915123456789"}}`, missing: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := webhook.Parse("retell", []byte(tt.body))
			require.ErrorIs(t, err, webhook.ErrBadPayload)
			assert.NotErrorIs(t, err, webhook.ErrUnauthorized)
			assert.Equal(t, tt.missing, errors.Is(err, webhook.ErrMissingField), "ErrMissingField: %v", err)
			assert.Equal(t, webhook.Event{}, got)
		})
	}
}

func TestRetellParseMissingFieldNamesIt(t *testing.T) {
	t.Parallel()
	_, err := webhook.Parse("retell", []byte(`{"event":"call_ended","call":{}}`))
	require.ErrorIs(t, err, webhook.ErrMissingField)
	assert.Contains(t, err.Error(), "call.call_id")
}

func TestRetellAck(t *testing.T) {
	t.Parallel()
	rec := httptest.NewRecorder()
	webhook.Ack("retell", rec)
	assert.Equal(t, http.StatusNoContent, rec.Code)
	assert.Empty(t, rec.Body.String())
}

// sign signs body with retellKey at at.
func sign(body []byte, at time.Time) string { return webhooktest.SignRetell(retellKey, body, at) }

// digest is the body digest Parse appends to keys of repeating events.
func digest(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:16])
}

// ms is t in decimal Unix milliseconds.
func ms(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }
