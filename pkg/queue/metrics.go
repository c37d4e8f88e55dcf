package queue

import (
	"fmt"
	"time"

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
			Namespace: "askproai", Name: "inbox_batch_size",
			Help:    "Webhook events written by one INSERT of the inbox.",
			Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128},
		}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: "askproai", Name: "inbox_flush_duration_seconds",
			Help:    "Duration of one inbox INSERT.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1},
		}),
		errors: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "askproai", Name: "inbox_flush_errors_total",
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
