package outbound

import (
	"context"
	"errors"
	"log/slog"
	"net/url"

	"github.com/askproai/askpro/internal/logging"
)

// Log writes the one log line of an outbound attempt to logger, with ctx
// (so the handler adds its correlation id): at Debug for a 1xx to 3xx
// answer, at Info for a failure (an error answer or none). The line carries
// service, endpoint, method, status (0: no answer), attempt and
// duration_ms, and err for a transport error (without the URL of a *url.Error); never the path sent, which
// may hold a phone number. A nil logger logs nothing.
func Log(ctx context.Context, logger *slog.Logger, c Call) {
	if logger == nil {
		return
	}
	level := slog.LevelDebug
	if c.Err != nil || c.Status == 0 || c.Status >= 400 {
		level = slog.LevelInfo
	}
	if !logger.Enabled(ctx, level) {
		return
	}
	// The fields of internal/logging's outbound helper, plus method and
	// attempt.
	attrs := append(logging.Outbound(c.Service, c.Endpoint, c.Status, c.Duration),
		slog.String("method", c.Method), slog.Int("attempt", c.Attempt))
	if err := c.Err; err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // without the URL
		}
		attrs = append(attrs, slog.String("err", err.Error()))
	}
	logger.LogAttrs(ctx, level, "outbound: "+c.Service+" "+c.Method+" "+c.Endpoint, attrs...)
}
