package outbound_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/url"
	"testing"
	"time"

	"github.com/askproai/askpro/pkg/outbound"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMetrics(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewPedanticRegistry()
	m, err := outbound.NewMetrics(reg)
	require.NoError(t, err)
	again, err := outbound.NewMetrics(reg) // a second client family on the same registry
	require.NoError(t, err)
	ctx := context.Background()
	m.ObserveCall(ctx, outbound.Call{Service: "calcom", Method: "GET", Endpoint: "/v2/slots", Status: 200, Duration: 30 * time.Millisecond, Attempt: 1})
	again.ObserveCall(ctx, outbound.Call{Service: "calcom", Method: "GET", Endpoint: "/v2/slots", Status: 200, Duration: 3 * time.Second, Attempt: 1})
	m.ObserveCall(ctx, outbound.Call{Service: "retell", Method: "GET", Endpoint: "/get-agent/{agent_id}", Err: errors.New("refused"), Attempt: 2})
	m.ObserveBreaker("calcom", "api.cal.com", outbound.Closed)
	m.ObserveBreaker("retell", "api.retellai.com", outbound.Open)

	assert.Equal(t, 2.0, testutil.ToFloat64(m.RequestsCounter("calcom", "/v2/slots", "GET", "200")))
	assert.Equal(t, 1.0, testutil.ToFloat64(m.RequestsCounter("retell", "/get-agent/{agent_id}", "GET", "error")))
	assert.Equal(t, 2.0, testutil.ToFloat64(m.BreakerGauge("retell", "api.retellai.com")))
	assert.Equal(t, 0.0, testutil.ToFloat64(m.BreakerGauge("calcom", "api.cal.com")))
	n, err := testutil.GatherAndCount(reg, "askproai_outbound_request_duration_seconds")
	require.NoError(t, err)
	assert.Equal(t, 2, n, "one histogram per service and endpoint")
}

func TestLog(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}))
	ctx := context.Background()
	outbound.Log(ctx, log, outbound.Call{Service: "calcom", Method: "GET", Endpoint: "/v2/slots", Status: 200, Duration: time.Millisecond})
	assert.Empty(t, buf.String(), "a success is Debug")
	outbound.Log(ctx, log, outbound.Call{Service: "retell", Method: "GET", Endpoint: "/get-phone-number/{phone_number}", Attempt: 1,
		Duration: 1500 * time.Millisecond, Err: &url.Error{Op: "Get", URL: "https://api.retellai.com/get-phone-number/+4915112345678", Err: errors.New("connection refused")}})
	out := buf.String()
	for _, want := range []string{`"level":"INFO"`, `"service":"retell"`, `"endpoint":"/get-phone-number/{phone_number}"`, `"method":"GET"`,
		`"status":0`, `"duration_ms":1500`, `"err":"connection refused"`} {
		assert.Contains(t, out, want)
	}
	assert.NotContains(t, out, "4915112345678")
	outbound.Log(ctx, nil, outbound.Call{}) // no logger: nothing, no panic
}

func TestMultiAndFuncs(t *testing.T) {
	t.Parallel()
	var calls, states []string
	f := outbound.Funcs{
		Call:    func(_ context.Context, c outbound.Call) { calls = append(calls, c.Endpoint) },
		Breaker: func(s, h string, st outbound.BreakerState) { states = append(states, s+" "+h+" "+st.String()) },
	}
	o := outbound.Multi(nil, f, outbound.Funcs{}, f)
	o.ObserveCall(context.Background(), outbound.Call{Endpoint: "/v2/slots"})
	o.ObserveBreaker("calcom", "api.cal.com", outbound.HalfOpen)
	assert.Equal(t, []string{"/v2/slots", "/v2/slots"}, calls)
	assert.Equal(t, []string{"calcom api.cal.com half-open", "calcom api.cal.com half-open"}, states)
	assert.Equal(t, "BreakerState(7)", outbound.BreakerState(7).String())
}
