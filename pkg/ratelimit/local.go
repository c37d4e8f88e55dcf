package ratelimit

import (
	"context"
	"math"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"
	"golang.org/x/time/rate"
)

// DefaultMaxKeys is the default [LocalConfig.MaxKeys].
const DefaultMaxKeys = 100_000

// LocalConfig configures a [LocalLimiter].
type LocalConfig struct {
	// Now is the clock buckets refill on. Nil means time.Now.
	Now func() time.Time

	// MaxKeys bounds the number of keys (buckets) held. When full, the
	// least recently used key is dropped. Zero or negative means
	// [DefaultMaxKeys] (100,000 keys, roughly 20 MB).
	MaxKeys int
}

// LocalLimiter is a [Limiter] in process memory: one
// golang.org/x/time/rate token bucket per key, which behaves as GCRA does
// (bucket of Limit.Burst, refilled at Limit.Rate per Limit.Period). It
// serves one process: replicas do not share its budgets, so with N
// replicas behind a balancer a client gets up to N times the limit. Use
// [RedisLimiter] when Redis is configured.
//
// Memory is bounded: at most MaxKeys buckets are held, the least recently
// used dropped first, and each call also drops the least recently used
// bucket if it has refilled completely (a full bucket is the same as no
// bucket), so keys that went idle disappear over time. A client rotating
// addresses can push other keys out, which only gives those keys a fresh,
// full bucket: eviction never makes a limit stricter. A key used with a
// different Limit than before starts with a fresh bucket. It is safe for
// concurrent use.
type LocalLimiter struct {
	now func() time.Time

	mu        sync.Mutex
	lru       *simplelru.LRU[string, *bucket]
	evictions uint64
}

type bucket struct {
	limit Limit
	lim   *rate.Limiter
	r     rate.Limit
}

var _ Limiter = (*LocalLimiter)(nil)

// NewLocal returns an in-process limiter.
func NewLocal(cfg LocalConfig) *LocalLimiter {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxKeys <= 0 {
		cfg.MaxKeys = DefaultMaxKeys
	}
	l := &LocalLimiter{now: cfg.Now}
	// NewLRU fails only for a size <= 0.
	l.lru, _ = simplelru.NewLRU[string, *bucket](cfg.MaxKeys, nil)
	return l
}

// LocalStats are a [LocalLimiter]'s counters.
type LocalStats struct {
	// Keys is the number of buckets held.
	Keys int
	// Evictions counts buckets dropped to respect MaxKeys (not counting
	// full buckets dropped because they were idle).
	Evictions uint64
}

// Stats returns the limiter's counters.
func (l *LocalLimiter) Stats() LocalStats {
	l.mu.Lock()
	defer l.mu.Unlock()
	return LocalStats{Keys: l.lru.Len(), Evictions: l.evictions}
}

// Allow counts one request under key against lim. It returns an error
// wrapping [ErrInvalidLimit] for an invalid lim, and no other error. ctx is
// not used.
func (l *LocalLimiter) Allow(_ context.Context, key string, lim Limit) (Result, error) {
	lim, err := lim.normalize()
	if err != nil {
		return Result{}, err
	}
	now := l.now()
	b := l.bucket(key, lim, now)
	allowed := b.lim.AllowN(now, 1)
	tokens := b.lim.TokensAt(now)
	res := Result{
		Allowed:    allowed,
		Limit:      lim,
		Remaining:  max(int(math.Floor(tokens)), 0),
		ResetAfter: tokenTime(float64(lim.Burst)-tokens, b.r),
	}
	if !allowed {
		res.RetryAfter = max(tokenTime(1-tokens, b.r), time.Nanosecond)
	}
	return res, nil
}

// bucket returns key's bucket for lim, made if absent, and drops the least
// recently used bucket if it has refilled.
func (l *LocalLimiter) bucket(key string, lim Limit, now time.Time) *bucket {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.lru.Get(key)
	if !ok || b.limit != lim {
		r := rate.Limit(float64(lim.Rate) / lim.Period.Seconds())
		b = &bucket{limit: lim, r: r, lim: rate.NewLimiter(r, lim.Burst)}
		if l.lru.Add(key, b) {
			l.evictions++
		}
	}
	if k, old, ok := l.lru.GetOldest(); ok && k != key && old.lim.TokensAt(now) >= float64(old.limit.Burst) {
		l.lru.Remove(k)
	}
	return b
}

// tokenTime is how long r takes to refill tokens (0 for none), to the
// nearest nanosecond (rounding up would turn float noise into an extra
// nanosecond).
func tokenTime(tokens float64, r rate.Limit) time.Duration {
	if tokens <= 0 {
		return 0
	}
	return time.Duration(math.Round(tokens / float64(r) * float64(time.Second)))
}
