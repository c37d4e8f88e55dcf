package server

import (
	"fmt"

	"github.com/askproai/askpro/pkg/metrics"
	"github.com/prometheus/client_golang/prometheus"
)

type serverMetrics struct {
	requestDuration *prometheus.HistogramVec
}

func newMetrics(reg prometheus.Registerer) (*serverMetrics, error) {
	m := &serverMetrics{
		requestDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: metrics.Namespace, Name: "api_request_duration_seconds",
			Help:    "Duration of HTTP requests by method, route and status.",
			Buckets: metrics.APIBuckets,
		}, []string{"method", "endpoint", "status"}),
	}
	if err := reg.Register(m.requestDuration); err != nil {
		return nil, fmt.Errorf("server: register metrics: %w", err)
	}
	return m, nil
}
