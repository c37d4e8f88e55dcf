package webhook_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/askproai/askpro/pkg/webhook"
	"github.com/askproai/askpro/pkg/webhook/webhooktest"
)

// checkVerifyResult fails unless err is nil or an ErrUnauthorized.
func checkVerifyResult(t *testing.T, err error) {
	t.Helper()
	if err != nil && !errors.Is(err, webhook.ErrUnauthorized) {
		t.Fatalf("Verify error %v does not match ErrUnauthorized", err)
	}
}

func FuzzRetellVerify(f *testing.F) {
	body := []byte(`{"event":"call_ended"}`)
	f.Add("v=1700000000000,d=07024cabe7dd8f6d1c6e4a8324ca92c812e6ad4a7ee506c04f7e462e3321823e", body)
	f.Add(webhooktest.SignRetell(retellKey, body, now), body)
	f.Add("v=,d=", body)
	f.Add("v=1,d=", []byte{})
	f.Add("v=99999999999999999999999,d="+strings.Repeat("0", 64), body)
	f.Add("v=000000000000000000000000000000001,d="+strings.Repeat("F", 64), body)
	f.Add("t=1,v1=00", body)
	p, err := webhook.NewRetell(webhook.RetellConfig{APIKey: retellKey, Now: fixedClock(now)})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, value string, body []byte) {
		err := p.Verify(header(webhook.RetellSignatureHeader, value), body)
		checkVerifyResult(t, err)
		if err == nil && !strings.EqualFold(value, webhooktest.SignRetell(retellKey, body, parseRetellTS(t, value))) {
			t.Fatalf("accepted a header that is not the signature: %q", value)
		}
	})
}

// parseRetellTS returns the v= time of an accepted header.
func parseRetellTS(t *testing.T, value string) time.Time {
	t.Helper()
	var msec int64
	for _, c := range strings.TrimPrefix(strings.SplitN(value, ",", 2)[0], "v=") {
		msec = msec*10 + int64(c-'0')
	}
	return time.UnixMilli(msec)
}

func FuzzCalcomVerify(f *testing.F) {
	body := []byte(`{"triggerEvent":"BOOKING_CREATED"}`)
	f.Add(webhooktest.SignCalcom(calcomSecret, body), body)
	f.Add("no-secret-provided", body)
	f.Add(strings.Repeat("g", 64), []byte{})
	p, err := webhook.NewCalcom(webhook.CalcomConfig{Secret: calcomSecret})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, value string, body []byte) {
		err := p.Verify(header(webhook.CalcomSignatureHeader, value), body)
		checkVerifyResult(t, err)
		if err == nil && !strings.EqualFold(value, webhooktest.SignCalcom(calcomSecret, body)) {
			t.Fatalf("accepted a header that is not the signature: %q", value)
		}
	})
}

func FuzzStripeVerify(f *testing.F) {
	body := []byte(`{"id":"evt_1","type":"charge.failed"}`)
	f.Add(webhooktest.SignStripe(stripeSecret, body, now), body)
	f.Add(webhooktest.SignStripe(stripeSecret, body, now, stripeOldSecret)+",v0=00", body)
	f.Add("t=,v1=", body)
	f.Add("t=1,t=2", body)
	f.Add(",,,", body)
	f.Add("v1=a=b", []byte{})
	f.Add("t=99999999999999999999,v1=00", body)
	p, err := webhook.NewStripe(webhook.StripeConfig{Secret: stripeSecret, Now: fixedClock(now)})
	if err != nil {
		f.Fatal(err)
	}
	want := func(ts int64, body []byte) string {
		return strings.SplitN(webhooktest.SignStripe(stripeSecret, body, time.Unix(ts, 0)), ",v1=", 2)[1]
	}
	f.Fuzz(func(t *testing.T, value string, body []byte) {
		err := p.Verify(header(webhook.StripeSignatureHeader, value), body)
		checkVerifyResult(t, err)
		if err != nil {
			return
		}
		var ts int64
		var sigs []string
		for _, pair := range strings.Split(value, ",") {
			k, v, _ := strings.Cut(pair, "=")
			switch k {
			case "t":
				for _, c := range v {
					ts = ts*10 + int64(c-'0')
				}
			case "v1":
				sigs = append(sigs, strings.ToLower(v))
			}
		}
		for _, s := range sigs {
			if s == want(ts, body) {
				return
			}
		}
		t.Fatalf("accepted a header with no valid v1: %q", value)
	})
}

// FuzzParse feeds arbitrary bodies to Parse for every provider: no panic,
// and either an ErrBadPayload or a well-formed event whose key is printable
// valid UTF-8, for a body that is RFC 8259 JSON.
func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"event":"call_ended","call":{"call_id":"c"}}`))
	f.Add([]byte(`{"event":"transcript_updated","call":{"call_id":"c:d%"}}`))
	f.Add([]byte(`{"triggerEvent":"BOOKING_CREATED","payload":{"uid":"u"}}`))
	f.Add([]byte(`{"triggerEvent":"PING","createdAt":"2026-03-02T14:05:11.412Z","payload":{"type":"Test"}}`))
	f.Add([]byte(`{"id":"evt_1","type":"charge.failed","data":{"object":{"metadata":{"company_id":"12"}}}}`))
	f.Add([]byte(`{"id":"evt_1","type":"x","data":{"object":{"metadata":{"company_id":"\"1\""}}}}`))
	f.Add([]byte(`{"id":"\ud83d\u0000","type":"\u0085"}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`{"event":"a","call":{"call_id":"b"},"uid":"c","payload":null}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, p := range []string{"retell", "calcom", "stripe"} {
			ev, err := webhook.Parse(p, body)
			if err != nil {
				if !errors.Is(err, webhook.ErrBadPayload) {
					t.Fatalf("%s: error %v does not match ErrBadPayload", p, err)
				}
				continue
			}
			if !strings.HasPrefix(ev.Key, p+":") || len(ev.Key) > webhook.MaxKeyLen || len(ev.Type) > webhook.MaxTypeLen ||
				ev.Type == "" || ev.Provider != p || ev.TTL <= 0 || ev.CompanyID < 0 {
				t.Fatalf("%s: bad event %+v", p, ev)
			}
			if !utf8.ValidString(ev.Key) || strings.ContainsFunc(ev.Key, unicode.IsControl) {
				t.Fatalf("%s: key %q is not printable UTF-8", p, ev.Key)
			}
			if len(body) < 10_000 && !json.Valid(body) { // shorter than encoding/json's depth limit

				t.Fatalf("%s: accepted a body encoding/json refuses: %q", p, body)
			}
		}
	})
}
