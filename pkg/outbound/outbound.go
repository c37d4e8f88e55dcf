package outbound

import (
	"context"
	"strconv"
	"time"

	"github.com/askproai/askpro/pkg/metrics"
	"github.com/prometheus/client_golang/prometheus"
)

// Call is one HTTP attempt sent to a service's API.
type Call struct {
	// Service is the API called: "retell", "calcom".
	Service string
	// Method is the HTTP method.
	Method string
	// Endpoint is the route pattern of the API ("/v2/slots",
	// "/v2/bookings/{uid}/cancel"), never the path sent.
	Endpoint string
	// Status is the HTTP status code of the answer, 0 when none came.
	Status int
	// Duration is the attempt's time, from sending to the answer read.
	Duration time.Duration
	// Attempt is 1 for the first attempt of a request, 2 for its first
	// retry, ...
	Attempt int
	// Err is the transport error when Status is 0, else nil.
	Err error
}

// BreakerState is the state of a circuit breaker, with the values of
// askproai_circuit_breaker_state (and of sony/gobreaker's State).
type BreakerState int

// The breaker states.
const (
	Closed   BreakerState = 0
	HalfOpen BreakerState = 1
	Open     BreakerState = 2
)

// String returns "closed", "half-open" or "open".
func (s BreakerState) String() string {
	switch s {
	case Closed:
		return "closed"
	case HalfOpen:
		return "half-open"
	case Open:
		return "open"
	}
	return "BreakerState(" + strconv.Itoa(int(s)) + ")"
}

// Observer watches a client's outbound calls. Its methods are called
// synchronously from the client's requests, so they must be quick and safe
// for concurrent use.
type Observer interface {
	// ObserveCall is called once per attempt sent (not for a request the
	// breaker or the request budget refused), with the request's context.
	ObserveCall(ctx context.Context, c Call)
	// ObserveBreaker is called when a host's breaker is created (Closed)
	// and on every change of its state. host is the configured host
	// ("api.cal.com", "api.retellai.com").
	ObserveBreaker(service, host string, s BreakerState)
}

// Funcs is an [Observer] made of functions; a nil field ignores its
// events.
type Funcs struct {
	Call    func(ctx context.Context, c Call)
	Breaker func(service, host string, s BreakerState)
}

// ObserveCall implements [Observer].
func (f Funcs) ObserveCall(ctx context.Context, c Call) {
	if f.Call != nil {
		f.Call(ctx, c)
	}
}

// ObserveBreaker implements [Observer].
func (f Funcs) ObserveBreaker(service, host string, s BreakerState) {
	if f.Breaker != nil {
		f.Breaker(service, host, s)
	}
}

// Multi returns an Observer that passes every event to each of obs in
// order, skipping nil ones.
func Multi(obs ...Observer) Observer {
	var out multi
	for _, o := range obs {
		if o != nil {
			out = append(out, o)
		}
	}
	return out
}

type multi []Observer

func (m multi) ObserveCall(ctx context.Context, c Call) {
	for _, o := range m {
		o.ObserveCall(ctx, c)
	}
}

func (m multi) ObserveBreaker(service, host string, s BreakerState) {
	for _, o := range m {
		o.ObserveBreaker(service, host, s)
	}
}

// Metrics is the [Observer] that exports the outbound metrics (see the
// package documentation). It is safe for concurrent use.
type Metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	breaker  *prometheus.GaugeVec
}

var _ Observer = (*Metrics)(nil)

// NewMetrics registers the outbound metrics with reg (nil registers
// nothing) and returns their Observer. Registering twice on one registry
// shares the metrics. It returns the registration error of a conflicting
// metric.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: metrics.Namespace, Name: "outbound_requests_total",
			Help: "HTTP attempts sent to other services' APIs, by service, endpoint pattern, method and status code (error: no answer).",
		}, []string{"service", "endpoint", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: metrics.Namespace, Name: "outbound_request_duration_seconds",
			Help:    "Duration of one HTTP attempt to another service's API, by service and endpoint pattern.",
			Buckets: metrics.APIBuckets,
		}, []string{"service", "endpoint"}),
		breaker: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: metrics.Namespace, Name: "circuit_breaker_state",
			Help: "State of the circuit breaker of a service's host: 0 closed, 1 half-open, 2 open.",
		}, []string{"service", "host"}),
	}
	var err error
	if m.requests, err = metrics.Register(reg, m.requests); err != nil {
		return nil, err
	}
	if m.duration, err = metrics.Register(reg, m.duration); err != nil {
		return nil, err
	}
	if m.breaker, err = metrics.Register(reg, m.breaker); err != nil {
		return nil, err
	}
	return m, nil
}

// ObserveCall implements [Observer].
func (m *Metrics) ObserveCall(_ context.Context, c Call) {
	status := "error"
	if c.Status > 0 {
		status = strconv.Itoa(c.Status)
	}
	m.requests.WithLabelValues(c.Service, c.Endpoint, c.Method, status).Inc()
	m.duration.WithLabelValues(c.Service, c.Endpoint).Observe(c.Duration.Seconds())
}

// ObserveBreaker implements [Observer].
func (m *Metrics) ObserveBreaker(service, host string, s BreakerState) {
	m.breaker.WithLabelValues(service, host).Set(float64(s))
}
