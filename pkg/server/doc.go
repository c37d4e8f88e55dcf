// Package server is askpro's HTTP server: lifecycle, mux and the middleware
// every request passes (correlation id, panic recovery, request metrics,
// bearer token). It knows no domain: the handlers it serves (webhook
// ingestion from pkg/ingest, later the REST API and the Retell function
// endpoints) are given to it as [Route]s by the composition root,
// internal/app.
//
// # Routes
//
// Besides [Config.Routes], the server answers:
//
//   - GET /healthz: 200 while the process runs;
//   - GET /readyz: the readiness checks of [Config.Ready], 200 when all pass,
//     else 503. The body says only "ok" or "unavailable" per check; the
//     error itself, which may name hosts, is logged, not shown. The checks
//     should read results kept by background loops, so that a probe does
//     no I/O;
//   - GET /health: [Config.Health] when set, the comprehensive report of
//     pkg/health (200, or 503 when unhealthy; docs/health.md);
//   - GET /metrics: the Prometheus [Config.Gatherer], behind the bearer
//     token when [Config.MetricsToken] is set.
//
// # Middleware
//
// Every request gets a correlation id: X-Correlation-ID when it is 1 to 64
// characters of [A-Za-z0-9._:-], else a new UUID. It is echoed in the
// response and put in the request's context (internal/correlation), so
// every line logged with that context carries it. A panic in a handler is
// logged and answered 500. api_request_duration_seconds{method,endpoint,
// status} observes each request under its route pattern.
package server
