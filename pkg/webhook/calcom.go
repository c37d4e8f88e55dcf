package webhook

import (
	"crypto/hmac"
	"fmt"
	"net/http"
	"time"
)

// calcomNoSecret is the header value Cal.com sends when the webhook has no
// secret configured.
const calcomNoSecret = "no-secret-provided"

// CalcomConfig configures [NewCalcom].
type CalcomConfig struct {
	// Secret is the webhook secret set in Cal.com; it is the HMAC key.
	// Required unless Secrets is set.
	Secret string
	// Secrets are further secrets accepted as well, for a rotation on our
	// side (old and new secret during the switch). Optional; an empty
	// string in it is an error.
	Secrets []string
}

// Calcom verifies Cal.com webhooks. It is safe for concurrent
// use.
type Calcom struct {
	macs []*macKey
}

// NewCalcom returns a Cal.com verifier. It returns ErrNoSecret when no
// secret is configured or one of Secrets is empty.
func NewCalcom(cfg CalcomConfig) (*Calcom, error) {
	macs, err := macKeys(cfg.Secret, cfg.Secrets)
	if err != nil {
		return nil, fmt.Errorf("new calcom adapter: %w", err)
	}
	return &Calcom{macs: macs}, nil
}

// macKeys builds one macKey per configured secret.
func macKeys(secret string, more []string) ([]*macKey, error) {
	var macs []*macKey
	if secret != "" {
		macs = append(macs, newMACKey(secret))
	}
	for i, s := range more {
		if s == "" {
			return nil, fmt.Errorf("secret %d is empty: %w", i, ErrNoSecret)
		}
		macs = append(macs, newMACKey(s))
	}
	if len(macs) == 0 {
		return nil, ErrNoSecret
	}
	return macs, nil
}

// Name returns "calcom".
func (*Calcom) Name() string { return ProviderCalcom }

// Verify checks the X-Cal-Signature-256 header: the hex HMAC-SHA256 of the
// raw body under the webhook secret (any configured secret), compared in
// constant time. Cal.com signs without a timestamp, so there is no replay
// window; the idempotency key guards against replays.
//
// Errors: ErrMissingSignature (also for the literal "no-secret-provided"
// Cal.com sends when its webhook has no secret), ErrMalformedSignature (not
// 64 hex digits, or more than one header), ErrInvalidSignature. All match
// ErrUnauthorized.
func (c *Calcom) Verify(h http.Header, body []byte) error {
	v, n := headerValue(h, CalcomSignatureHeader)
	if n == 0 || v == "" {
		return ErrMissingSignature
	}
	if n > 1 {
		return ErrMalformedSignature
	}
	if v == calcomNoSecret {
		return fmt.Errorf("%w: sender has no secret configured (%s)", ErrMissingSignature, calcomNoSecret)
	}
	var want [32]byte
	if !decodeHex32(v, &want) {
		return ErrMalformedSignature
	}
	match := 0
	for _, k := range c.macs {
		st := k.get()
		st.h.Write(body)
		if hmac.Equal(st.digest(), want[:]) {
			match = 1
		}
		k.put(st)
	}
	if match == 0 {
		return ErrInvalidSignature
	}
	return nil
}

var (
	calcomTTLs = map[string]time.Duration{
		"BOOKING_CREATED":   900 * time.Second,
		"BOOKING_CANCELLED": 600 * time.Second,
	}
	calcomDefault = 600 * time.Second
)
