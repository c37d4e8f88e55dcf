package secrets

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
)

// ParseKey decodes a key as written in configuration: 32 bytes as standard
// or URL-safe base64 (padded or not; `openssl rand -base64 32` prints one)
// or as 64 hex digits. Surrounding white space is ignored. Anything else is
// an error that says what was expected and never repeats the value.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, fmt.Errorf("secrets: empty key: want %d bytes as base64 or hex (generate one with `openssl rand -base64 32`)", KeySize)
	}
	if len(s) == 2*KeySize {
		if k, err := hex.DecodeString(s); err == nil {
			return k, nil
		}
	}
	for _, e := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		k, err := e.DecodeString(s)
		if err != nil {
			continue
		}
		if len(k) != KeySize {
			return nil, fmt.Errorf("secrets: the key decodes to %d bytes, want %d (generate one with `openssl rand -base64 32`)", len(k), KeySize)
		}
		return k, nil
	}
	return nil, fmt.Errorf("secrets: the key is neither base64 nor hex: want %d bytes as base64 or hex (generate one with `openssl rand -base64 32`)", KeySize)
}

// ParseKeyring builds a keyring from configuration: current is
// security.encryption_key and previous security.previous_encryption_keys,
// each parsed with [ParseKey]. An empty current with no previous keys gives
// an empty keyring (sealing and opening return [ErrNoKey]); previous keys
// without a current one are an error, since nothing could seal. Errors
// name the bad key by its position, never by its value.
func ParseKeyring(current string, previous []string) (*Keyring, error) {
	if strings.TrimSpace(current) == "" {
		if len(previous) > 0 {
			return nil, fmt.Errorf("secrets: previous keys are set but the current key is not")
		}
		return &Keyring{}, nil
	}
	cur, err := ParseKey(current)
	if err != nil {
		return nil, err
	}
	prev := make([][]byte, 0, len(previous))
	for i, p := range previous {
		k, err := ParseKey(p)
		if err != nil {
			return nil, fmt.Errorf("previous key %d: %w", i+1, err)
		}
		prev = append(prev, k)
	}
	return NewKeyring(cur, prev...)
}
