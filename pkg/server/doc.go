// Package server is askpro's HTTP server: webhook ingestion, health and
// metrics endpoints, and the middleware every request passes (correlation
// id, panic recovery, request metrics and logs).
//
// # Webhook ingestion
//
// POST /webhooks/{provider} runs DESIGN.md's steps in order: a body limit
// (413), the provider's signature on the raw bytes (401), JSON and the
// idempotency key (400), a two-phase dedup claim, the durable insert into
// webhook_events, and only then the provider's acknowledgement. Nothing is
// stored for a rejected request, and a 2xx is sent only for an event whose
// row is known to be committed, by this request or an earlier one.
//
// A provider that is not configured is not routed (404).
//
// # Health
//
// GET /healthz answers 200 while the process runs. GET /readyz runs the
// configured readiness checks (database, Redis) and answers 200 or 503.
// GET /metrics serves the Prometheus registry. /metrics and /health need
// the bearer token when [Config.MetricsToken] is set.
package server
