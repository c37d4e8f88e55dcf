package webhook

import (
	"errors"
	"net/http"
	"strconv"
	"time"
)

// Provider names, as used in routes (/webhooks/{name}), in the provider
// column of webhook_events and as the first part of every idempotency key.
const (
	ProviderRetell = "retell"
	ProviderCalcom = "calcom"
	ProviderStripe = "stripe"
)

// Signature header names, in canonical MIME form.
const (
	RetellSignatureHeader = "X-Retell-Signature"
	CalcomSignatureHeader = "X-Cal-Signature-256"
	StripeSignatureHeader = "Stripe-Signature"
)

// MaxKeyLen is the longest idempotency key [Parse] returns, in bytes. A
// payload whose key would be longer is refused with [ErrBadPayload]: the key
// is stored in webhook_events.idempotency_key and must stay unique as a
// whole, never cut.
const MaxKeyLen = 255

// MaxTypeLen is the longest event type [Parse] returns, in bytes (the
// webhook_events.event_type column); a longer one is refused with
// [ErrBadPayload].
const MaxTypeLen = 128

// Errors returned by the adapters. Verification errors all match
// [ErrUnauthorized] with errors.Is (answer 401); payload errors all match
// [ErrBadPayload] (answer 400). The finer sentinels tell the security log
// what went wrong.
var (
	// ErrUnauthorized is the class of every signature verification failure.
	// An HTTP server answers 401 to any error that matches it.
	ErrUnauthorized = errors.New("webhook: unauthorized")

	// ErrMissingSignature means the signature header is absent or empty, or
	// (Cal.com) carries the literal "no-secret-provided" the sender uses when
	// it has no secret configured. It matches ErrUnauthorized.
	ErrMissingSignature error = &classError{"webhook: missing signature", ErrUnauthorized}

	// ErrMalformedSignature means the signature header does not have the
	// provider's syntax. It matches ErrUnauthorized.
	ErrMalformedSignature error = &classError{"webhook: malformed signature header", ErrUnauthorized}

	// ErrTimestampOutOfRange means the signature is authentic but its
	// timestamp is further from now than the tolerance, in the past (a replay
	// or a very late retry) or in the future. It matches ErrUnauthorized.
	ErrTimestampOutOfRange error = &classError{"webhook: signature timestamp out of range", ErrUnauthorized}

	// ErrInvalidSignature means the signature does not match the body under
	// any configured secret. It matches ErrUnauthorized.
	ErrInvalidSignature error = &classError{"webhook: invalid signature", ErrUnauthorized}

	// ErrBadPayload is the class of every Parse failure: the body is not the
	// JSON object the provider sends. An HTTP server answers 400.
	ErrBadPayload = errors.New("webhook: bad payload")

	// ErrMissingField means a field the idempotency key is built from is
	// absent, null, empty or not a string; the error names the field and
	// says which. It matches ErrBadPayload.
	ErrMissingField error = &classError{"webhook: missing required field", ErrBadPayload}

	// ErrUnknownProvider is returned by Parse for a provider name other
	// than "retell", "calcom" and "stripe". It does not match
	// ErrBadPayload: the route does not exist (404), the body is not at
	// fault.
	ErrUnknownProvider = errors.New("webhook: unknown provider")

	// ErrNoSecret is returned by the constructors when no secret (API key)
	// is configured: such a provider must not be served.
	ErrNoSecret = errors.New("webhook: no secret configured")
)

// classError is a sentinel that also matches its class with errors.Is.
type classError struct {
	msg   string
	class error
}

func (e *classError) Error() string { return e.msg }
func (e *classError) Unwrap() error { return e.class }

// Verifier checks the signature of one provider's deliveries. *Retell,
// *Calcom and *Stripe implement it; all are safe for concurrent use. An
// HTTP server calls Verify on the raw body, then [Parse], then (once the
// event is stored) [Ack].
type Verifier interface {
	// Name returns the provider name: "retell", "calcom" or "stripe".
	Name() string
	// Verify checks the signature in h over the raw body in constant time.
	// Errors match ErrUnauthorized.
	Verify(h http.Header, body []byte) error
}

// Compile-time checks.
var (
	_ Verifier = (*Retell)(nil)
	_ Verifier = (*Calcom)(nil)
	_ Verifier = (*Stripe)(nil)
)

// Event is what [Parse] derives from a webhook body: enough to deduplicate,
// store it (pkg/queue routes it by provider and type). The body itself is stored unchanged.
type Event struct {
	// Provider is the provider name, e.g. "retell".
	Provider string
	// Type is the provider's event type: Retell "event", Cal.com
	// "triggerEvent", Stripe "type".
	Type string
	// Key is the idempotency key, which names one event and never two (see
	// the package documentation): e.g. "retell:call_ended:{call.call_id}",
	// "calcom:BOOKING_CREATED:{payload.uid}" or "stripe:{id}". It is
	// printable valid UTF-8 of at most MaxKeyLen bytes.
	Key string
	// TTL is how long the dedup store remembers the key as completed.
	TTL time.Duration
	// CompanyID is the tenant named in the payload, 0 when unknown. Only
	// Stripe events carry one (data.object.metadata.company_id).
	CompanyID int64
}

// ttlFor returns the dedup TTL of typ in ttls, or def.
func ttlFor(ttls map[string]time.Duration, typ string, def time.Duration) time.Duration {
	if d, ok := ttls[typ]; ok {
		return d
	}
	return def
}

// payloadError is a Parse failure that matches ErrBadPayload.
type payloadError struct {
	msg string
	err error
}

func (e *payloadError) Error() string {
	if e.err != nil {
		return "webhook: bad payload: " + e.msg + ": " + e.err.Error()
	}
	return "webhook: bad payload: " + e.msg
}

func (e *payloadError) Is(target error) bool { return target == ErrBadPayload }
func (e *payloadError) Unwrap() error        { return e.err }

// fieldError names a required field that is absent or of the wrong type;
// it matches ErrMissingField and ErrBadPayload.
type fieldError struct{ provider, field, why string }

func (e *fieldError) Error() string {
	return "webhook: missing required field: " + e.provider + " " + e.field + " " + e.why
}
func (e *fieldError) Unwrap() error { return ErrMissingField }

// writeAck writes a success response.
func writeAck(w http.ResponseWriter, status int, body []byte) {
	if body != nil {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	}
	w.WriteHeader(status)
	if body != nil {
		_, _ = w.Write(body)
	}
}
