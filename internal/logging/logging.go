package logging

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/askproai/askpro/internal/correlation"
)

// Formats of [Config.Format].
const (
	FormatJSON = "json"
	FormatText = "text"
)

// Config configures [New].
type Config struct {
	// Out receives every record at Level and above. Nil means os.Stderr.
	Out io.Writer
	// Format is FormatJSON or FormatText. Empty means text when Terminal is
	// set, else JSON. Any other value is an error.
	Format string
	// Terminal says that Out is a terminal (people read it): it picks the
	// text format when Format is empty.
	Terminal bool
	// Level is the lowest level written to Out. Nil means slog.LevelInfo.
	Level slog.Leveler
	// ErrorFile, when set, is a file that also receives every record at
	// slog.LevelError and above, as JSON, whatever Level and Format are.
	// It is opened append-only with mode 0600 and created if missing.
	ErrorFile string
	// Hostname and Version are added to every record; empty ones are left
	// out.
	Hostname, Version string
}

// ErrorFileError reports that [Config.ErrorFile] could not be opened.
type ErrorFileError struct {
	Path string
	Err  error
}

// Error returns "logging: open error file PATH: reason".
func (e *ErrorFileError) Error() string {
	return fmt.Sprintf("logging: open error file %s: %v", e.Path, e.Err)
}

// Unwrap returns the reason.
func (e *ErrorFileError) Unwrap() error { return e.Err }

// ErrFormat is returned by [New] for a Format other than json, text or
// empty.
var ErrFormat = errors.New("logging: format must be json or text")

// closerFunc adapts a function to io.Closer.
type closerFunc func() error

func (f closerFunc) Close() error { return f() }

// ResolveFormat returns the format [New] uses for format on an output that
// is (terminal) or is not a terminal: format itself when set, else text on
// a terminal and JSON elsewhere.
func ResolveFormat(format string, terminal bool) string {
	switch {
	case format != "":
		return format
	case terminal:
		return FormatText
	default:
		return FormatJSON
	}
}

// New builds the process logger described in the package documentation.
// The closer closes the error file (a no-op without one); records logged
// after it are no longer written there. New returns [ErrFormat] for an
// unknown format and an [*ErrorFileError] when ErrorFile cannot be opened.
func New(cfg Config) (*slog.Logger, io.Closer, error) {
	out := cfg.Out
	if out == nil {
		out = os.Stderr
	}
	var level slog.Leveler = slog.LevelInfo
	if cfg.Level != nil {
		level = cfg.Level
	}
	opts := &slog.HandlerOptions{Level: level, ReplaceAttr: ReplaceAttr}
	var h slog.Handler
	switch ResolveFormat(cfg.Format, cfg.Terminal) {
	case FormatJSON:
		h = slog.NewJSONHandler(out, opts)
	case FormatText:
		h = slog.NewTextHandler(out, opts)
	default:
		return nil, nil, fmt.Errorf("%w, got %q", ErrFormat, cfg.Format)
	}
	closer := io.Closer(closerFunc(func() error { return nil }))
	if cfg.ErrorFile != "" {
		f, err := os.OpenFile(cfg.ErrorFile, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
		if err != nil {
			return nil, nil, &ErrorFileError{Path: cfg.ErrorFile, Err: err}
		}
		errH := slog.NewJSONHandler(f, &slog.HandlerOptions{Level: slog.LevelError, ReplaceAttr: ReplaceAttr})
		h = &teeHandler{main: h, errors: errH}
		closer = f
	}
	return slog.New(correlation.NewHandler(h, cfg.Hostname, cfg.Version)), closer, nil
}

// teeHandler passes every record to main, and records at Error and above
// also to errors.
type teeHandler struct {
	main, errors slog.Handler
}

var _ slog.Handler = (*teeHandler)(nil)

func (t *teeHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return t.main.Enabled(ctx, l) || (l >= slog.LevelError && t.errors.Enabled(ctx, l))
}

func (t *teeHandler) Handle(ctx context.Context, r slog.Record) error {
	var err error
	if t.main.Enabled(ctx, r.Level) {
		err = t.main.Handle(ctx, r)
	}
	if r.Level >= slog.LevelError && t.errors.Enabled(ctx, r.Level) {
		err = errors.Join(err, t.errors.Handle(ctx, r.Clone()))
	}
	return err
}

func (t *teeHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &teeHandler{main: t.main.WithAttrs(attrs), errors: t.errors.WithAttrs(attrs)}
}

func (t *teeHandler) WithGroup(name string) slog.Handler {
	return &teeHandler{main: t.main.WithGroup(name), errors: t.errors.WithGroup(name)}
}
