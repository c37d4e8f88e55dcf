package dedup

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Errors returned by this package. Callers branch on them with [errors.Is].
var (
	// ErrEmptyKey is returned when a key, or the Key of a [Claim], is empty.
	ErrEmptyKey = errors.New("dedup: empty key")

	// ErrInvalidTTL is returned when a TTL is zero or negative.
	ErrInvalidTTL = errors.New("dedup: ttl must be positive")

	// ErrUnavailable wraps every failure of a remote store (Redis down,
	// timeout, cancelled context). The state of the key is then unknown:
	// see [Deduper.Claim] for what a caller does next.
	ErrUnavailable = errors.New("dedup: store unavailable")

	// ErrNoStore is returned by [New] when [Config.Store] is nil.
	ErrNoStore = errors.New("dedup: no store configured")
)

// State is what a [Store] found for a key when it was claimed.
//
// The zero State is [InFlight], the answer that commits the caller to
// nothing: it neither owns the key nor may it treat the event as a
// duplicate. A Claim returned together with an error therefore carries
// InFlight.
type State int

const (
	// InFlight means someone else holds the key: another request, or a
	// process that died holding it (its claim expires after the in-flight
	// TTL). It is NOT a duplicate: the caller goes on to insert the event
	// and lets the database UNIQUE key decide.
	InFlight State = iota

	// Claimed means this caller holds the key now and must either
	// [Store.Complete] it once the event is durably stored or
	// [Store.Release] it when storing failed.
	Claimed

	// Completed means the event was durably stored before (the key was
	// completed within its TTL): the caller answers the provider's success
	// response and stores nothing.
	Completed
)

// String returns "in_flight", "claimed" or "completed"; these are also the
// outcome label values of the claims metric.
func (s State) String() string {
	switch s {
	case InFlight:
		return "in_flight"
	case Claimed:
		return "claimed"
	case Completed:
		return "completed"
	default:
		return fmt.Sprintf("State(%d)", int(s))
	}
}

// Claim is the result of claiming a key.
type Claim struct {
	// Key is the key as passed to Claim (without any store prefix).
	Key string

	// Token identifies this caller's hold on the key. It is set only when
	// State is [Claimed]; Release deletes the key only while the store
	// still holds this token.
	Token string

	// State is what the store found.
	State State

	// CompletedAt is when the key was completed, by the completing
	// process's clock (millisecond precision in Redis). It is set only when
	// State is [Completed].
	CompletedAt time.Time
}

// Store keeps dedup markers. Implementations must be safe for concurrent
// use; each method is one atomic step.
// [github.com/askproai/askpro/pkg/dedup/deduptest.RunStore] is the
// conformance suite every Store passes.
//
// All methods return [ErrEmptyKey] for an empty key and [ErrInvalidTTL] for
// a TTL that is not positive; remote stores wrap their failures with
// [ErrUnavailable].
type Store interface {
	// Claim atomically marks key in flight for the inflight TTL, with a
	// fresh token, if no marker exists, and returns [Claimed]. If a marker
	// exists it changes nothing and returns [InFlight] or [Completed].
	Claim(ctx context.Context, key string, inflight time.Duration) (Claim, error)

	// Complete marks c.Key completed for ttl, whoever holds it (or if
	// nobody does any more): it is called once the event row is committed,
	// so completing is always right.
	Complete(ctx context.Context, c Claim, ttl time.Duration) error

	// Release deletes c.Key only if it is still in flight under c.Token
	// (compare-and-delete), so that the provider's retry is accepted. It
	// never deletes another caller's claim or a completed marker. Releasing
	// a Claim whose State is not [Claimed] is a no-op.
	Release(ctx context.Context, c Claim) error
}

func checkKey(key string) error {
	if key == "" {
		return ErrEmptyKey
	}
	return nil
}

func checkTTL(ttl time.Duration) error {
	if ttl <= 0 {
		return fmt.Errorf("%w (got %s)", ErrInvalidTTL, ttl)
	}
	return nil
}

// releasable reports whether Release has anything to do for c.
func releasable(c Claim) bool { return c.State == Claimed && c.Token != "" }
