package correlation_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"testing/slogtest"

	"github.com/askproai/askpro/internal/correlation"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestValid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		id   string
		want bool
	}{
		{"uuid", "3f1c0d2e-8b7a-4c1e-9f00-0123456789ab", true},
		{"all allowed characters", "Az09._:-", true},
		{"64 characters", strings.Repeat("a", 64), true},
		{"empty", "", false},
		{"65 characters", strings.Repeat("a", 65), false},
		{"100 characters", strings.Repeat("b", 100), false},
		{"space", "corr 1", false},
		{"slash", "a/b", false},
		{"non-ascii", "kölsch", false},
		{"control", "a\nb", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, correlation.Valid(tt.id))
		})
	}
}

func TestFromHeader(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "corr-1", correlation.FromHeader("corr-1"))
	long := strings.Repeat("x", 100)
	got := correlation.FromHeader(long)
	assert.NotEqual(t, long, got)
	assert.True(t, correlation.Valid(got), "the replacement is itself valid")
	assert.NotEqual(t, got, correlation.FromHeader(long), "each replacement is fresh")
}

func TestContext(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	assert.Empty(t, correlation.CorrelationID(ctx))
	ctx = correlation.WithCorrelationID(ctx, "abc")
	assert.Equal(t, "abc", correlation.CorrelationID(ctx))
}

// TestHandlerSlogtest runs the standard library's conformance checks on a
// JSON handler wrapped by correlation.Handler.
func TestHandlerSlogtest(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	newHandler := func(*testing.T) slog.Handler {
		buf.Reset()
		return correlation.NewHandler(slog.NewJSONHandler(&buf, nil), "host-1", "v1.2.3")
	}
	result := func(t *testing.T) map[string]any {
		var m map[string]any
		require.NoError(t, json.Unmarshal(buf.Bytes(), &m))
		return m
	}
	slogtest.Run(t, newHandler, result)
}

func lines(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &m), l)
		out = append(out, m)
	}
	return out
}

func TestHandlerAddsCorrelationHostnameVersion(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := slog.New(correlation.NewHandler(slog.NewJSONHandler(&buf, nil), "host-1", "v1.2.3"))
	ctx := correlation.WithCorrelationID(context.Background(), "corr-42")

	log.InfoContext(ctx, "with id", "k", 1)
	log.Info("without id")
	log.InfoContext(context.Background(), "background")
	log.With("a", "b").WithGroup("g").InfoContext(ctx, "grouped", "k", 2)

	got := lines(t, &buf)
	require.Len(t, got, 4)
	for _, m := range got {
		assert.Equal(t, "host-1", m["hostname"], m["msg"])
		assert.Equal(t, "v1.2.3", m["version"], m["msg"])
	}
	assert.Equal(t, "corr-42", got[0][correlation.Key])
	assert.NotContains(t, got[1], correlation.Key, "no empty attribute without an id")
	assert.NotContains(t, got[2], correlation.Key)
	assert.Equal(t, "corr-42", got[3][correlation.Key], "the id stays at the top level under a group")
	assert.Equal(t, "b", got[3]["a"])
	assert.Equal(t, map[string]any{"k": 2.0}, got[3]["g"])
}
