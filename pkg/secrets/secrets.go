package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
)

var (
	// ErrNoKey is returned by Seal, Open and Reseal on a keyring without a
	// current key (security.encryption_key is not set).
	ErrNoKey = errors.New("secrets: no encryption key")
	// ErrWrongKey is returned by Open when no key of the ring opens the
	// value: the key that sealed it is not in the ring, or authentication
	// failed (a tampered value, or the value was sealed for other AAD).
	ErrWrongKey = errors.New("secrets: no key in the ring opens the value")
	// ErrMalformed is returned by Open and KeyIDOf for text that is not a
	// sealed value of a version this package knows.
	ErrMalformed = errors.New("secrets: malformed sealed value")
)

// KeySize is the size of an AES-256 key in bytes.
const KeySize = 32

// version is the prefix of the sealed format this package writes.
const version = "v1"

// idLen is the length of a key id in hex digits.
const idLen = 8

// nonceSize is the standard GCM nonce size.
const nonceSize = 12

// enc is strict: a value has exactly one text form (no stray trailing bits).
var enc = base64.RawURLEncoding.Strict()

// key is one AES-256-GCM key and its id.
type key struct {
	id   string
	aead cipher.AEAD
}

// Keyring seals under its current key and opens with any of its keys. The
// zero value and a nil *Keyring hold no key: Seal and Open return
// [ErrNoKey]. A Keyring is immutable and safe for concurrent use.
type Keyring struct {
	current *key
	byID    map[string]*key
}

// KeyID returns the id a sealed value names its key by: the first 8 hex
// digits of the SHA-256 of k.
func KeyID(k []byte) string {
	sum := sha256.Sum256(k)
	return hex.EncodeToString(sum[:])[:idLen]
}

// NewKeyring returns a keyring that seals under current and opens values
// sealed under current or any of previous. Every key must be [KeySize]
// bytes; a previous key equal to current, or repeated, is ignored. Two
// different keys with the same id (a 1 in 4 billion chance) are refused,
// since a value could not say which of them opens it.
func NewKeyring(current []byte, previous ...[]byte) (*Keyring, error) {
	r := &Keyring{byID: map[string]*key{}}
	seen := map[string][]byte{}
	for i, raw := range append([][]byte{current}, previous...) {
		if len(raw) != KeySize {
			which := "current key"
			if i > 0 {
				which = fmt.Sprintf("previous key %d", i)
			}
			return nil, fmt.Errorf("secrets: %s is %d bytes, want %d", which, len(raw), KeySize)
		}
		k, err := newKey(raw)
		if err != nil {
			return nil, err
		}
		if old, ok := seen[k.id]; ok {
			if subtle.ConstantTimeCompare(old, raw) == 1 {
				continue
			}
			return nil, fmt.Errorf("secrets: two keys share the id %s: generate another key", k.id)
		}
		seen[k.id] = raw
		r.byID[k.id] = k
		if i == 0 {
			r.current = k
		}
	}
	return r, nil
}

func newKey(raw []byte) (*key, error) {
	block, err := aes.NewCipher(raw)
	if err != nil {
		return nil, fmt.Errorf("secrets: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("secrets: %w", err)
	}
	return &key{id: KeyID(raw), aead: aead}, nil
}

// HasKey reports whether the ring has a current key, that is whether Seal
// can work.
func (r *Keyring) HasKey() bool { return r != nil && r.current != nil }

// CurrentID returns the id of the current key, or "" without one.
func (r *Keyring) CurrentID() string {
	if !r.HasKey() {
		return ""
	}
	return r.current.id
}

// IDs returns the ids of every key of the ring, the current one first.
func (r *Keyring) IDs() []string {
	if !r.HasKey() {
		return nil
	}
	ids := []string{r.current.id}
	for id := range r.byID {
		if id != r.current.id {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids[1:])
	return ids
}

// header is what the ciphertext is bound to besides the caller's AAD.
func header(id string) string { return version + ":" + id + ":" }

// additional is the GCM additional data: the header and the caller's AAD.
func additional(id string, aad []byte) []byte {
	h := header(id)
	out := make([]byte, 0, len(h)+len(aad))
	return append(append(out, h...), aad...)
}

// Seal encrypts plaintext under the current key, bound to aad, and returns
// the sealed text. Errors: [ErrNoKey]; a failure of the system's random
// source.
func (r *Keyring) Seal(plaintext, aad []byte) (string, error) {
	if !r.HasKey() {
		return "", ErrNoKey
	}
	k := r.current
	buf := make([]byte, nonceSize, nonceSize+len(plaintext)+k.aead.Overhead())
	if _, err := rand.Read(buf); err != nil {
		return "", fmt.Errorf("secrets: read nonce: %w", err)
	}
	buf = k.aead.Seal(buf, buf[:nonceSize], plaintext, additional(k.id, aad))
	return header(k.id) + enc.EncodeToString(buf), nil
}

// parse splits a sealed value into its key id and its decoded body.
func parse(sealed string) (id string, body []byte, err error) {
	rest, ok := strings.CutPrefix(sealed, version+":")
	if !ok {
		return "", nil, fmt.Errorf("%w: want the prefix %s:", ErrMalformed, version)
	}
	id, b64, ok := strings.Cut(rest, ":")
	if !ok || !isKeyID(id) {
		return "", nil, fmt.Errorf("%w: want %s:<8 hex digits>:<data>", ErrMalformed, version)
	}
	body, err = enc.DecodeString(b64)
	if err != nil {
		return "", nil, fmt.Errorf("%w: the data is not unpadded base64url", ErrMalformed)
	}
	if len(body) < nonceSize+16 {
		return "", nil, fmt.Errorf("%w: %d bytes of data is too short", ErrMalformed, len(body))
	}
	return id, body, nil
}

func isKeyID(s string) bool {
	if len(s) != idLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// KeyIDOf returns the id of the key that sealed a value, without opening
// it. Errors: [ErrMalformed].
func KeyIDOf(sealed string) (string, error) {
	id, _, err := parse(sealed)
	return id, err
}

// Open decrypts a sealed value with the key it names and checks that it
// was sealed for aad. Errors: [ErrNoKey] (the ring has no key at all),
// [ErrMalformed], [ErrWrongKey] (the ring lacks the value's key, or the
// value was tampered with or sealed for other AAD), each wrapped with the
// key id where one was read.
func (r *Keyring) Open(sealed string, aad []byte) ([]byte, error) {
	if !r.HasKey() {
		return nil, ErrNoKey
	}
	id, body, err := parse(sealed)
	if err != nil {
		return nil, err
	}
	k, ok := r.byID[id]
	if !ok {
		return nil, fmt.Errorf("%w: sealed under key id %s, which the ring does not hold", ErrWrongKey, id)
	}
	pt, err := k.aead.Open(nil, body[:nonceSize], body[nonceSize:], additional(id, aad))
	if err != nil {
		return nil, fmt.Errorf("%w: key id %s does not authenticate it (tampered, or sealed for another row)", ErrWrongKey, id)
	}
	return pt, nil
}

// OpenSecret is Open returning the plaintext as a [Secret], which does not
// print. Errors: as Open.
func (r *Keyring) OpenSecret(sealed string, aad []byte) (Secret, error) {
	pt, err := r.Open(sealed, aad)
	if err != nil {
		return "", err
	}
	return Secret(pt), nil
}

// NeedsRotation reports whether sealed is not a current-format value under
// the current key: a value under a previous key, an unknown key or in a
// malformed shape. A ring without a key reports false (there is nothing to
// rotate to).
func (r *Keyring) NeedsRotation(sealed string) bool {
	if !r.HasKey() {
		return false
	}
	id, err := KeyIDOf(sealed)
	return err != nil || id != r.current.id
}

// Reseal opens sealed and, when it needs rotation, seals it again under the
// current key with the same aad. It returns the value to store and whether
// it changed; a value already under the current key is returned as it is.
// Errors: as Open and Seal.
func (r *Keyring) Reseal(sealed string, aad []byte) (string, bool, error) {
	pt, err := r.Open(sealed, aad)
	if err != nil {
		return "", false, err
	}
	defer clear(pt)
	if !r.NeedsRotation(sealed) {
		return sealed, false, nil
	}
	out, err := r.Seal(pt, aad)
	if err != nil {
		return "", false, err
	}
	return out, true, nil
}
