package webhooktest

import (
	"bytes"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/askproai/askpro/internal/jsonscan"
	"github.com/askproai/askpro/pkg/webhook"
)

// The sample bodies: the test fixtures of package webhook.
//
//go:embed testdata/retell/call_started.json testdata/retell/call_ended.json testdata/retell/call_analyzed.json
//go:embed testdata/calcom/booking_created.json testdata/calcom/booking_cancelled.json
//go:embed testdata/calcom/booking_rescheduled.json testdata/calcom/ping.json
//go:embed testdata/stripe/payment_intent_succeeded.json testdata/stripe/charge_failed.json
//go:embed testdata/stripe/invoice_payment_failed.json
var sampleFS embed.FS

// sampleEvent is one sample: its fixture file and the path of the id field
// the idempotency key is built from (nil: the event has none).
type sampleEvent struct {
	event, file string
	idPath      []string
}

// samples lists each provider's samples in the order SampleEvents returns.
var samples = map[string][]sampleEvent{
	webhook.ProviderRetell: {
		{"call_started", "call_started.json", []string{"call", "call_id"}},
		{"call_ended", "call_ended.json", []string{"call", "call_id"}},
		{"call_analyzed", "call_analyzed.json", []string{"call", "call_id"}},
	},
	webhook.ProviderCalcom: {
		{"BOOKING_CREATED", "booking_created.json", []string{"payload", "uid"}},
		{"BOOKING_CANCELLED", "booking_cancelled.json", []string{"payload", "uid"}},
		{"BOOKING_RESCHEDULED", "booking_rescheduled.json", []string{"payload", "uid"}},
		{"PING", "ping.json", nil},
	},
	webhook.ProviderStripe: {
		{"payment_intent.succeeded", "payment_intent_succeeded.json", []string{"id"}},
		{"charge.failed", "charge_failed.json", []string{"id"}},
		{"invoice.payment_failed", "invoice_payment_failed.json", []string{"id"}},
	},
}

// SampleEvents returns the event types [Sample] can build for provider
// ("retell", "calcom" or "stripe"), or nil for another provider.
func SampleEvents(provider string) []string {
	var out []string
	for _, s := range samples[provider] {
		out = append(out, s.event)
	}
	return out
}

// Sample returns a realistic webhook body of the provider's event type,
// as the provider sends it (compact JSON): one of the fixtures, with the
// field the idempotency key comes from (Retell call.call_id, Cal.com
// payload.uid, Stripe id) set to id, or to a fresh random id of the
// provider's form when id is empty ("call_" and 32 hex digits, 22
// alphanumerics, "evt_" and 24 alphanumerics), so that each call is a new
// event.
//
// A Cal.com PING (the test button of Cal.com's webhook settings) carries
// no id: id must be empty, and createdAt is set to the current time with
// millisecond precision, as Cal.com does, which makes each PING a new
// event.
//
// Errors name the unknown provider or event (listing the known ones) or a
// PING given an id.
func Sample(provider, event, id string) ([]byte, error) {
	list, ok := samples[provider]
	if !ok {
		return nil, fmt.Errorf("webhooktest: no samples for provider %q (want retell, calcom or stripe)", provider)
	}
	var s *sampleEvent
	for i := range list {
		if list[i].event == event {
			s = &list[i]
		}
	}
	if s == nil {
		return nil, fmt.Errorf("webhooktest: no %s sample %q (have %s)", provider, event, strings.Join(SampleEvents(provider), ", "))
	}
	raw, err := sampleFS.ReadFile(path.Join("testdata", provider, s.file))
	if err != nil {
		return nil, fmt.Errorf("webhooktest: %w", err)
	}
	var body bytes.Buffer
	if err := json.Compact(&body, raw); err != nil {
		return nil, fmt.Errorf("webhooktest: fixture %s/%s: %w", provider, s.file, err)
	}
	field, value := s.idPath, id
	switch {
	case s.idPath == nil && id != "":
		return nil, fmt.Errorf("webhooktest: a %s %s carries no id, so none can be set (got %q)", provider, event, id)
	case s.idPath == nil:
		field, value = []string{"createdAt"}, time.Now().UTC().Format("2006-01-02T15:04:05.000Z")
	case id == "":
		value = randomID(provider)
	}
	return replace(body.Bytes(), field, value)
}

// replace returns b with the string at path set to value.
func replace(b []byte, path []string, value string) ([]byte, error) {
	v, found, err := jsonscan.Lookup(b, path...)
	if err != nil || !found || v.Kind != jsonscan.String {
		return nil, fmt.Errorf("webhooktest: fixture has no string at %s", strings.Join(path, "."))
	}
	var quoted bytes.Buffer
	enc := json.NewEncoder(&quoted)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(value); err != nil {
		return nil, fmt.Errorf("webhooktest: encode id: %w", err)
	}
	out := make([]byte, 0, len(b)+quoted.Len())
	out = append(out, b[:v.Offset]...)
	out = append(out, bytes.TrimSuffix(quoted.Bytes(), []byte("\n"))...)
	return append(out, b[v.Offset+len(v.Raw):]...), nil
}

const alphanumerics = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// randomID returns a fresh id in the provider's form.
func randomID(provider string) string {
	switch provider {
	case webhook.ProviderRetell:
		return "call_" + hex.EncodeToString(randomBytes(16))
	case webhook.ProviderStripe:
		return "evt_" + randomText(24)
	default:
		return randomText(22)
	}
}

func randomText(n int) string {
	b := randomBytes(n)
	for i := range b {
		b[i] = alphanumerics[int(b[i])%len(alphanumerics)]
	}
	return string(b)
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return b
}

// Sign returns the signature header the provider would send with body:
// its name and value. The secret is the Retell API key, the Cal.com webhook
// secret or the Stripe signing secret ("whsec_..."); now is the signing
// time (Retell and Stripe sign it, Cal.com ignores it). An unknown provider
// gets two empty strings.
func Sign(provider, secret string, body []byte, now time.Time) (header, value string) {
	switch provider {
	case webhook.ProviderRetell:
		return webhook.RetellSignatureHeader, SignRetell(secret, body, now)
	case webhook.ProviderCalcom:
		return webhook.CalcomSignatureHeader, SignCalcom(secret, body)
	case webhook.ProviderStripe:
		return webhook.StripeSignatureHeader, SignStripe(secret, body, now)
	}
	return "", ""
}
