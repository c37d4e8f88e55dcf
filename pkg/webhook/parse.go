package webhook

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"unicode/utf8"

	"github.com/askproai/askpro/internal/jsonscan"
)

// Known reports whether provider is one of "retell", "calcom" and "stripe".
func Known(provider string) bool {
	switch provider {
	case ProviderRetell, ProviderCalcom, ProviderStripe:
		return true
	}
	return false
}

// Parse validates a webhook body and derives the event to deduplicate,
// and store. It needs no secret: verify the signature first with the
// provider's [Verifier]. Parse is safe for concurrent use and makes one pass
// over the body.
//
// The whole body must be one RFC 8259 JSON object: valid UTF-8, any nesting
// depth, every \uXXXX escape (lone surrogates too). Field names match
// exactly; when a key repeats, the last one wins. Fields other than the few
// the key is built from never refuse an event. The key rules per provider
// are in the package documentation.
//
// Errors: [ErrUnknownProvider] for an unknown provider; otherwise every
// error matches [ErrBadPayload] and says why (the server answers 400 with
// the message): the body is not JSON or not an object, a required field is
// absent, null, empty or not a string ([ErrMissingField], naming the
// field), the event type is longer than [MaxTypeLen] or not printable valid
// UTF-8, or the key would be longer than [MaxKeyLen].
func Parse(provider string, body []byte) (Event, error) {
	switch provider {
	case ProviderRetell:
		return parseRetell(body)
	case ProviderCalcom:
		return parseCalcom(body)
	case ProviderStripe:
		return parseStripe(body)
	}
	return Event{}, fmt.Errorf("%w %q", ErrUnknownProvider, truncateName(provider))
}

var (
	calcomAck = []byte(`{"status":"ok"}`)
	stripeAck = []byte(`{"received":true}`)
)

// Ack writes the provider's success response: Retell 204 No Content with no
// body (as Retell's samples answer); Cal.com 200 {"status":"ok"}; Stripe
// 200 {"received":true}. An unknown provider gets 204 No Content.
func Ack(provider string, w http.ResponseWriter) {
	switch provider {
	case ProviderCalcom:
		writeAck(w, http.StatusOK, calcomAck)
	case ProviderStripe:
		writeAck(w, http.StatusOK, stripeAck)
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}

// retellLifecycle are the Retell events that fire once per call. Every
// other event may repeat within a call (transcript_updated, transfer_*),
// so its key also carries a digest of the body.
var retellLifecycle = map[string]bool{"call_started": true, "call_ended": true, "call_analyzed": true}

var retellQuery = jsonscan.NewQuery([]string{"event"}, []string{"call", "call_id"})

// parseRetell derives the Retell event: key retell:{event}:{call.call_id}
// for the lifecycle events, plus :{digest} for the others. The dedup TTL
// comes from retellTTLs.
func parseRetell(body []byte) (Event, error) {
	var v [2]jsonscan.Value
	if err := scanBody(retellQuery, body, v[:]); err != nil {
		return Event{}, err
	}
	typ, err := eventType(ProviderRetell, "event", v[0])
	if err != nil {
		return Event{}, err
	}
	if err := required(ProviderRetell, "call.call_id", v[1]); err != nil {
		return Event{}, err
	}
	var kb keyBuf
	k := append(kb[:0], ProviderRetell...)
	k = appendKeyPart(k, v[0])
	k = appendKeyPart(k, v[1])
	if !retellLifecycle[typ] {
		k = appendDigest(k, body)
	}
	key, err := finishKey(k)
	if err != nil {
		return Event{}, err
	}
	return Event{Provider: ProviderRetell, Type: typ, Key: key, TTL: ttlFor(retellTTLs, typ, retellDefault)}, nil
}

var calcomQuery = jsonscan.NewQuery([]string{"triggerEvent"}, []string{"payload", "uid"}, []string{"uid"}, []string{"createdAt"})

// parseCalcom derives the Cal.com event: key
// calcom:{triggerEvent}:{payload.uid} (the root uid for the flat MEETING_*
// bodies), or calcom:{triggerEvent}:{createdAt}:{digest} for a body without
// a uid (PING, FORM_SUBMITTED, ...).
func parseCalcom(body []byte) (Event, error) {
	var v [4]jsonscan.Value
	if err := scanBody(calcomQuery, body, v[:]); err != nil {
		return Event{}, err
	}
	typ, err := eventType(ProviderCalcom, "triggerEvent", v[0])
	if err != nil {
		return Event{}, err
	}
	var kb keyBuf
	k := append(kb[:0], ProviderCalcom...)
	k = appendKeyPart(k, v[0])
	uid, err := optional(ProviderCalcom, "payload.uid", v[1])
	if err != nil {
		return Event{}, err
	}
	if uid.Kind == jsonscan.Missing {
		if uid, err = optional(ProviderCalcom, "uid", v[2]); err != nil {
			return Event{}, err
		}
	}
	if uid.Kind != jsonscan.Missing {
		k = appendKeyPart(k, uid)
	} else {
		// createdAt only makes the key readable; the digest makes it
		// unique. A createdAt that is not a string is an empty part.
		k = appendKeyPart(k, v[3])
		k = appendDigest(k, body)
	}
	key, err := finishKey(k)
	if err != nil {
		return Event{}, err
	}
	return Event{Provider: ProviderCalcom, Type: typ, Key: key, TTL: ttlFor(calcomTTLs, typ, calcomDefault)}, nil
}

var stripeQuery = jsonscan.NewQuery([]string{"id"}, []string{"type"}, []string{"data", "object", "metadata", "company_id"})

// parseStripe derives the Stripe event: key stripe:{id}; CompanyID from
// data.object.metadata.company_id when that is a positive integer.
func parseStripe(body []byte) (Event, error) {
	var v [3]jsonscan.Value
	if err := scanBody(stripeQuery, body, v[:]); err != nil {
		return Event{}, err
	}
	if err := required(ProviderStripe, "id", v[0]); err != nil {
		return Event{}, err
	}
	typ, err := eventType(ProviderStripe, "type", v[1])
	if err != nil {
		return Event{}, err
	}
	var kb keyBuf
	k := append(kb[:0], ProviderStripe...)
	k = appendKeyPart(k, v[0])
	key, err := finishKey(k)
	if err != nil {
		return Event{}, err
	}
	return Event{Provider: ProviderStripe, Type: typ, Key: key, TTL: ttlFor(stripeTTLs, typ, stripeDefault),
		CompanyID: companyID(v[2])}, nil
}

// companyID reads metadata.company_id: a positive integer that fits int64,
// as a string of digits (Stripe metadata values are strings) or a JSON
// number without fraction or exponent. Anything else is 0 (unknown): the
// tenant is resolved in processing, it never refuses the event.
func companyID(v jsonscan.Value) int64 {
	var digits string
	switch v.Kind {
	case jsonscan.Number:
		digits = string(v.Raw)
	case jsonscan.String:
		if v.StrLen() > 20 {
			return 0
		}
		digits, _ = v.Str()
	default:
		return 0
	}
	n, ok := parseDigits(digits)
	if !ok || n <= 0 {
		return 0
	}
	return n
}

// scanBody validates body and fills v; the root must be an object.
func scanBody(q *jsonscan.Query, body []byte, v []jsonscan.Value) error {
	if err := q.Scan(body, v); err != nil {
		return &payloadError{msg: "body is not JSON", err: err}
	}
	i := 0
	for i < len(body) && (body[i] == ' ' || body[i] == '\t' || body[i] == '\n' || body[i] == '\r') {
		i++
	}
	if i < len(body) && body[i] == '{' {
		return nil
	}
	return &payloadError{msg: "body is not a JSON object"}
}

// required checks that v, the field named field, is a non-empty string.
func required(provider, field string, v jsonscan.Value) error {
	switch v.Kind {
	case jsonscan.Missing:
		return &fieldError{provider: provider, field: field, why: "is absent"}
	case jsonscan.Null:
		return &fieldError{provider: provider, field: field, why: "is null"}
	case jsonscan.String:
		if len(v.Raw) == 2 {
			return &fieldError{provider: provider, field: field, why: "is empty"}
		}
		return nil
	}
	return &fieldError{provider: provider, field: field, why: "is a " + v.Kind.String() + ", not a string"}
}

// optional returns v when it is a non-empty string and a Missing value when
// it is absent, null or empty; another type is an error naming field.
func optional(provider, field string, v jsonscan.Value) (jsonscan.Value, error) {
	switch {
	case v.Kind == jsonscan.String && len(v.Raw) > 2:
		return v, nil
	case v.Kind == jsonscan.Missing, v.Kind == jsonscan.Null, v.Kind == jsonscan.String:
		return jsonscan.Value{}, nil
	}
	return jsonscan.Value{}, &fieldError{provider: provider, field: field, why: "is a " + v.Kind.String() + ", not a string"}
}

// eventType returns the event type in v: required, at most MaxTypeLen
// bytes, printable valid UTF-8.
func eventType(provider, field string, v jsonscan.Value) (string, error) {
	if err := required(provider, field, v); err != nil {
		return "", err
	}
	if n := v.StrLen(); n > MaxTypeLen {
		return "", &payloadError{msg: fmt.Sprintf("%s %s is %d bytes long, at most %d allowed", provider, field, n, MaxTypeLen)}
	}
	typ, _ := v.Str()
	if !utf8.ValidString(typ) {
		return "", &payloadError{msg: provider + " " + field + " is not valid UTF-8 (a lone surrogate escape)"}
	}
	for _, r := range typ {
		if isControl(r) {
			return "", &payloadError{msg: fmt.Sprintf("%s %s contains the control character %U", provider, field, r)}
		}
	}
	return typ, nil
}

// isControl reports whether r is a control character (Unicode category Cc:
// U+0000-U+001F, U+007F-U+009F). The set is fixed forever, so keys never
// change with the Unicode version.
func isControl(r rune) bool { return r < 0x20 || (0x7F <= r && r <= 0x9F) }

// An idempotency key is built from parts, each percent-encoded so that no
// two different tuples give one key: '%' and ':' inside a part, and every
// byte that is not printable valid UTF-8 (control characters, the WTF-8
// bytes of a lone surrogate, which jsonscan decodes losslessly), become %XX
// (upper-case hex). Everything else is kept, so ordinary keys read as
// retell:call_ended:call_abc. The key is built in a buffer on the caller's
// stack (keyBuf) and copied once into the string.

// keyBuf holds a key being built; a longer key is refused anyway.
type keyBuf = [MaxKeyLen + 1]byte

// appendKeyPart appends ':' and the encoded decoded string in v; a value
// that is not a string is an empty part.
func appendKeyPart(key []byte, v jsonscan.Value) []byte {
	key = append(key, ':')
	if v.StrLen() > MaxKeyLen {
		// Too long whatever the encoding (which never shortens): append
		// enough raw bytes for finishKey to refuse it, without decoding.
		return append(key, v.Raw[:MaxKeyLen+1]...)
	}
	var buf [MaxKeyLen]byte
	s, _ := v.AppendStr(buf[:0])
	return appendPart(key, s)
}

// appendDigest appends ':' and the hex of the first 16 bytes of
// SHA-256(body).
func appendDigest(key, body []byte) []byte {
	sum := sha256.Sum256(body)
	key = append(key, ':')
	return hex.AppendEncode(key, sum[:16])
}

// finishKey returns the key, or an error when it is longer than MaxKeyLen.
func finishKey(key []byte) (string, error) {
	if len(key) > MaxKeyLen {
		return "", &payloadError{msg: "idempotency key longer than " + strconv.Itoa(MaxKeyLen) + " bytes"}
	}
	return string(key), nil
}

const upperHex = "0123456789ABCDEF"

// appendPart appends s percent-encoded as described above appendKeyPart.
func appendPart(dst, s []byte) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c == '%' || c == ':' || isControl(rune(c)) {
				dst = append(dst, '%', upperHex[c>>4], upperHex[c&15])
			} else {
				dst = append(dst, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		if r == utf8.RuneError && size == 1 || isControl(r) {
			// An invalid byte (of a WTF-8 surrogate) or a C1 control:
			// encode its bytes.
			for _, b := range s[i : i+size] {
				dst = append(dst, '%', upperHex[b>>4], upperHex[b&15])
			}
		} else {
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return dst
}

// truncateName bounds a provider name quoted in an error message.
func truncateName(s string) string {
	if len(s) > 32 {
		s = s[:32]
	}
	return s
}
