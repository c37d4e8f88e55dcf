package tenant_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/askproai/askpro/pkg/tenant"
)

func TestCacheInProcess(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, b *testBundle) {
		ctx := context.Background()
		id := b.company(t, "salon", "+493012345678")
		clk := newClock()
		cfg := b.sources()
		cfg.Now = clk.Now
		cache, err := tenant.NewCache(cfg)
		require.NoError(t, err)

		st, err := cache.CompanyStatus(ctx, id)
		require.NoError(t, err)
		assert.Equal(t, tenant.Status{Exists: true, Active: true}, st)
		_, err = cache.CompanyStatus(ctx, id)
		require.NoError(t, err)
		assert.Equal(t, int64(1), b.companyLoads.Load(), "the second lookup is a hit")

		clk.Advance(tenant.DefaultTTL - time.Second)
		_, _ = cache.CompanyStatus(ctx, id)
		assert.Equal(t, int64(1), b.companyLoads.Load(), "still within 5 minutes")
		clk.Advance(2 * time.Second)
		_, _ = cache.CompanyStatus(ctx, id)
		assert.Equal(t, int64(2), b.companyLoads.Load(), "expired after 5 minutes")

		st, err = cache.CompanyStatus(ctx, 424242)
		require.NoError(t, err)
		assert.Equal(t, tenant.Status{}, st)
		_, _ = cache.CompanyStatus(ctx, 424242)
		assert.Equal(t, int64(3), b.companyLoads.Load(), "a negative answer is cached")
		clk.Advance(tenant.DefaultNegativeTTL + time.Second)
		_, _ = cache.CompanyStatus(ctx, 424242)
		assert.Equal(t, int64(4), b.companyLoads.Load(), "but only for 30 seconds")

		got, err := cache.IDBySubdomain(ctx, "salon")
		require.NoError(t, err)
		assert.Equal(t, id, got)
		_, _ = cache.IDBySubdomain(ctx, "salon")
		assert.Equal(t, int64(1), b.subdomainLoads.Load())
		got, err = cache.CompanyByPhone(ctx, "+493012345678")
		require.NoError(t, err)
		assert.Equal(t, id, got)
		_, _ = cache.CompanyByPhone(ctx, "+493012345678")
		assert.Equal(t, int64(1), b.phoneLoads.Load())

		b.setActive(t, b.st, id, false)
		st, _ = cache.CompanyStatus(ctx, id)
		assert.True(t, st.Active, "cached until invalidated")
		require.NoError(t, cache.Invalidate(ctx, id))
		st, err = cache.CompanyStatus(ctx, id)
		require.NoError(t, err)
		assert.Equal(t, tenant.Status{Exists: true, Active: false}, st, "deactivation holds at once")

		require.NoError(t, cache.InvalidateSubdomain(ctx, "salon"))
		_, _ = cache.IDBySubdomain(ctx, "salon")
		assert.Equal(t, int64(2), b.subdomainLoads.Load())
		require.NoError(t, cache.InvalidatePhone(ctx, "+493012345678"))
		_, _ = cache.CompanyByPhone(ctx, "+493012345678")
		assert.Equal(t, int64(2), b.phoneLoads.Load())
	})
}

// TestCacheVersionProbe is the CLI case without Redis: another process
// (a second store on the same database) deactivates the company and cannot
// reach the serve process's memory; the version probe notices.
func TestCacheVersionProbe(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, b *testBundle) {
		ctx := context.Background()
		id := b.company(t, "salon", "+493012345678")
		clk := newClock()
		cfg := b.sources()
		cfg.Now = clk.Now
		cfg.Version = b.st.Companies
		cache, err := tenant.NewCache(cfg)
		require.NoError(t, err)
		chain := tenant.MustNewChain(tenant.ChainConfig{Companies: cache, Phones: cache})

		_, err = chain.Resolve(ctx, tenant.Input{CalledNumber: "+493012345678"})
		require.NoError(t, err)

		cli := openStore(t, b.url) // the other process
		b.setActive(t, cli, id, false)
		_, err = chain.Resolve(ctx, tenant.Input{CalledNumber: "+493012345678"})
		require.NoError(t, err, "within the probe interval the cache still answers")

		clk.Advance(tenant.DefaultVersionInterval)
		_, err = chain.Resolve(ctx, tenant.Input{CalledNumber: "+493012345678"})
		require.ErrorIs(t, err, tenant.ErrInactiveCompany, "the probe saw the change")

		loads := b.companyLoads.Load()
		_, _ = chain.Resolve(ctx, tenant.Input{CalledNumber: "+493012345678"})
		assert.Equal(t, loads, b.companyLoads.Load(), "no change, no flush")
	})
}

func TestCacheSingleflight(t *testing.T) {
	t.Parallel()
	var loads int
	var mu sync.Mutex
	started := make(chan struct{})
	release := make(chan struct{})
	cache, err := tenant.NewCache(tenant.CacheConfig{
		Companies: tenant.CompanySourceFunc(func(context.Context, int64) (tenant.Status, error) {
			mu.Lock()
			loads++
			first := loads == 1
			mu.Unlock()
			if first {
				close(started)
			}
			<-release
			return tenant.Status{Exists: true, Active: true}, nil
		}),
	})
	require.NoError(t, err)
	const n = 50
	var wg sync.WaitGroup
	results := make(chan tenant.Status, n)
	for range n {
		wg.Go(func() {
			st, err := cache.CompanyStatus(context.Background(), 7)
			assert.NoError(t, err)
			results <- st
		})
	}
	<-started
	close(release)
	wg.Wait()
	close(results)
	for st := range results {
		assert.True(t, st.Active)
	}
	assert.Equal(t, 1, loads, "concurrent misses make one lookup")

	t.Run("a waiter's cancellation is its own", func(t *testing.T) {
		t.Parallel()
		block := make(chan struct{})
		c, err := tenant.NewCache(tenant.CacheConfig{
			Companies: tenant.CompanySourceFunc(func(ctx context.Context, _ int64) (tenant.Status, error) {
				<-block
				return tenant.Status{Exists: true, Active: true}, ctx.Err()
			}),
		})
		require.NoError(t, err)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err = c.CompanyStatus(ctx, 1)
		assert.ErrorIs(t, err, context.Canceled)
		close(block)
		st, err := c.CompanyStatus(context.Background(), 1)
		require.NoError(t, err, "the shared lookup did not inherit the cancellation")
		assert.True(t, st.Active)
	})
}

func TestCacheErrors(t *testing.T) {
	t.Parallel()
	_, err := tenant.NewCache(tenant.CacheConfig{})
	assert.Error(t, err)
	_, err = tenant.NewCache(tenant.CacheConfig{Companies: tenant.CompanySourceFunc(nil), TTL: -1})
	assert.Error(t, err)

	fails := 0
	c, err := tenant.NewCache(tenant.CacheConfig{Companies: tenant.CompanySourceFunc(func(context.Context, int64) (tenant.Status, error) {
		fails++
		return tenant.Status{}, errors.New("db down")
	})})
	require.NoError(t, err)
	_, err = c.CompanyStatus(context.Background(), 1)
	require.ErrorContains(t, err, "db down")
	_, err = c.CompanyStatus(context.Background(), 1)
	require.Error(t, err)
	assert.Equal(t, 2, fails, "errors are not cached")
	_, err = c.IDBySubdomain(context.Background(), "x")
	assert.Error(t, err, "no Subdomains source")
	_, err = c.CompanyByPhone(context.Background(), "+4930")
	assert.Error(t, err, "no Phones source")
}

func TestCacheRedis(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, b *testBundle) {
		ctx := context.Background()
		id := b.company(t, "salon", "+493012345678")
		replica1, replica2 := newRedis(t), newRedis(t)
		prefix := redisPrefix(t, replica1)
		newCache := func(c tenant.CacheConfig) *tenant.Cache {
			cache, err := tenant.NewCache(c)
			require.NoError(t, err)
			return cache
		}
		cfg := b.sources()
		cfg.KeyPrefix = prefix
		cfg.Redis = replica1
		one := newCache(cfg)
		cfg.Redis = replica2
		two := newCache(cfg)

		st, err := one.CompanyStatus(ctx, id)
		require.NoError(t, err)
		assert.True(t, st.Active)
		st, err = two.CompanyStatus(ctx, id)
		require.NoError(t, err)
		assert.True(t, st.Active)
		assert.Equal(t, int64(1), b.companyLoads.Load(), "the second replica hits the shared key")

		ttl, err := replica1.PTTL(ctx, prefix+"c:"+itoa(id)).Result()
		require.NoError(t, err)
		assert.InDelta(t, tenant.DefaultTTL.Seconds(), ttl.Seconds(), 5, "a found company is kept 5 minutes")
		_, err = one.CompanyStatus(ctx, 999999)
		require.NoError(t, err)
		ttl, err = replica1.PTTL(ctx, prefix+"c:999999").Result()
		require.NoError(t, err)
		assert.InDelta(t, tenant.DefaultNegativeTTL.Seconds(), ttl.Seconds(), 5, "an unknown one 30 seconds")

		got, err := two.IDBySubdomain(ctx, "salon")
		require.NoError(t, err)
		assert.Equal(t, id, got)
		got, err = one.CompanyByPhone(ctx, "+493012345678")
		require.NoError(t, err)
		assert.Equal(t, id, got)
		_, _ = one.IDBySubdomain(ctx, "salon")
		_, _ = two.CompanyByPhone(ctx, "+493012345678")
		assert.Equal(t, int64(1), b.subdomainLoads.Load())
		assert.Equal(t, int64(1), b.phoneLoads.Load())

		// Deactivated through replica one (the CLI): replica two sees it at once.
		b.setActive(t, b.st, id, false)
		st, _ = two.CompanyStatus(ctx, id)
		assert.True(t, st.Active, "cached until invalidated")
		require.NoError(t, one.Invalidate(ctx, id))
		st, err = two.CompanyStatus(ctx, id)
		require.NoError(t, err)
		assert.Equal(t, tenant.Status{Exists: true, Active: false}, st, "the other replica sees the deactivation at once")
		st, err = one.CompanyStatus(ctx, id)
		require.NoError(t, err)
		assert.False(t, st.Active)

		// A lookup that began before the invalidation cannot write its stale
		// answer after it: the tombstone refuses the write.
		b.setActive(t, b.st, id, true)
		require.NoError(t, two.Invalidate(ctx, id))
		v, err := replica1.Get(ctx, prefix+"c:"+itoa(id)).Result()
		require.NoError(t, err)
		assert.Equal(t, "-", v, "a tombstone")
		st, err = one.CompanyStatus(ctx, id)
		require.NoError(t, err)
		assert.True(t, st.Active)
		v, _ = replica1.Get(ctx, prefix+"c:"+itoa(id)).Result()
		assert.Equal(t, "-", v, "not overwritten while the tombstone lives")

		require.NoError(t, one.InvalidatePhone(ctx, "+493012345678"))
		require.NoError(t, one.InvalidateSubdomain(ctx, "salon"))
		_, _ = two.IDBySubdomain(ctx, "salon")
		_, _ = two.CompanyByPhone(ctx, "+493012345678")
		assert.Equal(t, int64(2), b.subdomainLoads.Load())
		assert.Equal(t, int64(2), b.phoneLoads.Load())
	})
}

func TestCacheRedisVersion(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, b *testBundle) {
		ctx := context.Background()
		id := b.company(t, "salon", "")
		rdb := newRedis(t)
		clk := newClock()
		cfg := b.sources()
		cfg.Redis, cfg.KeyPrefix, cfg.Now, cfg.Version = rdb, redisPrefix(t, rdb), clk.Now, b.st.Companies
		cache, err := tenant.NewCache(cfg)
		require.NoError(t, err)
		st, err := cache.CompanyStatus(ctx, id)
		require.NoError(t, err)
		assert.True(t, st.Active)

		b.setActive(t, openStore(t, b.url), id, false) // without Invalidate
		st, _ = cache.CompanyStatus(ctx, id)
		assert.True(t, st.Active, "within the probe interval")
		clk.Advance(tenant.DefaultVersionInterval)
		st, err = cache.CompanyStatus(ctx, id)
		require.NoError(t, err)
		assert.False(t, st.Active, "a new version moves to fresh keys")
	})
}

// TestCacheRedisDown: with Redis unreachable the cache answers from the
// source, uncached, rather than failing every request.
func TestCacheRedisDown(t *testing.T) {
	t.Parallel()
	rdb := newRedis(t)
	prefix := redisPrefix(t, rdb)
	require.NoError(t, rdb.Close())
	loads := 0
	cache, err := tenant.NewCache(tenant.CacheConfig{Redis: rdb, KeyPrefix: prefix,
		Companies: tenant.CompanySourceFunc(func(context.Context, int64) (tenant.Status, error) {
			loads++
			return tenant.Status{Exists: true, Active: true}, nil
		})})
	require.NoError(t, err)
	st, err := cache.CompanyStatus(context.Background(), 1)
	require.NoError(t, err)
	assert.True(t, st.Active)
	assert.Equal(t, 1, loads)
	assert.Error(t, cache.Invalidate(context.Background(), 1), "an invalidation that cannot reach Redis is an error")
}

// TestCacheRedisInvalidateAcrossVersions: a server's cache probes the
// version and keeps its entries under the version's keys; the CLI's cache
// (askpro company update) does not probe. The CLI's Invalidate still
// reaches the server at once, not only at the server's next probe.
func TestCacheRedisInvalidateAcrossVersions(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, b *testBundle) {
		ctx := context.Background()
		id := b.company(t, "salon", "")
		rdb := newRedis(t)
		prefix := redisPrefix(t, rdb)
		clk := newClock()
		cfg := b.sources()
		cfg.Redis, cfg.KeyPrefix, cfg.Now, cfg.Version = rdb, prefix, clk.Now, b.st.Companies
		server, err := tenant.NewCache(cfg)
		require.NoError(t, err)
		cli, err := tenant.NewCache(tenant.CacheConfig{Companies: b.st.Companies, Redis: rdb, KeyPrefix: prefix})
		require.NoError(t, err)

		st, err := server.CompanyStatus(ctx, id)
		require.NoError(t, err)
		require.True(t, st.Active)
		b.setActive(t, openStore(t, b.url), id, false)
		require.NoError(t, cli.Invalidate(ctx, id))
		st, err = server.CompanyStatus(ctx, id) // the clock stands: no probe
		require.NoError(t, err)
		assert.Equal(t, tenant.Status{Exists: true, Active: false}, st, "the CLI's invalidation reaches the server before its next probe")

		versioned, err := rdb.Keys(ctx, prefix+"v*:c:"+itoa(id)).Result()
		require.NoError(t, err)
		require.Len(t, versioned, 1)
		v, err := rdb.Get(ctx, versioned[0]).Result()
		require.NoError(t, err)
		assert.Equal(t, "-", v, "the server dropped its own version's entry too")

		// Once the tombstones are gone (expired) the server caches the new state.
		require.NoError(t, rdb.Del(ctx, prefix+"c:"+itoa(id), versioned[0]).Err())
		loads := b.companyLoads.Load()
		for range 2 {
			st, err = server.CompanyStatus(ctx, id)
			require.NoError(t, err)
			assert.False(t, st.Active)
		}
		assert.Equal(t, int64(1), b.companyLoads.Load()-loads, "cached again after the tombstones")
	})
}
