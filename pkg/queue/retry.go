package queue

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"
)

// RetryPolicy is a schedule of waits between attempts: after the n-th failed
// attempt, wait Delays[n-1], moved by a random amount within ±Jitter; after
// len(Delays) failed attempts, give up. The zero value never retries. A
// RetryPolicy is a value: copy it freely; Next is safe for concurrent use.
type RetryPolicy struct {
	// Delays are the waits after the first, second, ... failed attempt.
	Delays []time.Duration
	// Jitter spreads each wait uniformly over [delay-Jitter, delay+Jitter]
	// (never below zero), so that events that failed together are not
	// retried together. Zero means exact waits.
	Jitter time.Duration
}

// DefaultRetryPolicy is the workers' schedule (DESIGN.md "Queue and
// processing"): 10 s, 60 s, 300 s, each ±5 s. A worker also stops at the
// event's max_attempts (3 by default): an event dead-letters when either
// says so.
var DefaultRetryPolicy = RetryPolicy{
	Delays: []time.Duration{10 * time.Second, 60 * time.Second, 300 * time.Second},
	Jitter: 5 * time.Second,
}

// inboxRetry is the schedule of the Inbox's and the workers' statements
// that failed with a transient error (deadlock victim, lock wait timeout,
// lost connection).
var inboxRetry = RetryPolicy{
	Delays: []time.Duration{10 * time.Millisecond, 20 * time.Millisecond, 40 * time.Millisecond},
	Jitter: 5 * time.Millisecond,
}

// Next returns how long to wait after failed attempt number attempt
// (1-based) and true, or false when the policy gives up: attempt is below 1
// or past the last delay.
func (p RetryPolicy) Next(attempt int) (time.Duration, bool) {
	if attempt < 1 || attempt > len(p.Delays) {
		return 0, false
	}
	d := p.Delays[attempt-1]
	if p.Jitter > 0 {
		d += time.Duration(rand.Int64N(int64(2*p.Jitter)+1)) - p.Jitter
	}
	return max(d, 0), true
}

// run calls fn until it succeeds, fails with an error retryable does not
// accept, ctx ends, or the policy gives up; it returns fn's last error.
func (p RetryPolicy) run(ctx context.Context, retryable func(error) bool, fn func(ctx context.Context) error) error {
	for attempt := 1; ; attempt++ {
		err := fn(ctx)
		if err == nil || !retryable(err) || ctx.Err() != nil {
			return err
		}
		wait, ok := p.Next(attempt)
		if !ok {
			return fmt.Errorf("after %d attempts: %w", attempt, err)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("retry wait: %w (last error: %w)", ctx.Err(), err)
		case <-t.C:
		}
	}
}
