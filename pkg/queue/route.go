package queue

import "time"

// Queue is a processing queue. Workers take [Critical] before [High] before
// [Normal], then the oldest available_at.
type Queue string

// The queues, in the order workers take them.
const (
	Critical Queue = "critical"
	High     Queue = "high"
	Normal   Queue = "normal"
)

// Queues lists the queues in the order workers take them.
var Queues = []Queue{Critical, High, Normal}

// Priority returns the rank stored beside the queue name in
// webhook_events.priority, lower first: critical 0, high 1, anything else
// (normal) 2. A CHECK constraint keeps the two columns in step.
func (q Queue) Priority() int {
	switch q {
	case Critical:
		return 0
	case High:
		return 1
	}
	return 2
}

// String returns the queue's name.
func (q Queue) String() string { return string(q) }

// Routing is where an event waits to be processed.
type Routing struct {
	// Queue is the event's processing queue.
	Queue Queue
	// Priority is Queue.Priority(), the value stored with the row.
	Priority int
	// Delay is how long the event waits after it is stored before a worker
	// may take it (available_at = created_at + Delay).
	Delay time.Duration
}

// route is one entry of the routing table.
type route struct {
	queue Queue
	delay time.Duration
}

// routes is askpro's one routing table (DESIGN.md "Queue and processing"),
// by provider, then event type. Event types not listed go to Normal without
// delay. Retell sends no call_failed: a failed call is a call_ended.
var routes = map[string]map[string]route{
	"retell": {
		"call_ended":    {queue: Critical},
		"call_analyzed": {queue: Normal, delay: 5 * time.Second},
	},
	"calcom": {
		"BOOKING_CREATED":     {queue: Critical},
		"BOOKING_CANCELLED":   {queue: High},
		"BOOKING_RESCHEDULED": {queue: High},
	},
	"stripe": {
		"payment_intent.succeeded": {queue: Critical},
		"charge.failed":            {queue: High},
		"invoice.payment_failed":   {queue: High},
	},
}

// Route returns the queue, priority and delay of an event of provider
// ("retell", "calcom", "stripe") and its event type, matched exactly (case
// included). Unknown providers and event types get Normal without delay.
// It is safe for concurrent use.
func Route(provider, eventType string) Routing {
	r, ok := routes[provider][eventType]
	if !ok {
		r = route{queue: Normal}
	}
	return Routing{Queue: r.queue, Priority: r.queue.Priority(), Delay: r.delay}
}

// knownProvider reports whether webhook_events accepts the provider (its
// CHECK constraint lists the same three).
func knownProvider(p string) bool {
	_, ok := routes[p]
	return ok
}
