package ingest

import (
	"encoding/json"
	"fmt"

	"github.com/askproai/askpro/pkg/metrics"
	"github.com/prometheus/client_golang/prometheus"
)

type webhookMetrics struct {
	received          *prometheus.CounterVec
	rejected          *prometheus.CounterVec
	duplicates        *prometheus.CounterVec
	signatureFailures *prometheus.CounterVec
	// events bounds the event_type label: a provider's own types, the
	// 65th distinct one on is "other".
	events *metrics.Cap
}

func newMetrics(reg prometheus.Registerer) (*webhookMetrics, error) {
	m := &webhookMetrics{
		events: &metrics.Cap{},
		received: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: metrics.Namespace, Name: "webhook_received_total",
			Help: "Webhooks verified and parsed, by provider and event type.",
		}, []string{"service", "event_type"}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: metrics.Namespace, Name: "webhook_rejected_total",
			Help: "Webhooks refused before storing, by provider and reason.",
		}, []string{"service", "reason"}),
		duplicates: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: metrics.Namespace, Name: "webhook_duplicates_total",
			Help: "Webhooks acknowledged as redeliveries of stored events, by provider.",
		}, []string{"service"}),
		signatureFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: metrics.Namespace, Name: "webhook_signature_failures_total",
			Help: "Webhooks refused for their signature, by provider and reason.",
		}, []string{"service", "reason"}),
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.received, m.rejected, m.duplicates, m.signatureFailures} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("ingest: register metrics: %w", err)
		}
	}
	return m, nil
}

func jsonError(msg string) ([]byte, error) {
	b, err := json.Marshal(struct {
		Error string `json:"error"`
	}{msg})
	return append(b, '\n'), err
}
