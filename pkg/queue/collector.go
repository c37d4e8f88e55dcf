package queue

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/askproai/askpro/pkg/metrics"
	"github.com/prometheus/client_golang/prometheus"
)

// The metrics of a [QueueCollector].
var (
	descQueueSize = prometheus.NewDesc(prometheus.BuildFQName(metrics.Namespace, "", "queue_size"),
		"Webhook events of a queue not yet settled: pending, retrying or processing.", []string{"queue"}, nil)
	descQueueEvents = prometheus.NewDesc(prometheus.BuildFQName(metrics.Namespace, "", "queue_events"),
		"Stored webhook events by queue and status (dead_letter: kept until replayed or purged).", []string{"queue", "status"}, nil)
	descQueueOldest = prometheus.NewDesc(prometheus.BuildFQName(metrics.Namespace, "", "queue_oldest_pending_seconds"),
		"Age of the queue's oldest event waiting for a worker (pending or retrying and available), 0 when none waits.", []string{"queue"}, nil)
)

// QueueCollectorConfig configures a [QueueCollector].
type QueueCollectorConfig struct {
	// Reader reads webhook_events. Required.
	Reader *Reader
	// TTL is how long one reading is served to scrapes. Zero means 5 s
	// ([metrics.DefaultCacheTTL]).
	TTL time.Duration
	// Timeout bounds one reading. Zero means 2 s.
	Timeout time.Duration
	// Now is the clock. Nil means time.Now.
	Now func() time.Time
	// Logger receives a warning per failed reading. Nil means
	// slog.Default().
	Logger *slog.Logger
}

// QueueCollector exports the state of the queues, read from
// webhook_events on scrape at most once per TTL (so scrapes never hammer
// the database), for every queue (zeros included):
//   - queue_size{queue}: events pending, retrying or processing (the spec's
//     queue_size; the alert on the critical queue reads it);
//   - queue_events{queue,status}: events by status, dead_letter included;
//   - queue_oldest_pending_seconds{queue}: how long the oldest waiting
//     event has waited.
//
// While the database does not answer, the three are left out of the scrape.
// It is safe for concurrent use.
type QueueCollector struct {
	*metrics.Cached
}

// NewQueueCollector returns the collector; register it with the registry
// served at /metrics. It returns an error without a Reader.
func NewQueueCollector(cfg QueueCollectorConfig) (*QueueCollector, error) {
	if cfg.Reader == nil {
		return nil, errors.New("queue: QueueCollectorConfig.Reader is required")
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	read := func(ctx context.Context) ([]prometheus.Metric, error) {
		at := now()
		st, err := cfg.Reader.queueCounts(ctx)
		if err != nil {
			return nil, err
		}
		counts := make(map[Queue]map[Status]int64, len(Queues))
		for _, c := range st {
			if counts[c.Queue] == nil {
				counts[c.Queue] = map[Status]int64{}
			}
			counts[c.Queue][c.Status] += c.Count
		}
		var out []prometheus.Metric
		for _, q := range Queues {
			c := counts[q]
			out = append(out, prometheus.MustNewConstMetric(descQueueSize, prometheus.GaugeValue,
				float64(c[Pending]+c[Retrying]+c[Processing]), string(q)))
			for _, s := range Statuses {
				out = append(out, prometheus.MustNewConstMetric(descQueueEvents, prometheus.GaugeValue, float64(c[s]), string(q), string(s)))
			}
			oldest, ok, err := cfg.Reader.oldestWaiting(ctx, q, at)
			if err != nil {
				return nil, err
			}
			age := 0.0
			if ok {
				age = max(at.Sub(oldest), 0).Seconds()
			}
			out = append(out, prometheus.MustNewConstMetric(descQueueOldest, prometheus.GaugeValue, age, string(q)))
		}
		return out, nil
	}
	return &QueueCollector{metrics.NewCached(metrics.CachedConfig{
		Name:    "queue",
		Descs:   []*prometheus.Desc{descQueueSize, descQueueEvents, descQueueOldest},
		Read:    read,
		TTL:     cfg.TTL,
		Timeout: cfg.Timeout,
		Now:     now,
		Logger:  cfg.Logger,
	})}, nil
}
