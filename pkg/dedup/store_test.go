package dedup_test

import (
	"context"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/askproai/askpro/pkg/dedup"
	"github.com/askproai/askpro/pkg/dedup/deduptest"
)

func TestMemoryStore_Conformance(t *testing.T) {
	t.Parallel()
	deduptest.RunStoreWithClock(t, func(t *testing.T, now func() time.Time) dedup.Store {
		return dedup.NewMemoryStore(dedup.MemoryConfig{Now: now})
	})
}

func TestRedisStore_Conformance(t *testing.T) {
	t.Parallel()
	client := newRedis(t)
	deduptest.RunStore(t, func(t *testing.T) dedup.Store {
		return dedup.NewRedisStore(client, dedup.RedisConfig{KeyPrefix: redisPrefix(t, client)})
	})
}

func TestRedisStore_PipelineConformance(t *testing.T) {
	t.Parallel()
	deduptest.RunStore(t, func(t *testing.T) dedup.Store {
		client := newRedis(t)
		s := dedup.NewRedisStore(client, dedup.RedisConfig{KeyPrefix: redisPrefix(t, client), Pipeline: true})
		t.Cleanup(func() { _ = s.Close() })
		return s
	})
}

func TestRedisStore_PipelineClosed(t *testing.T) {
	t.Parallel()
	client := newRedis(t)
	s := dedup.NewRedisStore(client, dedup.RedisConfig{KeyPrefix: redisPrefix(t, client), Pipeline: true})
	require.NoError(t, s.Close())
	require.NoError(t, s.Close(), "Close is idempotent")
	_, err := s.Claim(context.Background(), "k", time.Second)
	assert.ErrorIs(t, err, dedup.ErrUnavailable)
}

func TestRedisStore_PipelineRecoversFromScriptFlush(t *testing.T) {
	t.Parallel()
	client := newRedis(t)
	s := dedup.NewRedisStore(client, dedup.RedisConfig{KeyPrefix: redisPrefix(t, client), Pipeline: true})
	defer s.Close()
	require.NoError(t, client.ScriptFlush(context.Background()).Err(), "the server forgets the scripts (restart, SCRIPT FLUSH)")
	c, err := s.Claim(context.Background(), "flushed", time.Second)
	require.NoError(t, err, "NOSCRIPT falls back to EVAL")
	assert.Equal(t, dedup.Claimed, c.State)
	require.NoError(t, s.Release(context.Background(), c))
}

func TestRedisStore_Values(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	client := newRedis(t)
	prefix := redisPrefix(t, client)
	completedAt := time.Date(2025, time.March, 3, 9, 30, 0, 123_000_000, time.UTC)
	s := dedup.NewRedisStore(client, dedup.RedisConfig{KeyPrefix: prefix, Now: func() time.Time { return completedAt }})

	c, err := s.Claim(ctx, "k", 30*time.Second)
	require.NoError(t, err)
	require.Equal(t, dedup.Claimed, c.State)
	assert.Equal(t, "inflight:"+c.Token, client.Get(ctx, prefix+"k").Val())
	ttl := client.PTTL(ctx, prefix+"k").Val()
	assert.True(t, ttl > 0 && ttl <= 30*time.Second, "in-flight PTTL %s", ttl)

	require.NoError(t, s.Complete(ctx, c, 20*time.Minute))
	assert.Equal(t, "done:"+strconv.FormatInt(completedAt.UnixMilli(), 10), client.Get(ctx, prefix+"k").Val())
	ttl = client.PTTL(ctx, prefix+"k").Val()
	assert.True(t, ttl > 30*time.Second && ttl <= 20*time.Minute, "completed PTTL %s", ttl)

	got, err := s.Claim(ctx, "k", 30*time.Second)
	require.NoError(t, err)
	assert.Equal(t, dedup.Completed, got.State)
	assert.True(t, completedAt.Equal(got.CompletedAt), "CompletedAt %s, want %s", got.CompletedAt, completedAt)
}

func TestRedisStore_DefaultPrefix(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	client := newRedis(t)
	// A unique key under the default prefix, deleted when the test ends.
	key := redisPrefix(t, client) + "k"
	t.Cleanup(func() { client.Del(context.Background(), dedup.DefaultKeyPrefix+key) })
	s := dedup.NewRedisStore(client, dedup.RedisConfig{})

	c, err := s.Claim(ctx, key, time.Minute)
	require.NoError(t, err)
	require.Equal(t, dedup.Claimed, c.State)
	assert.Equal(t, "inflight:"+c.Token, client.Get(ctx, "webhook:processed:"+key).Val())
}

func TestRedisStore_ForeignValues(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	client := newRedis(t)
	prefix := redisPrefix(t, client)
	s := dedup.NewRedisStore(client, dedup.RedisConfig{KeyPrefix: prefix})
	tests := []struct {
		name, value string
		want        dedup.State
		wantAt      time.Time
	}{
		{"spec timestamp", "1741000000", dedup.InFlight, time.Time{}},
		{"spec json", `{"processed_at":"2025-03-03T09:30:00+00:00","success":true}`, dedup.InFlight, time.Time{}},
		{"malformed marker", "done:yesterday", dedup.InFlight, time.Time{}},
		{"completed marker", "done:1741000000123", dedup.Completed, time.UnixMilli(1741000000123)},
		{"in-flight marker", "inflight:someone", dedup.InFlight, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.NoError(t, client.Set(ctx, prefix+tt.name, tt.value, time.Minute).Err())
			c, err := s.Claim(ctx, tt.name, time.Minute)
			require.NoError(t, err)
			assert.Equal(t, tt.want, c.State)
			assert.True(t, tt.wantAt.Equal(c.CompletedAt), "CompletedAt %s, want %s", c.CompletedAt, tt.wantAt)
			assert.Equal(t, tt.value, client.Get(ctx, prefix+tt.name).Val(), "a claim changes no existing value")
		})
	}
}

func TestRedisStore_SubMillisecondTTL(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	client := newRedis(t)
	prefix := redisPrefix(t, client)
	s := dedup.NewRedisStore(client, dedup.RedisConfig{KeyPrefix: prefix})

	c, err := s.Claim(ctx, "k", time.Microsecond)
	require.NoError(t, err, "a TTL under 1ms is rounded up, not refused")
	assert.Equal(t, dedup.Claimed, c.State)
	require.NoError(t, s.Complete(ctx, c, time.Microsecond))
}

func TestRedisStore_Unavailable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := dedup.NewRedisStore(deadRedis(t), dedup.RedisConfig{})

	c, err := s.Claim(ctx, "k", time.Minute)
	require.ErrorIs(t, err, dedup.ErrUnavailable)
	assert.Equal(t, dedup.Claim{Key: "k", State: dedup.InFlight}, c)
	require.ErrorIs(t, s.Complete(ctx, dedup.Claim{Key: "k"}, time.Minute), dedup.ErrUnavailable)
	require.ErrorIs(t, s.Release(ctx, dedup.Claim{Key: "k", State: dedup.Claimed, Token: "t"}), dedup.ErrUnavailable)
	require.NoError(t, s.Release(ctx, dedup.Claim{Key: "k", State: dedup.InFlight}), "nothing to release, no round trip")
}

func TestNewRedisStore_NilClient(t *testing.T) {
	t.Parallel()
	assert.PanicsWithValue(t, "dedup: NewRedisStore with nil client", func() {
		dedup.NewRedisStore(nil, dedup.RedisConfig{})
	})
}

// deadRedis returns a client for an address where nothing listens: a real
// client seeing a real connection refusal.
func deadRedis(t *testing.T) *redis.Client {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	client := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: time.Second})
	t.Cleanup(func() { _ = client.Close() })
	return client
}
