package app_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/askproai/askpro/internal/app"
	"github.com/askproai/askpro/internal/testenv"
	"github.com/askproai/askpro/pkg/webhook/webhooktest"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The webhook limit guards against floods from one address, in process on
// every replica: with Redis configured it refuses the address past its
// budget and leaves no limiter key in Redis, so ingestion makes no extra
// Redis round trip.
func TestWebhookLimitIsInProcess(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	url, prefix := testenv.RedisPrefix(t)
	cfg.Redis.URL = url
	cfg.Retell.APIKey = "key_retell_set"
	cfg.RateLimit.WebhooksPerIP = "2/1h:2"
	a, err := app.New(context.Background(), cfg, app.Options{Logger: slog.New(slog.DiscardHandler), NoProcessCollectors: true, DedupKeyPrefix: prefix})
	require.NoError(t, err)
	t.Cleanup(func() { _ = a.Close() })
	srv := httptest.NewServer(a.Server.Handler())
	t.Cleanup(srv.Close)

	for i, want := range []int{http.StatusUnauthorized, http.StatusUnauthorized, http.StatusTooManyRequests} {
		req, err := http.NewRequest(http.MethodPost, srv.URL+"/webhooks/retell", bytes.NewReader(webhooktest.RetellBody("call_ended", "c1")))
		require.NoError(t, err)
		assert.Equal(t, want, post(t, req), "request %d", i+1)
	}

	opts, err := redis.ParseURL(url)
	require.NoError(t, err)
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { _ = rdb.Close() })
	keys, err := rdb.Keys(context.Background(), "*webhooks_per_ip*").Result()
	require.NoError(t, err)
	assert.Empty(t, keys, "the webhook limit keeps no state in Redis")
}
