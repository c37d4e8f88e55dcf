package health

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"
)

// Status is the state of one check or of the whole [Report].
type Status string

// The statuses, from best to worst. A report's status is the worst of its
// checks' statuses.
const (
	// StatusHealthy: the dependency works as it should.
	StatusHealthy Status = "healthy"
	// StatusDegraded: askpro still takes and stores webhooks, but something
	// needs attention (an external API unreachable, the queue behind, the
	// disk filling up, a certificate about to expire). /health answers 200.
	StatusDegraded Status = "degraded"
	// StatusUnhealthy: askpro cannot do its work (the database or Redis
	// does not answer, the certificate has expired, a check timed out).
	// /health answers 503 and `askpro health` exits 1.
	StatusUnhealthy Status = "unhealthy"
)

// rank orders statuses; an unknown status counts as unhealthy.
func (s Status) rank() int {
	switch s {
	case StatusHealthy:
		return 0
	case StatusDegraded:
		return 1
	}
	return 2
}

// Worse returns the worse of s and o.
func (s Status) Worse(o Status) Status {
	if o.rank() > s.rank() {
		return o
	}
	return s
}

// Result is what one check finds.
type Result struct {
	// Status is the check's verdict. The zero value counts as unhealthy,
	// so a check that forgets to set it fails loudly.
	Status Status `json:"status"`
	// Message says what was found, for a person ("2 of 50 connections in
	// use", "certificate expires in 3 days"). It may name hosts, so it is
	// shown only to callers with the token.
	Message string `json:"message,omitempty"`
	// DurationMS is how long the check took, in milliseconds (set by the
	// [Checker]).
	DurationMS float64 `json:"duration_ms,omitempty"`
	// Details are the check's measurements (counts, ages, bytes, dates).
	Details map[string]any `json:"details,omitempty"`
}

// Healthy returns a healthy Result with a message and details.
func Healthy(msg string, details map[string]any) Result {
	return Result{Status: StatusHealthy, Message: msg, Details: details}
}

// Degraded returns a degraded Result with a message and details.
func Degraded(msg string, details map[string]any) Result {
	return Result{Status: StatusDegraded, Message: msg, Details: details}
}

// Unhealthy returns an unhealthy Result with a message and details.
func Unhealthy(msg string, details map[string]any) Result {
	return Result{Status: StatusUnhealthy, Message: msg, Details: details}
}

// CheckFunc runs one check. It must return when ctx ends; the [Checker]
// reports a check that outlives its timeout as unhealthy without waiting
// for it.
type CheckFunc func(ctx context.Context) Result

// Check is one named check of a [Checker].
type Check struct {
	// Name is the key of the check in [Report.Checks], e.g. "database".
	Name string
	// Run runs the check.
	Run CheckFunc
	// Timeout bounds Run. Zero means [Config.Timeout].
	Timeout time.Duration
}

// Config configures a [Checker].
type Config struct {
	// Checks are run concurrently by [Checker.Run]. Names must be unique
	// and non-empty.
	Checks []Check
	// Timeout bounds each check without a Timeout of its own. Zero means
	// 5s.
	Timeout time.Duration
	// Version and Environment are copied into every report.
	Version, Environment string
	// Metrics, when set, fills [Report.Metrics]. [NewProcessMetrics] gives
	// the usual one.
	Metrics func() *Metrics
	// Logger receives a check's change to degraded or unhealthy (Warn)
	// and back to healthy (Info), once per change, not per report. Nil
	// means no logging.
	Logger *slog.Logger
	// Now is the clock of the report's timestamp. Nil means time.Now.
	Now func() time.Time
}

// DefaultTimeout bounds a check without a timeout of its own.
const DefaultTimeout = 5 * time.Second

// Report is the comprehensive health of the process: the JSON body of
// GET /health and the output of `askpro health -o json`.
type Report struct {
	// Status is the worst status of the checks (healthy with no checks).
	Status Status `json:"status"`
	// Timestamp is when the checks started, in UTC.
	Timestamp time.Time `json:"timestamp"`
	// Version is the build of askpro that answered.
	Version string `json:"version,omitempty"`
	// Environment is the configured environment ("production").
	Environment string `json:"environment,omitempty"`
	// Checks are the results by check name.
	Checks map[string]Result `json:"checks"`
	// Metrics describe the process (uptime, memory, CPU, goroutines, pool).
	Metrics *Metrics `json:"metrics,omitempty"`
}

// Healthy reports whether the report's status is not unhealthy: what
// /health answers 200 for and `askpro health` exits 0 for.
func (r Report) Healthy() bool { return r.Status.rank() < StatusUnhealthy.rank() }

// Names returns the check names in order.
func (r Report) Names() []string {
	names := make([]string, 0, len(r.Checks))
	for n := range r.Checks {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Redacted returns the report reduced to what an unauthenticated caller
// may see: the overall status, the timestamp and each check's name and
// status. Messages, details, durations, the version, the environment and
// the metrics (which may name hosts or help an attacker) are dropped.
func (r Report) Redacted() Report {
	out := Report{Status: r.Status, Timestamp: r.Timestamp, Checks: make(map[string]Result, len(r.Checks))}
	for n, c := range r.Checks {
		out.Checks[n] = Result{Status: c.Status}
	}
	return out
}

// Checker runs checks. Create it with [New]. It is safe for concurrent
// use.
type Checker struct {
	cfg Config

	mu   sync.Mutex
	last map[string]Status // for logging changes only
}

// New validates cfg and returns a Checker. It returns an error for a check
// without a name or a Run function, a duplicate name, or a negative
// timeout.
func New(cfg Config) (*Checker, error) {
	if cfg.Timeout < 0 {
		return nil, fmt.Errorf("health: negative timeout %s", cfg.Timeout)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	seen := map[string]bool{}
	for _, c := range cfg.Checks {
		switch {
		case c.Name == "" || c.Run == nil:
			return nil, errors.New("health: a check needs a name and a Run function")
		case seen[c.Name]:
			return nil, fmt.Errorf("health: duplicate check %q", c.Name)
		case c.Timeout < 0:
			return nil, fmt.Errorf("health: check %q: negative timeout %s", c.Name, c.Timeout)
		}
		seen[c.Name] = true
	}
	cfg.Checks = append([]Check(nil), cfg.Checks...)
	return &Checker{cfg: cfg, last: map[string]Status{}}, nil
}

// Run runs every check concurrently, each bounded by its timeout, and
// returns the report. It returns when every check has answered or timed
// out (or ctx ended: the checks still running are then reported unhealthy).
func (c *Checker) Run(ctx context.Context) Report {
	start := c.cfg.Now()
	rep := Report{
		Status:      StatusHealthy,
		Timestamp:   start.UTC(),
		Version:     c.cfg.Version,
		Environment: c.cfg.Environment,
		Checks:      make(map[string]Result, len(c.cfg.Checks)),
	}
	var (
		mu sync.Mutex
		wg sync.WaitGroup
	)
	for _, chk := range c.cfg.Checks {
		wg.Go(func() {
			res := c.runOne(ctx, chk)
			mu.Lock()
			rep.Checks[chk.Name] = res
			mu.Unlock()
		})
	}
	wg.Wait()
	c.mu.Lock()
	for name, res := range rep.Checks {
		rep.Status = rep.Status.Worse(res.Status)
		prev, seen := c.last[name]
		c.last[name] = res.Status
		switch {
		case res.Status != StatusHealthy && prev != res.Status:
			c.cfg.Logger.WarnContext(ctx, "health: check "+string(res.Status), "check", name, "status", string(res.Status), "message", res.Message)
		case res.Status == StatusHealthy && seen && prev != StatusHealthy:
			c.cfg.Logger.InfoContext(ctx, "health: check healthy again", "check", name)
		}
	}
	c.mu.Unlock()
	if c.cfg.Metrics != nil {
		rep.Metrics = c.cfg.Metrics()
	}
	return rep
}

// runOne runs chk under its timeout; a check that does not return in time
// is left to finish on its own and reported unhealthy.
func (c *Checker) runOne(ctx context.Context, chk Check) Result {
	timeout := chk.Timeout
	if timeout == 0 {
		timeout = c.cfg.Timeout
	}
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	begin := time.Now()
	done := make(chan Result, 1)
	go func() {
		defer func() {
			if v := recover(); v != nil {
				done <- Unhealthy(fmt.Sprintf("check panicked: %v", v), nil)
			}
		}()
		done <- chk.Run(cctx)
	}()
	var res Result
	select {
	case res = <-done:
	case <-cctx.Done():
		if ctx.Err() != nil {
			res = Unhealthy("check cancelled: "+ctx.Err().Error(), nil)
		} else {
			res = Unhealthy(fmt.Sprintf("check timed out after %s", timeout), nil)
		}
	}
	if res.Status == "" {
		res.Status = StatusUnhealthy
	}
	res.DurationMS = float64(time.Since(begin).Microseconds()) / 1000
	return res
}
