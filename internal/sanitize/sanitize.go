// Package sanitize makes values from untrusted requests safe to store and to
// log: valid UTF-8, and bounded in bytes.
//
// Every header value askpro keeps (webhook_events.user_agent, the headers
// column) or writes to a log line before a request is verified goes through
// [String] first, so one bad byte can neither fail an INSERT on MySQL's
// utf8mb4 columns forever nor let a request write megabytes of logs.
package sanitize

import (
	"strings"
	"unicode/utf8"
)

// MaxLogValue is the longest value, in bytes, that a log line carries from a
// request that has not been verified (DESIGN.md "Webhook ingestion").
const MaxLogValue = 256

// String returns s as valid UTF-8 of at most max bytes: each run of invalid
// bytes becomes one U+FFFD, then the result is cut at the last rune boundary at or
// below max bytes. Text that is already valid and short is returned as it
// is, without allocating. max <= 0 returns "".
//
// Only the first 4*max bytes of s are examined (U+FFFD is three bytes, so
// no more can survive the cut), which bounds the work on a huge value.
func String(s string, max int) string {
	if max <= 0 {
		return ""
	}
	if len(s) <= max && utf8.ValidString(s) {
		return s
	}
	if limit := 4 * max; len(s) > limit {
		s = s[:limit]
	}
	// A run of invalid bytes becomes one U+FFFD, which keeps the value short.
	return cut(strings.ToValidUTF8(s, "\uFFFD"), max)
}

// Log is String with the log bound [MaxLogValue].
func Log(s string) string { return String(s, MaxLogValue) }

// cut returns the longest prefix of the valid UTF-8 string s that has at
// most max bytes and ends on a rune boundary.
func cut(s string, max int) string {
	if len(s) <= max {
		return s
	}
	i := max
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i]
}
