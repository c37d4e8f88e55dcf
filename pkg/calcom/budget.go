package calcom

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/askproai/askpro/internal/ctxtime"
	"sync"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
	"golang.org/x/time/rate"
)

// DefaultBudgetPerMinute is the request budget of one API key when none is
// configured: under Cal.com's limit of 120 requests per 60 s (README
// section 5), with room for other users of the same key.
const DefaultBudgetPerMinute = 100

// DefaultRedisBudgetPrefix is the default [BudgetOpts.Prefix] of a
// [RedisBudget].
const DefaultRedisBudgetPrefix = "askpro:calcom:budget:"

// ErrBudgetUnavailable wraps a budget store's failure (Redis down). The
// client then sends the request anyway (fails open): Cal.com's own limit
// still holds, and a booking must not fail because Redis did.
var ErrBudgetUnavailable = errors.New("calcom: request budget unavailable")

// Budget grants requests under an API key's rate budget. The client calls
// Wait before every attempt with [KeyHash] of its API key, never the key.
//
// Wait blocks until a request may be sent and returns nil, or returns an
// error wrapping [ErrBudgetExhausted] at once when the grant would come
// after ctx's deadline (nothing is waited for then), or ctx's error when it
// ends while waiting. Implementations must be safe for concurrent use.
type Budget interface {
	Wait(ctx context.Context, key string) error
}

// BudgetFunc adapts a function to [Budget].
type BudgetFunc func(ctx context.Context, key string) error

// Wait calls f.
func (f BudgetFunc) Wait(ctx context.Context, key string) error { return f(ctx, key) }

// Pauser is the optional part of a [Budget] that stops a key's grants for a
// while. The client calls it when Cal.com answers 429, or a 2xx with
// X-RateLimit-Remaining-Default 0, so that no request of that key is spent
// before Cal.com's window resets.
type Pauser interface {
	Pause(ctx context.Context, key string, d time.Duration) error
}

// KeyHash returns the budget key of an API key: the hex SHA-256 of the
// key, so neither budgets nor Redis ever hold the key itself.
func KeyHash(apiKey string) string {
	sum := sha256.Sum256([]byte(apiKey))
	return hex.EncodeToString(sum[:])
}

// BudgetOpts tunes a budget. A nil *BudgetOpts means all defaults.
type BudgetOpts struct {
	// Burst is how many requests may go at once. Zero means a tenth of the
	// per-minute budget (at least 1). The refill rate is perMinute − Burst
	// per minute, so that no window of 60 s ever holds more than
	// perMinute requests, wherever Cal.com's window starts.
	Burst int
	// Prefix is put before every Redis key ([RedisBudget] only). Empty
	// means [DefaultRedisBudgetPrefix].
	Prefix string
	// Now is the clock of a [LocalBudget]. Nil means time.Now. A
	// [RedisBudget] ignores it: its limit runs on the Redis server's clock.
	Now func() time.Time
	// Sleep waits for d or until ctx ends. Nil means a timer.
	Sleep func(ctx context.Context, d time.Duration) error
}

// budgetShape returns the token bucket of perMinute: burst and refill per
// minute, with burst + refill = perMinute.
func budgetShape(perMinute int, opts *BudgetOpts) (burst, refill int, err error) {
	if perMinute == 0 {
		perMinute = DefaultBudgetPerMinute
	}
	if perMinute < 2 {
		return 0, 0, fmt.Errorf("calcom: budget of %d requests a minute: at least 2 are needed", perMinute)
	}
	if opts != nil {
		burst = opts.Burst
	}
	if burst == 0 {
		burst = max(perMinute/10, 1)
	}
	if burst < 1 || burst >= perMinute {
		return 0, 0, fmt.Errorf("calcom: budget burst %d must be at least 1 and below %d a minute", burst, perMinute)
	}
	return burst, perMinute - burst, nil
}

// fits reports whether a wait of d ends before ctx's deadline.
func fits(ctx context.Context, d time.Duration) bool {
	dl, ok := ctx.Deadline()
	return !ok || d <= time.Until(dl)
}

// LocalBudget is a [Budget] in process memory: one golang.org/x/time/rate
// limiter per key. Replicas each have their own; use a [RedisBudget] to
// share one budget per key between them. It is safe for concurrent use.
type LocalBudget struct {
	burst  int
	limit  rate.Limit
	now    func() time.Time
	sleep  func(context.Context, time.Duration) error
	mu     sync.Mutex
	keys   map[string]*localKey
	pruned time.Time
}

type localKey struct {
	lim         *rate.Limiter
	pausedUntil time.Time
	used        time.Time
}

var (
	_ Budget = (*LocalBudget)(nil)
	_ Pauser = (*LocalBudget)(nil)
)

// NewLocalBudget returns a budget of perMinute requests per key and minute
// (zero means [DefaultBudgetPerMinute]). It returns an error for a budget
// below 2 or a Burst outside [1, perMinute).
func NewLocalBudget(perMinute int, opts *BudgetOpts) (*LocalBudget, error) {
	burst, refill, err := budgetShape(perMinute, opts)
	if err != nil {
		return nil, err
	}
	b := &LocalBudget{
		burst: burst,
		limit: rate.Limit(float64(refill) / 60),
		now:   time.Now,
		sleep: ctxtime.Sleep,
		keys:  make(map[string]*localKey),
	}
	if opts != nil && opts.Now != nil {
		b.now = opts.Now
	}
	if opts != nil && opts.Sleep != nil {
		b.sleep = opts.Sleep
	}
	return b, nil
}

// idleKey is how long an unused key's limiter is kept; after a minute it is
// full again and can be dropped.
const idleKey = 2 * time.Minute

func (b *LocalBudget) key(k string, now time.Time) *localKey {
	if now.Sub(b.pruned) > idleKey {
		for name, lk := range b.keys {
			if now.Sub(lk.used) > idleKey && !lk.pausedUntil.After(now) {
				delete(b.keys, name)
			}
		}
		b.pruned = now
	}
	lk := b.keys[k]
	if lk == nil {
		lk = &localKey{lim: rate.NewLimiter(b.limit, b.burst)}
		b.keys[k] = lk
	}
	lk.used = now
	return lk
}

// Wait grants one request of key; see [Budget].
func (b *LocalBudget) Wait(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	now := b.now()
	b.mu.Lock()
	lk := b.key(key, now)
	r := lk.lim.ReserveN(now, 1)
	delay := r.DelayFrom(now)
	if p := lk.pausedUntil.Sub(now); p > delay {
		delay = p
	}
	if !fits(ctx, delay) {
		r.CancelAt(now)
		b.mu.Unlock()
		return fmt.Errorf("%w: next request in %s", ErrBudgetExhausted, delay.Round(time.Millisecond))
	}
	b.mu.Unlock()
	if delay <= 0 {
		return nil
	}
	if err := b.sleep(ctx, delay); err != nil {
		b.mu.Lock()
		r.CancelAt(b.now())
		b.mu.Unlock()
		return err
	}
	return nil
}

// Pause stops grants of key for d (a longer pause already set stays).
func (b *LocalBudget) Pause(_ context.Context, key string, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	now := b.now()
	b.mu.Lock()
	defer b.mu.Unlock()
	lk := b.key(key, now)
	if until := now.Add(d); until.After(lk.pausedUntil) {
		lk.pausedUntil = until
	}
	return nil
}

// RedisBudget is a [Budget] on Redis with go-redis/redis_rate's GCRA, timed
// by the Redis server's clock: every replica that shares the Redis shares
// each key's budget. A pause is one Redis key with a TTL. It is safe for
// concurrent use.
type RedisBudget struct {
	rl     *redis_rate.Limiter
	rdb    redis.UniversalClient
	limit  redis_rate.Limit
	prefix string
	sleep  func(context.Context, time.Duration) error
}

var (
	_ Budget = (*RedisBudget)(nil)
	_ Pauser = (*RedisBudget)(nil)
)

// NewRedisBudget returns a budget of perMinute requests per key and minute
// (zero means [DefaultBudgetPerMinute]) on client. It returns an error
// without a client, for a budget below 2 or a Burst outside
// [1, perMinute). It does not contact Redis.
func NewRedisBudget(client redis.UniversalClient, perMinute int, opts *BudgetOpts) (*RedisBudget, error) {
	if client == nil {
		return nil, errors.New("calcom: redis budget needs a client")
	}
	burst, refill, err := budgetShape(perMinute, opts)
	if err != nil {
		return nil, err
	}
	b := &RedisBudget{
		rl:     redis_rate.NewLimiter(client),
		rdb:    client,
		limit:  redis_rate.Limit{Rate: refill, Burst: burst, Period: time.Minute},
		prefix: DefaultRedisBudgetPrefix,
		sleep:  ctxtime.Sleep,
	}
	if opts != nil && opts.Prefix != "" {
		b.prefix = opts.Prefix
	}
	if opts != nil && opts.Sleep != nil {
		b.sleep = opts.Sleep
	}
	return b, nil
}

func (b *RedisBudget) pauseKey(key string) string { return b.prefix + "pause:" + key }

// Wait grants one request of key; see [Budget]. A Redis failure returns an
// error wrapping [ErrBudgetUnavailable].
func (b *RedisBudget) Wait(ctx context.Context, key string) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		pause, err := b.rdb.PTTL(ctx, b.pauseKey(key)).Result()
		if err != nil {
			return fmt.Errorf("%w: %w", ErrBudgetUnavailable, err)
		}
		delay := pause // negative: no pause key
		if delay <= 0 {
			res, err := b.rl.Allow(ctx, b.prefix+key, b.limit)
			if err != nil {
				return fmt.Errorf("%w: %w", ErrBudgetUnavailable, err)
			}
			if res.Allowed > 0 {
				return nil
			}
			delay = max(res.RetryAfter, time.Millisecond)
		}
		if !fits(ctx, delay) {
			return fmt.Errorf("%w: next request in %s", ErrBudgetExhausted, delay.Round(time.Millisecond))
		}
		if err := b.sleep(ctx, delay); err != nil {
			return err
		}
	}
}

// Pause stops grants of key for d on every replica. A pause already longer
// than d stays.
func (b *RedisBudget) Pause(ctx context.Context, key string, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	ms := max(d.Milliseconds(), 1)
	if err := pauseScript.Run(ctx, b.rdb, []string{b.pauseKey(key)}, ms).Err(); err != nil {
		return fmt.Errorf("%w: %w", ErrBudgetUnavailable, err)
	}
	return nil
}

// pauseScript sets the pause key for ARGV[1] ms unless it already lasts
// longer (works on every Redis version, unlike PEXPIRE GT).
var pauseScript = redis.NewScript(`
local cur = redis.call('PTTL', KEYS[1])
if cur < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
end
return 1
`)

var defaultBudget = sync.OnceValue(func() Budget {
	b, err := NewLocalBudget(DefaultBudgetPerMinute, nil)
	if err != nil {
		panic(err) // the defaults are valid
	}
	return b
})
