package outbound

import "github.com/prometheus/client_golang/prometheus"

func (m *Metrics) RequestsCounter(lv ...string) prometheus.Counter {
	return m.requests.WithLabelValues(lv...)
}

func (m *Metrics) BreakerGauge(lv ...string) prometheus.Gauge {
	return m.breaker.WithLabelValues(lv...)
}
