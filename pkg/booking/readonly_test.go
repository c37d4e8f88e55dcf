package booking_test

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/askproai/askpro/internal/dbtest"
	"github.com/askproai/askpro/pkg/booking"
	"github.com/askproai/askpro/pkg/pool"
	"github.com/askproai/askpro/pkg/store"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// slotsFunc is a read-only check_availability that counts its runs and
// answers once release is closed; its answer names the run.
type slotsFunc struct {
	runs    atomic.Int32
	entered chan struct{}
	release chan struct{}
	status  string
}

func newSlotsFunc(status string) *slotsFunc {
	s := &slotsFunc{entered: make(chan struct{}, 8), release: make(chan struct{}), status: status}
	return s
}

func (s *slotsFunc) Serve(ctx context.Context, c booking.Call) (booking.Answer, error) {
	n := s.runs.Add(1)
	s.entered <- struct{}{}
	select {
	case <-s.release:
	case <-ctx.Done():
		return booking.Answer{}, ctx.Err()
	}
	return booking.Answer{Result: "Um 9:00 Uhr ist frei.", Status: s.status, Data: map[string]any{"run": n}}, nil
}

func availabilityBody(t *testing.T) []byte {
	return edit(t, bookFixture(t), func(m map[string]any) {
		m["name"] = booking.FuncCheckAvailability
		m["args"] = map[string]any{"service": "Damenhaarschnitt", "date": "2026-03-12"}
	})
}

// TestReadOnlyFunctionSharesOneRunAndRecordsItsAnswer checks the claim-free
// path of a function that changes nothing: concurrent repeats share one
// run and one answer, the answer is recorded in the background (one
// function_calls row, done), and a later repeat, in this process or
// another on the same database, gets the recorded answer without a run.
func TestReadOnlyFunctionSharesOneRunAndRecordsItsAnswer(t *testing.T) {
	t.Parallel()
	url := dbtest.MySQL(t)
	b := setup(t, url, nil)
	fn := newSlotsFunc(booking.StatusOK)
	reg := prometheus.NewRegistry()
	fns := map[string]booking.Function{booking.FuncCheckAvailability: booking.ReadOnly(fn)}
	h := newFunctions(t, b.st, fns, nil, reg)
	joined, recorded := make(chan struct{}, 8), make(chan struct{}, 8)
	booking.SetTestHooks(h, func() { joined <- struct{}{} }, func() { recorded <- struct{}{} })

	body := availabilityBody(t)
	const n = 3
	bodies := make([][]byte, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			code, out := post(t, h, "/retell/functions/check_availability", body)
			assert.Equal(t, http.StatusOK, code)
			bodies[i] = out
		})
	}
	waitFor(t, fn.entered, "the run")
	for range n {
		waitFor(t, joined, "every request to join the run")
	}
	close(fn.release)
	wg.Wait()
	waitFor(t, recorded, "the answer to be recorded")

	assert.Equal(t, int32(1), fn.runs.Load(), "concurrent repeats share one run")
	for i := range n {
		assert.Equal(t, string(bodies[0]), string(bodies[i]), "every request gets the same answer")
	}
	assert.Equal(t, "Um 9:00 Uhr ist frei.", decodeAnswer(t, bodies[0]).Result)
	var status, result string
	require.NoError(t, b.pool.DB().QueryRow("SELECT status, result FROM function_calls").Scan(&status, &result))
	assert.Equal(t, store.FunctionCallDone, status)
	assert.Equal(t, string(bodies[0]), result, "the recorded answer is the one sent")
	assert.InDelta(t, 1, counter(t, reg, "ran"), 0)
	assert.InDelta(t, 2, counter(t, reg, "repeat"), 0)

	// A later repeat: the recorded answer, no run; also in a second process.
	_, again := post(t, h, "/retell/functions/check_availability", body)
	assert.Equal(t, string(bodies[0]), string(again))
	p2, err := pool.Open(context.Background(), url, pool.Config{MinConns: -1, MaxConns: 4, HealthInterval: -1, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	t.Cleanup(func() { _ = p2.Close() })
	st2, err := store.New(store.Config{DB: p2.DB(), Writer: p2.Writer(), Dialect: string(p2.Dialect()), Now: func() time.Time { return clock }})
	require.NoError(t, err)
	_, other := post(t, newFunctions(t, st2, fns, nil, nil), "/retell/functions/check_availability", body)
	assert.Equal(t, string(bodies[0]), string(other))
	assert.Equal(t, int32(1), fn.runs.Load(), "repeats after the first answer do not run it")

	// Other arguments are another call.
	otherArgs := edit(t, body, func(m map[string]any) {
		m["args"] = map[string]any{"service": "Damenhaarschnitt", "date": "2026-03-13"}
	})
	_, third := post(t, h, "/retell/functions/check_availability", otherArgs)
	assert.Equal(t, int32(2), fn.runs.Load())
	assert.EqualValues(t, 2, decodeAnswer(t, third).Data.(map[string]any)["run"])
}

// TestReadOnlyFunctionDoesNotKeepUnavailableAnswers checks that an answer
// of StatusUnavailable (Cal.com down) is not recorded: the next repeat
// asks again.
func TestReadOnlyFunctionDoesNotKeepUnavailableAnswers(t *testing.T) {
	eachDialect(t, func(t *testing.T, b testBundle) {
		fn := newSlotsFunc(booking.StatusUnavailable)
		close(fn.release)
		h := newFunctions(t, b.st, map[string]booking.Function{booking.FuncCheckAvailability: booking.ReadOnly(fn)}, nil, nil)
		body := availabilityBody(t)
		for range 2 {
			code, out := post(t, h, "/retell/functions/check_availability", body)
			assert.Equal(t, http.StatusOK, code)
			assert.Equal(t, booking.StatusUnavailable, decodeAnswer(t, out).Status)
		}
		assert.Equal(t, int32(2), fn.runs.Load(), "an unavailable answer is not kept")
		assert.Equal(t, 0, count(t, b, "function_calls"))
	})
}
