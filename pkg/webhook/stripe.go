package webhook

import (
	"crypto/hmac"
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

// Stripe verifies Stripe webhook events. It is safe for
// concurrent use.
type Stripe struct {
	macs   []*macKey
	tolSec int64
	tol    time.Duration
	now    func() time.Time
}

// NewStripe returns a Stripe verifier. It returns ErrNoSecret when no secret
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

var (
	stripeTTLs = map[string]time.Duration{
		"payment_intent.succeeded": 1800 * time.Second,
	}
	stripeDefault = 900 * time.Second
)
