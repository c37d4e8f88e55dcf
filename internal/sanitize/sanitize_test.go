package sanitize_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/askproai/askpro/internal/sanitize"
	"github.com/stretchr/testify/assert"
)

func TestString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		max  int
		want string
	}{
		{"short valid passes", "curl/8.5", 256, "curl/8.5"},
		{"empty", "", 10, ""},
		{"zero max", "abc", 0, ""},
		{"long ascii is cut", strings.Repeat("a", 300), 256, strings.Repeat("a", 256)},
		{"short with a bad byte", "Go\xffclient", 512, "Go\uFFFDclient"},
		{"a bad byte near the start keeps the rest", "\xff" + strings.Repeat("b", 600), 512, "\uFFFD" + strings.Repeat("b", 509)},
		{"a run of bad bytes is one replacement", "a\xff\xfe\xfdb", 10, "a\uFFFDb"},
		{"cut on a rune boundary", "aä", 2, "a"},
		{"multibyte fits exactly", "aä", 3, "aä"},
		{"truncated multibyte at the end", "ab\xc3", 10, "ab\uFFFD"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, sanitize.String(tt.in, tt.max))
		})
	}
}

func TestLogBoundsHugeValues(t *testing.T) {
	t.Parallel()
	huge := strings.Repeat("\xff", 1<<20)
	got := sanitize.Log(huge)
	assert.LessOrEqual(t, len(got), sanitize.MaxLogValue)
	assert.True(t, utf8.ValidString(got))
}

func FuzzString(f *testing.F) {
	for _, s := range []string{"", "abc", "\xff", "aä\xc3", strings.Repeat("€", 100)} {
		f.Add(s, 16)
	}
	f.Fuzz(func(t *testing.T, s string, max int) {
		if max > 1<<16 {
			max = 1 << 16
		}
		got := sanitize.String(s, max)
		if !utf8.ValidString(got) {
			t.Fatalf("invalid UTF-8: %q", got)
		}
		if max <= 0 && got != "" || max > 0 && len(got) > max {
			t.Fatalf("len %d > max %d", len(got), max)
		}
		if max > 0 && len(s) <= max && utf8.ValidString(s) && got != s {
			t.Fatalf("valid short input changed: %q -> %q", s, got)
		}
	})
}
