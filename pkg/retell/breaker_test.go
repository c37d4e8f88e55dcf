package retell_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/askproai/askpro/pkg/retell"
	"github.com/askproai/askpro/pkg/retell/retelltest"
	"github.com/sony/gobreaker/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func host(rawURL string) string { return strings.TrimPrefix(rawURL, "http://") }

func TestBreakerOpensAndFailsFast(t *testing.T) {
	t.Parallel()
	breakers := retell.NewBreakers(retell.BreakerConfig{FailureThreshold: 3, OpenTimeout: time.Hour})
	c, b := setup(t, func(cfg *retell.Config) {
		cfg.Breakers = breakers
		cfg.MaxRetries = -1
	})
	b.srv.Fail(retelltest.OpGetAgent, http.StatusInternalServerError, "", -1)
	ctx := context.Background()
	for i := range 3 {
		_, err := c.GetAgent(ctx, "agent_1")
		var ae *retell.APIError
		require.ErrorAs(t, err, &ae, "attempt %d reaches Retell", i)
		assert.NotErrorIs(t, err, retell.ErrCircuitOpen)
	}
	assert.Equal(t, "open", breakers.State(host(b.srv.URL)))

	_, err := c.GetAgent(ctx, "agent_1")
	require.ErrorIs(t, err, retell.ErrCircuitOpen)
	assert.ErrorIs(t, err, gobreaker.ErrOpenState)
	assert.False(t, retell.MayHaveSucceeded(err), "nothing was sent")
	assert.Len(t, b.srv.Requests(), 3, "the fourth request failed fast")
	assert.Contains(t, b.logs.String(), "circuit breaker state changed")

	// Another client of the same host and Breakers shares the open breaker.
	cfg := b.srv.ClientConfig()
	cfg.Breakers = breakers
	other, err := retell.New(cfg)
	require.NoError(t, err)
	require.ErrorIs(t, other.Ping(ctx), retell.ErrCircuitOpen)

	// A client with its own Breakers does not.
	cfg.Breakers = retell.NewBreakers(retell.BreakerConfig{})
	own, err := retell.New(cfg)
	require.NoError(t, err)
	require.NoError(t, own.Ping(ctx))
}

func TestProcessWideBreakersArePerHostAndSettings(t *testing.T) {
	t.Parallel()
	srv := retelltest.Start(t, retelltest.Config{})
	srv.Fail(retelltest.OpGetAgent, http.StatusInternalServerError, "", -1)
	// Settings no other test uses, so the shared set is this test's.
	settings := retell.BreakerConfig{FailureThreshold: 2, OpenTimeout: 97 * time.Minute}
	newClient := func(s *retelltest.Server, bc retell.BreakerConfig) *retell.Client {
		cfg := s.ClientConfig()
		cfg.Breakers, cfg.Breaker, cfg.MaxRetries = nil, bc, -1
		c, err := retell.New(cfg)
		require.NoError(t, err)
		return c
	}
	a, b := newClient(srv, settings), newClient(srv, settings)
	for range 2 {
		_, err := a.GetAgent(context.Background(), "agent_1")
		require.Error(t, err)
		assert.NotErrorIs(t, err, retell.ErrCircuitOpen)
	}
	require.ErrorIs(t, b.Ping(context.Background()), retell.ErrCircuitOpen, "same host and settings: one breaker")

	other := retelltest.Start(t, retelltest.Config{})
	require.NoError(t, newClient(other, settings).Ping(context.Background()), "another host has its own breaker")
}

func TestBreakerIgnoresClientErrors(t *testing.T) {
	t.Parallel()
	breakers := retell.NewBreakers(retell.BreakerConfig{FailureThreshold: 2, OpenTimeout: time.Hour})
	c, b := setup(t, func(cfg *retell.Config) { cfg.Breakers = breakers })
	for range 5 {
		_, err := c.GetAgent(context.Background(), "agent_missing")
		require.True(t, retell.IsNotFound(err))
	}
	assert.Equal(t, "closed", breakers.State(host(b.srv.URL)))
	assert.Len(t, b.srv.Requests(), 5)
}

// TestBreakerHalfOpenProbe trips the breaker, lets one probe through while a
// second request fails fast, and closes the breaker when the probe succeeds.
// OpenTimeout is a nanosecond, so the breaker is half-open as soon as it
// has opened and no test waits for a clock.
func TestBreakerHalfOpenProbe(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	probeArrived := make(chan struct{})
	releaseProbe := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		switch calls.Add(1) {
		case 1, 2:
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		case 3:
			close(probeArrived)
			<-releaseProbe
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"agent_id":"agent_1","version":0,"is_published":true}`))
	}))
	t.Cleanup(srv.Close)
	logs := &syncBuffer{}
	breakers := retell.NewBreakers(retell.BreakerConfig{FailureThreshold: 2, OpenTimeout: time.Nanosecond, HalfOpenRequests: 1})
	c, err := retell.New(retell.Config{
		BaseURL: srv.URL, APIKey: "key_1", MaxRetries: -1, Breakers: breakers,
		Logger: slog.New(slog.NewTextHandler(logs, nil)),
	})
	require.NoError(t, err)
	ctx := context.Background()

	for range 2 {
		_, err := c.GetAgent(ctx, "agent_1")
		var ae *retell.APIError
		require.ErrorAs(t, err, &ae)
	}
	assert.Contains(t, logs.String(), "from=closed to=open")

	probe := make(chan error, 1)
	go func() {
		_, err := c.GetAgent(ctx, "agent_1")
		probe <- err
	}()
	<-probeArrived
	_, err = c.GetAgent(ctx, "agent_1")
	require.ErrorIs(t, err, retell.ErrCircuitOpen, "one probe at a time")
	assert.ErrorIs(t, err, gobreaker.ErrTooManyRequests)
	assert.Equal(t, int32(3), calls.Load())

	close(releaseProbe)
	require.NoError(t, <-probe)
	assert.Equal(t, "closed", breakers.State(host(srv.URL)))
	assert.Contains(t, logs.String(), "from=open to=half-open")
	assert.Contains(t, logs.String(), "from=half-open to=closed")

	got, err := c.GetAgent(ctx, "agent_1")
	require.NoError(t, err)
	assert.True(t, got.IsPublished)
	assert.Equal(t, int32(4), calls.Load())
}

func TestBreakerProbeFailureReopens(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
	}))
	t.Cleanup(srv.Close)
	logs := &syncBuffer{}
	c, err := retell.New(retell.Config{
		BaseURL: srv.URL, APIKey: "key_1", MaxRetries: -1,
		Breakers: retell.NewBreakers(retell.BreakerConfig{FailureThreshold: 1, OpenTimeout: time.Nanosecond}),
		Logger:   slog.New(slog.NewTextHandler(logs, nil)),
	})
	require.NoError(t, err)
	for range 2 { // trip, then a failing probe
		_, err := c.GetAgent(context.Background(), "agent_1")
		var ae *retell.APIError
		require.ErrorAs(t, err, &ae)
	}
	assert.Contains(t, logs.String(), "from=half-open to=open")
}

func TestBreakerOpeningBetweenRetriesKeepsTheLastAnswer(t *testing.T) {
	t.Parallel()
	c, b := setup(t, func(cfg *retell.Config) {
		cfg.Breakers = retell.NewBreakers(retell.BreakerConfig{FailureThreshold: 1, OpenTimeout: time.Hour})
	})
	agent := newAgent(t, c, newLLM(t, c))
	b.srv.FailWith(retelltest.OpDeleteAgent, retelltest.Fault{Status: http.StatusInternalServerError, Applied: true})
	err := c.DeleteAgent(context.Background(), agent.AgentID)
	require.ErrorIs(t, err, retell.ErrCircuitOpen)
	var ae *retell.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, http.StatusInternalServerError, ae.StatusCode)
	assert.True(t, retell.MayHaveSucceeded(err), "the first attempt may have deleted the agent (it did)")
	assert.Empty(t, b.srv.Agents())
	assert.Len(t, b.srv.RequestsTo(retelltest.OpDeleteAgent), 1)
}
