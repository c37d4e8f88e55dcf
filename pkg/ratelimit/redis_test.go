package ratelimit_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/askproai/askpro/pkg/ratelimit"
	"github.com/askproai/askpro/pkg/ratelimit/ratelimittest"
)

func TestRedisLimiter_Conformance(t *testing.T) {
	t.Parallel()
	ratelimittest.RunLimiter(t, func(t *testing.T) ratelimit.Limiter { return newRedisLimiter(t) })
}

// TestRedisLimiter_ReplicasShareOneBudget: two limiters on two separate
// clients (two askpro processes) draw from one bucket per key.
func TestRedisLimiter_ReplicasShareOneBudget(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	client, prefix := newRedis(t)
	a, err := ratelimit.NewRedis(ratelimit.RedisConfig{Client: client, Prefix: prefix})
	require.NoError(t, err)
	b, err := ratelimit.NewRedis(ratelimit.RedisConfig{Client: replica(t), Prefix: prefix})
	require.NoError(t, err)

	lim := ratelimit.Limit{Rate: 4, Period: time.Hour, Burst: 4}
	var allowed int
	for i := 0; i < 10; i++ {
		l := a
		if i%2 == 1 {
			l = b
		}
		res, err := l.Allow(ctx, "api_per_key:key:1", lim)
		require.NoError(t, err)
		if res.Allowed {
			allowed++
		}
	}
	assert.Equal(t, 4, allowed, "the two replicas together allow one burst, not one each")

	res, err := b.Allow(ctx, "api_per_key:key:2", lim)
	require.NoError(t, err)
	assert.True(t, res.Allowed, "another key has its own budget on both replicas")
}

func TestRedisLimiter_DefaultPrefix(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	client, prefix := newRedis(t)
	l, err := ratelimit.NewRedis(ratelimit.RedisConfig{Client: client})
	require.NoError(t, err)
	key := prefix + "k" // unique even under the default prefix
	_, err = l.Allow(ctx, key, ratelimit.Limit{Rate: 1, Period: time.Hour})
	require.NoError(t, err)
	t.Cleanup(func() { client.Del(context.Background(), "rate:askpro:"+key) })

	ttl, err := client.TTL(ctx, "rate:"+ratelimit.DefaultRedisPrefix+key).Result()
	require.NoError(t, err)
	assert.Greater(t, ttl, 59*time.Minute, "the key expires once its bucket is full again")
	assert.LessOrEqual(t, ttl, time.Hour)
}

// TestRedisLimiter_Unavailable: a refused connection is ErrUnavailable;
// for Backoff afterwards the limiter answers at once without dialing.
func TestRedisLimiter_Unavailable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	client, dials := deadRedis(t)
	clk := newClock()
	l, err := ratelimit.NewRedis(ratelimit.RedisConfig{Client: client, Now: clk.Now, Backoff: 5 * time.Second})
	require.NoError(t, err)
	lim := ratelimit.PerSecond(10)

	_, err = l.Allow(ctx, "k", lim)
	require.ErrorIs(t, err, ratelimit.ErrUnavailable)
	n := dials.Load()
	require.Positive(t, n, "the first call tried Redis")

	clk.Advance(4 * time.Second)
	_, err = l.Allow(ctx, "k", lim)
	require.ErrorIs(t, err, ratelimit.ErrUnavailable)
	assert.Equal(t, n, dials.Load(), "within Backoff no dial is tried")

	clk.Advance(2 * time.Second)
	_, err = l.Allow(ctx, "k", lim)
	require.ErrorIs(t, err, ratelimit.ErrUnavailable)
	assert.Greater(t, dials.Load(), n, "after Backoff Redis is tried again")

	_, err = l.Allow(ctx, "k", ratelimit.Limit{})
	assert.ErrorIs(t, err, ratelimit.ErrInvalidLimit, "an invalid limit is reported as such, not as an outage")
}

func TestNewRedis_NoClient(t *testing.T) {
	t.Parallel()
	_, err := ratelimit.NewRedis(ratelimit.RedisConfig{})
	assert.ErrorIs(t, err, ratelimit.ErrNoClient)
}
