// Package correlation carries a request's or job's correlation id in its
// context and onto every log line written with that context.
//
// It is a leaf: it imports only the standard library and uuid, so that
// dedup, queue, worker and booking code gets the id on its log lines without
// importing the HTTP server. The server takes the id from X-Correlation-ID
// (when [Valid]) or makes one with [New], and stores it with
// [WithCorrelationID]; the [Handler] wrapper of the process logger adds it,
// with hostname and version, to every record logged through a *Context
// method:
//
//	logger := slog.New(correlation.NewHandler(slog.NewJSONHandler(os.Stderr, nil), host, version))
//	ctx = correlation.WithCorrelationID(ctx, correlation.New())
//	logger.InfoContext(ctx, "stored") // {..., "correlation_id": "…", "hostname": "…", "version": "…"}
package correlation

import (
	"context"

	"github.com/google/uuid"
)

// Header is the HTTP header that carries the correlation id in and out.
const Header = "X-Correlation-ID"

// MaxLen is the longest correlation id accepted, in bytes (the
// webhook_events.correlation_id column).
const MaxLen = 64

type ctxKey struct{}

// WithCorrelationID returns a copy of ctx that carries id.
func WithCorrelationID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, ctxKey{}, id)
}

// CorrelationID returns the correlation id ctx carries, or "" when it
// carries none.
func CorrelationID(ctx context.Context) string {
	v, _ := ctx.Value(ctxKey{}).(string)
	return v
}

// Valid reports whether id is an accepted correlation id: 1 to [MaxLen]
// characters of [A-Za-z0-9._:-] (DESIGN.md "Webhook ingestion"). Anything
// else is replaced by a new id, never echoed or stored.
func Valid(id string) bool {
	if id == "" || len(id) > MaxLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			c == '.', c == '_', c == ':', c == '-':
		default:
			return false
		}
	}
	return true
}

// New returns a fresh correlation id (a random UUID).
func New() string { return uuid.NewString() }

// FromHeader returns v when it is [Valid], else a fresh id from [New].
func FromHeader(v string) string {
	if Valid(v) {
		return v
	}
	return New()
}
