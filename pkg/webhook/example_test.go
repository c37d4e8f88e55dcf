package webhook_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/askproai/askpro/pkg/webhook"
	"github.com/askproai/askpro/pkg/webhook/webhooktest"
)

// A receiver verifies the raw body with the provider's Verifier, parses it
// (which needs no secret) and, once the event is stored, acknowledges it.
func Example() {
	at := time.Date(2026, 3, 10, 9, 15, 0, 0, time.UTC)
	p, err := webhook.NewRetell(webhook.RetellConfig{
		APIKey: "key_example",
		Now:    func() time.Time { return at },
	})
	if err != nil {
		panic(err)
	}
	body := webhooktest.RetellBody("call_analyzed", "call_42")
	h := http.Header{} // as received, e.g. r.Header
	h.Set(webhook.RetellSignatureHeader, webhooktest.SignRetell("key_example", body, at))

	if err := p.Verify(h, body); err != nil {
		fmt.Println("401:", err)
		return
	}
	ev, err := webhook.Parse(p.Name(), body)
	if err != nil {
		fmt.Println("400:", err)
		return
	}
	fmt.Println(ev.Key, ev.TTL)

	rec := httptest.NewRecorder()
	webhook.Ack(p.Name(), rec)
	fmt.Println(rec.Code)
	// Output:
	// retell:call_analyzed:call_42 5m0s
	// 204
}

// Every verification failure matches ErrUnauthorized; the finer sentinel
// goes to the security log.
func ExampleStripe_Verify() {
	at := time.Unix(1_767_261_617, 0)
	p, err := webhook.NewStripe(webhook.StripeConfig{
		Secret: "whsec_example",
		Now:    func() time.Time { return at },
	})
	if err != nil {
		panic(err)
	}
	body := webhooktest.StripeBody("evt_1", "payment_intent.succeeded", 7)
	for _, signedAt := range []time.Time{at, at.Add(-10 * time.Minute), at.Add(10 * time.Minute)} {
		h := http.Header{}
		h.Set(webhook.StripeSignatureHeader, webhooktest.SignStripe("whsec_example", body, signedAt))
		err := p.Verify(h, body)
		fmt.Println(errors.Is(err, webhook.ErrUnauthorized), err)
	}
	ev, _ := webhook.Parse(webhook.ProviderStripe, body)
	fmt.Println(ev.Key, ev.TTL, ev.CompanyID)
	// Output:
	// false <nil>
	// true webhook: signature timestamp out of range: 10m0s old, tolerance 5m0s
	// true webhook: signature timestamp out of range: 10m0s in the future, tolerance 5m0s
	// stripe:evt_1 30m0s 7
}

// HeadersToStore keeps what explains a payload and drops every secret.
func ExampleHeadersToStore() {
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("X-Cal-Signature-256", "e1f2f38a19799f2c3448ddf7125476b1362fa79d092b86245616a78b49faac03")
	h.Set("X-Cal-Webhook-Version", "2021-10-20")
	fmt.Println(webhook.HeadersToStore(webhook.ProviderCalcom, h))
	// Output: map[content-type:application/json x-cal-webhook-version:2021-10-20]
}

// Cal.com's "no-secret-provided" is refused as a missing signature.
func ExampleCalcom_Verify() {
	p, err := webhook.NewCalcom(webhook.CalcomConfig{Secret: "salon-secret"})
	if err != nil {
		panic(err)
	}
	body := webhooktest.CalcomBody("BOOKING_CREATED", "uid_1")
	h := http.Header{}
	h.Set(webhook.CalcomSignatureHeader, "no-secret-provided")
	fmt.Println(errors.Is(p.Verify(h, body), webhook.ErrMissingSignature))
	h.Set(webhook.CalcomSignatureHeader, webhooktest.SignCalcom("salon-secret", body))
	fmt.Println(p.Verify(h, body))
	// Output:
	// true
	// <nil>
}

// Key parts are percent-encoded where they need it, so a ':' inside an id
// cannot fake a part boundary; ordinary keys read as they are. Events other
// than call_started, call_ended and call_analyzed may repeat within a call
// and carry a digest of the body. Field names match exactly.
func ExampleParse() {
	for _, body := range []string{
		`{"event":"call_ended","call":{"call_id":"call_abc"}}`,
		`{"event":"call_ended:x","call":{"call_id":"c"}}`,
		`{"event":"call_ended","call":{"call_id":"x:c"}}`,
		`{"event":"transcript_updated","call":{"call_id":"call_abc"}}`,
		`{"event":"call_ended","CALL":{"call_id":"call_abc"}}`,
	} {
		ev, err := webhook.Parse(webhook.ProviderRetell, []byte(body))
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(ev.Key)
	}
	// Output:
	// retell:call_ended:call_abc
	// retell:call_ended%3Ax:c:b80b6d8f221abb7deae416f538dfaed5
	// retell:call_ended:x%3Ac
	// retell:transcript_updated:call_abc:fefa3812338142956cc0b620740dd1e5
	// webhook: missing required field: retell call.call_id is absent
}
