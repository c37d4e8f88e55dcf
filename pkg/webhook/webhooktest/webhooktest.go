package webhooktest

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/askproai/askpro/pkg/webhook"
)

// CalcomWebhookVersion is the X-Cal-Webhook-Version CalcomRequest sends.
const CalcomWebhookVersion = "2021-10-20"

// SignRetell returns the X-Retell-Signature value for body signed with
// apiKey at t: "v=<unix ms>,d=<hex HMAC-SHA256(apiKey, body + ms)>".
func SignRetell(apiKey string, body []byte, t time.Time) string {
	ms := strconv.FormatInt(t.UnixMilli(), 10)
	m := hmac.New(sha256.New, []byte(apiKey))
	m.Write(body)
	m.Write([]byte(ms))
	return "v=" + ms + ",d=" + hex.EncodeToString(m.Sum(nil))
}

// SignCalcom returns the X-Cal-Signature-256 value for body signed with
// secret: the lower-case hex HMAC-SHA256 of the body.
func SignCalcom(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// SignStripe returns the Stripe-Signature value for body signed with secret
// (the whole "whsec_..." string) at t: "t=<unix s>,v1=<hex HMAC-SHA256(
// secret, "<t>.<body>")>". Pass several secrets to get one v1 per secret,
// as Stripe sends while a secret is rolled.
func SignStripe(secret string, body []byte, t time.Time, more ...string) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	header := "t=" + ts
	for _, s := range append([]string{secret}, more...) {
		m := hmac.New(sha256.New, []byte(s))
		m.Write([]byte(ts))
		m.Write([]byte("."))
		m.Write(body)
		header += ",v1=" + hex.EncodeToString(m.Sum(nil))
	}
	return header
}

// RetellRequest returns a POST of body to url signed with apiKey now.
func RetellRequest(t testing.TB, url, apiKey string, body []byte) *http.Request {
	t.Helper()
	return RetellRequestAt(t, url, apiKey, body, time.Now())
}

// RetellRequestAt returns a POST of body to url signed with apiKey at at,
// for tests with an injected clock.
func RetellRequestAt(t testing.TB, url, apiKey string, body []byte, at time.Time) *http.Request {
	t.Helper()
	req := newRequest(t, url, body)
	req.Header.Set(webhook.RetellSignatureHeader, SignRetell(apiKey, body, at))
	return req
}

// CalcomRequest returns a POST of body to url signed with secret, with the
// X-Cal-Webhook-Version header Cal.com sends.
func CalcomRequest(t testing.TB, url, secret string, body []byte) *http.Request {
	t.Helper()
	req := newRequest(t, url, body)
	req.Header.Set(webhook.CalcomSignatureHeader, SignCalcom(secret, body))
	req.Header.Set("X-Cal-Webhook-Version", CalcomWebhookVersion)
	return req
}

// StripeRequest returns a POST of body to url signed with secret now.
func StripeRequest(t testing.TB, url, secret string, body []byte) *http.Request {
	t.Helper()
	return StripeRequestAt(t, url, secret, body, time.Now())
}

// StripeRequestAt returns a POST of body to url signed with secret at at,
// for tests with an injected clock.
func StripeRequestAt(t testing.TB, url, secret string, body []byte, at time.Time) *http.Request {
	t.Helper()
	req := newRequest(t, url, body)
	req.Header.Set(webhook.StripeSignatureHeader, SignStripe(secret, body, at))
	return req
}

// newRequest builds a client request (usable with http.Client.Do and with
// Handler.ServeHTTP) carrying body as JSON.
func newRequest(t testing.TB, url string, body []byte) *http.Request {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatalf("webhooktest: new request to %q: %v", url, err)
	}
	req.Header.Set("Content-Type", "application/json")
	return req
}

// RetellBody returns a minimal Retell call webhook body:
// {"event": event, "call": {"call_id": callID, ...}} for an inbound phone
// call.
func RetellBody(event, callID string) []byte {
	return mustJSON(map[string]any{
		"event": event,
		"call": map[string]any{
			"call_id":     callID,
			"call_type":   "phone_call",
			"direction":   "inbound",
			"call_status": "ended",
		},
	})
}

// CalcomBody returns a minimal Cal.com webhook body:
// {"triggerEvent": trigger, "createdAt": ..., "payload": {"uid": uid, ...}}.
func CalcomBody(trigger, uid string) []byte {
	return mustJSON(map[string]any{
		"triggerEvent": trigger,
		"createdAt":    "2026-03-02T14:05:11.412Z",
		"payload": map[string]any{
			"uid":    uid,
			"status": "ACCEPTED",
		},
	})
}

// StripeBody returns a minimal Stripe event body with the given id and
// type, whose data.object carries metadata.company_id when companyID is
// set (only the first value is used).
func StripeBody(id, typ string, companyID ...int64) []byte {
	meta := map[string]any{}
	if len(companyID) > 0 {
		meta["company_id"] = strconv.FormatInt(companyID[0], 10)
	}
	return mustJSON(map[string]any{
		"id":          id,
		"object":      "event",
		"api_version": "2026-07-29.dahlia",
		"type":        typ,
		"data": map[string]any{
			"object": map[string]any{"id": "obj_" + id, "metadata": meta},
		},
	})
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("webhooktest: " + err.Error())
	}
	return b
}
