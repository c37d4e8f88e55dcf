package queue_test

import (
	"fmt"
	"time"

	"github.com/askproai/askpro/pkg/queue"
)

// Route is the one routing table: the Inbox stores each event with it.
func ExampleRoute() {
	for _, e := range [][2]string{{"retell", "call_ended"}, {"calcom", "BOOKING_CANCELLED"}, {"retell", "call_analyzed"}} {
		r := queue.Route(e[0], e[1])
		fmt.Println(e[0], e[1], r.Queue, r.Priority, r.Delay)
	}
	// Output:
	// retell call_ended critical 0 0s
	// calcom BOOKING_CANCELLED high 1 0s
	// retell call_analyzed normal 2 5s
}

// A worker asks the policy how long a failed event waits, and dead-letters
// it when the policy gives up.
func ExampleRetryPolicy_Next() {
	p := queue.RetryPolicy{Delays: []time.Duration{10 * time.Second, time.Minute}}
	for attempt := 1; attempt <= 3; attempt++ {
		wait, ok := p.Next(attempt)
		fmt.Println(attempt, wait, ok)
	}
	// Output:
	// 1 10s true
	// 2 1m0s true
	// 3 0s false
}
