package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"

	"github.com/askproai/askpro/internal/correlation"
	"github.com/askproai/askpro/internal/logging"
	"github.com/askproai/askpro/internal/sanitize"
	"github.com/askproai/askpro/pkg/queue"
	"github.com/askproai/askpro/pkg/webhook"
	"github.com/prometheus/client_golang/prometheus"
)

// WebhookPattern is the route [Webhooks] serves; the provider name is the
// {provider} path value.
const WebhookPattern = "POST /webhooks/{provider}"

// DefaultMaxBodyBytes is the default WebhookConfig.MaxBodyBytes (1 MiB).
const DefaultMaxBodyBytes = 1 << 20

// Inserter stores an event durably; *queue.Inbox implements it. Insert
// returns a nil error once the row is committed, also when the same event's
// row was committed before (the result then says Duplicate).
type Inserter interface {
	Insert(ctx context.Context, ev queue.Event) (queue.InsertResult, error)
}

// Verifier checks one provider's webhook signatures; the pkg/webhook
// adapters implement it.
type Verifier interface {
	// Name is the provider name: "retell", "calcom" or "stripe".
	Name() string
	// Verify checks the signature in h over the raw body; errors match
	// webhook.ErrUnauthorized.
	Verify(h http.Header, body []byte) error
}

// WebhookConfig configures [NewWebhooks].
type WebhookConfig struct {
	// Verifiers are the providers served with signature verification, one
	// per provider name.
	Verifiers []Verifier
	// Unverified names providers served WITHOUT signature verification
	// (serve --insecure-skip-verify, for providers that have no secret). A
	// name may not also have a Verifier.
	Unverified []string
	// Guard runs the store once per idempotency key. Required.
	Guard *Guard
	// Inbox stores events. Required.
	Inbox Inserter
	// MaxBodyBytes limits bodies; a larger one is answered 413. Defaults
	// to [DefaultMaxBodyBytes].
	MaxBodyBytes int64
	// Registerer, if not nil, gets the webhook metrics registered; New
	// fails if that fails (for example when registered twice).
	Registerer prometheus.Registerer
	// Logger receives security and failure lines, logged with the
	// request's context. Nil means slog.Default().
	Logger *slog.Logger
}

// Webhooks is the http.Handler of POST /webhooks/{provider}: DESIGN.md's
// ingestion steps in order (see the package documentation). A provider that
// is neither verified nor listed as unverified is answered 404. It is safe
// for concurrent use.
//
// Metrics (namespace askproai): webhook_received_total{service,event_type}
// (parsed events; event types beyond the first 64 count as "other"),
// webhook_rejected_total{service,reason} (refused before
// storing: too_large, read_error, signature, bad_payload, store_failed),
// webhook_duplicates_total{service} (acknowledged redeliveries) and
// webhook_signature_failures_total{service,reason}.
type Webhooks struct {
	cfg       WebhookConfig
	log       *slog.Logger
	m         *webhookMetrics
	providers map[string]Verifier // nil Verifier: served unverified
}

// NewWebhooks validates cfg and registers the metrics.
func NewWebhooks(cfg WebhookConfig) (*Webhooks, error) {
	if cfg.Guard == nil || cfg.Inbox == nil {
		return nil, errors.New("ingest: WebhookConfig.Guard and Inbox are required")
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	h := &Webhooks{cfg: cfg, log: cfg.Logger, providers: map[string]Verifier{}}
	for _, v := range cfg.Verifiers {
		if v == nil {
			return nil, errors.New("ingest: nil Verifier")
		}
		if err := h.add(v.Name(), v); err != nil {
			return nil, err
		}
	}
	for _, name := range cfg.Unverified {
		if err := h.add(name, nil); err != nil {
			return nil, err
		}
	}
	m, err := newMetrics(cfg.Registerer)
	if err != nil {
		return nil, err
	}
	h.m = m
	return h, nil
}

func (h *Webhooks) add(name string, v Verifier) error {
	if !webhook.Known(name) {
		return fmt.Errorf("ingest: unknown webhook provider %q", name)
	}
	if _, dup := h.providers[name]; dup {
		return fmt.Errorf("ingest: provider %q configured twice", name)
	}
	h.providers[name] = v
	return nil
}

// ServeHTTP runs the ingestion steps for one delivery.
func (h *Webhooks) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	name := r.PathValue("provider")
	verifier, ok := h.providers[name]
	if !ok {
		writeError(w, http.StatusNotFound, "no such webhook endpoint")
		return
	}

	// 1. Body limit, raw bytes read once.
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.cfg.MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			h.m.rejected.WithLabelValues(name, "too_large").Inc()
			writeError(w, http.StatusRequestEntityTooLarge, "body larger than the limit")
			return
		}
		h.m.rejected.WithLabelValues(name, "read_error").Inc()
		writeError(w, http.StatusBadRequest, "could not read body")
		return
	}

	// 2. Signature on the raw bytes. Nothing of an unverified request
	// reaches the log unbounded.
	if verifier != nil {
		if err := verifier.Verify(r.Header, body); err != nil {
			reason := signatureReason(err)
			h.m.signatureFailures.WithLabelValues(name, reason).Inc()
			h.m.rejected.WithLabelValues(name, "signature").Inc()
			logging.LogSecurity(ctx, h.log, "security: webhook signature rejected", logging.RequestEvent(r, reason),
				slog.String("provider", name), slog.String("err", sanitize.Log(err.Error())))
			writeError(w, http.StatusUnauthorized, "invalid signature")
			return
		}
	}

	// 3. JSON (UTF-8, RFC 8259, any depth), event type and idempotency key.
	ev, err := webhook.Parse(name, body)
	if err != nil {
		h.m.rejected.WithLabelValues(name, "bad_payload").Inc()
		msg := sanitize.Log(err.Error())
		h.log.WarnContext(ctx, "webhook: bad payload", "provider", name, "err", msg)
		writeError(w, http.StatusBadRequest, msg)
		return
	}
	h.m.received.WithLabelValues(name, h.m.events.Value(ev.Type)).Inc()

	// 4-6. Claim, durable insert, complete or release; answer only after
	// commit.
	qe := queue.Event{
		Provider:      name,
		Type:          ev.Type,
		Key:           ev.Key,
		CompanyID:     ev.CompanyID,
		Payload:       body,
		Headers:       webhook.HeadersToStore(name, r.Header),
		CorrelationID: correlation.CorrelationID(ctx),
		IPAddress:     clientIP(r),
		UserAgent:     r.UserAgent(), // the Inbox bounds it (valid UTF-8, 256 bytes)
	}
	out, err := h.cfg.Guard.Do(ctx, ev.Key, ev.TTL, func(ctx context.Context) (bool, error) {
		res, err := h.cfg.Inbox.Insert(ctx, qe)
		return res.Duplicate, err
	})
	if errors.Is(err, queue.ErrInvalidEvent) {
		// The table cannot hold this event (an over-long key or type):
		// storing it again would fail again, so it is refused once.
		h.m.rejected.WithLabelValues(name, "bad_payload").Inc()
		msg := sanitize.Log(err.Error())
		h.log.WarnContext(ctx, "webhook: event cannot be stored", "provider", name, "err", msg)
		writeError(w, http.StatusBadRequest, msg)
		return
	}
	if err != nil {
		h.m.rejected.WithLabelValues(name, "store_failed").Inc()
		h.log.ErrorContext(ctx, "webhook: store failed, answered 503", "provider", name, "event_type", ev.Type, "event_key", ev.Key, "err", err)
		writeError(w, http.StatusServiceUnavailable, "could not store the event, retry later")
		return
	}
	// One Info line per accepted delivery, with the request's
	// correlation_id (the one stored on the row) from ctx.
	if out == Duplicate {
		// Caught by dedup or, past an in-flight claim, by the UNIQUE key.
		h.m.duplicates.WithLabelValues(name).Inc()
		h.log.InfoContext(ctx, "webhook: duplicate acknowledged", "provider", name, "event_type", ev.Type, "event_key", ev.Key,
			"status", "duplicate")
	} else {
		h.log.InfoContext(ctx, "webhook: accepted", "provider", name, "event_type", ev.Type, "event_key", ev.Key, "status", "stored")
	}
	webhook.Ack(name, w)
}

// signatureReason names a verification failure for logs and metrics.
func signatureReason(err error) string {
	switch {
	case errors.Is(err, webhook.ErrMissingSignature):
		return "missing"
	case errors.Is(err, webhook.ErrMalformedSignature):
		return "malformed"
	case errors.Is(err, webhook.ErrTimestampOutOfRange):
		return "timestamp"
	default:
		return "mismatch"
	}
}

// clientIP is the peer address of the request. X-Forwarded-For is not
// trusted here: a proxy that sets it is a deployment decision. The Inbox
// bounds the stored value; the peer address is not request content.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func writeError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	b, _ := jsonError(msg)
	_, _ = w.Write(b)
}
