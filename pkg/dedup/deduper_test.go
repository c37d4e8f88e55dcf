package dedup_test

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/askproai/askpro/pkg/dedup"
	"github.com/askproai/askpro/pkg/dedup/deduptest"
)

// testBundle holds a Deduper's collaborators.
type testBundle struct {
	clock *deduptest.Clock
	reg   *prometheus.Registry
	logs  *bytes.Buffer
}

// setup returns a Deduper on a MemoryStore and fake clock, with cfg's
// Store, Now, Logger and Registerer filled in where unset.
func setup(t *testing.T, cfg dedup.Config) (*dedup.Deduper, *testBundle) {
	t.Helper()
	b := &testBundle{
		clock: deduptest.NewClock(time.Date(2025, time.March, 3, 9, 30, 0, 0, time.UTC)),
		reg:   prometheus.NewPedanticRegistry(),
		logs:  &bytes.Buffer{},
	}
	if cfg.Store == nil {
		cfg.Store = dedup.NewMemoryStore(dedup.MemoryConfig{Now: b.clock.Now})
	}
	cfg.Now = b.clock.Now
	cfg.Logger = slog.New(slog.NewTextHandler(b.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cfg.Registerer = b.reg
	d, err := dedup.New(cfg)
	require.NoError(t, err)
	return d, b
}

func state(t *testing.T, d *dedup.Deduper, key string) dedup.State {
	t.Helper()
	c, err := d.Claim(context.Background(), key)
	require.NoError(t, err)
	return c.State
}

func TestNew_Config(t *testing.T) {
	t.Parallel()
	store := dedup.NewMemoryStore(dedup.MemoryConfig{})
	tests := []struct {
		name    string
		cfg     dedup.Config
		wantErr error
		wantMsg string
	}{
		{"no store", dedup.Config{}, dedup.ErrNoStore, ""},
		{"negative in-flight TTL", dedup.Config{Store: store, InFlightTTL: -time.Second}, nil, "negative InFlightTTL"},
		{"negative success factor", dedup.Config{Store: store, SuccessFactor: -1}, nil, "negative SuccessFactor"},
		{"defaults", dedup.Config{Store: store}, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d, err := dedup.New(tt.cfg)
			switch {
			case tt.wantErr != nil:
				require.ErrorIs(t, err, tt.wantErr)
				assert.Nil(t, d)
			case tt.wantMsg != "":
				require.ErrorContains(t, err, tt.wantMsg)
				assert.Nil(t, d)
			default:
				require.NoError(t, err)
				assert.NotNil(t, d)
			}
		})
	}
}

func TestNew_RegisterTwice(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	store := dedup.NewMemoryStore(dedup.MemoryConfig{})
	_, err := dedup.New(dedup.Config{Store: store, Registerer: reg})
	require.NoError(t, err)
	_, err = dedup.New(dedup.Config{Store: store, Registerer: reg})
	var are prometheus.AlreadyRegisteredError
	require.ErrorAs(t, err, &are)
}

func TestDeduper_TTLs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		name         string
		cfg          dedup.Config
		wantInFlight time.Duration // how long a claim holds
		completeTTL  time.Duration
		wantDone     time.Duration // how long a completion holds
	}{
		{"defaults", dedup.Config{}, 30 * time.Second, 10 * time.Second, 20 * time.Second},
		{"custom", dedup.Config{InFlightTTL: 5 * time.Second, SuccessFactor: 3}, 5 * time.Second, 10 * time.Second, 30 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d, b := setup(t, tt.cfg)

			require.Equal(t, dedup.Claimed, state(t, d, "k"))
			b.clock.Advance(tt.wantInFlight - time.Second)
			assert.Equal(t, dedup.InFlight, state(t, d, "k"), "just before the in-flight TTL")
			b.clock.Advance(2 * time.Second)
			c, err := d.Claim(ctx, "k")
			require.NoError(t, err)
			require.Equal(t, dedup.Claimed, c.State, "just after the in-flight TTL")

			require.NoError(t, d.Complete(ctx, c, tt.completeTTL))
			b.clock.Advance(tt.wantDone - time.Second)
			assert.Equal(t, dedup.Completed, state(t, d, "k"), "just before ttl × SuccessFactor")
			b.clock.Advance(2 * time.Second)
			assert.Equal(t, dedup.Claimed, state(t, d, "k"), "just after ttl × SuccessFactor")
		})
	}
}

func TestDeduper_Flow(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d, b := setup(t, dedup.Config{})

	first, err := d.Claim(ctx, "retell:call_ended:c1")
	require.NoError(t, err)
	require.Equal(t, dedup.Claimed, first.State)
	retry, err := d.Claim(ctx, "retell:call_ended:c1")
	require.NoError(t, err)
	require.Equal(t, dedup.InFlight, retry.State)
	require.NoError(t, d.Release(ctx, retry), "releasing an in-flight claim is a no-op")
	require.NoError(t, d.Complete(ctx, first, 600*time.Second))
	b.clock.Advance(time.Minute)
	dup, err := d.Claim(ctx, "retell:call_ended:c1")
	require.NoError(t, err)
	require.Equal(t, dedup.Completed, dup.State)

	failed, err := d.Claim(ctx, "stripe:evt_1")
	require.NoError(t, err)
	require.NoError(t, d.Release(ctx, failed))
	assert.Equal(t, dedup.Claimed, state(t, d, "stripe:evt_1"), "the retry after a failed insert")

	_, err = d.Claim(ctx, "")
	require.ErrorIs(t, err, dedup.ErrEmptyKey)
	require.ErrorIs(t, d.Complete(ctx, dedup.Claim{Key: "k"}, 0), dedup.ErrInvalidTTL)

	const want = `
# HELP askproai_dedup_claims_total Webhook dedup claims by outcome (claimed, in_flight, completed, error).
# TYPE askproai_dedup_claims_total counter
askproai_dedup_claims_total{outcome="claimed"} 3
askproai_dedup_claims_total{outcome="completed"} 1
askproai_dedup_claims_total{outcome="error"} 1
askproai_dedup_claims_total{outcome="in_flight"} 1
# HELP askproai_dedup_completes_total Webhook dedup keys marked completed after the event was stored.
# TYPE askproai_dedup_completes_total counter
askproai_dedup_completes_total 1
# HELP askproai_dedup_errors_total Webhook dedup store failures by operation (claim, complete, release).
# TYPE askproai_dedup_errors_total counter
askproai_dedup_errors_total{op="claim"} 1
askproai_dedup_errors_total{op="complete"} 1
askproai_dedup_errors_total{op="release"} 0
# HELP askproai_dedup_fallbacks_total Webhooks whose dedup claim failed, so the database unique key decided, by reason (unavailable, empty_key, error).
# TYPE askproai_dedup_fallbacks_total counter
askproai_dedup_fallbacks_total{reason="empty_key"} 1
askproai_dedup_fallbacks_total{reason="error"} 0
askproai_dedup_fallbacks_total{reason="unavailable"} 0
# HELP askproai_dedup_releases_total Webhook dedup claims released after storing the event failed.
# TYPE askproai_dedup_releases_total counter
askproai_dedup_releases_total 1
`
	require.NoError(t, testutil.GatherAndCompare(b.reg, strings.NewReader(want)))
	assert.Contains(t, b.logs.String(), `msg="duplicate webhook" event_key=retell:call_ended:c1 completed_at=2025-03-03T09:30:00.000Z age=1m0s`)
}

func TestDeduper_RedisDown(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d, b := setup(t, dedup.Config{Store: dedup.NewRedisStore(deadRedis(t), dedup.RedisConfig{})})

	c, err := d.Claim(ctx, "calcom:BOOKING_CREATED:uid1")
	require.ErrorIs(t, err, dedup.ErrUnavailable)
	assert.Equal(t, dedup.Claim{Key: "calcom:BOOKING_CREATED:uid1", State: dedup.InFlight}, c,
		"unknown state: go on to the insert, never acknowledge")
	require.ErrorIs(t, d.Complete(ctx, c, time.Minute), dedup.ErrUnavailable)
	require.ErrorIs(t, d.Release(ctx, dedup.Claim{Key: "k", State: dedup.Claimed, Token: "t"}), dedup.ErrUnavailable)

	for op, want := range map[string]float64{"claim": 1, "complete": 1, "release": 1} {
		assert.InDelta(t, want, counter(t, b.reg, "askproai_dedup_errors_total", "op", op), 0, op)
	}
	assert.InDelta(t, 1, counter(t, b.reg, "askproai_dedup_claims_total", "outcome", "error"), 0)
	assert.InDelta(t, 1, counter(t, b.reg, "askproai_dedup_fallbacks_total", "reason", "unavailable"), 0, "the webhook fell back to the database")
	assert.NotContains(t, b.logs.String(), "level=WARN",
		"failures are returned and logged once by the caller that handles them, not here as well")
}

func TestDeduper_Timeout(t *testing.T) {
	t.Parallel()
	// A server that accepts connections and never answers: a hung Redis.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	accepted := make(chan struct{})
	t.Cleanup(func() {
		_ = l.Close()
		<-accepted
	})
	go func() {
		defer close(accepted)
		var conns []net.Conn
		defer func() {
			for _, c := range conns {
				_ = c.Close()
			}
		}()
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			conns = append(conns, conn)
		}
	}()
	client := redis.NewClient(&redis.Options{
		Addr: l.Addr().String(), MaxRetries: -1,
		ReadTimeout: -1, WriteTimeout: -1, // only the context bounds a call
		ContextTimeoutEnabled: true,
	})
	t.Cleanup(func() { _ = client.Close() })
	d, _ := setup(t, dedup.Config{Store: dedup.NewRedisStore(client, dedup.RedisConfig{}), Timeout: 100 * time.Millisecond})

	type result struct {
		c   dedup.Claim
		err error
	}
	done := make(chan result, 1)
	go func() {
		c, err := d.Claim(context.Background(), "k")
		done <- result{c, err}
	}()
	select {
	case r := <-done:
		require.ErrorIs(t, r.err, dedup.ErrUnavailable)
		assert.Equal(t, dedup.InFlight, r.c.State)
	case <-time.After(time.Minute):
		t.Fatal("Claim on a hung Redis did not return: Config.Timeout not applied")
	}
}

// counter returns the value of the counter name{label=value} in reg.
func counter(t *testing.T, reg prometheus.Gatherer, name, label, value string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	require.NoError(t, err)
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if lp.GetName() == label && lp.GetValue() == value {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	t.Fatalf("no %s{%s=%q}", name, label, value)
	return 0
}
