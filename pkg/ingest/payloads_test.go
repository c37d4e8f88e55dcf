package ingest_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/askproai/askpro/pkg/webhook/webhooktest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// storedRow is what the payload tests read back for one key.
type storedRow struct {
	payload   []byte
	companyID sql.NullInt64
}

// stored returns the row stored under key (bound as bytes: the column
// compares bytes on both dialects), or ok false.
func stored(t *testing.T, b testBundle, provider, key string) (storedRow, bool) {
	t.Helper()
	var r storedRow
	err := b.app.Pool.DB().QueryRowContext(context.Background(),
		"SELECT payload, company_id FROM webhook_events WHERE provider = ? AND idempotency_key = ?", provider, []byte(key)).
		Scan(&r.payload, &r.companyID)
	if err == sql.ErrNoRows {
		return r, false
	}
	require.NoError(t, err)
	return r, true
}

// deepStripe is a Stripe event whose data.object nests depth levels of
// arrays: far past MariaDB's JSON limit (32) and Go's encoding/json (10,000).
func deepStripe(id string, depth int) []byte {
	var buf bytes.Buffer
	fmt.Fprintf(&buf, `{"id":%q,"type":"charge.failed","data":{"object":{"nested":`, id)
	buf.WriteString(strings.Repeat("[", depth))
	buf.WriteString(strings.Repeat("]", depth))
	buf.WriteString(`}}}`)
	return buf.Bytes()
}

// TestSignedJSONIsStoredByteForByte: every RFC 8259 body up to the limit is
// stored exactly as signed and acknowledged once; distinct ids never share a
// row, and a redelivery never adds one (DESIGN "Webhook ingestion").
func TestSignedJSONIsStoredByteForByte(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b testBundle) {
		stripe := func(body []byte) int {
			code, _, _ := do(t, webhooktest.StripeRequest(t, b.srv.URL+"/webhooks/stripe", stripeSecret, body))
			return code
		}
		retell := func(body []byte) int {
			code, _, _ := do(t, webhooktest.RetellRequest(t, b.srv.URL+"/webhooks/retell", retellKey, body))
			return code
		}
		bodies := map[string][]byte{
			// Lone surrogates: MariaDB's JSON check refuses them; Go's decoder
			// folds both into U+FFFD, so the two ids collided.
			`stripe:\ud83d`: []byte(`{"id":"evt_\ud83d","type":"charge.failed","data":{"object":{}}}`),
			`stripe:\ud83e`: []byte(`{"id":"evt_\ud83e","type":"charge.failed","data":{"object":{}}}`),
			// PAD SPACE: MySQL's collation made these one key.
			"stripe:evt_pad":  []byte(`{"id":"evt_pad","type":"charge.failed","data":{"object":{}}}`),
			"stripe:evt_pad ": []byte(`{"id":"evt_pad ","type":"charge.failed","data":{"object":{}}}`),
			// Nesting past every database's and Go's limit, just under 1 MiB.
			"stripe:evt_deep": deepStripe("evt_deep", 500_000),
			// Whitespace and key order are the provider's, kept as signed.
			"stripe:evt_ws": []byte("{ \"type\" : \"charge.failed\",\n\t\"id\":\"evt_ws\" , \"data\":{\"object\":{\"n\":1.50E+3}} }\n"),
		}
		for name, body := range bodies {
			require.Equal(t, http.StatusOK, stripe(body), name)
			require.Equal(t, http.StatusOK, stripe(body), "redelivery of %s", name)
		}
		require.Equal(t, len(bodies), rows(t, b), "one row per distinct id, none per redelivery")
		for name, body := range bodies {
			var key string
			switch name {
			case `stripe:\ud83d`:
				key = "stripe:evt_%ED%A0%BD"
			case `stripe:\ud83e`:
				key = "stripe:evt_%ED%A0%BE"
			default:
				key = name
			}
			r, ok := stored(t, b, "stripe", key)
			require.True(t, ok, "no row for %s under %q", name, key)
			assert.True(t, bytes.Equal(body, r.payload), "%s: payload changed (%d bytes stored, %d sent)", name, len(r.payload), len(body))
		}

		// A ':' in a part cannot fake a boundary.
		n := rows(t, b)
		require.Equal(t, http.StatusNoContent, retell([]byte(`{"event":"call_ended:x","call":{"call_id":"c"}}`)))
		require.Equal(t, http.StatusNoContent, retell([]byte(`{"event":"call_ended","call":{"call_id":"x:c"}}`)))
		assert.Equal(t, n+2, rows(t, b), "two different tuples, two rows")

		// Field names match exactly: "CALL" is not "call".
		require.Equal(t, http.StatusNoContent, retell([]byte(`{"event":"call_started","CALL":{"call_id":"upper"},"call":{"call_id":"lower"}}`)))
		_, ok := stored(t, b, "retell", "retell:call_started:lower")
		assert.True(t, ok, "the key is built from \"call\", as processing reads it")
	})
}

// TestRepeatingEventsAreEachStored: Retell transcript_updated fires several
// times per call; each distinct delivery is stored, a redelivery is not.
func TestRepeatingEventsAreEachStored(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b testBundle) {
		post := func(body string) {
			code, _, _ := do(t, webhooktest.RetellRequest(t, b.srv.URL+"/webhooks/retell", retellKey, []byte(body)))
			require.Equal(t, http.StatusNoContent, code)
		}
		first := `{"event":"transcript_updated","call":{"call_id":"call_rep","transcript":"Agent: Guten Tag"}}`
		second := `{"event":"transcript_updated","call":{"call_id":"call_rep","transcript":"Agent: Guten Tag\nUser: Hallo"}}`
		post(first)
		post(second)
		post(first)
		post(`{"event":"transfer_started","call":{"call_id":"call_rep"}}`)
		post(`{"event":"transfer_ended","call":{"call_id":"call_rep"}}`)
		assert.Equal(t, 4, rows(t, b))
	})
}

// TestStripeCompanyIDIsStored: metadata.company_id is stored as claimed
// (even for a company that does not exist: processing resolves it), and
// metadata of an odd shape never refuses the event.
func TestStripeCompanyIDIsStored(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b testBundle) {
		post := func(body []byte) {
			code, resp, _ := do(t, webhooktest.StripeRequest(t, b.srv.URL+"/webhooks/stripe", stripeSecret, body))
			require.Equal(t, http.StatusOK, code, resp)
		}
		post(webhooktest.StripeBody("evt_c7", "payment_intent.succeeded", 7))
		r, ok := stored(t, b, "stripe", "stripe:evt_c7")
		require.True(t, ok)
		assert.Equal(t, sql.NullInt64{Int64: 7, Valid: true}, r.companyID)

		for i, meta := range []string{`[]`, `"x"`, `null`, `{"company_id":{"a":1}}`, `{"company_id":"-3"}`, `{"company_id":"99999999999999999999999"}`} {
			id := fmt.Sprintf("evt_odd%d", i)
			post([]byte(fmt.Sprintf(`{"id":%q,"type":"charge.failed","data":{"object":{"metadata":%s}}}`, id, meta)))
			r, ok := stored(t, b, "stripe", "stripe:"+id)
			require.True(t, ok, meta)
			assert.False(t, r.companyID.Valid, "metadata %s names no company", meta)
		}
	})
}
