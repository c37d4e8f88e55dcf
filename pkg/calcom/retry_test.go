package calcom_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/sony/gobreaker/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/askproai/askpro/pkg/calcom"
	"github.com/askproai/askpro/pkg/calcom/calcomtest"
)

func slotsQ() calcom.SlotsQuery {
	return calcom.SlotsQuery{EventTypeID: salonType, Start: at(12, 0), End: at(13, 0), TimeZone: "Europe/Berlin"}
}

func TestRetry_ReadsOn5xxWithBackoff(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	c, b := setup(t, func(cfg *calcom.Config) { cfg.Logger = slog.New(slog.NewJSONHandler(&logs, nil)) })
	b.srv.Fail(calcomtest.OpSlots, 500, "boom", 2)

	slots, err := c.Slots(ctxT(t), slotsQ())
	require.NoError(t, err)
	assert.NotEmpty(t, slots.List())
	assert.Len(t, b.srv.RequestsOf(calcomtest.OpSlots), 3)
	slept := b.clock.Slept()
	require.Len(t, slept, 2)
	assert.GreaterOrEqual(t, slept[0], 125*time.Millisecond)
	assert.LessOrEqual(t, slept[0], 250*time.Millisecond)
	assert.GreaterOrEqual(t, slept[1], 250*time.Millisecond, "the backoff doubles")
	assert.LessOrEqual(t, slept[1], 500*time.Millisecond)

	assert.Contains(t, logs.String(), "calcom request failed, retrying")
	assert.NotContains(t, logs.String(), testKey, "logs never hold the API key")
}

func TestRetry_GivesUpAfterMaxRetries(t *testing.T) {
	t.Parallel()
	c, b := setup(t)
	b.srv.Fail(calcomtest.OpSlots, 502, "bad gateway", -1)
	_, err := c.Slots(ctxT(t), slotsQ())
	var ae *calcom.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 502, ae.StatusCode)
	assert.False(t, errors.Is(err, calcom.ErrAmbiguous), "a read is never ambiguous")
	assert.Len(t, b.srv.RequestsOf(calcomtest.OpSlots), 3, "1 + MaxRetries (2)")

	none, nb := setup(t, func(cfg *calcom.Config) { cfg.MaxRetries = -1 })
	nb.srv.Fail(calcomtest.OpSlots, 500, "boom", -1)
	_, err = none.Slots(ctxT(t), slotsQ())
	require.Error(t, err)
	assert.Len(t, nb.srv.RequestsOf(calcomtest.OpSlots), 1, "MaxRetries -1: no retry")
}

func TestRetry_Never4xx(t *testing.T) {
	t.Parallel()
	for _, status := range []int{400, 401, 403, 404, 409, 422} {
		c, b := setup(t)
		b.srv.Fail(calcomtest.OpSlots, status, "no", 1)
		_, err := c.Slots(ctxT(t), slotsQ())
		require.Error(t, err)
		assert.Lenf(t, b.srv.RequestsOf(calcomtest.OpSlots), 1, "status %d", status)
		assert.Empty(t, b.clock.Slept())
	}
}

func TestRetry_HonoursRetryAfter(t *testing.T) {
	t.Parallel()
	c, b := setup(t)
	b.srv.Inject(calcomtest.OpSlots, calcomtest.Fault{Status: 503, Header: http.Header{"Retry-After": {"7"}}})
	b.srv.Inject(calcomtest.OpSlots, calcomtest.Fault{Status: 503, Header: http.Header{"Retry-After": {t0.Add(7*time.Second + 9*time.Second).Format(http.TimeFormat)}}})
	_, err := c.Slots(ctxT(t), slotsQ())
	require.NoError(t, err)
	assert.Equal(t, []time.Duration{7 * time.Second, 9 * time.Second}, b.clock.Slept(), "seconds, then an HTTP date")
}

func TestRetry_RetryAfterBeyondDeadlineFailsAtOnce(t *testing.T) {
	t.Parallel()
	c, b := setup(t)
	b.srv.Inject(calcomtest.OpSlots, calcomtest.Fault{Status: 503, Header: http.Header{"Retry-After": {"120"}}})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := c.Slots(ctx, slotsQ())
	var ae *calcom.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 120*time.Second, ae.RetryAfter)
	assert.Empty(t, b.clock.Slept(), "no wait that cannot end before the deadline")
}

// newRateLimited starts a fake that allows limit requests per 60 s and
// returns it with its clock.
func newRateLimited(t *testing.T, limit int) (*calcomtest.Server, *calcomtest.Clock) {
	t.Helper()
	clock := calcomtest.NewClock(t0)
	srv := calcomtest.NewServer(calcomtest.Config{Now: clock.Now, RateLimit: limit})
	t.Cleanup(srv.Close)
	srv.AddAPIKey(testKey)
	srv.AddEventType(calcomtest.EventType{ID: salonType})
	return srv, clock
}

func rateClient(t *testing.T, srv *calcomtest.Server, clock *calcomtest.Clock, budget calcom.Budget, retries int) *calcom.Client {
	t.Helper()
	c, err := calcom.New(calcom.Config{BaseURL: srv.URL, APIKey: testKey, Budget: budget, MaxRetries: retries,
		Now: clock.Now, Sleep: clock.Sleep, Breaker: calcom.NewBreakers(calcom.BreakerConfig{})})
	require.NoError(t, err)
	return c
}

func statuses(srv *calcomtest.Server) []int {
	var out []int
	for _, r := range srv.Requests() {
		out = append(out, r.Status)
	}
	return out
}

// TestRetry_RateLimitReset: Cal.com's 429 says when its block ends in
// X-RateLimit-Reset-Default; the client waits that long (the fake's clock
// moves with the client's Sleep) and then succeeds. The budget here never
// pauses, so the 429 does happen.
func TestRetry_RateLimitReset(t *testing.T) {
	t.Parallel()
	srv, clock := newRateLimited(t, 3)
	open := calcom.BudgetFunc(func(context.Context, string) error { return nil })
	c := rateClient(t, srv, clock, open, 0)
	ctx := ctxT(t)
	for range 3 {
		_, err := c.EventType(ctx, salonType)
		require.NoError(t, err)
	}
	clock.Advance(10 * time.Second)
	// 429, blocked 60 s, then retried. No deadline: a 60 s wait (on the fake
	// clock) must fit.
	_, err := c.EventType(context.Background(), salonType)
	require.NoError(t, err)
	assert.Equal(t, []int{200, 200, 200, 429, 200}, statuses(srv))
	assert.Equal(t, []time.Duration{60 * time.Second}, clock.Slept(), "waited for X-RateLimit-Reset-Default")
}

// TestBudget_PausedByEmptyWindow: a success that says nothing is left in
// Cal.com's window pauses the key until the reset, so the key is never
// blocked for 60 s by a 429.
func TestBudget_PausedByEmptyWindow(t *testing.T) {
	t.Parallel()
	srv, clock := newRateLimited(t, 2)
	budget, err := calcom.NewLocalBudget(0, &calcom.BudgetOpts{Now: clock.Now, Sleep: clock.Sleep})
	require.NoError(t, err)
	c := rateClient(t, srv, clock, budget, -1)
	for range 2 {
		_, err := c.EventType(ctxT(t), salonType)
		require.NoError(t, err)
	}
	short, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_, err = c.EventType(short, salonType)
	assert.ErrorIs(t, err, calcom.ErrBudgetExhausted)
	assert.Equal(t, []int{200, 200}, statuses(srv), "nothing more was sent")
	_, err = c.EventType(context.Background(), salonType) // no deadline: waits for the reset
	require.NoError(t, err)
	assert.Equal(t, []int{200, 200, 200}, statuses(srv))
	assert.Equal(t, []time.Duration{60 * time.Second}, clock.Slept())
}

// TestBudget_PausedBy429: another process used the key up; this client's
// 429 pauses its budget for the 60 s block.
func TestBudget_PausedBy429(t *testing.T) {
	t.Parallel()
	srv, clock := newRateLimited(t, 2)
	budget, err := calcom.NewLocalBudget(0, &calcom.BudgetOpts{Now: clock.Now, Sleep: clock.Sleep})
	require.NoError(t, err)
	c := rateClient(t, srv, clock, budget, -1)
	elsewhere, err := calcom.NewLocalBudget(0, &calcom.BudgetOpts{Now: clock.Now, Sleep: clock.Sleep})
	require.NoError(t, err)
	other := rateClient(t, srv, clock, elsewhere, -1)
	_, err = c.EventType(ctxT(t), salonType)
	require.NoError(t, err)
	_, err = other.EventType(ctxT(t), salonType)
	require.NoError(t, err)
	_, err = c.EventType(ctxT(t), salonType)
	assert.ErrorIs(t, err, calcom.ErrRateLimited)
	var ae *calcom.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 60*time.Second, ae.RetryAfter)
	assert.Equal(t, []int{200, 200, 429}, statuses(srv))

	short, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	err = budget.Wait(short, calcom.KeyHash(testKey))
	assert.ErrorIs(t, err, calcom.ErrBudgetExhausted, "the key is paused for Cal.com's block")
	clock.Advance(60 * time.Second)
	_, err = c.EventType(ctxT(t), salonType)
	assert.NoError(t, err)
}

func TestCreateBooking_NoBlindRetry(t *testing.T) {
	t.Parallel()
	t.Run("500 after processing", func(t *testing.T) {
		t.Parallel()
		c, b := setup(t)
		b.srv.FailAfterProcessing(calcomtest.OpCreateBooking, 500, 1)
		_, err := c.CreateBooking(ctxT(t), bookingReq(at(12, 9)))
		assert.ErrorIs(t, err, calcom.ErrAmbiguous)
		var ae *calcom.APIError
		require.ErrorAs(t, err, &ae)
		assert.Equal(t, 500, ae.StatusCode)
		assert.Len(t, b.srv.RequestsOf(calcomtest.OpCreateBooking), 1, "not sent again")
		assert.Len(t, b.srv.Bookings(), 1, "the booking was made: exactly once")
	})
	t.Run("timeout after processing", func(t *testing.T) {
		t.Parallel()
		c, b := setup(t, func(cfg *calcom.Config) { cfg.Timeout = 150 * time.Millisecond })
		b.srv.FailAfterProcessing(calcomtest.OpCreateBooking, 0, 1)
		_, err := c.CreateBooking(ctxT(t), bookingReq(at(12, 9)))
		assert.ErrorIs(t, err, calcom.ErrAmbiguous)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Len(t, b.srv.RequestsOf(calcomtest.OpCreateBooking), 1)
		assert.Len(t, b.srv.Bookings(), 1)
	})
	t.Run("502 is ambiguous too", func(t *testing.T) {
		t.Parallel()
		c, b := setup(t)
		b.srv.Fail(calcomtest.OpCreateBooking, 502, "bad gateway", 1)
		_, err := c.CreateBooking(ctxT(t), bookingReq(at(12, 9)))
		assert.ErrorIs(t, err, calcom.ErrAmbiguous)
		assert.Len(t, b.srv.RequestsOf(calcomtest.OpCreateBooking), 1)
	})
	t.Run("reservation", func(t *testing.T) {
		t.Parallel()
		c, b := setup(t)
		b.srv.FailAfterProcessing(calcomtest.OpReserve, 500, 1)
		_, err := c.ReserveSlot(ctxT(t), calcom.ReservationRequest{EventTypeID: salonType, SlotStart: at(12, 9)})
		assert.ErrorIs(t, err, calcom.ErrAmbiguous)
		assert.Len(t, b.srv.RequestsOf(calcomtest.OpReserve), 1)
		assert.Len(t, b.srv.Reservations(), 1)
	})
	t.Run("reschedule", func(t *testing.T) {
		t.Parallel()
		c, b := setup(t)
		old := mustBook(t, c, at(12, 9))
		b.srv.FailAfterProcessing(calcomtest.OpReschedule, 504, 1)
		_, err := c.RescheduleBooking(ctxT(t), old.UID, calcom.RescheduleRequest{Start: at(12, 11)})
		assert.ErrorIs(t, err, calcom.ErrAmbiguous)
		assert.Len(t, b.srv.RequestsOf(calcomtest.OpReschedule), 1)
		assert.Len(t, b.srv.Bookings(), 2)
	})
}

func TestCreateBooking_RetriedWhenCalcomCannotHaveActed(t *testing.T) {
	t.Parallel()
	t.Run("503 with Retry-After", func(t *testing.T) {
		t.Parallel()
		c, b := setup(t)
		b.srv.Inject(calcomtest.OpCreateBooking, calcomtest.Fault{Status: 503, Header: http.Header{"Retry-After": {"3"}}})
		_, err := c.CreateBooking(ctxT(t), bookingReq(at(12, 9)))
		require.NoError(t, err)
		assert.Len(t, b.srv.RequestsOf(calcomtest.OpCreateBooking), 2)
		assert.Len(t, b.srv.Bookings(), 1)
		assert.Equal(t, []time.Duration{3 * time.Second}, b.clock.Slept())
	})
	t.Run("429", func(t *testing.T) {
		t.Parallel()
		c, b := setup(t)
		b.srv.Inject(calcomtest.OpCreateBooking, calcomtest.Fault{Status: 429, Header: http.Header{"X-Ratelimit-Reset-Default": {"2"}}})
		_, err := c.CreateBooking(ctxT(t), bookingReq(at(12, 9)))
		require.NoError(t, err)
		assert.Len(t, b.srv.RequestsOf(calcomtest.OpCreateBooking), 2)
		assert.Len(t, b.srv.Bookings(), 1)
	})
	t.Run("connection refused", func(t *testing.T) {
		t.Parallel()
		var calls atomic.Int32
		refuseFirst := roundTripFunc(func(r *http.Request) (*http.Response, error) {
			if calls.Add(1) == 1 {
				return nil, &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: connection refused")}
			}
			return http.DefaultTransport.RoundTrip(r)
		})
		c, b := setup(t, func(cfg *calcom.Config) { cfg.HTTPClient = &http.Client{Transport: refuseFirst} })
		_, err := c.CreateBooking(ctxT(t), bookingReq(at(12, 9)))
		require.NoError(t, err)
		assert.Equal(t, int32(2), calls.Load())
		assert.Len(t, b.srv.Bookings(), 1)
		assert.Len(t, b.clock.Slept(), 1)
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestCancel_SettledByEarlierAttempt: the first cancel took effect but its
// answer was lost; the retry hears "already cancelled" and the client
// returns the cancelled booking instead of an error.
func TestCancel_SettledByEarlierAttempt(t *testing.T) {
	t.Parallel()
	c, b := setup(t)
	bk := mustBook(t, c, at(12, 9))
	b.srv.FailAfterProcessing(calcomtest.OpCancel, 500, 1)
	got, err := c.CancelBooking(ctxT(t), bk.UID, calcom.CancelRequest{CancellationReason: "krank"})
	require.NoError(t, err)
	assert.Equal(t, calcom.StatusCancelled, got.Status)
	assert.Equal(t, "krank", got.CancellationReason)
	assert.Len(t, b.srv.RequestsOf(calcomtest.OpCancel), 2)
	assert.Len(t, b.srv.RequestsOf(calcomtest.OpGetBooking), 1)
}

func TestRelease_SettledByEarlierAttempt(t *testing.T) {
	t.Parallel()
	c, b := setup(t)
	res := mustReserve(t, c, at(12, 9))
	b.srv.FailAfterProcessing(calcomtest.OpRelease, 500, 1)
	require.NoError(t, c.ReleaseReservation(ctxT(t), res.ReservationUID))
	assert.Len(t, b.srv.RequestsOf(calcomtest.OpRelease), 2)
	assert.Empty(t, b.srv.Reservations())
}

func TestRetry_ReadTimeoutIsRetried(t *testing.T) {
	t.Parallel()
	c, b := setup(t, func(cfg *calcom.Config) { cfg.Timeout = 100 * time.Millisecond; cfg.MaxRetries = 1 })
	b.srv.Delay(calcomtest.OpSlots, time.Minute)
	_, err := c.Slots(ctxT(t), slotsQ())
	require.Error(t, err)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.False(t, errors.Is(err, calcom.ErrAmbiguous))
	assert.Len(t, b.srv.RequestsOf(calcomtest.OpSlots), 2)
	b.srv.Delay(calcomtest.OpSlots, 0)
	_, err = c.Slots(ctxT(t), slotsQ())
	assert.NoError(t, err)
}

// TestBreaker_OpensAndRecovers runs in a synctest bubble: gobreaker reads
// time.Now, which the bubble's fake clock drives.
func TestBreaker_OpensAndRecovers(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		var calls atomic.Int32
		var failing atomic.Bool
		failing.Store(true)
		answer := func(status int) *http.Response {
			return &http.Response{StatusCode: status, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(`{"status":"success","data":[]}`))}
		}
		rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
			calls.Add(1)
			if failing.Load() {
				return answer(500), nil
			}
			return answer(200), nil
		})
		var changes []string
		breakers := calcom.NewBreakers(calcom.BreakerConfig{OpenFor: 30 * time.Second, OnStateChange: func(host string, from, to gobreaker.State) {
			changes = append(changes, from.String()+"->"+to.String())
		}})
		budget, err := calcom.NewLocalBudget(0, nil)
		require.NoError(t, err)
		c, err := calcom.New(calcom.Config{BaseURL: "https://api.cal.eu", APIKey: testKey, MaxRetries: -1,
			HTTPClient: &http.Client{Transport: rt}, Breaker: breakers, Budget: budget})
		require.NoError(t, err)
		ctx := context.Background()

		for i := range 5 {
			_, err := c.EventTypes(ctx)
			require.Errorf(t, err, "attempt %d", i)
			assert.NotErrorIs(t, err, calcom.ErrCircuitOpen)
		}
		assert.Equal(t, gobreaker.StateOpen, breakers.State("https://api.cal.eu"))
		_, err = c.EventTypes(ctx)
		assert.ErrorIs(t, err, calcom.ErrCircuitOpen)
		assert.Equal(t, int32(5), calls.Load(), "an open breaker sends nothing")

		other, err := calcom.New(calcom.Config{BaseURL: "https://api.cal.eu", APIKey: "cal_live_other", MaxRetries: -1,
			HTTPClient: &http.Client{Transport: rt}, Breaker: breakers, Budget: budget})
		require.NoError(t, err)
		_, err = other.EventTypes(ctx)
		assert.ErrorIs(t, err, calcom.ErrCircuitOpen, "the breaker is per host, shared by every company's client")
		assert.Equal(t, gobreaker.StateClosed, breakers.State("https://api.cal.com"), "another host is not affected")

		time.Sleep(31 * time.Second) // fake time in the bubble
		failing.Store(false)
		_, err = c.EventTypes(ctx)
		require.NoError(t, err, "half-open lets a probe through")
		assert.Equal(t, gobreaker.StateClosed, breakers.State("https://api.cal.eu"))
		assert.Equal(t, []string{"closed->open", "open->half-open", "half-open->closed"}, changes)
	})
}

func TestBreaker_4xxAnd429DoNotOpen(t *testing.T) {
	t.Parallel()
	breakers := calcom.NewBreakers(calcom.BreakerConfig{})
	c, b := setup(t, func(cfg *calcom.Config) { cfg.Breaker = breakers; cfg.MaxRetries = -1 })
	b.srv.Fail(calcomtest.OpSlots, 404, "nope", 6)
	b.srv.Fail(calcomtest.OpSlots, 429, "slow down", 6)
	for range 12 {
		_, err := c.Slots(ctxT(t), slotsQ())
		require.Error(t, err)
		assert.NotErrorIs(t, err, calcom.ErrCircuitOpen)
	}
	assert.Equal(t, gobreaker.StateClosed, breakers.State(b.srv.URL))
}
