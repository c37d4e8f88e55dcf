package dedup_test

import (
	"context"
	"log/slog"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/askproai/askpro/pkg/dedup"
)

// claimComplete is the hot path of one stored webhook: Claim, then
// Complete. Keys are fresh, so every Claim is Claimed.
func claimComplete(b *testing.B, s dedup.Store) {
	ctx := context.Background()
	var n atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			key := "retell:call_ended:" + strconv.FormatInt(n.Add(1), 10)
			c, err := s.Claim(ctx, key, 30*time.Second)
			if err != nil || c.State != dedup.Claimed {
				b.Fatalf("Claim(%q) = %v, %v", key, c.State, err)
			}
			if err := s.Complete(ctx, c, 600*time.Second); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkMemoryStore_ClaimComplete: once b.N passes MaxKeys (100_000)
// every insert evicts, the steady state of a busy store.
func BenchmarkMemoryStore_ClaimComplete(b *testing.B) {
	claimComplete(b, dedup.NewMemoryStore(dedup.MemoryConfig{}))
}

func BenchmarkRedisStore_ClaimComplete(b *testing.B) {
	client := newRedis(b)
	claimComplete(b, dedup.NewRedisStore(client, dedup.RedisConfig{KeyPrefix: redisPrefix(b, client)}))
}

func BenchmarkDeduper_ClaimComplete(b *testing.B) {
	d, err := dedup.New(dedup.Config{
		Store:  dedup.NewMemoryStore(dedup.MemoryConfig{}),
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	var n atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			c, err := d.Claim(ctx, "retell:call_ended:"+strconv.FormatInt(n.Add(1), 10))
			if err != nil {
				b.Fatal(err)
			}
			if err := d.Complete(ctx, c, 600*time.Second); err != nil {
				b.Fatal(err)
			}
		}
	})
}
