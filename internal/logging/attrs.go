package logging

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/askproai/askpro/internal/sanitize"
	"github.com/askproai/askpro/pkg/phone"
)

// Phone returns the attribute key=number with the number masked by
// [phone.Mask] ("+49151****678"): the way to log a phone number. An empty
// number stays empty.
func Phone(key, number string) slog.Attr {
	return slog.String(key, phone.Mask(number))
}

// StepMessage is the message of every [LogStep] line.
const StepMessage = "booking step"

// Step is one step of a Retell function call (check_availability,
// book_appointment, ...), for [LogStep].
type Step struct {
	// Function is the function's name ("book_appointment").
	Function string
	// Step names what was done: "resolve_branch", "claim", "run",
	// "record", "answer".
	Step string
	// BranchID is the branch the call was resolved to; 0 (not yet
	// resolved) is left out.
	BranchID int64
	// Outcome is how it ended: "ran", "repeat", "timeout", "error", ...
	Outcome string
	// Duration is how long the step (for "answer": the whole call) took.
	Duration time.Duration
}

// LogStep writes a "booking step" line at level with s's attributes
// (function, step, branch_id, outcome, duration_ms), then attrs.
func LogStep(ctx context.Context, l *slog.Logger, level slog.Level, s Step, attrs ...slog.Attr) {
	if !l.Enabled(ctx, level) {
		return
	}
	all := make([]slog.Attr, 0, 5+len(attrs))
	all = append(all, slog.String("function", s.Function), slog.String("step", s.Step))
	if s.BranchID != 0 {
		all = append(all, slog.Int64("branch_id", s.BranchID))
	}
	all = append(all, slog.String("outcome", s.Outcome), slog.Int64("duration_ms", s.Duration.Milliseconds()))
	l.LogAttrs(ctx, level, StepMessage, append(all, attrs...)...)
}

// SecurityEvent is what a security line says about a refused request.
type SecurityEvent struct {
	// Reason is why the request was refused ("mismatch", "invalid API key").
	Reason string
	// IP is the client's address; UserAgent its User-Agent header. Both are
	// bounded and made valid UTF-8 before they are logged.
	IP, UserAgent string
}

// RequestEvent returns the SecurityEvent of r refused for reason: the
// address r came from (RemoteAddr without the port) and its User-Agent.
func RequestEvent(r *http.Request, reason string) SecurityEvent {
	ip := r.RemoteAddr
	if host, _, err := net.SplitHostPort(ip); err == nil {
		ip = host
	}
	return SecurityEvent{Reason: reason, IP: ip, UserAgent: r.UserAgent()}
}

// LogSecurity writes a security line at Warn: msg, then event=security,
// reason, ip and user_agent, then attrs. Every security event is one such
// line, so `grep '"event":"security"'` finds them all.
func LogSecurity(ctx context.Context, l *slog.Logger, msg string, ev SecurityEvent, attrs ...slog.Attr) {
	all := append([]slog.Attr{
		slog.String("event", "security"),
		slog.String("reason", sanitize.Log(ev.Reason)),
		slog.String("ip", sanitize.Log(ev.IP)),
		slog.String("user_agent", sanitize.Log(ev.UserAgent)),
	}, attrs...)
	l.LogAttrs(ctx, slog.LevelWarn, msg, all...)
}

// Outbound returns the attributes of one outbound API call: service
// ("retell", "calcom"), endpoint (the route pattern, "/v2/bookings", never a
// raw path with ids), status (the HTTP status; 0 when no answer came) and
// duration_ms.
func Outbound(service, endpoint string, status int, d time.Duration) []slog.Attr {
	return []slog.Attr{
		slog.String("service", service),
		slog.String("endpoint", endpoint),
		slog.Int("status", status),
		slog.Int64("duration_ms", d.Milliseconds()),
	}
}
