package app

import (
	"context"
	"fmt"
	"time"

	"github.com/askproai/askpro/pkg/metrics"
	"github.com/askproai/askpro/pkg/outbound"
	"github.com/askproai/askpro/pkg/queue"
	"github.com/askproai/askpro/pkg/tenant"
	"github.com/prometheus/client_golang/prometheus"
)

// activeCallWindow bounds askproai_active_calls to the calls started within
// it: a call whose call_ended was lost stops counting then. Retell ends a
// call after its max_call_duration_ms (one hour by default, at most two).
const activeCallWindow = 4 * time.Hour

var descActiveCalls = prometheus.NewDesc(prometheus.BuildFQName(metrics.Namespace, "", "active_calls"),
	"Calls in progress across all companies (status ongoing, started within the last 4 hours).", nil, nil)

// registerMetrics registers the collectors that belong to no one package
// (docs/metrics.md): the outbound API metrics, whose Observer every Cal.com
// client of the App gets (and any Retell client built for the App should:
// App.Outbound); the queues' state (queue_size, queue_events,
// queue_oldest_pending_seconds) and active_calls, both read from the
// database on scrape at most every 5 s. It needs Registry, Pool, Store and
// Calcom.
func (a *App) registerMetrics() error {
	var err error
	if a.Outbound, err = outbound.NewMetrics(a.Registry); err != nil {
		return fmt.Errorf("app: outbound metrics: %w", err)
	}
	a.Calcom.observer = a.Outbound

	rd, err := queue.NewReader(a.Pool)
	if err != nil {
		return err
	}
	qc, err := queue.NewQueueCollector(queue.QueueCollectorConfig{Reader: rd, Logger: a.Logger})
	if err != nil {
		return err
	}
	if err := a.Registry.Register(qc); err != nil {
		return fmt.Errorf("app: register queue metrics: %w", err)
	}

	calls := metrics.NewCached(metrics.CachedConfig{
		Name:   "active_calls",
		Descs:  []*prometheus.Desc{descActiveCalls},
		Logger: a.Logger,
		Read: func(ctx context.Context) ([]prometheus.Metric, error) {
			n, err := a.Store.Calls.CountActive(tenant.System(ctx), time.Now().Add(-activeCallWindow))
			if err != nil {
				return nil, err
			}
			return []prometheus.Metric{prometheus.MustNewConstMetric(descActiveCalls, prometheus.GaugeValue, float64(n))}, nil
		},
	})
	if err := a.Registry.Register(calls); err != nil {
		return fmt.Errorf("app: register active_calls: %w", err)
	}
	return nil
}
