package server

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/askproai/askpro/pkg/dedup"
	"github.com/askproai/askpro/pkg/queue"
	"github.com/askproai/askpro/pkg/webhook"
)

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

// handleWebhook runs DESIGN.md's ingestion steps for one delivery.
func (s *Server) handleWebhook(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	log := s.logger(ctx)
	name := r.PathValue("provider")
	p, ok := s.providers[name]
	if !ok {
		writeJSON(w, http.StatusNotFound, errorBody{Error: "no such webhook endpoint"})
		return
	}

	// 1. Body limit, raw bytes read once.
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			s.metrics.webhookRejected.WithLabelValues(name, "too_large").Inc()
			writeJSON(w, http.StatusRequestEntityTooLarge, errorBody{Error: "body larger than the limit"})
			return
		}
		s.metrics.webhookRejected.WithLabelValues(name, "read_error").Inc()
		writeJSON(w, http.StatusBadRequest, errorBody{Error: "could not read body"})
		return
	}

	// 2. Signature on the raw bytes.
	if err := p.Verify(r.Header, body); err != nil {
		reason := signatureReason(err)
		s.metrics.signatureFailures.WithLabelValues(name, reason).Inc()
		s.metrics.webhookRejected.WithLabelValues(name, "signature").Inc()
		log.Warn("security: webhook signature rejected", "provider", name, "reason", reason,
			"ip", clientIP(r), "user_agent", r.UserAgent(), "err", err)
		writeJSON(w, http.StatusUnauthorized, errorBody{Error: "invalid signature"})
		return
	}

	// 3. JSON, event type and idempotency key.
	if !utf8.Valid(body) {
		s.metrics.webhookRejected.WithLabelValues(name, "bad_payload").Inc()
		writeJSON(w, http.StatusBadRequest, errorBody{Error: "body is not UTF-8"})
		return
	}
	ev, err := p.Parse(body)
	if err != nil {
		s.metrics.webhookRejected.WithLabelValues(name, "bad_payload").Inc()
		log.Warn("webhook: bad payload", "provider", name, "err", err)
		writeJSON(w, http.StatusBadRequest, errorBody{Error: err.Error()})
		return
	}
	s.metrics.webhookReceived.WithLabelValues(name, ev.Type).Inc()

	// 4. Two-phase dedup: a Completed key is a duplicate of a stored event.
	claim, err := s.cfg.Dedup.Claim(ctx, ev.Key)
	if err != nil {
		log.Info("webhook: dedup state unknown, the database decides", "key", ev.Key, "err", err)
	}
	if claim.State == dedup.Completed {
		s.metrics.webhookDuplicates.WithLabelValues(name).Inc()
		log.Info("webhook: duplicate acknowledged", "provider", name, "key", ev.Key)
		p.Ack(w)
		return
	}

	// 5. Durable insert; the UNIQUE key makes a redelivery a no-op.
	err = s.cfg.Inbox.Insert(ctx, queue.Event{
		Provider:      name,
		Type:          ev.Type,
		Key:           ev.Key,
		Queue:         string(ev.Queue),
		Delay:         ev.Delay,
		Payload:       body,
		Headers:       webhook.HeadersToStore(name, r.Header),
		CorrelationID: CorrelationID(ctx),
		IPAddress:     clientIP(r),
		UserAgent:     truncate(r.UserAgent(), 512),
	})
	if err != nil {
		// 6a. Not stored: release the claim so the provider's retry is taken.
		// A failed release is logged by the Deduper; the claim then expires
		// after the in-flight TTL.
		_ = s.cfg.Dedup.Release(context.WithoutCancel(ctx), claim)
		s.metrics.webhookRejected.WithLabelValues(name, "store_failed").Inc()
		log.Error("webhook: store failed", "provider", name, "key", ev.Key, "err", err)
		writeJSON(w, http.StatusServiceUnavailable, errorBody{Error: "could not store the event, retry later"})
		return
	}

	// 6b. Committed: complete the key, then acknowledge.
	// A failed complete is logged by the Deduper and loses nothing: the
	// UNIQUE key catches the redelivery.
	_ = s.cfg.Dedup.Complete(context.WithoutCancel(ctx), claim, ev.TTL)
	log.Debug("webhook: stored", "provider", name, "event_type", ev.Type, "key", ev.Key)
	p.Ack(w)
}

// clientIP is the peer address of the request. X-Forwarded-For is not
// trusted here: a proxy that sets it is a deployment decision.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return truncate(r.RemoteAddr, 45)
	}
	return truncate(host, 45)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return strings.ToValidUTF8(s, "")
}
