package webhook

import (
	"crypto/hmac"
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"
)

// DefaultRetellTolerance is the default RetellConfig.Tolerance.
const DefaultRetellTolerance = 5 * time.Minute

// RetellConfig configures [NewRetell].
type RetellConfig struct {
	// APIKey is the Retell API key with the "webhook" badge; it is the HMAC
	// key. Required: empty is ErrNoSecret.
	APIKey string
	// Tolerance is the largest accepted distance between the signature
	// timestamp and now, in either direction; exactly Tolerance passes.
	// Defaults to 5 minutes. Negative is an error.
	Tolerance time.Duration
	// Now is the clock. Defaults to time.Now.
	Now func() time.Time
}

// Retell verifies Retell AI call webhooks (and custom-function requests,
// which are signed the same way). It is safe for concurrent use.
type Retell struct {
	mac   *macKey
	tolMS int64
	tol   time.Duration
	now   func() time.Time
}

// NewRetell returns a Retell verifier. It returns ErrNoSecret when
// cfg.APIKey is empty and an error for a negative tolerance.
func NewRetell(cfg RetellConfig) (*Retell, error) {
	if cfg.APIKey == "" {
		return nil, fmt.Errorf("new retell adapter: %w", ErrNoSecret)
	}
	if cfg.Tolerance < 0 {
		return nil, fmt.Errorf("new retell adapter: negative tolerance %s", cfg.Tolerance)
	}
	if cfg.Tolerance == 0 {
		cfg.Tolerance = DefaultRetellTolerance
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Retell{
		mac:   newMACKey(cfg.APIKey),
		tolMS: cfg.Tolerance.Milliseconds(),
		tol:   cfg.Tolerance,
		now:   cfg.Now,
	}, nil
}

// Name returns "retell".
func (*Retell) Name() string { return ProviderRetell }

// Verify checks the X-Retell-Signature header, "v=<unix ms>,d=<64 hex>",
// which must match ^v=(\d+),d=([0-9a-fA-F]{64})$ exactly. The digest is
// HMAC-SHA256 under the API key of the raw body immediately followed by the
// timestamp digits, compared in constant time. The digest is checked before
// the timestamp, so ErrTimestampOutOfRange always means an authentic but
// stale (or future) request.
//
// Errors: ErrMissingSignature, ErrMalformedSignature (also for more than
// one header), ErrInvalidSignature, ErrTimestampOutOfRange. All match
// ErrUnauthorized.
func (r *Retell) Verify(h http.Header, body []byte) error {
	v, n := headerValue(h, RetellSignatureHeader)
	if n == 0 || v == "" {
		return ErrMissingSignature
	}
	if n > 1 {
		return ErrMalformedSignature
	}
	tsDigits, want, ok := parseRetellHeader(v)
	if !ok {
		return ErrMalformedSignature
	}
	ts, ok := parseDigits(tsDigits)
	if !ok {
		return ErrMalformedSignature
	}

	st := r.mac.get()
	st.h.Write(body)
	// The signed message carries the timestamp exactly as sent.
	st.h.Write(st.buf[:copy(st.buf[:], tsDigits)])
	match := hmac.Equal(st.digest(), want[:])
	r.mac.put(st)
	if !match {
		return ErrInvalidSignature
	}

	return checkWindow(r.now().UnixMilli(), ts, r.tolMS, time.Millisecond, r.tol)
}

// parseRetellHeader splits "v=<digits>,d=<64 hex>".
func parseRetellHeader(v string) (ts string, digest [32]byte, ok bool) {
	rest, found := strings.CutPrefix(v, "v=")
	if !found {
		return "", digest, false
	}
	ts, d, found := strings.Cut(rest, ",d=")
	if !found || ts == "" || len(ts) > len(macState{}.buf) {
		return "", digest, false
	}
	if !decodeHex32(d, &digest) {
		return "", digest, false
	}
	return ts, digest, true
}

var (
	retellTTLs = map[string]time.Duration{
		"call_ended": 600 * time.Second,
	}
	retellDefault = 300 * time.Second
)

// checkWindow returns ErrTimestampOutOfRange, wrapped with the direction and
// size of the difference, when |now - ts| > tol; now, ts and tol are in
// units of unit. The subtraction saturates instead of overflowing.
func checkWindow(now, ts, tol int64, unit, tolerance time.Duration) error {
	skew := now - ts // ts >= 0, so only a negative overflow is possible
	if skew > now {
		skew = math.MinInt64
	}
	if skew <= tol && skew >= -tol {
		return nil
	}
	limit := int64(math.MaxInt64 / unit)
	switch {
	case skew > limit:
		skew = limit
	case skew < -limit:
		skew = -limit
	}
	d := time.Duration(skew) * unit
	if d >= 0 {
		return fmt.Errorf("%w: %s old, tolerance %s", ErrTimestampOutOfRange, d, tolerance)
	}
	return fmt.Errorf("%w: %s in the future, tolerance %s", ErrTimestampOutOfRange, -d, tolerance)
}
