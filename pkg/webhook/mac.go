package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"hash"
	"sync"
)

// macKey computes HMAC-SHA256 under one secret. Keyed hashes are pooled so
// that Verify does not allocate per request; a macKey is safe for concurrent
// use.
type macKey struct {
	pool sync.Pool // of *macState
}

// macState is one keyed hash with scratch space for the digest and the
// decimal timestamp, so that nothing escapes per call.
type macState struct {
	h   hash.Hash
	sum [sha256.Size]byte
	buf [24]byte
}

func newMACKey(secret string) *macKey {
	key := []byte(secret)
	k := &macKey{}
	k.pool.New = func() any { return &macState{h: hmac.New(sha256.New, key)} }
	return k
}

func (k *macKey) get() *macState {
	st := k.pool.Get().(*macState)
	st.h.Reset()
	return st
}

func (k *macKey) put(st *macState) { k.pool.Put(st) }

// digest finishes st's hash into st.sum and returns it.
func (st *macState) digest() []byte {
	return st.h.Sum(st.sum[:0])
}

// decodeHex32 decodes exactly 64 hex digits (either case) into dst. It
// reports false for any other input.
func decodeHex32(s string, dst *[sha256.Size]byte) bool {
	if len(s) != 2*sha256.Size {
		return false
	}
	for i := 0; i < sha256.Size; i++ {
		hi, ok1 := fromHex(s[2*i])
		lo, ok2 := fromHex(s[2*i+1])
		if !ok1 || !ok2 {
			return false
		}
		dst[i] = hi<<4 | lo
	}
	return true
}

func fromHex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// parseDigits parses a non-empty string of ASCII digits into an int64. It
// reports false for a sign, any other character or overflow.
func parseDigits(s string) (int64, bool) {
	if s == "" {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		d := int64(c - '0')
		if n > (1<<63-1-d)/10 {
			return 0, false
		}
		n = n*10 + d
	}
	return n, true
}

// headerValue returns the first value of the header canonicalKey (which must
// be in canonical MIME form, as net/http stores received headers) and the
// number of values. Callers refuse more than one value as ambiguous.
func headerValue(h map[string][]string, canonicalKey string) (v string, n int) {
	vs := h[canonicalKey]
	if len(vs) == 0 {
		return "", 0
	}
	return vs[0], len(vs)
}
