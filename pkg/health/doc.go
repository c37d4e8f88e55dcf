// Package health runs askpro's health checks: the comprehensive report of
// GET /health and `askpro health`, shared by the server and the CLI, and
// the background probes that GET /readyz reads.
//
// # Checks and statuses
//
// A [Checker] runs named [Check]s concurrently, each bounded by its own
// timeout, and returns a [Report]:
//
//	c, err := health.New(health.Config{
//		Checks: []health.Check{
//			{Name: "database", Run: health.Database(p)},
//			{Name: "queue", Run: health.Queue(reader, health.QueueOpts{MaxAge: 5 * time.Minute})},
//			{Name: "retell", Run: health.External(retellClient.Ping, health.ExternalOpts{})},
//		},
//		Version: version, Environment: "production",
//		Metrics: health.NewProcessMetrics(health.ProcessMetricsOpts{Start: start, Pool: p.Stats}),
//	})
//	rep := c.Run(ctx) // {status, timestamp, version, environment, checks, metrics}
//
// Each check reports [StatusHealthy], [StatusDegraded] or
// [StatusUnhealthy] with a message, its duration in milliseconds and
// details; the report's status is the worst of them. Degraded means askpro
// still stores and processes webhooks but something needs attention;
// unhealthy means it cannot do its work. A check that outlives its timeout
// (or panics) is unhealthy.
//
// The checks askpro registers, and what makes them degraded or unhealthy:
//
//   - [Database]: a ping and a read of schema_migrations; unhealthy when
//     either fails or the schema is dirty or behind the binary, degraded
//     when it is ahead.
//   - [Ping] (Redis): unhealthy when PING fails.
//   - [Queue]: backlog and dead letters per queue; degraded when the
//     oldest waiting event has waited longer than MaxAge.
//   - [Disk]: free space of the data directory; degraded under MinFree.
//   - [External] (Retell, Cal.com): a ping with a short timeout, its result
//     cached for TTL so that probes never hammer the service; degraded when
//     unreachable.
//   - [TLSCert]: expiry of a PEM certificate; degraded within WarnBefore
//     (14 days), unhealthy once expired.
//
// # HTTP
//
// [Handler] serves a Checker as GET /health: 200 while the status is not
// unhealthy, else 503. With a token configured, only callers presenting it
// as a bearer token see messages, details and metrics; the others get
// [Report.Redacted], the names and statuses alone.
//
// Readiness probes must not do I/O on every request: a [Monitor] probes a
// dependency in the background and [Monitor.Err] reads the last result,
// as [github.com/askproai/askpro/pkg/pool.Pool.Healthy] does for the
// database.
package health
