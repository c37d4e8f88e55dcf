package dedup

import (
	"context"
	"crypto/rand"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultKeyPrefix is the Redis key prefix of [RedisConfig.KeyPrefix], the
// spec's namespace for processed webhooks.
const DefaultKeyPrefix = "webhook:processed:"

// Values stored under a key: "inflight:<token>" while claimed and
// "done:<unix milliseconds>" once completed.
const (
	inflightPrefix = "inflight:"
	donePrefix     = "done:"
)

// claimScript sets the in-flight marker if the key is free (returns 1), or
// returns the existing value: one round trip, atomic on the server.
var claimScript = redis.NewScript(`
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return 1
end
return redis.call('GET', KEYS[1])
`)

// releaseScript deletes the key only if it still holds our in-flight value.
var releaseScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`)

// RedisConfig configures a [RedisStore].
type RedisConfig struct {
	// KeyPrefix is put in front of every key. Empty means
	// [DefaultKeyPrefix] ("webhook:processed:").
	KeyPrefix string

	// Now stamps completed markers. Nil means time.Now. TTLs are kept by
	// the Redis server's clock, not by Now.
	Now func() time.Time

	// Pipeline sends the commands of concurrent calls to Redis together,
	// one pipeline per batch, instead of one round trip each: under load
	// it cuts the CPU of both the process and Redis per call; a lone call
	// still goes alone. The store then runs two goroutines: call
	// [RedisStore.Close] when done with it. False means one round trip per
	// call.
	Pipeline bool
}

// RedisStore is a [Store] on Redis (standalone, Sentinel or Cluster through
// go-redis' UniversalClient), shared by every askpro process. Each method is
// one atomic command or Lua script and one round trip:
//
//   - Claim: SET key "inflight:<token>" NX PX ttl, else GET, in one script;
//   - Complete: SET key "done:<unix ms>" PX ttl;
//   - Release: GET and DEL if the value is still ours, in one script.
//
// TTLs are rounded up to whole milliseconds. A value under the prefix that
// is not a well-formed completed marker (say, one written by another
// program) is reported as [InFlight], never as a duplicate.
//
// Every Redis failure is wrapped with [ErrUnavailable]. Context deadlines
// bound a call only if the client was built with
// redis.Options.ContextTimeoutEnabled; otherwise its own dial, read and
// write timeouts do. Note that go-redis retries a refused dial
// (DialerRetries, 5 × 100ms by default), so with Redis down each call takes
// about half a second unless a deadline cuts it short. A RedisStore is safe
// for concurrent use.
type RedisStore struct {
	client redis.UniversalClient
	prefix string
	now    func() time.Time
	pipe   *pipeliner // nil without RedisConfig.Pipeline
}

var _ Store = (*RedisStore)(nil)

// NewRedisStore returns a RedisStore on client. It panics if client is nil
// (a programming error at setup).
func NewRedisStore(client redis.UniversalClient, cfg RedisConfig) *RedisStore {
	if client == nil {
		panic("dedup: NewRedisStore with nil client")
	}
	if cfg.KeyPrefix == "" {
		cfg.KeyPrefix = DefaultKeyPrefix
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &RedisStore{client: client, prefix: cfg.KeyPrefix, now: cfg.Now}
	if cfg.Pipeline {
		s.pipe = newPipeliner(client)
	}
	return s
}

// Close stops a pipelining store's goroutines after sending what is queued;
// later calls fail with [ErrUnavailable]. It does not close the client. It
// is safe to call more than once, and a no-op without
// [RedisConfig.Pipeline].
func (s *RedisStore) Close() error {
	if s.pipe != nil {
		s.pipe.close()
	}
	return nil
}

// Claim implements [Store.Claim] with one Lua script (EVALSHA, falling back
// to EVAL once per server). Errors: [ErrEmptyKey], [ErrInvalidTTL],
// [ErrUnavailable].
func (s *RedisStore) Claim(ctx context.Context, key string, inflight time.Duration) (Claim, error) {
	c := Claim{Key: key, State: InFlight}
	if err := checkKey(key); err != nil {
		return c, err
	}
	if err := checkTTL(inflight); err != nil {
		return c, err
	}
	if err := ctx.Err(); err != nil {
		return c, unavailable("claim", key, err)
	}
	token := rand.Text()
	res, err := s.evalScript(ctx, claimScript, []string{s.prefix + key}, inflightPrefix+token, millis(inflight))
	if err != nil {
		return c, unavailable("claim", key, err)
	}
	switch v := res.(type) {
	case int64:
		c.State, c.Token = Claimed, token
	case string:
		c.State, c.CompletedAt = parseValue(v)
	default:
		return c, unavailable("claim", key, fmt.Errorf("unexpected script result %T", res))
	}
	return c, nil
}

// Complete implements [Store.Complete] with one SET … PX. Errors:
// [ErrEmptyKey], [ErrInvalidTTL], [ErrUnavailable].
func (s *RedisStore) Complete(ctx context.Context, c Claim, ttl time.Duration) error {
	if err := checkKey(c.Key); err != nil {
		return err
	}
	if err := checkTTL(ttl); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return unavailable("complete", c.Key, err)
	}
	value := donePrefix + strconv.FormatInt(s.now().UnixMilli(), 10)
	if err := s.set(ctx, s.prefix+c.Key, value, time.Duration(millis(ttl))*time.Millisecond); err != nil {
		return unavailable("complete", c.Key, err)
	}
	return nil
}

// Release implements [Store.Release] with one compare-and-delete script.
// Errors: [ErrEmptyKey], [ErrUnavailable].
func (s *RedisStore) Release(ctx context.Context, c Claim) error {
	if err := checkKey(c.Key); err != nil {
		return err
	}
	if !releasable(c) {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return unavailable("release", c.Key, err)
	}
	if _, err := s.evalScript(ctx, releaseScript, []string{s.prefix + c.Key}, inflightPrefix+c.Token); err != nil {
		return unavailable("release", c.Key, err)
	}
	return nil
}

// parseValue reads a stored value. Anything but a well-formed completed
// marker is in flight: only a marker we wrote may make a caller skip the
// insert.
func parseValue(v string) (State, time.Time) {
	ms, ok := strings.CutPrefix(v, donePrefix)
	if !ok {
		return InFlight, time.Time{}
	}
	n, err := strconv.ParseInt(ms, 10, 64)
	if err != nil {
		return InFlight, time.Time{}
	}
	return Completed, time.UnixMilli(n)
}

// millis rounds d up to whole milliseconds (Redis' PX resolution).
func millis(d time.Duration) int64 {
	return int64((d + time.Millisecond - 1) / time.Millisecond)
}

func unavailable(op, key string, err error) error {
	return fmt.Errorf("redis %s %q: %w: %w", op, key, ErrUnavailable, err)
}
