package webhook_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/askproai/askpro/pkg/webhook"
	"github.com/askproai/askpro/pkg/webhook/webhooktest"
)

// benchCase returns a provider and a request signed for it with a fixture
// body.
func benchCase(b *testing.B, provider string) (webhook.Verifier, []byte, func() error) {
	b.Helper()
	at := time.Unix(1_773_134_103, 0)
	clock := fixedClock(at)
	switch provider {
	case "retell":
		body := readTestdata(b, "retell", "call_ended.json")
		p, err := webhook.NewRetell(webhook.RetellConfig{APIKey: retellKey, Now: clock})
		if err != nil {
			b.Fatal(err)
		}
		h := header(webhook.RetellSignatureHeader, webhooktest.SignRetell(retellKey, body, at))
		return p, body, func() error { return p.Verify(h, body) }
	case "calcom":
		body := readTestdata(b, "calcom", "booking_created.json")
		p, err := webhook.NewCalcom(webhook.CalcomConfig{Secret: calcomSecret})
		if err != nil {
			b.Fatal(err)
		}
		h := header(webhook.CalcomSignatureHeader, webhooktest.SignCalcom(calcomSecret, body))
		return p, body, func() error { return p.Verify(h, body) }
	default:
		body := readTestdata(b, "stripe", "payment_intent_succeeded.json")
		p, err := webhook.NewStripe(webhook.StripeConfig{Secret: stripeSecret, Now: clock})
		if err != nil {
			b.Fatal(err)
		}
		h := header(webhook.StripeSignatureHeader, webhooktest.SignStripe(stripeSecret, body, at, stripeOldSecret))
		return p, body, func() error { return p.Verify(h, body) }
	}
}

// BenchmarkVerifyParse measures the adapter's share of the hot path per
// provider with the fixture bodies (retell call_ended is 22 KB with its
// transcript; calcom 2 KB; stripe 1 KB, two v1 entries).
func BenchmarkVerifyParse(b *testing.B) {
	for _, name := range []string{"retell", "calcom", "stripe"} {
		b.Run(name, func(b *testing.B) {
			p, body, verify := benchCase(b, name)
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				if err := verify(); err != nil {
					b.Fatal(err)
				}
				if _, err := webhook.Parse(p.Name(), body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkVerify measures signature verification alone.
func BenchmarkVerify(b *testing.B) {
	for _, name := range []string{"retell", "calcom", "stripe"} {
		b.Run(name, func(b *testing.B) {
			_, body, verify := benchCase(b, name)
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				if err := verify(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// parseFixtures are the bodies BenchmarkParse runs on.
var parseFixtures = []struct{ provider, file string }{
	{"retell", "call_started.json"},
	{"retell", "call_ended.json"},
	{"retell", "call_analyzed.json"},
	{"calcom", "booking_created.json"},
	{"calcom", "booking_rescheduled.json"},
	{"stripe", "payment_intent_succeeded.json"},
	{"stripe", "invoice_payment_failed.json"},
}

// BenchmarkParse compares Parse (one jsonscan pass that also validates the
// whole body) with the json.Unmarshal-based parse it replaced (oldParse,
// which validated nothing beyond what encoding/json checks), per fixture.
func BenchmarkParse(b *testing.B) {
	for _, f := range parseFixtures {
		body := readTestdata(b, f.provider, f.file)
		name := f.provider + "/" + strings.TrimSuffix(f.file, ".json")
		b.Run(name+"/jsonscan", func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := webhook.Parse(f.provider, body); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"/encoding-json", func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := oldParse(f.provider, body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// oldParse is the parse of the previous release, kept only for the
// benchmark: json.Unmarshal into the few fields, parts joined with ':'.
func oldParse(provider string, body []byte) (string, error) {
	switch provider {
	case "retell":
		var v struct {
			Event string `json:"event"`
			Call  struct {
				CallID string `json:"call_id"`
			} `json:"call"`
		}
		if err := json.Unmarshal(body, &v); err != nil {
			return "", err
		}
		if v.Event == "" || v.Call.CallID == "" {
			return "", errors.New("missing field")
		}
		return strings.Join([]string{"retell", v.Event, v.Call.CallID}, ":"), nil
	case "calcom":
		var v struct {
			TriggerEvent string `json:"triggerEvent"`
			Payload      struct {
				UID string `json:"uid"`
			} `json:"payload"`
			UID string `json:"uid"`
		}
		if err := json.Unmarshal(body, &v); err != nil {
			return "", err
		}
		uid := v.Payload.UID
		if uid == "" {
			uid = v.UID
		}
		if v.TriggerEvent == "" || uid == "" {
			return "", errors.New("missing field")
		}
		return strings.Join([]string{"calcom", v.TriggerEvent, uid}, ":"), nil
	default:
		var v struct {
			ID   string `json:"id"`
			Type string `json:"type"`
			Data struct {
				Object struct {
					Metadata struct {
						CompanyID json.RawMessage `json:"company_id"`
					} `json:"metadata"`
				} `json:"object"`
			} `json:"data"`
		}
		if err := json.Unmarshal(body, &v); err != nil {
			return "", err
		}
		if v.ID == "" || v.Type == "" {
			return "", errors.New("missing field")
		}
		return "stripe:" + v.ID, nil
	}
}
