package calcom_test

import (
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/askproai/askpro/internal/testenv"
	"github.com/askproai/askpro/pkg/calcom"
	"github.com/askproai/askpro/pkg/calcom/calcomtest"
)

func TestKeyHash(t *testing.T) {
	t.Parallel()
	h := calcom.KeyHash(testKey)
	assert.Len(t, h, 64)
	assert.NotContains(t, h, testKey)
	assert.Equal(t, h, calcom.KeyHash(testKey))
	assert.NotEqual(t, h, calcom.KeyHash(testKey+"x"))
}

func TestNewBudget_Invalid(t *testing.T) {
	t.Parallel()
	_, err := calcom.NewLocalBudget(1, nil)
	assert.Error(t, err)
	_, err = calcom.NewLocalBudget(100, &calcom.BudgetOpts{Burst: 100})
	assert.Error(t, err)
	_, err = calcom.NewLocalBudget(100, &calcom.BudgetOpts{Burst: -1})
	assert.Error(t, err)
	_, err = calcom.NewRedisBudget(nil, 100, nil)
	assert.Error(t, err)
}

// grants returns the (fake) times at which n requests of key were granted,
// waiting as the budget says.
func grants(t *testing.T, b calcom.Budget, clock *calcomtest.Clock, key string, n int) []time.Time {
	t.Helper()
	out := make([]time.Time, 0, n)
	for range n {
		require.NoError(t, b.Wait(context.Background(), key))
		out = append(out, clock.Now())
	}
	return out
}

// TestLocalBudget_NeverMoreThanPerMinute: the default budget (100 a
// minute) never grants a 101st request within any 60 s, wherever Cal.com's
// window starts, and still sustains 90 a minute.
func TestLocalBudget_NeverMoreThanPerMinute(t *testing.T) {
	t.Parallel()
	clock := calcomtest.NewClock(t0)
	b, err := calcom.NewLocalBudget(0, &calcom.BudgetOpts{Now: clock.Now, Sleep: clock.Sleep})
	require.NoError(t, err)
	ts := grants(t, b, clock, "k", 1000)
	for i := 0; i+100 < len(ts); i++ {
		require.Greaterf(t, ts[i+100].Sub(ts[i]), 60*time.Second, "requests %d and %d are within one minute", i, i+100)
	}
	assert.Equal(t, t0, ts[9], "a burst of 10 goes at once")
	assert.LessOrEqual(t, ts[909].Sub(t0), 601*time.Second, "910 requests in about 10 minutes")
}

func TestLocalBudget_RefusesWhatTheDeadlineCannotWaitFor(t *testing.T) {
	t.Parallel()
	clock := calcomtest.NewClock(t0)
	b, err := calcom.NewLocalBudget(0, &calcom.BudgetOpts{Now: clock.Now, Sleep: clock.Sleep})
	require.NoError(t, err)
	ts := grants(t, b, clock, "k", 100)
	assert.LessOrEqual(t, ts[99].Sub(t0), 61*time.Second)

	short, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	before := len(clock.Slept())
	err = b.Wait(short, "k")
	assert.ErrorIs(t, err, calcom.ErrBudgetExhausted, "the 101st cannot be had within 100ms")
	assert.Len(t, clock.Slept(), before, "a refusal does not wait")

	require.NoError(t, b.Wait(short, "other"), "another key has its own budget")

	// The refused request did not take a token: the next waits one interval.
	require.NoError(t, b.Wait(context.Background(), "k"))
	slept := clock.Slept()
	require.Len(t, slept, before+1)
	assert.InDelta(t, float64(667*time.Millisecond), float64(slept[len(slept)-1]), float64(5*time.Millisecond))

	cancelled, cancel2 := context.WithCancel(context.Background())
	cancel2()
	assert.ErrorIs(t, b.Wait(cancelled, "k"), context.Canceled)
}

func TestLocalBudget_Pause(t *testing.T) {
	t.Parallel()
	clock := calcomtest.NewClock(t0)
	b, err := calcom.NewLocalBudget(0, &calcom.BudgetOpts{Now: clock.Now, Sleep: clock.Sleep})
	require.NoError(t, err)
	require.NoError(t, b.Pause(context.Background(), "k", 30*time.Second))
	require.NoError(t, b.Pause(context.Background(), "k", 10*time.Second), "a shorter pause does not shorten it")
	short, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	assert.ErrorIs(t, b.Wait(short, "k"), calcom.ErrBudgetExhausted)
	require.NoError(t, b.Wait(context.Background(), "k"))
	assert.Equal(t, []time.Duration{30 * time.Second}, clock.Slept())
	assert.NoError(t, b.Wait(short, "other"))
}

func TestLocalBudget_Concurrent(t *testing.T) {
	t.Parallel()
	clock := calcomtest.NewClock(t0)
	b, err := calcom.NewLocalBudget(20, &calcom.BudgetOpts{Burst: 5, Now: clock.Now, Sleep: func(context.Context, time.Duration) error { return nil }})
	require.NoError(t, err)
	short, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	var wg sync.WaitGroup
	var mu sync.Mutex
	granted := 0
	for range 50 {
		wg.Go(func() {
			if b.Wait(short, "k") == nil {
				mu.Lock()
				granted++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	assert.Equal(t, 5, granted, "the clock does not move: only the burst is granted")
}

// newRedisClient opens a client on the test Redis (fails under CI without
// ASKPRO_TEST_REDIS_URL) and deletes the prefix's keys at the end.
func newRedisClient(t *testing.T, prefix string) *redis.Client {
	t.Helper()
	opt, err := redis.ParseURL(testenv.RedisURL(t))
	require.NoError(t, err)
	client := redis.NewClient(opt)
	require.NoError(t, client.Ping(context.Background()).Err(), "ping test Redis")
	t.Cleanup(func() {
		ctx := context.Background()
		for _, pattern := range []string{prefix + "*", "rate:" + prefix + "*"} {
			iter := client.Scan(ctx, 0, pattern, 1000).Iterator()
			for iter.Next(ctx) {
				_ = client.Del(ctx, iter.Val()).Err()
			}
		}
		_ = client.Close()
	})
	return client
}

func TestRedisBudget_SharedByReplicas(t *testing.T) {
	t.Parallel()
	_, prefix := testenv.RedisPrefix(t)
	opts := &calcom.BudgetOpts{Prefix: prefix, Burst: 5}
	a, err := calcom.NewRedisBudget(newRedisClient(t, prefix), 10, opts)
	require.NoError(t, err)
	b, err := calcom.NewRedisBudget(newRedisClient(t, prefix), 10, opts)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	key := calcom.KeyHash(testKey)
	for i := range 5 {
		r := a
		if i%2 == 1 {
			r = b
		}
		require.NoErrorf(t, r.Wait(ctx, key), "request %d", i)
	}
	assert.ErrorIs(t, a.Wait(ctx, key), calcom.ErrBudgetExhausted, "the two replicas share one burst")
	assert.ErrorIs(t, b.Wait(ctx, key), calcom.ErrBudgetExhausted)
	require.NoError(t, b.Wait(ctx, calcom.KeyHash("cal_live_other")), "another key has its own budget")

	// A pause set by one replica holds on the other.
	other := calcom.KeyHash("cal_live_paused")
	require.NoError(t, a.Pause(ctx, other, 30*time.Second))
	require.NoError(t, a.Pause(ctx, other, time.Second), "a shorter pause keeps the longer one")
	assert.ErrorIs(t, b.Wait(ctx, other), calcom.ErrBudgetExhausted)
}

// TestRedisBudget_TwoClientsOneKey: two clients (two replicas) of one
// company draw from one Redis budget; the fake sees only what it granted.
func TestRedisBudget_TwoClientsOneKey(t *testing.T) {
	t.Parallel()
	_, prefix := testenv.RedisPrefix(t)
	srv := calcomtest.NewServer(calcomtest.Config{})
	t.Cleanup(srv.Close)
	srv.AddAPIKey(testKey)
	srv.AddEventType(calcomtest.EventType{ID: salonType})
	var clients []*calcom.Client
	for range 2 {
		budget, err := calcom.NewRedisBudget(newRedisClient(t, prefix), 10, &calcom.BudgetOpts{Prefix: prefix, Burst: 5})
		require.NoError(t, err)
		c, err := calcom.New(calcom.Config{BaseURL: srv.URL, APIKey: testKey, Budget: budget, Breaker: calcom.NewBreakers(calcom.BreakerConfig{})})
		require.NoError(t, err)
		clients = append(clients, c)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	for i := range 5 {
		_, err := clients[i%2].EventType(ctx, salonType)
		require.NoError(t, err)
	}
	_, err := clients[1].EventType(ctx, salonType)
	assert.ErrorIs(t, err, calcom.ErrBudgetExhausted)
	assert.Len(t, srv.Requests(), 5)
	keys, err := newRedisClient(t, prefix).Keys(context.Background(), "*"+prefix+"*").Result()
	require.NoError(t, err)
	require.NotEmpty(t, keys)
	for _, name := range keys {
		assert.NotContains(t, name, testKey, "Redis holds the key's hash, never the key")
		assert.Contains(t, name, calcom.KeyHash(testKey))
	}
}

// TestRedisBudget_DownFailsOpen: a dead Redis does not stop bookings.
func TestRedisBudget_DownFailsOpen(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	dead := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	t.Cleanup(func() { _ = dead.Close() })
	budget, err := calcom.NewRedisBudget(dead, 0, nil)
	require.NoError(t, err)
	err = budget.Wait(context.Background(), "k")
	assert.ErrorIs(t, err, calcom.ErrBudgetUnavailable)

	var logs strings.Builder
	c, b := setup(t, func(cfg *calcom.Config) { cfg.Budget = budget; cfg.Logger = newTextLogger(&logs) })
	_, err = c.EventType(ctxT(t), salonType)
	require.NoError(t, err)
	assert.Len(t, b.srv.Requests(), 1)
	assert.Contains(t, logs.String(), "budget store failed")
	assert.NotContains(t, logs.String(), testKey)
}
