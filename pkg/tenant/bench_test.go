package tenant_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/askproai/askpro/internal/dbtest"
	"github.com/askproai/askpro/pkg/tenant"
)

// BenchmarkChainResolve measures the per-request cost of tenant resolution
// on a cache hit: a company's API key, the default chain (with a subdomain
// and a called-number resolver it never reaches), the status check through
// the cache with the version probe on, as serve runs it. "memory" is the
// in-process cache; "redis" one GET on the test Redis per request.
func BenchmarkChainResolve(b *testing.B) {
	bundle := &testBundle{sys: tenant.System(context.Background())}
	bundle.url = dbtest.SQLite(b)
	bundle.st = openStore(b, bundle.url)
	id := bundle.company(b, "salon", "+493012345678")
	key := tenant.WithPrincipal(context.Background(), tenant.Principal{KeyID: 1, Prefix: "ak_x", CompanyID: id})

	run := func(b *testing.B, cfg tenant.CacheConfig) {
		cfg.Version = bundle.st.Companies
		cache, err := tenant.NewCache(cfg)
		require.NoError(b, err)
		chain := tenant.MustNewChain(tenant.ChainConfig{Companies: cache, BaseDomain: baseDomain,
			Subdomains: cache, Phones: cache})
		in := tenant.Input{Request: request("api.askpro.example")}
		_, err = chain.Resolve(key, in)
		require.NoError(b, err)
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			if _, err := chain.Resolve(key, in); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("memory", func(b *testing.B) { run(b, bundle.sources()) })
	b.Run("redis", func(b *testing.B) {
		rdb := newRedis(b)
		cfg := bundle.sources()
		cfg.Redis, cfg.KeyPrefix = rdb, redisPrefix(b, rdb)
		run(b, cfg)
	})
}
