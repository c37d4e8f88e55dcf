// Package outboundtest has an [outbound.Observer] for tests of API clients.
package outboundtest

import (
	"context"
	"slices"
	"sync"

	"github.com/askproai/askpro/pkg/outbound"
)

// Recorder is an outbound.Observer that keeps what it is told. It is safe
// for concurrent use; the zero value is ready.
type Recorder struct {
	mu     sync.Mutex
	calls  []outbound.Call
	states []string
}

// ObserveCall keeps c.
func (r *Recorder) ObserveCall(_ context.Context, c outbound.Call) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, c)
}

// ObserveBreaker keeps "service host state".
func (r *Recorder) ObserveBreaker(service, host string, s outbound.BreakerState) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.states = append(r.states, service+" "+host+" "+s.String())
}

// Calls returns the calls observed so far, in order.
func (r *Recorder) Calls() []outbound.Call {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.calls)
}

// States returns the breaker states observed so far, in order, each as
// "service host state".
func (r *Recorder) States() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.states)
}
