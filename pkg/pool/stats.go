package pool

import (
	"database/sql"
	"time"

	"github.com/askproai/askpro/pkg/metrics"
	"github.com/prometheus/client_golang/prometheus"
)

// Stats is a snapshot of the pool: database/sql's counters for [Pool.DB]
// (and [Pool.Writer] on SQLite) plus the pool's own.
type Stats struct {
	// MaxOpen is the limit on open connections (MaxConns).
	MaxOpen int
	// Open is the number of open connections, in use or idle.
	Open int
	// InUse is the number of connections in use.
	InUse int
	// Idle is the number of idle connections.
	Idle int
	// WaitCount is the total number of waits for a free connection.
	WaitCount int64
	// WaitDuration is the total time spent waiting for a free connection.
	WaitDuration time.Duration
	// MaxIdleClosed, MaxIdleTimeClosed and MaxLifetimeClosed count
	// connections closed by the idle limit, IdleTimeout and MaxLifetime.
	MaxIdleClosed, MaxIdleTimeClosed, MaxLifetimeClosed int64

	// Created counts connections opened by warm-up and top-up.
	Created int64
	// HealthChecks counts health checks run; Unhealthy counts those that
	// failed.
	HealthChecks, Unhealthy int64
	// Healthy is the result of the last health check.
	Healthy bool
	// AcquireTimeouts counts [Pool.Acquire] calls that failed with
	// [ErrAcquireTimeout].
	AcquireTimeouts int64
	// Retries counts retries of the first connect and of [Pool.Retry].
	Retries int64

	// Writer holds database/sql's counters for the SQLite writer; it is the
	// zero value on MySQL, where [Pool.Writer] is [Pool.DB].
	Writer sql.DBStats
}

// Stats returns a snapshot of the pool's counters. It is safe for
// concurrent use.
func (p *Pool) Stats() Stats {
	s := p.db.Stats()
	st := Stats{
		MaxOpen:           s.MaxOpenConnections,
		Open:              s.OpenConnections,
		InUse:             s.InUse,
		Idle:              s.Idle,
		WaitCount:         s.WaitCount,
		WaitDuration:      s.WaitDuration,
		MaxIdleClosed:     s.MaxIdleClosed,
		MaxIdleTimeClosed: s.MaxIdleTimeClosed,
		MaxLifetimeClosed: s.MaxLifetimeClosed,
		Created:           p.created.Load(),
		HealthChecks:      p.healthChecks.Load(),
		Unhealthy:         p.unhealthy.Load(),
		Healthy:           p.Healthy() == nil,
		AcquireTimeouts:   p.acquireTimeouts.Load(),
		Retries:           p.retries.Load(),
	}
	if p.writer != p.db {
		st.Writer = p.writer.Stats()
	}
	return st
}

// Metric names, all in namespace "askproai", subsystem "db_pool". The
// database/sql gauges and counters carry a "role" label: "main" for
// [Pool.DB], "writer" for the SQLite [Pool.Writer].
var (
	descMaxOpen = newDesc("max_open", "Maximum number of open connections (MaxConns).", "role")
	descOpen    = newDesc("open", "Open connections, in use or idle.", "role")
	descInUse   = newDesc("in_use", "Connections in use.", "role")
	descIdle    = newDesc("idle", "Idle connections.", "role")
	descWaits   = newDesc("wait_count_total", "Waits for a free connection.", "role")
	descWaitDur = newDesc("wait_duration_seconds_total", "Time spent waiting for a free connection.", "role")
	descClosed  = newDesc("closed_total", "Connections closed by a limit; reason is max_idle, idle_timeout or max_lifetime.", "role", "reason")

	descCreated         = newDesc("created_total", "Connections opened by warm-up and top-up to keep MinConns.")
	descHealthChecks    = newDesc("health_checks_total", "Health checks run.")
	descUnhealthy       = newDesc("unhealthy_total", "Health checks that failed.")
	descHealthy         = newDesc("healthy", "1 if the last health check succeeded, else 0.")
	descAcquireTimeouts = newDesc("acquire_timeouts_total", "Acquire calls that found no free connection within ConnectionTimeout.")
	descRetries         = newDesc("retries_total", "Retries of the first connect and of transient errors.")
)

func newDesc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc(prometheus.BuildFQName(metrics.Namespace, "db_pool", name), help, labels, nil)
}

var _ prometheus.Collector = (*Pool)(nil)

// Describe sends the descriptors of the pool's metrics; with Collect it
// makes *Pool a [prometheus.Collector]:
//
//	reg.MustRegister(p)
//
// The metrics are askproai_db_pool_max_open, _open, _in_use, _idle,
// _wait_count_total, _wait_duration_seconds_total and _closed_total (label
// role, and reason for _closed_total), and _created_total,
// _health_checks_total, _unhealthy_total, _healthy,
// _acquire_timeouts_total and _retries_total. To register two pools in one
// registry, wrap it with [prometheus.WrapRegistererWith] and a distinguishing
// label.
func (p *Pool) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descMaxOpen, descOpen, descInUse, descIdle, descWaits, descWaitDur,
		descClosed, descCreated, descHealthChecks, descUnhealthy, descHealthy, descAcquireTimeouts, descRetries} {
		ch <- d
	}
}

// Collect sends the current values of the pool's metrics. It is safe for
// concurrent use and does no I/O.
func (p *Pool) Collect(ch chan<- prometheus.Metric) {
	st := p.Stats()
	collectDB(ch, "main", p.db.Stats())
	if p.writer != p.db {
		collectDB(ch, "writer", st.Writer)
	}
	counter := func(d *prometheus.Desc, v int64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v))
	}
	counter(descCreated, st.Created)
	counter(descHealthChecks, st.HealthChecks)
	counter(descUnhealthy, st.Unhealthy)
	counter(descAcquireTimeouts, st.AcquireTimeouts)
	counter(descRetries, st.Retries)
	healthy := 0.0
	if st.Healthy {
		healthy = 1
	}
	ch <- prometheus.MustNewConstMetric(descHealthy, prometheus.GaugeValue, healthy)
}

func collectDB(ch chan<- prometheus.Metric, role string, s sql.DBStats) {
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, labels...)
	}
	gauge(descMaxOpen, float64(s.MaxOpenConnections), role)
	gauge(descOpen, float64(s.OpenConnections), role)
	gauge(descInUse, float64(s.InUse), role)
	gauge(descIdle, float64(s.Idle), role)
	counter(descWaits, float64(s.WaitCount), role)
	counter(descWaitDur, s.WaitDuration.Seconds(), role)
	counter(descClosed, float64(s.MaxIdleClosed), role, "max_idle")
	counter(descClosed, float64(s.MaxIdleTimeClosed), role, "idle_timeout")
	counter(descClosed, float64(s.MaxLifetimeClosed), role, "max_lifetime")
}
