package pool_test

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/askproai/askpro/pkg/pool"
)

func benchAcquire(b *testing.B, p *pool.Pool) {
	ctx := b.Context()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			c, err := p.Acquire(ctx)
			if err != nil {
				b.Fatal(err)
			}
			if err := c.Close(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkAcquire measures taking and returning a warm connection.
func BenchmarkAcquire(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) {
		p, err := pool.Open(b.Context(), "sqlite://"+b.TempDir()+"/bench.db", pool.Config{MinConns: 4, MaxConns: 8, HealthInterval: -1, Logger: nopLogger()})
		require.NoError(b, err)
		b.Cleanup(func() { _ = p.Close() })
		benchAcquire(b, p)
	})
	b.Run("mysql", func(b *testing.B) {
		url, _ := mysqlURL(b)
		p, err := pool.Open(b.Context(), url, pool.Config{MinConns: 4, MaxConns: 8, HealthInterval: -1, Logger: nopLogger()})
		require.NoError(b, err)
		b.Cleanup(func() { _ = p.Close() })
		benchAcquire(b, p)
	})
}

// BenchmarkQuery measures a bounded point query through DB().
func BenchmarkQuery(b *testing.B) {
	b.Run("mysql", func(b *testing.B) {
		url, _ := mysqlURL(b)
		p, err := pool.Open(b.Context(), url, pool.Config{MinConns: 4, MaxConns: 8, HealthInterval: -1, Logger: nopLogger()})
		require.NoError(b, err)
		b.Cleanup(func() { _ = p.Close() })
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				ctx, cancel := p.Context(b.Context())
				var one int
				err := p.DB().QueryRowContext(ctx, "SELECT 1").Scan(&one)
				cancel()
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	})
}

// BenchmarkCollect measures one scrape of the pool's metrics.
func BenchmarkCollect(b *testing.B) {
	p, err := pool.Open(b.Context(), "sqlite://"+b.TempDir()+"/bench.db", pool.Config{MinConns: 2, MaxConns: 4, HealthInterval: -1, Logger: nopLogger()})
	require.NoError(b, err)
	b.Cleanup(func() { _ = p.Close() })
	reg := prometheus.NewRegistry()
	require.NoError(b, reg.Register(p))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := reg.Gather(); err != nil {
			b.Fatal(err)
		}
	}
}
