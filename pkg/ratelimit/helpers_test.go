package ratelimit_test

import (
	"context"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/askproai/askpro/internal/testenv"
	"github.com/askproai/askpro/pkg/ratelimit"
)

// newRedis returns a new client on the test Redis (skipping, or failing
// under CI, without ASKPRO_TEST_REDIS_URL) and a key prefix no other test
// uses, whose keys are deleted when the test ends. Each call opens its own
// client, as a separate replica would.
func newRedis(tb testing.TB) (*redis.Client, string) {
	tb.Helper()
	url, prefix := testenv.RedisPrefix(tb)
	opt, err := redis.ParseURL(url)
	require.NoError(tb, err)
	client := redis.NewClient(opt)
	require.NoError(tb, client.Ping(context.Background()).Err(), "ping test Redis")
	tb.Cleanup(func() {
		ctx := context.Background()
		iter := client.Scan(ctx, 0, "rate:"+prefix+"*", 1000).Iterator()
		for iter.Next(ctx) {
			_ = client.Del(ctx, iter.Val()).Err()
		}
		_ = client.Close()
	})
	return client, prefix
}

// replica returns a second client on the same Redis as the first: another
// process sharing the budget.
func replica(tb testing.TB) *redis.Client {
	tb.Helper()
	opt, err := redis.ParseURL(testenv.RedisURL(tb))
	require.NoError(tb, err)
	client := redis.NewClient(opt)
	tb.Cleanup(func() { _ = client.Close() })
	return client
}

func newRedisLimiter(tb testing.TB) *ratelimit.RedisLimiter {
	tb.Helper()
	client, prefix := newRedis(tb)
	l, err := ratelimit.NewRedis(ratelimit.RedisConfig{Client: client, Prefix: prefix})
	require.NoError(tb, err)
	return l
}

// deadRedis returns a client for an address where nothing listens (a real
// client seeing a real connection refusal) and a count of its dials.
func deadRedis(tb testing.TB) (*redis.Client, *atomic.Int64) {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(tb, err)
	addr := l.Addr().String()
	require.NoError(tb, l.Close())
	var dials atomic.Int64
	var d net.Dialer
	client := redis.NewClient(&redis.Options{
		Addr: addr, MaxRetries: -1, DialTimeout: time.Second, DialerRetries: 1,
		Dialer: func(ctx context.Context, network, addr string) (net.Conn, error) {
			dials.Add(1)
			return d.DialContext(ctx, network, addr)
		},
	})
	tb.Cleanup(func() { _ = client.Close() })
	return client, &dials
}

// clock is an injected clock that only moves when told.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
