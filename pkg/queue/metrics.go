package queue

import (
	"fmt"
	"time"

	"github.com/askproai/askpro/pkg/metrics"
	"github.com/prometheus/client_golang/prometheus"
)

// FlushMetrics observes an [Inbox]'s flushes: pass its OnFlush as
// [InboxConfig.OnFlush]. Metrics (namespace askproai):
//   - inbox_batch_size: events per INSERT (how well group commit groups);
//   - inbox_flush_duration_seconds: how long one INSERT took;
//   - inbox_flush_errors_total: INSERTs that failed (their rows are then
//     retried one by one).
type FlushMetrics struct {
	size     prometheus.Histogram
	duration prometheus.Histogram
	errors   prometheus.Counter
}

// NewFlushMetrics registers the flush metrics with reg. It returns the
// registration error, for example when registered twice.
func NewFlushMetrics(reg prometheus.Registerer) (*FlushMetrics, error) {
	m := &FlushMetrics{
		size: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: metrics.Namespace, Name: "inbox_batch_size",
			Help:    "Webhook events written by one INSERT of the inbox.",
			Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128},
		}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: metrics.Namespace, Name: "inbox_flush_duration_seconds",
			Help:    "Duration of one inbox INSERT.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1},
		}),
		errors: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: metrics.Namespace, Name: "inbox_flush_errors_total",
			Help: "Inbox INSERTs that failed as a whole.",
		}),
	}
	for _, c := range []prometheus.Collector{m.size, m.duration, m.errors} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("queue: register flush metrics: %w", err)
		}
	}
	return m, nil
}

// OnFlush records one flush; it has the signature of [InboxConfig.OnFlush].
func (m *FlushMetrics) OnFlush(size int, took time.Duration, err error) {
	m.size.Observe(float64(size))
	m.duration.Observe(took.Seconds())
	if err != nil {
		m.errors.Inc()
	}
}

// WorkerMetrics observes a [Worker]: pass it as [WorkerConfig.Metrics].
// Metrics (namespace askproai):
//   - queue_jobs_total{service, queue, outcome}: attempts by outcome:
//     processed, unhandled (no handler for the event type: processed with no
//     effect), retried, dead_letter, released (claimed but not started when
//     the worker stopped), lost (the lease was taken back first);
//   - queue_dead_letters_total{service, code}: jobs dead-lettered, by
//     reason (a permanent error's code, ATTEMPTS_EXHAUSTED, LEASE_EXPIRED);
//   - queue_job_duration_seconds{queue}: one attempt's handler time;
//   - webhook_processing_duration_seconds{service, event_type}: the
//     handler time of each job processed (committed), with the spec's
//     [metrics.ProcessingBuckets]; event types beyond the first 64 of a
//     process count as "other" ([metrics.Cap]);
//   - queue_lag_seconds{queue}: from storing an event to processing it;
//   - queue_claim_batch_size: jobs per claim;
//   - queue_leases_reaped_total{outcome}: expired leases taken back
//     (retried or dead_letter).
//
// service is the provider ("retell", "calcom", "stripe"). A nil
// *WorkerMetrics records nothing.
type WorkerMetrics struct {
	jobs     *prometheus.CounterVec
	dead     *prometheus.CounterVec
	duration *prometheus.HistogramVec
	lag      *prometheus.HistogramVec
	batch    prometheus.Histogram
	reapedC  *prometheus.CounterVec
	process  *prometheus.HistogramVec
	events   *metrics.Cap
}

// NewWorkerMetrics registers the worker metrics with reg. It returns the
// registration error, for example when registered twice.
func NewWorkerMetrics(reg prometheus.Registerer) (*WorkerMetrics, error) {
	m := &WorkerMetrics{
		jobs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: metrics.Namespace, Name: "queue_jobs_total",
			Help: "Job attempts by service (provider), queue and outcome (processed, unhandled, retried, dead_letter, released, lost).",
		}, []string{"service", "queue", "outcome"}),
		dead: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: metrics.Namespace, Name: "queue_dead_letters_total",
			Help: "Jobs moved to dead_letter, by service (provider) and reason code.",
		}, []string{"service", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: metrics.Namespace, Name: "queue_job_duration_seconds",
			Help:    "Handler time of one job attempt.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 5, 30, 120},
		}, []string{"queue"}),
		lag: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: metrics.Namespace, Name: "queue_lag_seconds",
			Help:    "Time from storing an event to processing it.",
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300, 900},
		}, []string{"queue"}),
		batch: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: metrics.Namespace, Name: "queue_claim_batch_size",
			Help:    "Jobs taken by one claim.",
			Buckets: []float64{1, 2, 4, 8, 16, 32, 64},
		}),
		reapedC: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: metrics.Namespace, Name: "queue_leases_reaped_total",
			Help: "Expired leases taken back, by outcome (retried, dead_letter).",
		}, []string{"outcome"}),
		process: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: metrics.Namespace, Name: "webhook_processing_duration_seconds",
			Help:    "Processing time of a webhook event by a worker (the handler's run that committed), by service and event type.",
			Buckets: metrics.ProcessingBuckets,
		}, []string{"service", "event_type"}),
		events: &metrics.Cap{},
	}
	for _, c := range []prometheus.Collector{m.jobs, m.dead, m.duration, m.lag, m.batch, m.reapedC, m.process} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("queue: register worker metrics: %w", err)
		}
	}
	return m, nil
}

func (m *WorkerMetrics) claimed(n int) {
	if m != nil {
		m.batch.Observe(float64(n))
	}
}

func (m *WorkerMetrics) outcome(j *Job, outcome string) {
	if m != nil {
		m.jobs.WithLabelValues(j.Provider, string(j.Queue), outcome).Inc()
	}
}

func (m *WorkerMetrics) done(j *Job, outcome string, took time.Duration, now time.Time) {
	if m == nil {
		return
	}
	m.outcome(j, outcome)
	m.duration.WithLabelValues(string(j.Queue)).Observe(took.Seconds())
	m.lag.WithLabelValues(string(j.Queue)).Observe(max(now.Sub(j.CreatedAt), 0).Seconds())
	m.process.WithLabelValues(j.Provider, m.events.Value(j.EventType)).Observe(took.Seconds())
}

func (m *WorkerMetrics) deadLetter(j *Job, code string) {
	if m != nil {
		m.outcome(j, "dead_letter")
		m.dead.WithLabelValues(j.Provider, code).Inc()
	}
}

func (m *WorkerMetrics) reaped(retried, dead int64) {
	if m != nil {
		m.reapedC.WithLabelValues("retried").Add(float64(retried))
		m.reapedC.WithLabelValues("dead_letter").Add(float64(dead))
	}
}
