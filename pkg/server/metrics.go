package server

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

const namespace = "askproai"

type metrics struct {
	requestDuration *prometheus.HistogramVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		requestDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Name: "api_request_duration_seconds",
			Help:    "Duration of HTTP requests by method, route and status.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"method", "endpoint", "status"}),
	}
	if err := reg.Register(m.requestDuration); err != nil {
		return nil, fmt.Errorf("server: register metrics: %w", err)
	}
	return m, nil
}
