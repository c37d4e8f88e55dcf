package logging

import (
	"log/slog"
	"strings"

	"github.com/askproai/askpro/pkg/phone"
)

// Redacted replaces the value of an attribute whose key names a secret.
const Redacted = "[REDACTED]"

// secretNames are the key names (lower case, "-" read as "_") that always
// name a secret, alone or as the last "_"-separated part of a key
// ("webhook_secret", "x_retell_signature", "calcom_api_key").
var secretNames = []string{
	"key", "secret", "token", "password", "passwd", "authorization", "cookie", "signature",
	"credentials", "api_key", "apikey", "private_key", "encryption_key", "signing_key", "access_key",
}

// SecretKey reports whether an attribute key names a secret: "key",
// "secret", "token", "password", "authorization", "api_key", "cookie",
// "signature", ... or a key that ends in one of them after "_", "-" or "."
// ("webhook_secret", "X-Retell-Signature", "calcom.api_key"), in any case.
// A bare "key" is a secret, but keys that only start with one are not:
// "key_prefix" (the public part of an API key) is logged as it is, and so
// are "event_key" and "idempotency_key" (only "key", not "_key", is in the
// list at the end of a key).
func SecretKey(key string) bool {
	k := strings.ToLower(key)
	for _, name := range secretNames {
		if k == name {
			return true
		}
		if name == "key" {
			continue // "event_key" is not a secret; "api_key" is in the list itself
		}
		if strings.HasSuffix(k, name) {
			if c := k[len(k)-len(name)-1]; c == '_' || c == '-' || c == '.' {
				return true
			}
		}
	}
	return false
}

// ReplaceAttr is the [slog.HandlerOptions.ReplaceAttr] of every handler
// [New] builds: an attribute whose key (or one of whose groups) names a
// secret ([SecretKey]) gets the value [Redacted]; every E.164 number in a
// string value, the message included, and in an error's text is masked
// ([MaskNumbers]). Other kinds (numbers, times, structs logged with
// slog.Any) pass unchanged.
func ReplaceAttr(groups []string, a slog.Attr) slog.Attr {
	if SecretKey(a.Key) {
		return slog.String(a.Key, Redacted)
	}
	for _, g := range groups {
		if SecretKey(g) {
			return slog.String(a.Key, Redacted)
		}
	}
	switch a.Value.Kind() {
	case slog.KindString:
		s := a.Value.String()
		if m := MaskNumbers(s); m != s {
			return slog.String(a.Key, m)
		}
	case slog.KindAny:
		if err, ok := a.Value.Any().(error); ok && err != nil {
			return slog.String(a.Key, MaskNumbers(err.Error()))
		}
	}
	return a
}

// MaskNumbers returns s with every E.164 number in it, a "+" followed by 8
// to 15 digits and no further digit, masked by [phone.Mask]:
// "caller +4915112345678 hung up" becomes "caller +49151****678 hung up".
// A string without "+" is returned as it is, without allocating.
func MaskNumbers(s string) string {
	i := strings.IndexByte(s, '+')
	if i < 0 {
		return s
	}
	var b strings.Builder
	last := 0
	for ; i >= 0 && i < len(s); i = nextPlus(s, i+1) {
		j := i + 1
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		n := j - i - 1
		if n < 8 || n > 15 || (i > 0 && isDigit(s[i-1])) {
			continue
		}
		if b.Len() == 0 {
			b.Grow(len(s))
		}
		b.WriteString(s[last:i])
		b.WriteString(phone.Mask(s[i:j]))
		last = j
		i = j - 1
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// nextPlus returns the index of the next "+" at or after from, or -1.
func nextPlus(s string, from int) int {
	if from >= len(s) {
		return -1
	}
	k := strings.IndexByte(s[from:], '+')
	if k < 0 {
		return -1
	}
	return from + k
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
