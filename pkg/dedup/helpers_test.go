package dedup_test

import (
	"context"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/askproai/askpro/internal/testenv"
)

// newRedis returns a client on the test Redis (skipping, or failing under
// CI, without ASKPRO_TEST_REDIS_URL), closed when the test ends.
func newRedis(tb testing.TB) *redis.Client {
	tb.Helper()
	url, _ := testenv.RedisPrefix(tb)
	opt, err := redis.ParseURL(url)
	require.NoError(tb, err)
	client := redis.NewClient(opt)
	tb.Cleanup(func() { _ = client.Close() })
	require.NoError(tb, client.Ping(context.Background()).Err(), "ping test Redis")
	return client
}

// redisPrefix returns a key prefix no other test uses; its keys are
// deleted when the test ends.
func redisPrefix(tb testing.TB, client *redis.Client) string {
	tb.Helper()
	_, prefix := testenv.RedisPrefix(tb)
	tb.Cleanup(func() {
		ctx := context.Background()
		iter := client.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		for iter.Next(ctx) {
			_ = client.Del(ctx, iter.Val()).Err()
		}
	})
	return prefix
}
