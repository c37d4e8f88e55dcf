package health

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"sync"
)

// HandlerOpts configures [Handler].
type HandlerOpts struct {
	// Token, when set, is the bearer token (metrics.token) that unlocks
	// the full report. Without it (or with a wrong one) the caller gets
	// [Report.Redacted]: the statuses only. Empty means everyone gets the
	// full report.
	Token string
}

// Handler serves GET /health: it runs c and writes the report as JSON,
// 200 unless the status is unhealthy, then 503. The body is never cached
// (Cache-Control: no-store). Requests that arrive while a run is in flight
// share its report, so a flood of probes runs the checks once at a time.
func Handler(c *Checker, opts HandlerOpts) http.Handler {
	want := []byte("Bearer " + opts.Token)
	sf := &shared{c: c}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rep, ok := sf.run(r.Context())
		if !ok {
			return // the client went away
		}
		if opts.Token != "" && subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			rep = rep.Redacted()
		}
		code := http.StatusOK
		if !rep.Healthy() {
			code = http.StatusServiceUnavailable
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(code)
		_ = json.NewEncoder(w).Encode(rep)
	})
}

// shared runs one report at a time for every caller waiting for one.
type shared struct {
	c   *Checker
	mu  sync.Mutex
	cur *flight
}

type flight struct {
	done chan struct{}
	rep  Report
}

// run returns the report of the run in flight, or of a new one; ok is
// false when ctx ended first.
func (s *shared) run(ctx context.Context) (Report, bool) {
	s.mu.Lock()
	f := s.cur
	if f == nil {
		f = &flight{done: make(chan struct{})}
		s.cur = f
		go func() {
			// Not the first caller's context: the others share the result.
			f.rep = s.c.Run(context.WithoutCancel(ctx))
			s.mu.Lock()
			s.cur = nil
			s.mu.Unlock()
			close(f.done)
		}()
	}
	s.mu.Unlock()
	select {
	case <-f.done:
		return f.rep, true
	case <-ctx.Done():
		return Report{}, false
	}
}
