package dedup_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/askproai/askpro/pkg/dedup"
	"github.com/askproai/askpro/pkg/dedup/deduptest"
)

// newMemory returns a MemoryStore on a fake clock.
func newMemory(t *testing.T, cfg dedup.MemoryConfig) (*dedup.MemoryStore, *deduptest.Clock) {
	t.Helper()
	clk := deduptest.NewClock(time.Date(2025, time.March, 3, 9, 30, 0, 0, time.UTC))
	cfg.Now = clk.Now
	return dedup.NewMemoryStore(cfg), clk
}

func memClaim(t *testing.T, s dedup.Store, key string, ttl time.Duration) dedup.State {
	t.Helper()
	c, err := s.Claim(context.Background(), key, ttl)
	require.NoError(t, err)
	return c.State
}

func TestMemoryStore_Bound(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		maxKeys, keys int
		want          dedup.MemoryStats
	}{
		{"below the bound", 100, 60, dedup.MemoryStats{Keys: 60}},
		{"at the bound", 100, 100, dedup.MemoryStats{Keys: 100}},
		{"ten times the bound", 100, 1000, dedup.MemoryStats{Keys: 100, Evictions: 900}},
		{"one key", 1, 50, dedup.MemoryStats{Keys: 1, Evictions: 49}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, _ := newMemory(t, dedup.MemoryConfig{MaxKeys: tt.maxKeys})
			for i := range tt.keys {
				require.Equal(t, dedup.Claimed, memClaim(t, s, fmt.Sprint("k", i), time.Hour))
			}
			assert.Equal(t, tt.want, s.Stats())
		})
	}
}

func TestMemoryStore_DefaultBound(t *testing.T) {
	t.Parallel()
	s, _ := newMemory(t, dedup.MemoryConfig{})
	for i := range 100_001 {
		memClaim(t, s, fmt.Sprint("k", i), time.Hour)
	}
	assert.Equal(t, dedup.MemoryStats{Keys: 100_000, Evictions: 1}, s.Stats())
}

func TestMemoryStore_BoundUnderConcurrency(t *testing.T) {
	t.Parallel()
	s, _ := newMemory(t, dedup.MemoryConfig{MaxKeys: 1000})
	const workers, keys = 8, 2000
	var wg sync.WaitGroup
	errs := make([]error, workers)
	for w := range workers {
		wg.Go(func() {
			for i := range keys {
				key := fmt.Sprint(w, ":", i)
				c, err := s.Claim(context.Background(), key, time.Hour)
				if err == nil && i%2 == 0 {
					err = s.Complete(context.Background(), c, time.Hour)
				}
				if err != nil {
					errs[w] = err
					return
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	st := s.Stats()
	assert.Equal(t, 1000, st.Keys)
	// A Complete whose claim was evicted meanwhile inserts again.
	assert.GreaterOrEqual(t, st.Evictions, uint64(workers*keys-1000))
}

func TestMemoryStore_Eviction(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("soonest expiring goes first", func(t *testing.T) {
		t.Parallel()
		s, _ := newMemory(t, dedup.MemoryConfig{MaxKeys: 3})
		memClaim(t, s, "a", time.Minute)
		memClaim(t, s, "b", 10*time.Second)
		memClaim(t, s, "c", 5*time.Minute)
		require.Equal(t, dedup.Claimed, memClaim(t, s, "d", time.Hour))
		// Claims of held keys insert nothing, so they evict nothing.
		assert.Equal(t, dedup.InFlight, memClaim(t, s, "a", time.Minute))
		assert.Equal(t, dedup.InFlight, memClaim(t, s, "c", time.Minute))
		assert.Equal(t, dedup.InFlight, memClaim(t, s, "d", time.Minute))
		assert.Equal(t, dedup.Claimed, memClaim(t, s, "b", time.Minute), "b was evicted")
		assert.Equal(t, uint64(2), s.Stats().Evictions)
	})

	t.Run("oldest goes first among equals", func(t *testing.T) {
		t.Parallel()
		s, _ := newMemory(t, dedup.MemoryConfig{MaxKeys: 2})
		memClaim(t, s, "a", time.Minute)
		memClaim(t, s, "b", time.Minute)
		memClaim(t, s, "c", time.Minute)
		assert.Equal(t, dedup.InFlight, memClaim(t, s, "b", time.Minute))
		assert.Equal(t, dedup.InFlight, memClaim(t, s, "c", time.Minute))
		assert.Equal(t, dedup.Claimed, memClaim(t, s, "a", time.Minute), "a was evicted")
	})

	t.Run("complete moves a marker back in line", func(t *testing.T) {
		t.Parallel()
		s, _ := newMemory(t, dedup.MemoryConfig{MaxKeys: 2})
		a, err := s.Claim(ctx, "a", time.Minute)
		require.NoError(t, err)
		memClaim(t, s, "b", 2*time.Minute)
		require.NoError(t, s.Complete(ctx, a, 10*time.Minute))
		memClaim(t, s, "c", time.Minute) // evicts b, now the soonest
		assert.Equal(t, dedup.Completed, memClaim(t, s, "a", time.Minute))
		assert.Equal(t, dedup.InFlight, memClaim(t, s, "c", time.Minute))
		assert.Equal(t, dedup.Claimed, memClaim(t, s, "b", time.Minute), "b was evicted")
	})

	t.Run("expired markers are dropped, not evicted", func(t *testing.T) {
		t.Parallel()
		s, clk := newMemory(t, dedup.MemoryConfig{MaxKeys: 2})
		memClaim(t, s, "a", time.Second)
		memClaim(t, s, "b", time.Minute)
		clk.Advance(2 * time.Second)
		require.Equal(t, dedup.Claimed, memClaim(t, s, "c", time.Minute))
		assert.Equal(t, dedup.MemoryStats{Keys: 2, Evictions: 0}, s.Stats())
		assert.Equal(t, dedup.InFlight, memClaim(t, s, "b", time.Minute))
	})

	t.Run("release frees room", func(t *testing.T) {
		t.Parallel()
		s, _ := newMemory(t, dedup.MemoryConfig{MaxKeys: 2})
		a, err := s.Claim(ctx, "a", time.Hour)
		require.NoError(t, err)
		memClaim(t, s, "b", time.Minute)
		require.NoError(t, s.Release(ctx, a))
		memClaim(t, s, "c", time.Minute)
		assert.Equal(t, dedup.MemoryStats{Keys: 2, Evictions: 0}, s.Stats())
	})
}

func TestMemoryStore_CompletedAt(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, clk := newMemory(t, dedup.MemoryConfig{})
	c, err := s.Claim(ctx, "k", time.Minute)
	require.NoError(t, err)
	clk.Advance(3 * time.Second)
	at := clk.Now()
	require.NoError(t, s.Complete(ctx, c, time.Minute))
	clk.Advance(time.Second)
	got, err := s.Claim(ctx, "k", time.Minute)
	require.NoError(t, err)
	assert.Equal(t, dedup.Claim{Key: "k", State: dedup.Completed, CompletedAt: at}, got)
}
