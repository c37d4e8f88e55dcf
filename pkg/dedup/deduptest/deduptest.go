package deduptest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/askproai/askpro/pkg/dedup"
)

// TTLs and waits of the suite. Short TTLs are waited out generously, and
// nothing that must still be held is given a short TTL, so the suite does
// not depend on the machine's speed.
const (
	shortTTL  = 100 * time.Millisecond
	longTTL   = time.Minute
	pastShort = 400 * time.Millisecond
)

// env is one subtest's store and its notion of time.
type env struct {
	store dedup.Store
	now   func() time.Time
	wait  func(time.Duration)
}

// RunStore runs the conformance suite against stores that keep real time,
// such as a [dedup.RedisStore]: it sleeps to let TTLs of 100ms expire, and
// takes well under a second because its subtests run in parallel.
//
// newStore is called once per subtest and must return a store whose keys no
// other store sees (for Redis, a unique key prefix per call).
func RunStore(t *testing.T, newStore func(t *testing.T) dedup.Store) {
	t.Helper()
	run(t, func(t *testing.T) env {
		return env{store: newStore(t), now: time.Now, wait: time.Sleep}
	})
}

// RunStoreWithClock runs the conformance suite against stores built on an
// injected clock, such as a [dedup.MemoryStore]: each subtest makes a fresh
// [Clock], passes its Now to newStore and advances it instead of sleeping.
func RunStoreWithClock(t *testing.T, newStore func(t *testing.T, now func() time.Time) dedup.Store) {
	t.Helper()
	run(t, func(t *testing.T) env {
		clk := NewClock(time.Date(2025, time.March, 3, 9, 30, 0, 0, time.UTC))
		return env{store: newStore(t, clk.Now), now: clk.Now, wait: clk.Advance}
	})
}

func run(t *testing.T, newEnv func(t *testing.T) env) {
	t.Helper()
	tests := []struct {
		name string
		run  func(t *testing.T, e env)
	}{
		{"fresh key is claimed", testFreshClaim},
		{"second claim is in flight", testSecondClaim},
		{"tokens are unique", testUniqueTokens},
		{"complete by owner makes it completed", testCompleteByOwner},
		{"complete by a non-owner makes it completed", testCompleteByOther},
		{"complete without a claim makes it completed", testCompleteUnclaimed},
		{"complete replaces the in-flight TTL", testCompleteReplacesTTL},
		{"release by owner frees the key", testReleaseByOwner},
		{"release of a claim not held is a no-op", testReleaseNotHeld},
		{"release by a stale owner keeps the new claim", testReleaseStale},
		{"release after complete keeps the completion", testReleaseAfterComplete},
		{"in-flight TTL expiry frees the key", testInFlightExpiry},
		{"completed TTL expiry frees the key", testCompletedExpiry},
		{"keys are independent", testIndependentKeys},
		{"concurrent claims of one key", testConcurrentOneKey},
		{"concurrent claims of many keys", testConcurrentManyKeys},
		{"invalid arguments", testInvalidArguments},
		{"done context", testDoneContext},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.run(t, newEnv(t))
		})
	}
}

func claim(t *testing.T, e env, key string, ttl time.Duration) dedup.Claim {
	t.Helper()
	c, err := e.store.Claim(context.Background(), key, ttl)
	require.NoError(t, err, "Claim(%q)", key)
	require.Equal(t, key, c.Key, "Claim.Key")
	return c
}

func requireState(t *testing.T, e env, key string, want dedup.State) dedup.Claim {
	t.Helper()
	c := claim(t, e, key, longTTL)
	require.Equal(t, want, c.State, "state of %q", key)
	if want == dedup.Claimed {
		require.NotEmpty(t, c.Token, "token of a Claimed claim")
	} else {
		require.Empty(t, c.Token, "token of a %s claim", c.State)
	}
	if want == dedup.Completed {
		require.False(t, c.CompletedAt.IsZero(), "CompletedAt of a Completed claim")
	} else {
		require.True(t, c.CompletedAt.IsZero(), "CompletedAt of a %s claim", c.State)
	}
	return c
}

func complete(t *testing.T, e env, c dedup.Claim, ttl time.Duration) {
	t.Helper()
	require.NoError(t, e.store.Complete(context.Background(), c, ttl), "Complete(%q)", c.Key)
}

func release(t *testing.T, e env, c dedup.Claim) {
	t.Helper()
	require.NoError(t, e.store.Release(context.Background(), c), "Release(%q)", c.Key)
}

func testFreshClaim(t *testing.T, e env) {
	requireState(t, e, "retell:call_ended:c1", dedup.Claimed)
}

func testSecondClaim(t *testing.T, e env) {
	requireState(t, e, "k", dedup.Claimed)
	requireState(t, e, "k", dedup.InFlight)
	requireState(t, e, "k", dedup.InFlight)
}

func testUniqueTokens(t *testing.T, e env) {
	seen := map[string]bool{}
	for i := range 20 {
		c := requireState(t, e, fmt.Sprintf("k%d", i), dedup.Claimed)
		require.False(t, seen[c.Token], "token %q handed out twice", c.Token)
		seen[c.Token] = true
	}
}

func testCompleteByOwner(t *testing.T, e env) {
	before := e.now()
	c := requireState(t, e, "k", dedup.Claimed)
	complete(t, e, c, longTTL)
	after := e.now()
	got := requireState(t, e, "k", dedup.Completed)
	// Redis keeps milliseconds; allow a second either way.
	assert.WithinRange(t, got.CompletedAt, before.Add(-time.Second), after.Add(time.Second))
	requireState(t, e, "k", dedup.Completed)
}

func testCompleteByOther(t *testing.T, e env) {
	requireState(t, e, "k", dedup.Claimed)
	other := requireState(t, e, "k", dedup.InFlight)
	complete(t, e, other, longTTL)
	requireState(t, e, "k", dedup.Completed)
}

func testCompleteUnclaimed(t *testing.T, e env) {
	complete(t, e, dedup.Claim{Key: "k"}, longTTL)
	requireState(t, e, "k", dedup.Completed)
}

func testCompleteReplacesTTL(t *testing.T, e env) {
	c := claim(t, e, "k", shortTTL)
	require.Equal(t, dedup.Claimed, c.State)
	complete(t, e, c, longTTL)
	e.wait(pastShort)
	requireState(t, e, "k", dedup.Completed)
}

func testReleaseByOwner(t *testing.T, e env) {
	c := requireState(t, e, "k", dedup.Claimed)
	release(t, e, c)
	again := requireState(t, e, "k", dedup.Claimed)
	assert.NotEqual(t, c.Token, again.Token, "a new claim gets a new token")
	release(t, e, c) // the old claim again: not the holder any more
	requireState(t, e, "k", dedup.InFlight)
}

func testReleaseNotHeld(t *testing.T, e env) {
	held := requireState(t, e, "k", dedup.Claimed)
	release(t, e, requireState(t, e, "k", dedup.InFlight))
	// Even with the holder's token, a Claim that is not Claimed releases nothing.
	release(t, e, dedup.Claim{Key: "k", Token: held.Token, State: dedup.InFlight})
	release(t, e, dedup.Claim{Key: "k", Token: held.Token, State: dedup.Completed})
	requireState(t, e, "k", dedup.InFlight)
	release(t, e, dedup.Claim{Key: "free", State: dedup.Claimed, Token: "nobody"})
	requireState(t, e, "free", dedup.Claimed)
}

func testReleaseStale(t *testing.T, e env) {
	stale := claim(t, e, "k", shortTTL)
	require.Equal(t, dedup.Claimed, stale.State)
	e.wait(pastShort)
	fresh := requireState(t, e, "k", dedup.Claimed)
	require.NotEqual(t, stale.Token, fresh.Token)
	release(t, e, stale)
	requireState(t, e, "k", dedup.InFlight)
	release(t, e, fresh)
	requireState(t, e, "k", dedup.Claimed)
}

func testReleaseAfterComplete(t *testing.T, e env) {
	c := requireState(t, e, "k", dedup.Claimed)
	complete(t, e, c, longTTL)
	release(t, e, c)
	requireState(t, e, "k", dedup.Completed)
}

func testInFlightExpiry(t *testing.T, e env) {
	c := claim(t, e, "k", shortTTL)
	require.Equal(t, dedup.Claimed, c.State)
	e.wait(pastShort)
	again := requireState(t, e, "k", dedup.Claimed)
	assert.NotEqual(t, c.Token, again.Token)
}

func testCompletedExpiry(t *testing.T, e env) {
	c := requireState(t, e, "k", dedup.Claimed)
	complete(t, e, c, shortTTL)
	e.wait(pastShort)
	requireState(t, e, "k", dedup.Claimed)
}

func testIndependentKeys(t *testing.T, e env) {
	a := requireState(t, e, "a", dedup.Claimed)
	complete(t, e, a, longTTL)
	b := requireState(t, e, "b", dedup.Claimed)
	release(t, e, b)
	requireState(t, e, "a", dedup.Completed)
	requireState(t, e, "c", dedup.Claimed)
	requireState(t, e, "b", dedup.Claimed)
}

func testConcurrentOneKey(t *testing.T, e env) {
	const n = 50
	claims := make([]dedup.Claim, n)
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			claims[i], errs[i] = e.store.Claim(context.Background(), "k", longTTL)
		})
	}
	close(start)
	wg.Wait()
	count := map[dedup.State]int{}
	for i := range n {
		require.NoError(t, errs[i])
		count[claims[i].State]++
	}
	assert.Equal(t, map[dedup.State]int{dedup.Claimed: 1, dedup.InFlight: n - 1}, count)
}

func testConcurrentManyKeys(t *testing.T, e env) {
	const workers, keys = 8, 200
	key := func(i int) string { return fmt.Sprintf("calcom:BOOKING_CREATED:%d", i) }
	winners := make([][]dedup.Claim, workers)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for j := range keys {
				c, err := e.store.Claim(context.Background(), key((j+w*keys/workers)%keys), longTTL)
				if err != nil {
					errs[w] = err
					return
				}
				if c.State == dedup.Claimed {
					winners[w] = append(winners[w], c)
				}
			}
		})
	}
	wg.Wait()
	won := map[string]int{}
	for w := range workers {
		require.NoError(t, errs[w])
		for _, c := range winners[w] {
			won[c.Key]++
		}
	}
	require.Len(t, won, keys, "every key claimed by someone")
	for k, n := range won {
		require.Equal(t, 1, n, "key %q claimed %d times", k, n)
	}

	for w := range workers {
		wg.Go(func() {
			for _, c := range winners[w] {
				if err := e.store.Complete(context.Background(), c, longTTL); err != nil {
					errs[w] = err
					return
				}
			}
		})
	}
	wg.Wait()
	for w := range workers {
		require.NoError(t, errs[w])
	}
	for i := range keys {
		requireState(t, e, key(i), dedup.Completed)
	}
}

func testInvalidArguments(t *testing.T, e env) {
	ctx := context.Background()
	held := dedup.Claim{Key: "", Token: "t", State: dedup.Claimed}
	tests := []struct {
		name string
		call func() error
		want error
	}{
		{"claim empty key", func() error { _, err := e.store.Claim(ctx, "", longTTL); return err }, dedup.ErrEmptyKey},
		{"claim zero ttl", func() error { _, err := e.store.Claim(ctx, "k", 0); return err }, dedup.ErrInvalidTTL},
		{"claim negative ttl", func() error { _, err := e.store.Claim(ctx, "k", -time.Second); return err }, dedup.ErrInvalidTTL},
		{"complete empty key", func() error { return e.store.Complete(ctx, dedup.Claim{}, longTTL) }, dedup.ErrEmptyKey},
		{"complete zero ttl", func() error { return e.store.Complete(ctx, dedup.Claim{Key: "k"}, 0) }, dedup.ErrInvalidTTL},
		{"release empty key", func() error { return e.store.Release(ctx, held) }, dedup.ErrEmptyKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.ErrorIs(t, tt.call(), tt.want)
		})
	}
	c, err := e.store.Claim(ctx, "", longTTL)
	require.Error(t, err)
	assert.Equal(t, dedup.InFlight, c.State, "a Claim returned with an error")
	requireState(t, e, "k", dedup.Claimed) // nothing was written for "k"
}

func testDoneContext(t *testing.T, e env) {
	held := requireState(t, e, "held", dedup.Claimed)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()

	c, err := e.store.Claim(ctx, "k", longTTL)
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, dedup.InFlight, c.State, "a Claim returned with an error")
	require.ErrorIs(t, e.store.Complete(ctx, dedup.Claim{Key: "k"}, longTTL), context.Canceled)
	require.ErrorIs(t, e.store.Release(ctx, held), context.Canceled)

	requireState(t, e, "k", dedup.Claimed)
	requireState(t, e, "held", dedup.InFlight)
}
