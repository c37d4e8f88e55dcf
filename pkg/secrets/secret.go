package secrets

import (
	"encoding/json"
	"log/slog"
)

// redacted is what a [Secret] prints.
const redacted = "[redacted]"

// Secret is an opened plaintext (an API key) that does not print: String,
// GoString, LogValue, MarshalJSON and MarshalText all give "[redacted]", so
// a Secret passed to fmt, log/slog or encoding/json by mistake does not
// leak. [Secret.Reveal] returns the plaintext.
type Secret string

// Reveal returns the plaintext, for the one place that sends it.
func (s Secret) Reveal() string { return string(s) }

// IsZero reports whether the secret is empty.
func (s Secret) IsZero() bool { return s == "" }

// String returns "[redacted]".
func (s Secret) String() string { return redacted }

// GoString returns "[redacted]", for %#v.
func (s Secret) GoString() string { return redacted }

// LogValue returns "[redacted]" for log/slog.
func (s Secret) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalJSON returns "[redacted]" as a JSON string.
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(redacted) }

// MarshalText returns "[redacted]", for encoders that use
// encoding.TextMarshaler (YAML, XML, ...). A Secret used as a JSON map key
// is not redacted: encoding/json writes string-kinded keys as they are.
func (s Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }

var (
	_ slog.LogValuer = Secret("")
	_ json.Marshaler = Secret("")
)
