package queue

import "github.com/prometheus/client_golang/prometheus"

// JobsCounter is queue_jobs_total with the labels service, queue, outcome.
func (m *WorkerMetrics) JobsCounter(lv ...string) prometheus.Counter {
	return m.jobs.WithLabelValues(lv...)
}
