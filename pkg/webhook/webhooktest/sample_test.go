package webhooktest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/askproai/askpro/internal/jsonscan"
	"github.com/askproai/askpro/pkg/webhook"
	"github.com/askproai/askpro/pkg/webhook/webhooktest"
)

// verifiers returns a Verifier per provider, each with the secret it
// checks and a clock at at.
func verifiers(t *testing.T, at time.Time) map[string]struct {
	v      webhook.Verifier
	secret string
} {
	t.Helper()
	clock := func() time.Time { return at }
	r, err := webhook.NewRetell(webhook.RetellConfig{APIKey: "key_sample", Now: clock})
	require.NoError(t, err)
	c, err := webhook.NewCalcom(webhook.CalcomConfig{Secret: "calcom-sample"})
	require.NoError(t, err)
	s, err := webhook.NewStripe(webhook.StripeConfig{Secret: "whsec_sample", Now: clock})
	require.NoError(t, err)
	return map[string]struct {
		v      webhook.Verifier
		secret string
	}{
		"retell": {r, "key_sample"},
		"calcom": {c, "calcom-sample"},
		"stripe": {s, "whsec_sample"},
	}
}

func TestSampleEvents(t *testing.T) {
	t.Parallel()
	assert.Equal(t, []string{"call_started", "call_ended", "call_analyzed"}, webhooktest.SampleEvents("retell"))
	assert.Equal(t, []string{"BOOKING_CREATED", "BOOKING_CANCELLED", "BOOKING_RESCHEDULED", "PING"}, webhooktest.SampleEvents("calcom"))
	assert.Equal(t, []string{"payment_intent.succeeded", "charge.failed", "invoice.payment_failed"}, webhooktest.SampleEvents("stripe"))
	assert.Nil(t, webhooktest.SampleEvents("twilio"))
}

// TestSamplesParseAndVerify: every sample parses to the requested type and
// id, verifies with the matching Verifier under Sign's header, and a fresh
// id makes a new event.
func TestSamplesParseAndVerify(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 3, 10, 9, 15, 0, 0, time.UTC)
	vs := verifiers(t, at)
	for _, provider := range []string{"retell", "calcom", "stripe"} {
		for _, event := range webhooktest.SampleEvents(provider) {
			t.Run(provider+"/"+event, func(t *testing.T) {
				t.Parallel()
				id := ""
				if event != "PING" {
					id = "sample_" + strings.ReplaceAll(event, ".", "_") + "_1"
				}
				body, err := webhooktest.Sample(provider, event, id)
				require.NoError(t, err)
				assert.Greater(t, len(body), 300, "a realistic body")
				assert.NotContains(t, string(body), "\n", "compact, as providers send it")
				require.NoError(t, jsonscan.Valid(body))

				ev, err := webhook.Parse(provider, body)
				require.NoError(t, err)
				assert.Equal(t, event, ev.Type)
				switch {
				case provider == "stripe":
					assert.Equal(t, "stripe:"+id, ev.Key)
				case event == "PING":
					assert.True(t, strings.HasPrefix(ev.Key, "calcom:PING:20"), ev.Key)
				default:
					assert.Equal(t, provider+":"+event+":"+id, ev.Key)
				}

				name, value := webhooktest.Sign(provider, vs[provider].secret, body, at)
				h := http.Header{}
				h.Set(name, value)
				require.NoError(t, vs[provider].v.Verify(h, body))
				last := byte('0')
				if value[len(value)-1] == '0' {
					last = '1'
				}
				h.Set(name, value[:len(value)-1]+string(last))
				assert.ErrorIs(t, vs[provider].v.Verify(h, body), webhook.ErrUnauthorized, "a changed signature is refused")

				// Fresh ids: two samples are two events.
				a, err := webhooktest.Sample(provider, event, "")
				require.NoError(t, err)
				b, err := webhooktest.Sample(provider, event, "")
				require.NoError(t, err)
				eva, err := webhook.Parse(provider, a)
				require.NoError(t, err)
				evb, err := webhook.Parse(provider, b)
				require.NoError(t, err)
				if event != "PING" { // PINGs differ by their millisecond only
					assert.NotEqual(t, eva.Key, evb.Key)
				}
				assert.Equal(t, event, eva.Type)
			})
		}
	}
}

// TestSampleKeepsTheFixture: only the id changes; everything else is the
// fixture, compacted.
func TestSampleKeepsTheFixture(t *testing.T) {
	t.Parallel()
	body, err := webhooktest.Sample("calcom", "BOOKING_RESCHEDULED", `a"b<c>`)
	require.NoError(t, err)
	var doc struct {
		Payload struct {
			UID           string `json:"uid"`
			RescheduleUID string `json:"rescheduleUid"`
		} `json:"payload"`
	}
	require.NoError(t, json.Unmarshal(body, &doc))
	assert.Equal(t, `a"b<c>`, doc.Payload.UID)
	assert.NotEmpty(t, doc.Payload.RescheduleUID, "the old booking's uid stays")
	assert.Contains(t, string(body), `"uid":"a\"b<c>"`, "no HTML escaping")

	retell, err := webhooktest.Sample("retell", "call_ended", "")
	require.NoError(t, err)
	v, _, err := jsonscan.Lookup(retell, "call", "call_id")
	require.NoError(t, err)
	id, _ := v.Str()
	assert.Regexp(t, `^call_[0-9a-f]{32}$`, id)
	stripe, err := webhooktest.Sample("stripe", "charge.failed", "")
	require.NoError(t, err)
	v, _, err = jsonscan.Lookup(stripe, "id")
	require.NoError(t, err)
	id, _ = v.Str()
	assert.Regexp(t, `^evt_[0-9A-Za-z]{24}$`, id)
	v, _, err = jsonscan.Lookup(stripe, "data", "object", "id")
	require.NoError(t, err)
	id, _ = v.Str()
	assert.Equal(t, "ch_3Ts0FixtureChargeFail01", id, "only the event id changes")
}

func TestSampleErrors(t *testing.T) {
	t.Parallel()
	_, err := webhooktest.Sample("twilio", "x", "")
	assert.ErrorContains(t, err, `provider "twilio"`)
	_, err = webhooktest.Sample("retell", "transcript_updated", "")
	assert.ErrorContains(t, err, "have call_started, call_ended, call_analyzed")
	_, err = webhooktest.Sample("calcom", "PING", "some-id")
	assert.ErrorContains(t, err, "carries no id")
	h, v := webhooktest.Sign("twilio", "s", nil, time.Now())
	assert.Empty(t, h)
	assert.Empty(t, v)
}

// A signed sample delivery, as `askpro webhooks send` builds it.
func ExampleSample() {
	body, err := webhooktest.Sample("stripe", "payment_intent.succeeded", "evt_example_1")
	if err != nil {
		panic(err)
	}
	ev, err := webhook.Parse("stripe", body)
	if err != nil {
		panic(err)
	}
	name, value := webhooktest.Sign("stripe", "whsec_example", body, time.Unix(1767261605, 0))
	fmt.Println(ev.Type, ev.Key)
	fmt.Println(name, value[:13])
	// Output:
	// payment_intent.succeeded stripe:evt_example_1
	// Stripe-Signature t=1767261605,
}
