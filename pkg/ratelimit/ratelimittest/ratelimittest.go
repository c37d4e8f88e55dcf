// Package ratelimittest is the conformance suite for ratelimit.Limiter
// implementations: every limiter askpro ships (and any a user adds) must
// pass [RunLimiter].
package ratelimittest

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/askproai/askpro/pkg/ratelimit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// RunLimiter runs the conformance suite. newLimiter returns a fresh limiter
// whose keys no other test sees (a fresh instance, or a unique Redis
// prefix). The limits used refill slowly (an hour's period), so the suite
// needs no clock and does not sleep.
func RunLimiter(t *testing.T, newLimiter func(t *testing.T) ratelimit.Limiter) {
	t.Helper()
	ctx := context.Background()
	hourly := ratelimit.Limit{Rate: 3, Period: time.Hour, Burst: 3}

	t.Run("burst then refuse", func(t *testing.T) {
		t.Parallel()
		l := newLimiter(t)
		for want := 2; want >= 0; want-- {
			res, err := l.Allow(ctx, "k", hourly)
			require.NoError(t, err)
			assert.True(t, res.Allowed, "request %d", 3-want)
			assert.Equal(t, want, res.Remaining)
			assert.Zero(t, res.RetryAfter, "allowed requests have no RetryAfter")
			assert.Equal(t, hourly, res.Limit)
		}
		res, err := l.Allow(ctx, "k", hourly)
		require.NoError(t, err)
		assert.False(t, res.Allowed, "the 4th request exceeds a burst of 3")
		assert.Equal(t, 0, res.Remaining)
		// One token refills every 20 minutes.
		assert.Greater(t, res.RetryAfter, 19*time.Minute)
		assert.LessOrEqual(t, res.RetryAfter, 20*time.Minute)
		assert.Greater(t, res.ResetAfter, 59*time.Minute)
		assert.LessOrEqual(t, res.ResetAfter, time.Hour)
	})

	t.Run("burst defaults to rate", func(t *testing.T) {
		t.Parallel()
		l := newLimiter(t)
		lim := ratelimit.Limit{Rate: 2, Period: time.Hour}
		for i := 0; i < 2; i++ {
			res, err := l.Allow(ctx, "k", lim)
			require.NoError(t, err)
			require.True(t, res.Allowed)
			assert.Equal(t, 2, res.Limit.Burst)
		}
		res, err := l.Allow(ctx, "k", lim)
		require.NoError(t, err)
		assert.False(t, res.Allowed)
	})

	t.Run("reset after one request", func(t *testing.T) {
		t.Parallel()
		l := newLimiter(t)
		res, err := l.Allow(ctx, "k", hourly)
		require.NoError(t, err)
		require.True(t, res.Allowed)
		assert.Greater(t, res.ResetAfter, 19*time.Minute)
		assert.LessOrEqual(t, res.ResetAfter, 20*time.Minute)
	})

	t.Run("keys are isolated", func(t *testing.T) {
		t.Parallel()
		l := newLimiter(t)
		one := ratelimit.Limit{Rate: 1, Period: time.Hour, Burst: 1}
		res, err := l.Allow(ctx, "a", one)
		require.NoError(t, err)
		require.True(t, res.Allowed)
		res, err = l.Allow(ctx, "a", one)
		require.NoError(t, err)
		require.False(t, res.Allowed)
		res, err = l.Allow(ctx, "b", one)
		require.NoError(t, err)
		assert.True(t, res.Allowed, "key b has its own budget")
	})

	t.Run("invalid limits", func(t *testing.T) {
		t.Parallel()
		l := newLimiter(t)
		for _, lim := range []ratelimit.Limit{{}, {Rate: 0, Period: time.Second}, {Rate: 1}, {Rate: 1, Period: time.Second, Burst: -1}} {
			_, err := l.Allow(ctx, "k", lim)
			assert.ErrorIs(t, err, ratelimit.ErrInvalidLimit, "%+v", lim)
		}
	})

	t.Run("concurrent requests share one budget", func(t *testing.T) {
		t.Parallel()
		l := newLimiter(t)
		lim := ratelimit.Limit{Rate: 50, Period: time.Hour, Burst: 50}
		var allowed atomic.Int64
		var wg sync.WaitGroup
		for g := 0; g < 10; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 10; i++ {
					res, err := l.Allow(ctx, "k", lim)
					if assert.NoError(t, err) && res.Allowed {
						allowed.Add(1)
					}
				}
			}()
		}
		wg.Wait()
		assert.Equal(t, int64(50), allowed.Load(), "exactly the burst of 100 concurrent requests is allowed")
	})
}
