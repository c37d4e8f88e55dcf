package retell_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/askproai/askpro/pkg/retell"
	"github.com/askproai/askpro/pkg/retell/retelltest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRetryHonoursRetryAfter(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		retryAfter string
		want       time.Duration
	}{
		{"seconds", "3", 3 * time.Second},
		{"http date", fixedTime.Add(5 * time.Second).UTC().Format(http.TimeFormat), 5 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, b := setup(t)
			llm := newLLM(t, c)
			b.srv.FailWith(retelltest.OpGetRetellLLM, retelltest.Fault{Status: http.StatusTooManyRequests, RetryAfter: tt.retryAfter})
			got, err := c.GetRetellLLM(context.Background(), llm.LLMID)
			require.NoError(t, err)
			assert.Equal(t, llm.LLMID, got.LLMID)
			assert.Equal(t, []time.Duration{tt.want}, b.sleeps.waits())
			assert.Len(t, b.srv.RequestsTo(retelltest.OpGetRetellLLM), 2)
		})
	}
}

func TestRetryAfterBeyondTheCapIsReturned(t *testing.T) {
	t.Parallel()
	c, b := setup(t, func(cfg *retell.Config) { cfg.MaxRetryAfter = 10 * time.Second })
	b.srv.FailWith(retelltest.OpGetAgent, retelltest.Fault{Status: http.StatusTooManyRequests, RetryAfter: "120"})
	_, err := c.GetAgent(context.Background(), "agent_1")
	var ae *retell.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, http.StatusTooManyRequests, ae.StatusCode)
	assert.Equal(t, 120*time.Second, ae.RetryAfter)
	assert.Equal(t, retelltest.MsgRateLimited, ae.Message)
	assert.Empty(t, b.sleeps.waits())
	assert.Len(t, b.srv.Requests(), 1)
}

func TestServerErrorsAreRetriedWithBackoff(t *testing.T) {
	t.Parallel()
	c, b := setup(t, func(cfg *retell.Config) {
		cfg.MinRetryDelay = 100 * time.Millisecond
		cfg.MaxRetryDelay = time.Second
	})
	agent := newAgent(t, c, newLLM(t, c))
	b.srv.Fail(retelltest.OpGetAgent, http.StatusInternalServerError, "", 1)
	b.srv.Fail(retelltest.OpGetAgent, http.StatusBadGateway, "", 1)
	got, err := c.GetAgent(context.Background(), agent.AgentID)
	require.NoError(t, err)
	assert.Equal(t, agent, got)
	waits := b.sleeps.waits()
	require.Len(t, waits, 2)
	assert.GreaterOrEqual(t, waits[0], 50*time.Millisecond)
	assert.LessOrEqual(t, waits[0], 100*time.Millisecond)
	assert.GreaterOrEqual(t, waits[1], 100*time.Millisecond, "the backoff doubles")
	assert.LessOrEqual(t, waits[1], 200*time.Millisecond)
	assert.Len(t, b.srv.RequestsTo(retelltest.OpGetAgent), 3)
	assert.Contains(t, b.logs.String(), "retell: retrying")
}

func TestRetriesGiveUpAfterMaxRetries(t *testing.T) {
	t.Parallel()
	c, b := setup(t, func(cfg *retell.Config) { cfg.MaxRetries = 1 })
	b.srv.Fail(retelltest.OpGetAgent, http.StatusServiceUnavailable, "", -1)
	_, err := c.GetAgent(context.Background(), "agent_1")
	var ae *retell.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, http.StatusServiceUnavailable, ae.StatusCode)
	assert.Len(t, b.srv.Requests(), 2)
	assert.True(t, retell.MayHaveSucceeded(err))
}

func TestNoRetries(t *testing.T) {
	t.Parallel()
	c, b := setup(t, func(cfg *retell.Config) { cfg.MaxRetries = -1 })
	b.srv.Fail(retelltest.OpGetAgent, http.StatusInternalServerError, "", -1)
	_, err := c.GetAgent(context.Background(), "agent_1")
	require.Error(t, err)
	assert.Len(t, b.srv.Requests(), 1)
	assert.Empty(t, b.sleeps.waits())
}

func TestClientErrorsAreNotRetried(t *testing.T) {
	t.Parallel()
	for _, status := range []int{http.StatusBadRequest, http.StatusPaymentRequired, http.StatusForbidden, http.StatusUnprocessableEntity} {
		c, b := setup(t)
		b.srv.Fail(retelltest.OpUpdateAgent, status, "refused", 1)
		_, err := c.UpdateAgent(context.Background(), "agent_1", retell.AgentRequest{AgentName: "x"})
		var ae *retell.APIError
		require.ErrorAs(t, err, &ae, status)
		assert.Equal(t, status, ae.StatusCode)
		assert.Equal(t, "refused", ae.Message)
		assert.Len(t, b.srv.Requests(), 1, status)
		assert.Empty(t, b.sleeps.waits(), status)
		assert.False(t, retell.MayHaveSucceeded(err), status)
	}
}

// TestCreatesAreNotRetriedAfterAmbiguousFailures: a create that may have
// reached Retell is returned at once, so nothing is created twice.
func TestCreatesAreNotRetriedAfterAmbiguousFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		fault retelltest.Fault
		// created is how many LLMs the fake holds afterwards.
		created int
	}{
		{"500 after acting", retelltest.Fault{Status: http.StatusInternalServerError, Applied: true}, 1},
		{"503 without acting", retelltest.Fault{Status: http.StatusServiceUnavailable}, 0},
		{"answer lost after acting", retelltest.Fault{Hangup: true, Applied: true}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, b := setup(t)
			b.srv.FailWith(retelltest.OpCreateRetellLLM, tt.fault)
			_, err := c.CreateRetellLLM(context.Background(), retell.LLMRequest{GeneralPrompt: "x"})
			require.Error(t, err)
			assert.True(t, retell.MayHaveSucceeded(err), "%v", err)
			assert.Len(t, b.srv.RequestsTo(retelltest.OpCreateRetellLLM), 1, "not retried")
			assert.Empty(t, b.sleeps.waits())
			assert.Len(t, b.srv.LLMs(), tt.created)
		})
	}
}

func TestCreatesAreRetriedWhenRetellDidNotAct(t *testing.T) {
	t.Parallel()
	t.Run("429", func(t *testing.T) {
		t.Parallel()
		c, b := setup(t)
		llm := newLLM(t, c)
		b.srv.Fail(retelltest.OpCreateAgent, http.StatusTooManyRequests, "", 1)
		agent := newAgent(t, c, llm)
		assert.NotEmpty(t, agent.AgentID)
		assert.Len(t, b.srv.RequestsTo(retelltest.OpCreateAgent), 2)
		assert.Len(t, b.srv.Agents(), 1)
		assert.Len(t, b.sleeps.waits(), 1)
	})
	t.Run("request never written", func(t *testing.T) {
		t.Parallel()
		var calls atomic.Int32
		c, b := setup(t, func(cfg *retell.Config) {
			cfg.HTTPClient = &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
				if calls.Add(1) == 1 {
					return nil, &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
				}
				return http.DefaultTransport.RoundTrip(r)
			})}
		})
		llm, err := c.CreateRetellLLM(context.Background(), retell.LLMRequest{GeneralPrompt: "x"})
		require.NoError(t, err)
		assert.NotEmpty(t, llm.LLMID)
		assert.Equal(t, int32(2), calls.Load())
		assert.Len(t, b.srv.RequestsTo(retelltest.OpCreateRetellLLM), 1, "the first attempt never reached the server")
		assert.Len(t, b.srv.LLMs(), 1)
	})
	t.Run("connection refused every time", func(t *testing.T) {
		t.Parallel()
		dead := httptest.NewServer(http.NotFoundHandler())
		dead.Close()
		c, b := setup(t, func(cfg *retell.Config) { cfg.BaseURL = dead.URL })
		_, err := c.CreateAgent(context.Background(), retell.AgentRequest{VoiceID: voiceID})
		var re *retell.RequestError
		require.ErrorAs(t, err, &re)
		assert.False(t, re.Sent)
		assert.False(t, retell.MayHaveSucceeded(err), "nothing was sent")
		assert.Len(t, b.sleeps.waits(), 2, "retried MaxRetries times")
		assert.NotContains(t, err.Error(), dead.URL+"/create-agent", "the URL is not repeated in the error")
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestIdempotentRequestsAreRetriedAfterAHangup(t *testing.T) {
	t.Parallel()
	c, b := setup(t)
	llm := newLLM(t, c)
	b.srv.FailWith(retelltest.OpUpdateRetellLLM, retelltest.Fault{Hangup: true, Applied: true})
	got, err := c.UpdateRetellLLM(context.Background(), llm.LLMID, retell.LLMRequest{GeneralPrompt: "neu"})
	require.NoError(t, err)
	assert.Equal(t, "neu", got.GeneralPrompt)
	assert.Len(t, b.srv.RequestsTo(retelltest.OpUpdateRetellLLM), 2)
}

func TestPublishIsRetried(t *testing.T) {
	t.Parallel()
	c, b := setup(t)
	agent := newAgent(t, c, newLLM(t, c))
	b.srv.FailWith(retelltest.OpPublishAgentVersion, retelltest.Fault{Status: http.StatusInternalServerError, Applied: true})
	require.NoError(t, c.PublishAgentVersion(context.Background(), agent.AgentID, retell.PublishRequest{Version: 0}))
	assert.Len(t, b.srv.RequestsTo(retelltest.OpPublishAgentVersion), 2)
	assert.True(t, b.srv.Agents()[0].IsPublished)
}

func TestDeleteThatSucceededBeforeItsRetryReturnsNil(t *testing.T) {
	t.Parallel()
	c, b := setup(t)
	agent := newAgent(t, c, newLLM(t, c))
	b.srv.FailWith(retelltest.OpDeleteAgent, retelltest.Fault{Status: http.StatusBadGateway, Applied: true})
	require.NoError(t, c.DeleteAgent(context.Background(), agent.AgentID))
	assert.Len(t, b.srv.RequestsTo(retelltest.OpDeleteAgent), 2)
	assert.Empty(t, b.srv.Agents())
}

func TestCancelDuringBackoffStops(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c, b := setup(t)
	b.sleeps.hook = cancel
	b.srv.Fail(retelltest.OpGetAgent, http.StatusInternalServerError, "", -1)
	_, err := c.GetAgent(ctx, "agent_1")
	require.ErrorIs(t, err, context.Canceled)
	var ae *retell.APIError
	require.ErrorAs(t, err, &ae, "the last answer is kept")
	assert.Equal(t, http.StatusInternalServerError, ae.StatusCode)
	assert.Len(t, b.srv.Requests(), 1)
	assert.Len(t, b.sleeps.waits(), 1)
}

func TestCancelDuringRequestStops(t *testing.T) {
	t.Parallel()
	arrived := make(chan struct{})
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		close(arrived)
		<-r.Context().Done()
	}))
	t.Cleanup(srv.Close)
	breakers := retell.NewBreakers(retell.BreakerConfig{FailureThreshold: 1, OpenTimeout: time.Hour})
	c, err := retell.New(retell.Config{BaseURL: srv.URL, APIKey: "key_1", Breakers: breakers})
	require.NoError(t, err)

	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-arrived; cancel() }()
	_, err = c.GetAgent(ctx, "agent_1")
	require.ErrorIs(t, err, context.Canceled)
	var re *retell.RequestError
	require.ErrorAs(t, err, &re)
	assert.True(t, re.Sent)
	assert.True(t, retell.MayHaveSucceeded(err), "cancelled after sending: Retell may have acted")
	assert.Equal(t, int32(1), calls.Load(), "not retried")
	assert.Equal(t, "closed", breakers.State(strings.TrimPrefix(srv.URL, "http://")), "the caller's cancel does not count against Retell")
}

func TestNoRetryPastTheDeadline(t *testing.T) {
	t.Parallel()
	c, b := setup(t)
	b.srv.FailWith(retelltest.OpGetAgent, retelltest.Fault{Status: http.StatusTooManyRequests, RetryAfter: "20"})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := c.GetAgent(ctx, "agent_1")
	var ae *retell.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, http.StatusTooManyRequests, ae.StatusCode)
	assert.Empty(t, b.sleeps.waits(), "waiting 20s would outlast the 10s deadline")
}

func TestAttemptTimeout(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body) // so that the server notices the client leaving
		if calls.Add(1) == 1 {
			<-r.Context().Done() // the first attempt hangs until the client gives up
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"agent_id":"agent_1","version":0,"is_published":false}`))
	}))
	t.Cleanup(srv.Close)
	rec := &sleepRecorder{}
	c, err := retell.New(retell.Config{BaseURL: srv.URL, APIKey: "key_1", Timeout: 50 * time.Millisecond,
		Sleep: rec.Sleep, Breakers: retell.NewBreakers(retell.BreakerConfig{})})
	require.NoError(t, err)

	got, err := c.GetAgent(context.Background(), "agent_1")
	require.NoError(t, err)
	assert.Equal(t, "agent_1", got.AgentID)
	assert.Equal(t, int32(2), calls.Load())
	assert.Len(t, rec.waits(), 1)

	calls.Store(0)
	_, err = c.CreateAgent(context.Background(), retell.AgentRequest{VoiceID: voiceID})
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Contains(t, err.Error(), "timed out after 50ms")
	assert.True(t, retell.MayHaveSucceeded(err))
	assert.Equal(t, int32(1), calls.Load(), "a create that timed out is not retried")
}

func TestLogsMaskNumbersAndNeverCarryTheKey(t *testing.T) {
	t.Parallel()
	c, b := setup(t)
	b.srv.Fail(retelltest.OpUpdatePhoneNumber, http.StatusInternalServerError, "", 1)
	_, err := c.UpdatePhoneNumber(context.Background(), salonNumber, retell.PhoneNumberUpdate{InboundAgents: []retell.InboundAgent{}})
	require.NoError(t, err)
	logs := b.logs.String()
	assert.Contains(t, logs, "retell: retrying")
	assert.Contains(t, logs, "update-phone-number")
	assert.NotContains(t, logs, "493012345678")
	assert.NotContains(t, logs, b.srv.APIKey())
}
