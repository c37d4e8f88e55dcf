package ratelimit_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/askproai/askpro/pkg/ratelimit"
	"github.com/askproai/askpro/pkg/ratelimit/ratelimittest"
)

func TestLocalLimiter_Conformance(t *testing.T) {
	t.Parallel()
	ratelimittest.RunLimiter(t, func(t *testing.T) ratelimit.Limiter { return ratelimit.NewLocal(ratelimit.LocalConfig{}) })
}

func TestLocalLimiter_RefillsOnItsClock(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clk := newClock()
	l := ratelimit.NewLocal(ratelimit.LocalConfig{Now: clk.Now})
	lim := ratelimit.Limit{Rate: 2, Period: time.Second, Burst: 2} // one token per 500ms

	for i := 0; i < 2; i++ {
		res, err := l.Allow(ctx, "k", lim)
		require.NoError(t, err)
		require.True(t, res.Allowed)
	}
	res, err := l.Allow(ctx, "k", lim)
	require.NoError(t, err)
	require.False(t, res.Allowed)
	assert.Equal(t, 500*time.Millisecond, res.RetryAfter)
	assert.Equal(t, time.Second, res.ResetAfter)

	clk.Advance(499 * time.Millisecond)
	res, err = l.Allow(ctx, "k", lim)
	require.NoError(t, err)
	assert.False(t, res.Allowed, "not yet refilled")
	assert.Equal(t, time.Millisecond, res.RetryAfter)

	clk.Advance(time.Millisecond)
	res, err = l.Allow(ctx, "k", lim)
	require.NoError(t, err)
	assert.True(t, res.Allowed, "one token after 500ms")
	assert.Equal(t, 0, res.Remaining)

	clk.Advance(time.Hour)
	res, err = l.Allow(ctx, "k", lim)
	require.NoError(t, err)
	assert.True(t, res.Allowed)
	assert.Equal(t, 1, res.Remaining, "an idle bucket refills to Burst, never beyond")
}

// TestLocalLimiter_Bounded: an attacker rotating addresses cannot grow the
// limiter beyond MaxKeys; an evicted key only starts afresh.
func TestLocalLimiter_Bounded(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clk := newClock()
	l := ratelimit.NewLocal(ratelimit.LocalConfig{Now: clk.Now, MaxKeys: 100})
	one := ratelimit.Limit{Rate: 1, Period: time.Hour, Burst: 1}

	for i := 0; i < 10_000; i++ {
		_, err := l.Allow(ctx, fmt.Sprintf("ip:10.0.%d.%d", i/256, i%256), one)
		require.NoError(t, err)
	}
	st := l.Stats()
	assert.Equal(t, 100, st.Keys)
	assert.Equal(t, uint64(10_000-100), st.Evictions)

	res, err := l.Allow(ctx, "ip:10.0.0.0", one)
	require.NoError(t, err)
	assert.True(t, res.Allowed, "the evicted first key starts with a full bucket: eviction is never stricter")
}

// TestLocalLimiter_IdleKeysDropped: buckets that have refilled completely
// go away as other keys are used, without reaching MaxKeys.
func TestLocalLimiter_IdleKeysDropped(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clk := newClock()
	l := ratelimit.NewLocal(ratelimit.LocalConfig{Now: clk.Now, MaxKeys: 1000})
	lim := ratelimit.PerSecond(10)

	for i := 0; i < 50; i++ {
		_, err := l.Allow(ctx, fmt.Sprintf("old:%d", i), lim)
		require.NoError(t, err)
	}
	require.Equal(t, 50, l.Stats().Keys)

	clk.Advance(time.Second) // every old bucket is full again
	for i := 0; i < 50; i++ {
		_, err := l.Allow(ctx, "hot", lim)
		require.NoError(t, err)
		clk.Advance(100 * time.Millisecond) // hot stays within its limit
	}
	st := l.Stats()
	assert.Equal(t, 1, st.Keys, "only the hot key is left")
	assert.Zero(t, st.Evictions, "idle drops are not evictions")
}

func TestLocalLimiter_NewLimitStartsAfresh(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := ratelimit.NewLocal(ratelimit.LocalConfig{Now: newClock().Now})
	one := ratelimit.Limit{Rate: 1, Period: time.Hour, Burst: 1}
	res, err := l.Allow(ctx, "k", one)
	require.NoError(t, err)
	require.True(t, res.Allowed)
	res, err = l.Allow(ctx, "k", one)
	require.NoError(t, err)
	require.False(t, res.Allowed)

	two := ratelimit.Limit{Rate: 2, Period: time.Hour, Burst: 2}
	res, err = l.Allow(ctx, "k", two)
	require.NoError(t, err)
	assert.True(t, res.Allowed)
	assert.Equal(t, 1, res.Remaining)
}
