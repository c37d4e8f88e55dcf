package dedup

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/askproai/askpro/pkg/metrics"
	"github.com/prometheus/client_golang/prometheus"
)

// Config configures a [Deduper].
type Config struct {
	// Store keeps the markers: a [RedisStore] shared by all processes, or a
	// [MemoryStore] for a single process. Required.
	Store Store

	// InFlightTTL is how long a claim holds a key before it expires (the
	// holder died, or took too long). Zero means 30s; negative is an error.
	InFlightTTL time.Duration

	// SuccessFactor multiplies the TTL given to [Deduper.Complete], as the
	// spec extends the TTL of successfully processed events. Zero means 2;
	// negative is an error.
	SuccessFactor int

	// Timeout bounds each store call, so that a hung Redis costs the
	// webhook at most this long before it falls back to the database.
	// Zero means 1s; negative means no bound beyond the caller's context.
	// For Redis it takes effect only with redis.Options.ContextTimeoutEnabled.
	Timeout time.Duration

	// Logger receives an info line for each duplicate and a debug line for
	// each other claim, logged with the caller's context (so with its
	// correlation id). Store failures are not logged here: they are
	// returned and counted, and the caller, which decides what happens
	// next, logs each once. Nil means slog.Default().
	Logger *slog.Logger

	// Now is used to log the age of duplicates. Nil means time.Now.
	Now func() time.Time

	// Registerer, if not nil, gets the Deduper's metrics registered; New
	// fails if that fails (for example when registered twice). The Deduper
	// is a prometheus.Collector either way.
	Registerer prometheus.Registerer
}

// Deduper is the two-phase webhook deduplication of askpro's ingestion path
// on top of a [Store]: [Deduper.Claim] before the insert, then
// [Deduper.Complete] once the row is committed or [Deduper.Release] when
// the insert failed. It adds the default in-flight TTL, the success factor,
// a per-call timeout, logging and metrics. It is safe for concurrent use.
//
// Metrics (namespace askproai, subsystem dedup):
//
//   - askproai_dedup_claims_total{outcome}: claims by outcome, one of
//     "claimed", "in_flight", "completed" or "error";
//   - askproai_dedup_completes_total: successful completes;
//   - askproai_dedup_releases_total: successful releases of a held claim;
//   - askproai_dedup_errors_total{op}: store failures by op, one of
//     "claim", "complete" or "release";
//   - askproai_dedup_fallbacks_total{reason}: webhooks that fell back to
//     the database UNIQUE key because their claim failed: reason
//     "unavailable" (Redis down or slow), "empty_key" or "error".
type Deduper struct {
	store    Store
	inflight time.Duration
	factor   time.Duration
	timeout  time.Duration
	log      *slog.Logger
	now      func() time.Time

	claims    *prometheus.CounterVec
	completes prometheus.Counter
	releases  prometheus.Counter
	errors    *prometheus.CounterVec
	fallbacks *prometheus.CounterVec
}

var _ prometheus.Collector = (*Deduper)(nil)

// New returns a Deduper. It returns [ErrNoStore] without a store, an error
// for a negative InFlightTTL or SuccessFactor, and the registration error
// of Registerer.
func New(cfg Config) (*Deduper, error) {
	if cfg.Store == nil {
		return nil, ErrNoStore
	}
	if cfg.InFlightTTL < 0 {
		return nil, fmt.Errorf("dedup: negative InFlightTTL %s", cfg.InFlightTTL)
	}
	if cfg.SuccessFactor < 0 {
		return nil, fmt.Errorf("dedup: negative SuccessFactor %d", cfg.SuccessFactor)
	}
	if cfg.InFlightTTL == 0 {
		cfg.InFlightTTL = 30 * time.Second
	}
	if cfg.SuccessFactor == 0 {
		cfg.SuccessFactor = 2
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	const ns, sub = metrics.Namespace, "dedup"
	d := &Deduper{
		store:    cfg.Store,
		inflight: cfg.InFlightTTL,
		factor:   time.Duration(cfg.SuccessFactor),
		timeout:  cfg.Timeout,
		log:      cfg.Logger,
		now:      cfg.Now,
		claims: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "claims_total",
			Help: "Webhook dedup claims by outcome (claimed, in_flight, completed, error).",
		}, []string{"outcome"}),
		completes: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "completes_total",
			Help: "Webhook dedup keys marked completed after the event was stored.",
		}),
		releases: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "releases_total",
			Help: "Webhook dedup claims released after storing the event failed.",
		}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "errors_total",
			Help: "Webhook dedup store failures by operation (claim, complete, release).",
		}, []string{"op"}),
		fallbacks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "fallbacks_total",
			Help: "Webhooks whose dedup claim failed, so the database unique key decided, by reason (unavailable, empty_key, error).",
		}, []string{"reason"}),
	}
	// Export every label value from the start, so that rates and alerts
	// see zeros rather than absent series.
	for _, o := range []string{InFlight.String(), Claimed.String(), Completed.String(), "error"} {
		d.claims.WithLabelValues(o)
	}
	for _, op := range []string{"claim", "complete", "release"} {
		d.errors.WithLabelValues(op)
	}
	for _, r := range []string{"unavailable", "empty_key", "error"} {
		d.fallbacks.WithLabelValues(r)
	}
	if cfg.Registerer != nil {
		if err := cfg.Registerer.Register(d); err != nil {
			return nil, fmt.Errorf("dedup: register metrics: %w", err)
		}
	}
	return d, nil
}

// Claim claims key for the in-flight TTL.
//
//   - [Claimed]: store the event, then Complete (or Release on failure).
//   - [Completed]: a duplicate of a stored event; acknowledge, store nothing.
//   - [InFlight]: not known to be stored; insert anyway and let the
//     database UNIQUE key decide. Never acknowledge on this state alone.
//
// On error (ErrUnavailable: Redis down or slow; or ErrEmptyKey) the state
// is unknown and the returned Claim has State InFlight and Key key, so the
// caller proceeds exactly as for InFlight: the webhook fails open to the
// database, never to a 2xx.
func (d *Deduper) Claim(ctx context.Context, key string) (Claim, error) {
	ctx, cancel := d.bound(ctx)
	defer cancel()
	c, err := d.store.Claim(ctx, key, d.inflight)
	if err != nil {
		d.claims.WithLabelValues("error").Inc()
		d.errors.WithLabelValues("claim").Inc()
		reason := "error"
		switch {
		case errors.Is(err, ErrUnavailable):
			reason = "unavailable"
		case errors.Is(err, ErrEmptyKey):
			reason = "empty_key"
		}
		d.fallbacks.WithLabelValues(reason).Inc()
		return Claim{Key: key, State: InFlight}, err
	}
	d.claims.WithLabelValues(c.State.String()).Inc()
	switch c.State {
	case Completed:
		d.log.InfoContext(ctx, "duplicate webhook", "event_key", key,
			"completed_at", c.CompletedAt, "age", d.now().Sub(c.CompletedAt))
	default:
		d.log.DebugContext(ctx, "dedup claim", "event_key", key, "state", c.State)
	}
	return c, nil
}

// Complete marks c.Key completed for ttl × SuccessFactor, once the event's
// row is committed (by this request, or found as a duplicate key). c may be
// in any State: the row is committed, so completing is always right.
//
// An error ([ErrUnavailable], [ErrInvalidTTL], [ErrEmptyKey]) is counted
// and returned for the caller to log; the caller may still acknowledge, since the row is committed and
// the UNIQUE key catches the redelivery.
func (d *Deduper) Complete(ctx context.Context, c Claim, ttl time.Duration) error {
	ctx, cancel := d.bound(ctx)
	defer cancel()
	if err := d.store.Complete(ctx, c, ttl*d.factor); err != nil {
		d.errors.WithLabelValues("complete").Inc()
		return err
	}
	d.completes.Inc()
	return nil
}

// Release gives up a [Claimed] claim after storing the event failed, so the
// provider's retry is accepted at once rather than after the in-flight TTL.
// It deletes the key only while c.Token still holds it, and does nothing
// for a Claim in any other State.
//
// An error ([ErrUnavailable], [ErrEmptyKey]) is counted and returned for
// the caller to log; the claim then simply expires after the in-flight TTL.
func (d *Deduper) Release(ctx context.Context, c Claim) error {
	if !releasable(c) {
		return nil
	}
	ctx, cancel := d.bound(ctx)
	defer cancel()
	if err := d.store.Release(ctx, c); err != nil {
		d.errors.WithLabelValues("release").Inc()
		return err
	}
	d.releases.Inc()
	return nil
}

// Describe implements prometheus.Collector.
func (d *Deduper) Describe(ch chan<- *prometheus.Desc) {
	d.claims.Describe(ch)
	d.completes.Describe(ch)
	d.releases.Describe(ch)
	d.errors.Describe(ch)
	d.fallbacks.Describe(ch)
}

// Collect implements prometheus.Collector.
func (d *Deduper) Collect(ch chan<- prometheus.Metric) {
	d.claims.Collect(ch)
	d.completes.Collect(ch)
	d.releases.Collect(ch)
	d.errors.Collect(ch)
	d.fallbacks.Collect(ch)
}

func (d *Deduper) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	if d.timeout < 0 {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, d.timeout)
}
