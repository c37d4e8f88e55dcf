package webhook

import (
	"crypto/hmac"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// DefaultStripeTolerance is the default StripeConfig.Tolerance, the same as
// stripe-go's DefaultTolerance.
const DefaultStripeTolerance = 300 * time.Second

// StripeConfig configures [NewStripe].
type StripeConfig struct {
	// Secret is the endpoint's signing secret, "whsec_..."; the whole
	// string, prefix included, is the HMAC key. Required unless Secrets is
	// set.
	Secret string
	// Secrets are further signing secrets accepted as well, for a rotation
	// on our side or several endpoints. Optional; an empty string in it is
	// an error.
	Secrets []string
	// Tolerance is the largest accepted distance between the signature
	// timestamp and now, in either direction (stripe-go only checks the
	// past); exactly Tolerance passes. Defaults to 300 s. Negative is an
	// error; it is used in whole seconds.
	Tolerance time.Duration
	// Now is the clock. Defaults to time.Now.
	Now func() time.Time
}

// Stripe verifies and parses Stripe webhook events. It is safe for
// concurrent use.
type Stripe struct {
	macs   []*macKey
	tolSec int64
	tol    time.Duration
	now    func() time.Time
}

// NewStripe returns a Stripe adapter. It returns ErrNoSecret when no secret
// is configured or one of Secrets is empty, and an error for a negative
// tolerance.
func NewStripe(cfg StripeConfig) (*Stripe, error) {
	macs, err := macKeys(cfg.Secret, cfg.Secrets)
	if err != nil {
		return nil, fmt.Errorf("new stripe adapter: %w", err)
	}
	if cfg.Tolerance < 0 {
		return nil, fmt.Errorf("new stripe adapter: negative tolerance %s", cfg.Tolerance)
	}
	if cfg.Tolerance == 0 {
		cfg.Tolerance = DefaultStripeTolerance
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Stripe{
		macs:   macs,
		tolSec: int64(cfg.Tolerance / time.Second),
		tol:    cfg.Tolerance,
		now:    cfg.Now,
	}, nil
}

// Name returns "stripe".
func (*Stripe) Name() string { return ProviderStripe }

// Verify checks the Stripe-Signature header, "t=<unix s>,v1=<hex>[,v1=...]
// [,v0=...]": HMAC-SHA256 under the signing secret of "<t>.<raw body>". It
// accepts when any v1 matches under any configured secret (Stripe sends
// several v1 while a secret is rolled); v0 and unknown keys are ignored, a
// v1 that is not 64 hex digits never matches. Comparisons are constant-time.
// The signature is checked before the timestamp, so ErrTimestampOutOfRange
// always means an authentic but stale (or future) event.
//
// Errors: ErrMissingSignature, ErrMalformedSignature (a pair that is not
// key=value, no or a repeated or non-numeric t, more than one header),
// ErrInvalidSignature (also when there is no v1), ErrTimestampOutOfRange.
// All match ErrUnauthorized.
func (s *Stripe) Verify(h http.Header, body []byte) error {
	v, n := headerValue(h, StripeSignatureHeader)
	if n == 0 || v == "" {
		return ErrMissingSignature
	}
	if n > 1 {
		return ErrMalformedSignature
	}
	ts, v1s, ok := scanStripeHeader(v)
	if !ok {
		return ErrMalformedSignature
	}
	if v1s == 0 {
		return ErrInvalidSignature
	}

	match := 0
	for _, k := range s.macs {
		st := k.get()
		b := strconv.AppendInt(st.buf[:0], ts, 10)
		b = append(b, '.')
		st.h.Write(b)
		st.h.Write(body)
		if matchV1(v, st.digest()) {
			match = 1
		}
		k.put(st)
	}
	if match == 0 {
		return ErrInvalidSignature
	}
	return checkWindow(s.now().Unix(), ts, s.tolSec, time.Second, s.tol)
}

// scanStripeHeader validates the header's pairs and returns t and the
// number of v1 entries.
func scanStripeHeader(v string) (ts int64, v1s int, ok bool) {
	seenT := false
	for rest := v; ; {
		pair, tail, more := strings.Cut(rest, ",")
		key, val, found := strings.Cut(pair, "=")
		if !found || strings.IndexByte(val, '=') >= 0 {
			return 0, 0, false
		}
		switch key {
		case "t":
			if seenT {
				return 0, 0, false
			}
			if ts, ok = parseDigits(val); !ok {
				return 0, 0, false
			}
			seenT = true
		case "v1":
			v1s++
		}
		if !more {
			break
		}
		rest = tail
	}
	return ts, v1s, seenT
}

// matchV1 reports whether any v1 in the (already validated) header equals
// sum. Every v1 is compared, in constant time each.
func matchV1(v string, sum []byte) bool {
	var got [32]byte
	match := false
	for rest := v; ; {
		pair, tail, more := strings.Cut(rest, ",")
		if val, ok := strings.CutPrefix(pair, "v1="); ok && decodeHex32(val, &got) {
			if hmac.Equal(sum, got[:]) {
				match = true
			}
		}
		if !more {
			return match
		}
		rest = tail
	}
}

// stripeBody holds the only fields Parse needs.
type stripeBody struct {
	ID   string `json:"id"`
	Type string `json:"type"`
	Data struct {
		Object struct {
			Metadata struct {
				CompanyID companyID `json:"company_id"`
			} `json:"metadata"`
		} `json:"object"`
	} `json:"data"`
}

// companyID decodes metadata.company_id leniently: Stripe metadata values
// are strings, but a JSON number is accepted too. Anything that is not a
// positive integer decodes as 0 (unknown) rather than failing the event.
type companyID int64

func (c *companyID) UnmarshalJSON(b []byte) error {
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' {
		b = b[1 : len(b)-1]
	}
	n, ok := parseDigits(string(b))
	if !ok {
		n = 0
	}
	*c = companyID(n)
	return nil
}

var (
	stripeRules = map[string]rule{
		"payment_intent.succeeded": {queue: QueueCritical, ttl: 1800 * time.Second},
		"charge.failed":            {queue: QueueHigh, ttl: 900 * time.Second},
		"invoice.payment_failed":   {queue: QueueHigh, ttl: 900 * time.Second},
	}
	stripeDefault = rule{queue: QueueNormal, ttl: 900 * time.Second}
)

// Parse decodes id, type and data.object.metadata.company_id. The key is
// "stripe:{id}" (Stripe sends no idempotency header; the event id is the
// same on every retry). Queues: payment_intent.succeeded critical,
// charge.failed and invoice.payment_failed high, others normal. Dedup TTL:
// payment_intent.succeeded 1800 s, others 900 s. CompanyID is the metadata
// company_id when it is a positive integer, else 0.
//
// Errors: ErrMissingField when id or type is absent or empty, or another
// error matching ErrBadPayload for invalid JSON, an event type longer than
// MaxTypeLen or a key longer than MaxKeyLen.
func (s *Stripe) Parse(body []byte) (Event, error) {
	var b stripeBody
	if err := json.Unmarshal(body, &b); err != nil {
		return Event{}, &payloadError{msg: "decode stripe body", err: err}
	}
	if b.ID == "" {
		return Event{}, missingField(ProviderStripe, "id")
	}
	if b.Type == "" {
		return Event{}, missingField(ProviderStripe, "type")
	}
	if err := checkType(b.Type); err != nil {
		return Event{}, err
	}
	key, err := buildKey(ProviderStripe, b.ID)
	if err != nil {
		return Event{}, err
	}
	ru := lookup(stripeRules, b.Type, stripeDefault)
	return Event{
		Provider:  ProviderStripe,
		Type:      b.Type,
		Key:       key,
		Queue:     ru.queue,
		Delay:     ru.delay,
		TTL:       ru.ttl,
		CompanyID: int64(b.Data.Object.Metadata.CompanyID),
	}, nil
}

var stripeAck = []byte(`{"received":true}`)

// Ack answers 200 with {"received":true}.
func (*Stripe) Ack(w http.ResponseWriter) { writeAck(w, http.StatusOK, stripeAck) }
