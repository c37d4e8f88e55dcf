package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/askproai/askpro/pkg/dedup"
)

// Deduper is the two-phase claim the [Guard] runs its store function
// under; *dedup.Deduper implements it.
type Deduper interface {
	// Claim claims key; on error the Claim has State InFlight.
	Claim(ctx context.Context, key string) (dedup.Claim, error)
	// Complete marks c completed for ttl once its effect is committed.
	Complete(ctx context.Context, c dedup.Claim, ttl time.Duration) error
	// Release gives up a held claim after storing failed.
	Release(ctx context.Context, c dedup.Claim) error
}

// StoreFunc durably stores (or acts on) one keyed event and returns once
// that is committed. duplicate reports that the effect was already
// committed before, by another request (a database UNIQUE key caught it).
// An error means nothing is known to be committed.
type StoreFunc func(ctx context.Context) (duplicate bool, err error)

// Outcome is what [Guard.Do] did.
type Outcome int

const (
	// Stored means the store function committed the effect now.
	Stored Outcome = iota + 1
	// Duplicate means the effect was committed before: either the key was
	// completed (the store function was not called) or the store function
	// reported a duplicate.
	Duplicate
)

// String returns "stored" or "duplicate".
func (o Outcome) String() string {
	switch o {
	case Stored:
		return "stored"
	case Duplicate:
		return "duplicate"
	}
	return fmt.Sprintf("Outcome(%d)", int(o))
}

// ErrNoDeduper is returned by [NewGuard] without a Deduper.
var ErrNoDeduper = errors.New("ingest: GuardConfig.Dedup is required")

// GuardConfig configures a [Guard].
type GuardConfig struct {
	// Dedup claims keys (a *dedup.Deduper). Required.
	Dedup Deduper
	// Logger receives one warning per dedup failure, logged with the
	// caller's context (so with its correlation id). Nil means
	// slog.Default().
	Logger *slog.Logger
}

// Guard runs a store function at most once per key and reports success only
// after the effect is committed: the claim, durable store, complete or
// release protocol of DESIGN.md "Webhook ingestion", steps 4 to 6. It is
// safe for concurrent use.
type Guard struct {
	dedup Deduper
	log   *slog.Logger
}

// NewGuard returns a Guard. It returns [ErrNoDeduper] when cfg.Dedup is nil.
func NewGuard(cfg GuardConfig) (*Guard, error) {
	if cfg.Dedup == nil {
		return nil, ErrNoDeduper
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Guard{dedup: cfg.Dedup, log: cfg.Logger}, nil
}

// Do claims key, and unless the key is already completed runs store. When
// store succeeds, key is completed for ttl (the success TTL) and Do returns
// Stored or Duplicate; only then may the caller answer success. When store
// fails, the claim is released so that a retry is accepted at once, and Do
// returns store's error wrapped: the caller must not answer success.
//
// A dedup failure never decides the answer: a failed claim is treated as in
// flight (store runs and the database decides), a failed complete or
// release is logged once and loses nothing (the row is committed, or the
// claim expires after its in-flight TTL). Complete and Release run even
// when ctx has been cancelled, so a client that hangs up cannot leave a key
// claimed.
func (g *Guard) Do(ctx context.Context, key string, ttl time.Duration, store StoreFunc) (Outcome, error) {
	claim, err := g.dedup.Claim(ctx, key)
	if err != nil {
		g.log.WarnContext(ctx, "ingest: dedup claim failed, the database unique key decides", "event_key", key, "err", err)
	}
	if err == nil && claim.State == dedup.Completed {
		return Duplicate, nil
	}
	dup, err := store(ctx)
	if err != nil {
		if rerr := g.dedup.Release(context.WithoutCancel(ctx), claim); rerr != nil {
			g.log.WarnContext(ctx, "ingest: dedup release failed, the claim expires by itself", "event_key", key, "err", rerr)
		}
		return 0, fmt.Errorf("ingest: store %s: %w", key, err)
	}
	if cerr := g.dedup.Complete(context.WithoutCancel(ctx), claim, ttl); cerr != nil {
		g.log.WarnContext(ctx, "ingest: dedup complete failed, the database unique key catches a redelivery", "event_key", key, "err", cerr)
	}
	if dup {
		return Duplicate, nil
	}
	return Stored, nil
}
