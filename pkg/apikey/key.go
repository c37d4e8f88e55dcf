package apikey

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"log/slog"
	"strings"
	"time"

	"github.com/askproai/askpro/pkg/tenant"
)

// Lengths of the parts of a key: "askpro_" + [IDLen] + "_" + [SecretLen] +
// [ChecksumLen].
const (
	// Scheme starts every key, so that secret scanners (GitHub's, trufflehog,
	// gitleaks) can recognise one.
	Scheme = "askpro_"
	// IDLen is the length of the public id, base62.
	IDLen = 8
	// SecretLen is the length of the random secret, base62 (about 190 bits).
	SecretLen = 32
	// ChecksumLen is the length of the CRC-32 checksum at the end, base62.
	ChecksumLen = 6
	// PrefixLen is the length of a key's public prefix ("askpro_" + id), the
	// part that is stored and shown.
	PrefixLen = len(Scheme) + IDLen
	// Len is the length of a whole key.
	Len = PrefixLen + 1 + SecretLen + ChecksumLen
)

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

var (
	// ErrMalformed is returned by [Parse] (and by [Authenticator.Authenticate])
	// for a string that is not an askpro API key: wrong scheme, length,
	// alphabet or checksum. No database is asked about it.
	ErrMalformed = errors.New("apikey: malformed key")
	// ErrUnknown is returned when a well-formed key is not in the store. A
	// [Keys] implementation returns an error matching it for an unknown hash.
	ErrUnknown = errors.New("apikey: unknown key")
	// ErrRevoked is returned by [Authenticator.Authenticate] for a key that
	// was revoked.
	ErrRevoked = errors.New("apikey: key revoked")
	// ErrMissing is returned by [BearerToken] (and the middleware) when a
	// request carries no bearer token.
	ErrMissing = errors.New("apikey: no bearer token")
)

// Secret is a whole API key, the one thing that authenticates. It is shown
// once, when it is created, and never stored: only its [Secret.Hash] is.
// String, GoString and LogValue give the masked form (the public prefix and
// stars), so a Secret that reaches fmt or slog by mistake does not leak;
// [Secret.Reveal] gives the key itself.
type Secret struct{ s string }

// Generate returns a new random key read from crypto/rand. It fails only if
// the system's random source does.
func Generate() (Secret, error) {
	b := make([]byte, 0, Len)
	b = append(b, Scheme...)
	var buf [64]byte
	for n := 0; n < IDLen+SecretLen; {
		if _, err := rand.Read(buf[:]); err != nil {
			return Secret{}, fmt.Errorf("apikey: generate: %w", err)
		}
		for _, c := range buf {
			// Bytes from 248 (4*62) up are dropped, so that every symbol is
			// equally likely.
			if c >= 248 || n == IDLen+SecretLen {
				continue
			}
			if n == IDLen {
				b = append(b, '_')
			}
			b = append(b, base62[c%62])
			n++
		}
	}
	b = appendChecksum(b, b)
	return Secret{s: string(b)}, nil
}

// Parse checks that s is an askpro API key (scheme, lengths, base62
// alphabet and checksum) and returns it as a Secret. Surrounding white space
// is not trimmed. Errors: [ErrMalformed].
func Parse(s string) (Secret, error) {
	if !wellFormed(s) {
		return Secret{}, ErrMalformed
	}
	return Secret{s: s}, nil
}

// MustParse is [Parse] for keys known to be good (tests, examples); it
// panics on a malformed key.
func MustParse(s string) Secret {
	k, err := Parse(s)
	if err != nil {
		panic(fmt.Sprintf("apikey: MustParse: %v", err))
	}
	return k
}

func wellFormed(s string) bool {
	if len(s) != Len || !strings.HasPrefix(s, Scheme) || s[PrefixLen] != '_' {
		return false
	}
	for i := len(Scheme); i < Len; i++ {
		if i != PrefixLen && !isBase62(s[i]) {
			return false
		}
	}
	var sum [ChecksumLen]byte
	appendChecksum(sum[:0], s[:Len-ChecksumLen])
	return string(sum[:]) == s[Len-ChecksumLen:]
}

func isBase62(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z'
}

// appendChecksum appends the base62 CRC-32 (IEEE) of body, fixed width, to b.
func appendChecksum[T string | []byte](b []byte, body T) []byte {
	n := crc32.ChecksumIEEE([]byte(body))
	var d [ChecksumLen]byte
	for i := ChecksumLen - 1; i >= 0; i-- {
		d[i] = base62[n%62]
		n /= 62
	}
	return append(b, d[:]...)
}

// Reveal returns the key itself. Call it only to show the key to its owner
// once, or to send it as a credential.
func (k Secret) Reveal() string { return k.s }

// Prefix returns the public part of the key, "askpro_" and the 8-character
// id: what api_keys.prefix holds and what lists show. It is "" for the zero
// Secret.
func (k Secret) Prefix() string {
	if len(k.s) < PrefixLen {
		return ""
	}
	return k.s[:PrefixLen]
}

// Hash returns the lowercase hex SHA-256 of the key, what api_keys.key_hash
// holds.
func (k Secret) Hash() string { return HashString(k.s) }

// Sum returns the SHA-256 of the key.
func (k Secret) Sum() [sha256.Size]byte { return sha256.Sum256([]byte(k.s)) }

// IsZero reports whether k is the zero Secret.
func (k Secret) IsZero() bool { return k.s == "" }

// Masked returns the prefix followed by stars: "askpro_Ab3dEf9h_****".
func (k Secret) Masked() string {
	if k.s == "" {
		return ""
	}
	return k.Prefix() + "_****"
}

// String returns [Secret.Masked], never the key.
func (k Secret) String() string { return k.Masked() }

// GoString returns [Secret.Masked], so %#v does not leak the key either.
func (k Secret) GoString() string { return "apikey.Secret(" + k.Masked() + ")" }

// LogValue implements [slog.LogValuer]: a Secret is logged masked.
func (k Secret) LogValue() slog.Value { return slog.StringValue(k.Masked()) }

// MarshalText implements [encoding.TextMarshaler] with the masked form, so
// a Secret inside a struct encoded to JSON does not leak. Encode
// [Secret.Reveal] on purpose where the key must be shown.
func (k Secret) MarshalText() ([]byte, error) { return []byte(k.Masked()), nil }

// HashString returns the lowercase hex SHA-256 of key, for callers holding
// a key as a string (a store looking one up).
func HashString(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// Key is one row of api_keys as a program sees it: everything but the hash,
// which nothing outside the store needs. A nil CompanyID marks a
// platform-admin key.
type Key struct {
	ID         int64      `json:"id"`
	CompanyID  *int64     `json:"company_id"` // nil: platform admin
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
}

// Admin reports whether k is a platform-admin key (no company).
func (k Key) Admin() bool { return k.CompanyID == nil }

// Revoked reports whether k was revoked.
func (k Key) Revoked() bool { return k.RevokedAt != nil }

// Principal returns the authenticated caller k stands for.
func (k Key) Principal() tenant.Principal {
	p := tenant.Principal{KeyID: k.ID, Name: k.Name, Prefix: k.Prefix}
	if k.CompanyID != nil {
		p.CompanyID = *k.CompanyID
	}
	return p
}
