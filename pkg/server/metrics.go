package server

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

const namespace = "askproai"

type metrics struct {
	requestDuration   *prometheus.HistogramVec
	webhookReceived   *prometheus.CounterVec
	webhookRejected   *prometheus.CounterVec
	webhookDuplicates *prometheus.CounterVec
	signatureFailures *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		requestDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Name: "api_request_duration_seconds",
			Help:    "Duration of HTTP requests by method, route and status.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"method", "endpoint", "status"}),
		webhookReceived: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "webhook_received_total",
			Help: "Webhooks stored (acknowledged and new), by provider and event type.",
		}, []string{"service", "event_type"}),
		webhookRejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "webhook_rejected_total",
			Help: "Webhooks refused before storing, by provider and reason.",
		}, []string{"service", "reason"}),
		webhookDuplicates: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "webhook_duplicates_total",
			Help: "Webhooks acknowledged as redeliveries of stored events, by provider.",
		}, []string{"service"}),
		signatureFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "webhook_signature_failures_total",
			Help: "Webhooks refused for their signature, by provider and reason.",
		}, []string{"service", "reason"}),
	}
	for _, c := range []prometheus.Collector{m.requestDuration, m.webhookReceived, m.webhookRejected, m.webhookDuplicates, m.signatureFailures} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("server: register metrics: %w", err)
		}
	}
	return m, nil
}
