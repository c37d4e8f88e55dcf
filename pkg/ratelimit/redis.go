package ratelimit

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
)

// DefaultRedisPrefix is the default [RedisConfig.Prefix].
const DefaultRedisPrefix = "askpro:"

// RedisConfig configures a [RedisLimiter].
type RedisConfig struct {
	// Client is the Redis connection (standalone, Sentinel or Cluster).
	// Required.
	Client redis.UniversalClient

	// Prefix is put in front of every key, after redis_rate's own "rate:".
	// Empty means [DefaultRedisPrefix], so keys read
	// "rate:askpro:<rule>:<key>".
	Prefix string

	// Backoff is how long the limiter answers [ErrUnavailable] at once,
	// without asking Redis, after a Redis call failed. During an outage
	// this keeps each request from waiting out the client's dial and read
	// timeouts (go-redis retries a refused dial five times by default).
	// Zero means 1s; negative means always ask Redis.
	Backoff time.Duration

	// Now is the clock of Backoff. Nil means time.Now. The limit itself
	// runs on the Redis server's clock, shared by every replica.
	Now func() time.Time
}

// RedisLimiter is a [Limiter] on Redis with go-redis/redis_rate's GCRA: one
// Lua script per request, atomic on the server and timed by the server's
// clock, so every replica that shares the Redis shares each key's budget.
// A key costs one Redis string that expires when its bucket is full again.
//
// A Redis failure is returned wrapped with [ErrUnavailable] (and, for
// [RedisConfig.Backoff] afterwards, returned without asking Redis);
// [Middleware] fails open on it. Context deadlines bound a call only if the
// client was built with redis.Options.ContextTimeoutEnabled; otherwise its
// own timeouts do. It is safe for concurrent use.
type RedisLimiter struct {
	rl        *redis_rate.Limiter
	prefix    string
	backoff   time.Duration
	now       func() time.Time
	downUntil atomic.Int64 // unix nanoseconds; 0 = healthy
}

var _ Limiter = (*RedisLimiter)(nil)

// NewRedis returns a limiter on cfg.Client. It returns [ErrNoClient]
// without one. It does not contact Redis.
func NewRedis(cfg RedisConfig) (*RedisLimiter, error) {
	if cfg.Client == nil {
		return nil, ErrNoClient
	}
	if cfg.Prefix == "" {
		cfg.Prefix = DefaultRedisPrefix
	}
	if cfg.Backoff == 0 {
		cfg.Backoff = time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &RedisLimiter{
		rl:      redis_rate.NewLimiter(cfg.Client),
		prefix:  cfg.Prefix,
		backoff: cfg.Backoff,
		now:     cfg.Now,
	}, nil
}

// Allow counts one request under key against l. It returns an error
// wrapping [ErrInvalidLimit] for an invalid l and one wrapping
// [ErrUnavailable] when Redis fails or failed within the last Backoff.
func (l *RedisLimiter) Allow(ctx context.Context, key string, lim Limit) (Result, error) {
	lim, err := lim.normalize()
	if err != nil {
		return Result{}, err
	}
	if until := l.downUntil.Load(); until != 0 && l.now().UnixNano() < until {
		return Result{}, fmt.Errorf("%w: redis failed less than %s ago", ErrUnavailable, l.backoff)
	}
	res, err := l.rl.Allow(ctx, l.prefix+key, redis_rate.Limit{Rate: lim.Rate, Burst: lim.Burst, Period: lim.Period})
	if err != nil {
		if l.backoff > 0 {
			l.downUntil.Store(l.now().Add(l.backoff).UnixNano())
		}
		return Result{}, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	if l.downUntil.Load() != 0 {
		l.downUntil.Store(0)
	}
	out := Result{
		Allowed:    res.Allowed > 0,
		Limit:      lim,
		Remaining:  res.Remaining,
		ResetAfter: max(res.ResetAfter, 0),
	}
	if !out.Allowed {
		out.RetryAfter = max(res.RetryAfter, 0)
	}
	return out, nil
}
