package queue_test

import (
	"testing"
	"time"

	"github.com/askproai/askpro/pkg/queue"
	"github.com/stretchr/testify/assert"
)

func TestRoute(t *testing.T) {
	t.Parallel()
	tests := []struct {
		provider, typ string
		want          queue.Routing
	}{
		{"retell", "call_ended", queue.Routing{Queue: queue.Critical, Priority: 0}},
		{"retell", "call_analyzed", queue.Routing{Queue: queue.Normal, Priority: 2, Delay: 5 * time.Second}},
		{"retell", "call_started", queue.Routing{Queue: queue.Normal, Priority: 2}},
		{"retell", "call_failed", queue.Routing{Queue: queue.Normal, Priority: 2}}, // no such Retell event
		{"retell", "transcript_updated", queue.Routing{Queue: queue.Normal, Priority: 2}},
		{"calcom", "BOOKING_CREATED", queue.Routing{Queue: queue.Critical, Priority: 0}},
		{"calcom", "BOOKING_CANCELLED", queue.Routing{Queue: queue.High, Priority: 1}},
		{"calcom", "BOOKING_RESCHEDULED", queue.Routing{Queue: queue.High, Priority: 1}},
		{"calcom", "booking_created", queue.Routing{Queue: queue.Normal, Priority: 2}}, // exact match
		{"calcom", "PING", queue.Routing{Queue: queue.Normal, Priority: 2}},
		{"stripe", "payment_intent.succeeded", queue.Routing{Queue: queue.Critical, Priority: 0}},
		{"stripe", "charge.failed", queue.Routing{Queue: queue.High, Priority: 1}},
		{"stripe", "invoice.payment_failed", queue.Routing{Queue: queue.High, Priority: 1}},
		{"stripe", "call_ended", queue.Routing{Queue: queue.Normal, Priority: 2}}, // another provider's type
		{"twilio", "call_ended", queue.Routing{Queue: queue.Normal, Priority: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.provider+"/"+tt.typ, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, queue.Route(tt.provider, tt.typ))
		})
	}
}

func TestQueuePriority(t *testing.T) {
	t.Parallel()
	assert.Equal(t, 0, queue.Critical.Priority())
	assert.Equal(t, 1, queue.High.Priority())
	assert.Equal(t, 2, queue.Normal.Priority())
	assert.Equal(t, 2, queue.Queue("other").Priority())
	for i, q := range queue.Queues {
		assert.Equal(t, i, q.Priority(), "Queues is in the order workers take them")
	}
}

func TestStatus(t *testing.T) {
	t.Parallel()
	assert.Equal(t, []queue.Status{"pending", "processing", "retrying", "processed", "dead_letter"}, queue.Statuses)
	for _, s := range queue.Statuses {
		assert.True(t, s.Valid(), s)
	}
	assert.False(t, queue.Status("failed").Valid(), "the spec's failed is dead_letter here")
}

func TestRetryPolicy(t *testing.T) {
	t.Parallel()
	p := queue.DefaultRetryPolicy
	want := []time.Duration{10 * time.Second, 60 * time.Second, 300 * time.Second}
	seenLow, seenHigh := make([]bool, 3), make([]bool, 3)
	for range 2000 {
		for i, w := range want {
			d, ok := p.Next(i + 1)
			assert.True(t, ok)
			assert.GreaterOrEqual(t, d, w-5*time.Second, "attempt %d", i+1)
			assert.LessOrEqual(t, d, w+5*time.Second, "attempt %d", i+1)
			seenLow[i] = seenLow[i] || d < w
			seenHigh[i] = seenHigh[i] || d > w
		}
	}
	for i := range want {
		assert.True(t, seenLow[i] && seenHigh[i], "attempt %d: jitter spreads both ways", i+1)
	}
	for _, attempt := range []int{0, -1, 4, 100} {
		d, ok := p.Next(attempt)
		assert.False(t, ok, "attempt %d: give up (dead letter)", attempt)
		assert.Zero(t, d)
	}

	exact := queue.RetryPolicy{Delays: []time.Duration{time.Millisecond}}
	d, ok := exact.Next(1)
	assert.True(t, ok)
	assert.Equal(t, time.Millisecond, d, "no jitter, exact wait")
	never := queue.RetryPolicy{Delays: []time.Duration{time.Millisecond}, Jitter: time.Second}
	for range 200 {
		d, _ := never.Next(1)
		assert.GreaterOrEqual(t, d, time.Duration(0), "jitter never makes a wait negative")
	}
	_, ok = queue.RetryPolicy{}.Next(1)
	assert.False(t, ok, "the zero policy never retries")
}
