package health

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"sync"
	"time"
)

// HandlerOpts configures [Handler].
type HandlerOpts struct {
	// Token, when set, is the bearer token (metrics.token) that unlocks
	// the full report. Without it (or with a wrong one) the caller gets
	// [Report.Redacted]: the statuses only. Empty means everyone gets the
	// full report.
	Token string
	// MaxAge is how long a finished report is served again, without
	// running the checks, to requests that do not present Token (all
	// requests when Token is empty): however many anonymous probes arrive,
	// they run the checks at most once per MaxAge. A request with the
	// token joins the run in flight or starts one, never a finished
	// report. Zero means every request after a finished run starts a new
	// one.
	MaxAge time.Duration
	// Now is the clock of MaxAge. Nil means time.Now.
	Now func() time.Time
}

// Handler serves GET /health: it runs c and writes the report as JSON,
// 200 unless the status is unhealthy, then 503. The body is never cached
// (Cache-Control: no-store). Requests that arrive while a run is in flight
// share its report, so a flood of probes runs the checks once at a time,
// and with MaxAge a finished report is served again for that long.
func Handler(c *Checker, opts HandlerOpts) http.Handler {
	want := []byte("Bearer " + opts.Token)
	if opts.Now == nil {
		opts.Now = time.Now
	}
	sf := &shared{c: c, maxAge: opts.MaxAge, now: opts.Now}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		authorized := opts.Token != "" && subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) == 1
		rep, ok := sf.run(r.Context(), !authorized)
		if !ok {
			return // the client went away
		}
		if opts.Token != "" && !authorized {
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
	c      *Checker
	maxAge time.Duration
	now    func() time.Time
	mu     sync.Mutex
	cur    *flight
	last   *Report   // the last finished run's report
	lastAt time.Time // when it finished
}

type flight struct {
	done chan struct{}
	rep  Report
}

// run returns the report of the run in flight, or of a new one, or, when
// reuse is true, of the last run if it finished within maxAge; ok is false
// when ctx ended first.
func (s *shared) run(ctx context.Context, reuse bool) (Report, bool) {
	s.mu.Lock()
	if reuse && s.last != nil && s.maxAge > 0 {
		if age := s.now().Sub(s.lastAt); age >= 0 && age < s.maxAge {
			rep := *s.last
			s.mu.Unlock()
			return rep, true
		}
	}
	f := s.cur
	if f == nil {
		f = &flight{done: make(chan struct{})}
		s.cur = f
		go func() {
			// Not the first caller's context: the others share the result.
			f.rep = s.c.Run(context.WithoutCancel(ctx))
			s.mu.Lock()
			s.cur, s.last, s.lastAt = nil, &f.rep, s.now()
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
