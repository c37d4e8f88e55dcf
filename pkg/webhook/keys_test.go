package webhook_test

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/askproai/askpro/pkg/webhook"
)

// parse parses body for provider and requires success.
func parse(t *testing.T, provider, body string) webhook.Event {
	t.Helper()
	ev, err := webhook.Parse(provider, []byte(body))
	require.NoError(t, err, body)
	assert.True(t, utf8.ValidString(ev.Key), "key %q is valid UTF-8", ev.Key)
	assert.False(t, strings.ContainsFunc(ev.Key, unicode.IsControl), "key %q has no control character", ev.Key)
	return ev
}

// TestKeysNameOneEvent holds pairs of different events that the old
// parser gave one key (issue 7, defect 5): the second was acknowledged and
// dropped.
func TestKeysNameOneEvent(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		provider string
		a, b     string
	}{
		{"a colon in the event cannot fake a boundary", "retell",
			`{"event":"call_ended:x","call":{"call_id":"c"}}`, `{"event":"call_ended","call":{"call_id":"x:c"}}`},
		{"a colon in the trigger cannot fake a boundary", "calcom",
			`{"triggerEvent":"BOOKING_CREATED:x","payload":{"uid":"u"}}`, `{"triggerEvent":"BOOKING_CREATED","payload":{"uid":"x:u"}}`},
		{"percent is escaped too", "stripe",
			`{"id":"evt_:","type":"t"}`, `{"id":"evt_%3A","type":"t"}`},
		{"trailing space is kept", "stripe",
			`{"id":"evt_X","type":"t"}`, `{"id":"evt_X ","type":"t"}`},
		{"two lone surrogates", "stripe",
			`{"id":"evt_\ud83d","type":"t"}`, `{"id":"evt_\ud83e","type":"t"}`},
		{"a lone surrogate is not U+FFFD", "stripe",
			`{"id":"evt_\ud83d","type":"t"}`, `{"id":"evt_` + "\uFFFD" + `","type":"t"}`},
		{"a lone surrogate is not its escaped spelling", "retell",
			`{"event":"call_ended","call":{"call_id":"\ud83d"}}`, `{"event":"call_ended","call":{"call_id":"%ED%A0%BD"}}`},
		{"two transcript updates of one call", "retell",
			`{"event":"transcript_updated","call":{"call_id":"c","transcript":"Agent: Hallo"}}`,
			`{"event":"transcript_updated","call":{"call_id":"c","transcript":"Agent: Hallo\nUser: Hi"}}`},
		{"two transfer events of one call", "retell",
			`{"event":"transfer_started","call":{"call_id":"c","start_timestamp":1}}`,
			`{"event":"transfer_started","call":{"call_id":"c","start_timestamp":2}}`},
		{"two pings", "calcom",
			`{"triggerEvent":"PING","createdAt":"2026-03-02T14:05:11.412Z","payload":{"type":"Test"}}`,
			`{"triggerEvent":"PING","createdAt":"2026-03-02T14:05:12.001Z","payload":{"type":"Test"}}`},
		{"two form submissions without createdAt", "calcom",
			`{"triggerEvent":"FORM_SUBMITTED","payload":{"responses":{"name":"A"}}}`,
			`{"triggerEvent":"FORM_SUBMITTED","payload":{"responses":{"name":"B"}}}`},
		{"a uid key never equals a digest key", "calcom",
			`{"triggerEvent":"PING","payload":{"uid":":0123456789abcdef0123456789abcdef"}}`,
			`{"triggerEvent":"PING","payload":{}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a, b := parse(t, tt.provider, tt.a), parse(t, tt.provider, tt.b)
			assert.NotEqual(t, a.Key, b.Key)
		})
	}
}

// TestKeys pins the exact keys: ordinary keys read as DESIGN writes them,
// and only what needs it is escaped.
func TestKeys(t *testing.T) {
	t.Parallel()
	pingBody := `{"triggerEvent":"PING","createdAt":"2026-03-02T14:05:11.412Z","payload":{"type":"Test"}}`
	transcript := `{"event":"transcript_updated","call":{"call_id":"call_abc"}}`
	tests := []struct {
		name, provider, body, key string
	}{
		{"retell lifecycle", "retell", `{"event":"call_started","call":{"call_id":"call_abc"}}`, "retell:call_started:call_abc"},
		{"retell call_analyzed", "retell", `{"event":"call_analyzed","call":{"call_id":"call_abc"}}`, "retell:call_analyzed:call_abc"},
		{"retell repeating event carries the digest", "retell", transcript, "retell:transcript_updated:call_abc:" + digest([]byte(transcript))},
		{"escapes decode before encoding", "retell", `{"event":"call\u005fended","call":{"call_id":"call\u005fabc"}}`, "retell:call_ended:call_abc"},
		{"escaped key names match", "retell", `{"event":"call_ended","call":{"call\u005fid":"c"}}`, "retell:call_ended:c"},
		{"field names match exactly", "retell", `{"event":"call_ended","call":{"call_id":"lower"},"CALL":{"call_id":"upper"}}`, "retell:call_ended:lower"},
		{"the last repeated key wins", "stripe", `{"id":"evt_a","type":"t","id":"evt_b"}`, "stripe:evt_b"},
		{"control characters are percent-encoded", "stripe", `{"id":"evt_\u0000\u001f\u007f\u0085","type":"t"}`, "stripe:evt_%00%1F%7F%C2%85"},
		{"lone surrogates are percent-encoded", "stripe", `{"id":"evt_\ud83d\ude00\ud83d","type":"t"}`, "stripe:evt_😀%ED%A0%BD"},
		{"percent and colon", "stripe", `{"id":"a%b:c","type":"t"}`, "stripe:a%25b%3Ac"},
		{"non-ASCII kept", "calcom", `{"triggerEvent":"BOOKING_CREATED","payload":{"uid":"Müller-Ω"}}`, "calcom:BOOKING_CREATED:Müller-Ω"},
		{"calcom flat MEETING_* uses the root uid", "calcom", `{"triggerEvent":"MEETING_ENDED","uid":"u1","createdAt":"x"}`, "calcom:MEETING_ENDED:u1"},
		{"calcom payload.uid before the root uid", "calcom", `{"triggerEvent":"BOOKING_PAID","uid":"root","payload":{"uid":"inner"}}`, "calcom:BOOKING_PAID:inner"},
		{"calcom null uid is no uid", "calcom", `{"triggerEvent":"PING","payload":{"uid":null}}`,
			"calcom:PING::" + digest([]byte(`{"triggerEvent":"PING","payload":{"uid":null}}`))},
		{"calcom ping", "calcom", pingBody, "calcom:PING:2026-03-02T14%3A05%3A11.412Z:" + digest([]byte(pingBody))},
		{"calcom payload not an object has no uid", "calcom", `{"triggerEvent":"X","payload":"u"}`,
			"calcom:X::" + digest([]byte(`{"triggerEvent":"X","payload":"u"}`))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.key, parse(t, tt.provider, tt.body).Key)
		})
	}
}

// TestRepeatingEventRedeliveryIsADuplicate: a byte-identical redelivery of a
// repeating event has the same key, so dedup catches it.
func TestRepeatingEventRedeliveryIsADuplicate(t *testing.T) {
	t.Parallel()
	body := `{"event":"transfer_bridged","call":{"call_id":"c"},"transfer_destination":{"number":"+4930123"}}`
	assert.Equal(t, parse(t, "retell", body).Key, parse(t, "retell", body).Key)
}

// TestCalcomPingIsAccepted: the test button of Cal.com's webhook settings
// sends a PING without a uid; it used to get 400 (issue 7, defect 6).
func TestCalcomPingIsAccepted(t *testing.T) {
	t.Parallel()
	body := readTestdata(t, "calcom", "ping.json")
	ev, err := webhook.Parse("calcom", body)
	require.NoError(t, err)
	assert.Equal(t, "PING", ev.Type)
	assert.True(t, strings.HasPrefix(ev.Key, "calcom:PING:2026-03-10T09%3A20%3A41.118Z:"), ev.Key)
	assert.True(t, strings.HasSuffix(ev.Key, ":"+digest(body)), ev.Key)
}

// TestStripeMetadataNeverRefuses: metadata of any shape is a field
// ingestion does not need (issue 7, defect 7).
func TestStripeMetadataNeverRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		data    string
		company int64
	}{
		{"metadata array", `{"object":{"metadata":[1,2]}}`, 0},
		{"metadata string", `{"object":{"metadata":"company_id=4"}}`, 0},
		{"metadata null", `{"object":{"metadata":null}}`, 0},
		{"metadata nested", `{"object":{"metadata":{"company_id":{"id":"4"}}}}`, 0},
		{"company_id array", `{"object":{"metadata":{"company_id":["4"]}}}`, 0},
		{"object a string", `{"object":"pi_1"}`, 0},
		{"data an array", `[{"object":{"metadata":{"company_id":"4"}}}]`, 0},
		{"deep metadata", `{"object":{"metadata":{"x":` + strings.Repeat("[", 12_000) + strings.Repeat("]", 12_000) + `,"company_id":"5"}}}`, 5},
		{"string id", `{"object":{"metadata":{"company_id":"42"}}}`, 42},
		{"number id", `{"object":{"metadata":{"company_id":42}}}`, 42},
		{"max int64", `{"object":{"metadata":{"company_id":"9223372036854775807"}}}`, 9223372036854775807},
		{"overflow", `{"object":{"metadata":{"company_id":"9223372036854775808"}}}`, 0},
		{"number overflow", `{"object":{"metadata":{"company_id":92233720368547758070}}}`, 0},
		{"exponent", `{"object":{"metadata":{"company_id":4.2e1}}}`, 0},
		{"negative", `{"object":{"metadata":{"company_id":-4}}}`, 0},
		{"zero", `{"object":{"metadata":{"company_id":"0"}}}`, 0},
		{"spaces", `{"object":{"metadata":{"company_id":" 4"}}}`, 0},
		{"escaped digits", `{"object":{"metadata":{"company_id":"\u0034\u0032"}}}`, 42},
		{"long string", `{"object":{"metadata":{"company_id":"` + strings.Repeat("1", 5000) + `"}}}`, 0},
		{"last company_id wins", `{"object":{"metadata":{"company_id":"1","company_id":"2"}}}`, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ev := parse(t, "stripe", `{"id":"evt_1","type":"charge.failed","data":`+tt.data+`}`)
			assert.Equal(t, "stripe:evt_1", ev.Key)
			assert.Equal(t, tt.company, ev.CompanyID)
		})
	}
}

// TestParseAcceptsAnyJSON: RFC 8259 bodies that encoding/json or MariaDB
// refuse or fold are parsed (issue 7, defect 2).
func TestParseAcceptsAnyJSON(t *testing.T) {
	t.Parallel()
	deep := strings.Repeat(`{"a":`, 20_000) + "1" + strings.Repeat("}", 20_000)
	ev := parse(t, "retell", `{"event":"call_ended","call":{"call_id":"c","metadata":`+deep+`}}`)
	assert.Equal(t, "retell:call_ended:c", ev.Key)
	ev = parse(t, "retell", `{"event":"call_ended","call":{"call_id":"c","transcript":"Hallo \ud83d"}}`)
	assert.Equal(t, "retell:call_ended:c", ev.Key)
}

// TestParseErrorsSayWhy: refusals match ErrBadPayload and name the field or
// the rule.
func TestParseErrorsSayWhy(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, provider, body string
		missing              bool
		says                 string
	}{
		{"invalid UTF-8", "stripe", "{\"id\":\"evt_\xff\",\"type\":\"t\"}", false, "invalid UTF-8 in a string at byte offset 11"},
		{"not JSON", "calcom", `{"triggerEvent":PING}`, false, "body is not JSON"},
		{"not an object", "stripe", `[1]`, false, "not a JSON object"},
		{"wrong case", "retell", `{"Event":"call_ended","call":{"call_id":"c"}}`, true, "retell event is absent"},
		{"number call_id", "retell", `{"event":"call_ended","call":{"call_id":7}}`, true, "retell call.call_id is a number, not a string"},
		{"object trigger", "calcom", `{"triggerEvent":{},"payload":{"uid":"u"}}`, true, "calcom triggerEvent is a object, not a string"},
		{"empty id", "stripe", `{"id":"","type":"t"}`, true, "stripe id is empty"},
		{"type too long", "stripe", `{"id":"evt_1","type":"` + strings.Repeat("t", 129) + `"}`, false, "stripe type is 129 bytes long, at most 128 allowed"},
		{"type with NUL", "stripe", `{"id":"evt_1","type":"a\u0000"}`, false, "control character U+0000"},
		{"type with lone surrogate", "calcom", `{"triggerEvent":"\udc00","payload":{"uid":"u"}}`, false, "not valid UTF-8"},
		{"key too long", "stripe", `{"id":"` + strings.Repeat("x", 250) + `","type":"t"}`, false, "idempotency key longer than 255 bytes"},
		{"key too long once encoded", "stripe", `{"id":"` + strings.Repeat(`\u0001`, 100) + `","type":"t"}`, false, "idempotency key longer than 255 bytes"},
		{"key too long with the digest", "retell", `{"event":"transcript_updated","call":{"call_id":"` + strings.Repeat("c", 200) + `"}}`, false, "idempotency key longer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := webhook.Parse(tt.provider, []byte(tt.body))
			require.ErrorIs(t, err, webhook.ErrBadPayload)
			assert.Equal(t, tt.missing, errorIsMissing(err), "ErrMissingField: %v", err)
			assert.Contains(t, err.Error(), tt.says)
		})
	}
}

func errorIsMissing(err error) bool {
	return err != nil && strings.Contains(err.Error(), webhook.ErrMissingField.Error())
}

func TestParseUnknownProvider(t *testing.T) {
	t.Parallel()
	_, err := webhook.Parse("twilio", []byte(`{}`))
	require.ErrorIs(t, err, webhook.ErrUnknownProvider)
	assert.NotErrorIs(t, err, webhook.ErrBadPayload)
	assert.Contains(t, err.Error(), `"twilio"`)
	for _, p := range []string{"retell", "calcom", "stripe"} {
		assert.True(t, webhook.Known(p), p)
	}
	assert.False(t, webhook.Known("Retell"))
	assert.False(t, webhook.Known(""))
}

// TestParseDoesNotAllocateMuch pins the hot path: a lifecycle event costs
// the key and the type string, nothing per byte of body.
func TestParseDoesNotAllocateMuch(t *testing.T) {
	body := readTestdata(t, "retell", "call_ended.json")
	allocs := testing.AllocsPerRun(50, func() {
		if _, err := webhook.Parse("retell", body); err != nil {
			panic(err)
		}
	})
	assert.LessOrEqual(t, allocs, 2.0)
}
