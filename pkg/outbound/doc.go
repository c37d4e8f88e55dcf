// Package outbound describes askpro's calls to other services' APIs
// (Retell, Cal.com) for whoever watches them: pkg/retell and pkg/calcom
// report every HTTP attempt they send, and every state of their circuit
// breakers, to an [Observer] given in their Config; [Metrics] is the
// Observer that turns them into Prometheus metrics.
//
//	m, err := outbound.NewMetrics(reg)
//	client, err := calcom.New(calcom.Config{APIKey: key, Observer: m})
//
// # Metrics
//
//   - askproai_outbound_requests_total{service,endpoint,method,status}:
//     attempts sent; status is the HTTP status code, or "error" when no
//     answer came (network error, timeout).
//   - askproai_outbound_request_duration_seconds{service,endpoint}: one
//     attempt's time, with [metrics.APIBuckets].
//   - askproai_circuit_breaker_state{service,host}: 0 closed, 1 half-open,
//     2 open.
//
// endpoint is the route pattern of the API ("/v2/bookings/{uid}",
// "/get-agent/{agent_id}"), never the path sent; host is a configured
// host. So every label is bounded.
package outbound
