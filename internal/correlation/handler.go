package correlation

import (
	"context"
	"log/slog"
)

// Key is the attribute key of the correlation id on log lines.
const Key = "correlation_id"

// Handler wraps a [slog.Handler]: every record gets the hostname and
// version attributes, and the correlation id of the context it is logged
// with (see [CorrelationID]) as correlation_id. A record logged without a
// correlation id in its context (or with a plain method such as
// [slog.Logger.Info], which passes context.Background) gets no
// correlation_id attribute at all, not an empty one.
//
// correlation_id sits at the top level of the record, beside hostname and
// version, also under [slog.Logger.WithGroup]. A Handler is safe for
// concurrent use when the wrapped handler is.
type Handler struct {
	base  slog.Handler // the wrapped handler with hostname and version
	inner slog.Handler // base with ops applied
	ops   []op         // WithAttrs/WithGroup calls since base, in order
}

// op is one WithAttrs (group == "") or WithGroup call.
type op struct {
	group string
	attrs []slog.Attr
}

var _ slog.Handler = (*Handler)(nil)

// NewHandler wraps h so that every record carries hostname and version, and
// the context's correlation id when there is one. Empty hostname or version
// are left out.
func NewHandler(h slog.Handler, hostname, version string) *Handler {
	var attrs []slog.Attr
	if hostname != "" {
		attrs = append(attrs, slog.String("hostname", hostname))
	}
	if version != "" {
		attrs = append(attrs, slog.String("version", version))
	}
	if len(attrs) > 0 {
		h = h.WithAttrs(attrs)
	}
	return &Handler{base: h, inner: h}
}

// Enabled reports whether the wrapped handler handles records at level.
func (h *Handler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.inner.Enabled(ctx, level)
}

// Handle adds correlation_id from ctx, when it carries one, and passes r on.
func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	id := CorrelationID(ctx)
	if id == "" {
		return h.inner.Handle(ctx, r)
	}
	if !h.grouped() {
		r = r.Clone()
		r.AddAttrs(slog.String(Key, id))
		return h.inner.Handle(ctx, r)
	}
	// Under a group, the record's own attributes would put the id inside
	// it: rebuild the chain with the id first.
	inner := h.base.WithAttrs([]slog.Attr{slog.String(Key, id)})
	for _, o := range h.ops {
		if o.group != "" {
			inner = inner.WithGroup(o.group)
		} else {
			inner = inner.WithAttrs(o.attrs)
		}
	}
	return inner.Handle(ctx, r)
}

func (h *Handler) grouped() bool {
	for _, o := range h.ops {
		if o.group != "" {
			return true
		}
	}
	return false
}

// WithAttrs returns a Handler whose records carry attrs too.
func (h *Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	return h.with(op{attrs: attrs}, h.inner.WithAttrs(attrs))
}

// WithGroup returns a Handler that puts the record's later attributes in
// the group name.
func (h *Handler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	return h.with(op{group: name}, h.inner.WithGroup(name))
}

func (h *Handler) with(o op, inner slog.Handler) *Handler {
	ops := make([]op, len(h.ops), len(h.ops)+1)
	copy(ops, h.ops)
	return &Handler{base: h.base, inner: inner, ops: append(ops, o)}
}
