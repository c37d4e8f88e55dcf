package logging_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/slogtest"
	"time"

	"github.com/askproai/askpro/internal/correlation"
	"github.com/askproai/askpro/internal/logging"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func lines(t *testing.T, s string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &m), l)
		out = append(out, m)
	}
	return out
}

func TestResolveFormat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, format string
		terminal     bool
		want         string
	}{
		{"unset on a terminal is text", "", true, "text"},
		{"unset elsewhere is json", "", false, "json"},
		{"json on a terminal stays json", "json", true, "json"},
		{"text elsewhere stays text", "text", false, "text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, logging.ResolveFormat(tt.format, tt.terminal))
		})
	}
}

func TestNewFormats(t *testing.T) {
	t.Parallel()
	t.Run("terminal without a format writes text", func(t *testing.T) {
		t.Parallel()
		var buf bytes.Buffer
		log, c, err := logging.New(logging.Config{Out: &buf, Terminal: true, Hostname: "h1", Version: "v1"})
		require.NoError(t, err)
		defer c.Close()
		log.Info("hello", "k", "v")
		assert.Contains(t, buf.String(), "msg=hello")
		assert.Contains(t, buf.String(), "hostname=h1 version=v1")
		assert.False(t, json.Valid(buf.Bytes()))
	})
	t.Run("no terminal writes json at the level", func(t *testing.T) {
		t.Parallel()
		var buf bytes.Buffer
		log, c, err := logging.New(logging.Config{Out: &buf, Level: slog.LevelWarn, Version: "v1"})
		require.NoError(t, err)
		defer c.Close()
		log.Info("dropped")
		log.Warn("kept")
		got := lines(t, buf.String())
		require.Len(t, got, 1)
		assert.Equal(t, "kept", got[0]["msg"])
		assert.Equal(t, "v1", got[0]["version"])
	})
	t.Run("unknown format", func(t *testing.T) {
		t.Parallel()
		_, _, err := logging.New(logging.Config{Format: "xml"})
		assert.ErrorIs(t, err, logging.ErrFormat)
	})
}

func TestErrorFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "errors.log")
	require.NoError(t, os.WriteFile(path, []byte(`{"msg":"from before"}`+"\n"), 0o600))
	var buf bytes.Buffer
	log, c, err := logging.New(logging.Config{Out: &buf, Format: "text", Level: slog.LevelDebug, ErrorFile: path, Version: "v9"})
	require.NoError(t, err)

	ctx := correlation.WithCorrelationID(context.Background(), "corr-7")
	log.DebugContext(ctx, "debug line")
	log.WarnContext(ctx, "warn line")
	log.With("component", "queue").ErrorContext(ctx, "error line", "caller", "+4915112345678", "api_key", "sk_live_1")
	log.Log(ctx, slog.LevelError+4, "above error")
	require.NoError(t, c.Close())
	log.Error("after close") // not in the file, and no panic

	assert.Contains(t, buf.String(), "debug line", "the main output has every level")
	assert.Contains(t, buf.String(), "after close")
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	got := lines(t, string(raw))
	require.Len(t, got, 3, "the old line is kept (append), then only the two lines at Error and above:\n%s", raw)
	assert.Equal(t, "from before", got[0]["msg"])
	assert.Equal(t, "error line", got[1]["msg"])
	assert.Equal(t, "corr-7", got[1][correlation.Key])
	assert.Equal(t, "v9", got[1]["version"])
	assert.Equal(t, "queue", got[1]["component"])
	assert.Equal(t, "+49151****678", got[1]["caller"], "masked in the file too")
	assert.Equal(t, logging.Redacted, got[1]["api_key"])
	assert.Equal(t, "above error", got[2]["msg"])

	st, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm())
}

func TestErrorFileCreatedWithMode0600(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "new.log")
	log, c, err := logging.New(logging.Config{Out: &bytes.Buffer{}, ErrorFile: path})
	require.NoError(t, err)
	log.Error("boom")
	require.NoError(t, c.Close())
	st, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm())
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "boom", lines(t, string(raw))[0]["msg"])
}

func TestErrorFileBadPath(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "no-such-dir", "errors.log")
	_, _, err := logging.New(logging.Config{ErrorFile: path})
	var fe *logging.ErrorFileError
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, path, fe.Path)
	assert.ErrorIs(t, err, os.ErrNotExist)
}

// TestHandlerSlogtest runs the standard library's conformance checks on
// the whole chain with an error file.
func TestHandlerSlogtest(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	dir := t.TempDir()
	n := 0
	newHandler := func(t *testing.T) slog.Handler {
		buf.Reset()
		n++
		log, c, err := logging.New(logging.Config{Out: &buf, Format: "json", ErrorFile: filepath.Join(dir, "e.log")})
		require.NoError(t, err)
		t.Cleanup(func() { _ = c.Close() })
		return log.Handler()
	}
	result := func(t *testing.T) map[string]any {
		var m map[string]any
		require.NoError(t, json.Unmarshal(buf.Bytes(), &m))
		return m
	}
	slogtest.Run(t, newHandler, result)
	assert.Positive(t, n)
}

func TestMaskNumbers(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"no plus", "call ended", "call ended"},
		{"whole value", "+4915112345678", "+49151****678"},
		{"inside text", "caller +4915112345678 hung up", "caller +49151****678 hung up"},
		{"two numbers", "from +4915112345678 to +493012345678", "from +49151****678 to +49301****678"},
		{"8 digits", "+49301234", "+493****34"},
		{"7 digits is not a number", "+4930123", "+4930123"},
		{"16 digits is not a number", "+4915112345678901", "+4915112345678901"},
		{"a plus in a sum", "1+2", "1+2"},
		{"already masked", "+49151****678", "+49151****678"},
		{"json", `{"from_number":"+14155550100"}`, `{"from_number":"+1415****100"}`},
		{"plus at the end", "a+", "a+"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, logging.MaskNumbers(tt.in))
		})
	}
}

func TestSecretKey(t *testing.T) {
	t.Parallel()
	for _, k := range []string{"key", "KEY", "secret", "token", "password", "Authorization", "api_key", "apikey",
		"webhook_secret", "calcom_api_key", "calcom.api_key", "X-Retell-Signature", "encryption_key", "access_token", "cookie"} {
		assert.True(t, logging.SecretKey(k), k)
	}
	for _, k := range []string{"key_prefix", "event_key", "idempotency_key", "keys", "tokens_used", "monkey", "function", "caller"} {
		assert.False(t, logging.SecretKey(k), k)
	}
}

type stringer struct{}

func (stringer) String() string { return "+4915112345678" }

func TestReplaceAttrInLines(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log, c, err := logging.New(logging.Config{Out: &buf, Format: "json", Level: slog.LevelDebug})
	require.NoError(t, err)
	defer c.Close()

	log.With("token", "lease-1").WithGroup("retell").Info("call from +4915112345678",
		"api_key", "key_abc", "number", "+4915112345678", "err", errors.New("lookup +4915112345678: not found"),
		"count", 3, slog.Group("authorization", "scheme", "Bearer"), "key_prefix", "ak_live_12")
	got := lines(t, buf.String())
	require.Len(t, got, 1)
	m := got[0]
	assert.Equal(t, "call from +49151****678", m["msg"], "the message is masked too")
	assert.Equal(t, logging.Redacted, m["token"])
	g := m["retell"].(map[string]any)
	assert.Equal(t, logging.Redacted, g["api_key"])
	assert.Equal(t, "+49151****678", g["number"])
	assert.Equal(t, "lookup +49151****678: not found", g["err"])
	assert.Equal(t, 3.0, g["count"])
	assert.Equal(t, map[string]any{"scheme": logging.Redacted}, g["authorization"], "under a secret group")
	assert.Equal(t, "ak_live_12", g["key_prefix"])
	assert.NotContains(t, buf.String(), "4915112345678")
	assert.NotContains(t, buf.String(), "key_abc")
	assert.NotContains(t, buf.String(), "lease-1")
}

func TestPhone(t *testing.T) {
	t.Parallel()
	assert.Equal(t, slog.String("from_number", "+49151****678"), logging.Phone("from_number", "+4915112345678"))
	assert.Equal(t, slog.String("n", ""), logging.Phone("n", ""))
}

func TestLogStep(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log, c, err := logging.New(logging.Config{Out: &buf, Format: "json"})
	require.NoError(t, err)
	defer c.Close()
	ctx := correlation.WithCorrelationID(context.Background(), "corr-s")
	logging.LogStep(ctx, log, slog.LevelInfo, logging.Step{Function: "book_appointment", Step: "answer", BranchID: 7,
		Outcome: "ran", Duration: 1500 * time.Millisecond}, slog.String("call_id", "call_1"))
	logging.LogStep(ctx, log, slog.LevelDebug, logging.Step{Function: "x", Step: "y"}) // below the level
	logging.LogStep(ctx, log, slog.LevelWarn, logging.Step{Function: "check_availability", Step: "resolve_branch", Outcome: "no_branch"})
	got := lines(t, buf.String())
	require.Len(t, got, 2)
	assert.Equal(t, map[string]any{"msg": logging.StepMessage, "function": "book_appointment", "step": "answer", "branch_id": 7.0,
		"outcome": "ran", "duration_ms": 1500.0, "call_id": "call_1", "correlation_id": "corr-s"}, without(got[0], "time", "level"))
	assert.NotContains(t, got[1], "branch_id", "an unresolved branch is left out")
	assert.Equal(t, "WARN", got[1]["level"])
}

func TestLogSecurity(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log, c, err := logging.New(logging.Config{Out: &buf, Format: "json"})
	require.NoError(t, err)
	defer c.Close()
	r, err := http.NewRequest(http.MethodPost, "http://x/webhooks/retell", nil)
	require.NoError(t, err)
	r.RemoteAddr = "203.0.113.9:51234"
	r.Header.Set("User-Agent", "evil\xffagent"+strings.Repeat("a", 400))
	logging.LogSecurity(context.Background(), log, "security: webhook signature rejected", logging.RequestEvent(r, "mismatch"),
		slog.String("provider", "retell"))
	got := lines(t, buf.String())
	require.Len(t, got, 1)
	assert.Equal(t, "WARN", got[0]["level"])
	assert.Equal(t, "security", got[0]["event"])
	assert.Equal(t, "mismatch", got[0]["reason"])
	assert.Equal(t, "203.0.113.9", got[0]["ip"])
	assert.Equal(t, "retell", got[0]["provider"])
	ua := got[0]["user_agent"].(string)
	assert.True(t, strings.HasPrefix(ua, "evil\uFFFDagent"))
	assert.LessOrEqual(t, len(ua), 256)
}

func TestOutbound(t *testing.T) {
	t.Parallel()
	assert.Equal(t, []slog.Attr{slog.String("service", "calcom"), slog.String("endpoint", "/v2/bookings"),
		slog.Int("status", 201), slog.Int64("duration_ms", 42)}, logging.Outbound("calcom", "/v2/bookings", 201, 42*time.Millisecond))
}

func without(m map[string]any, keys ...string) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		out[k] = v
	}
	for _, k := range keys {
		delete(out, k)
	}
	return out
}
