package ratelimit

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/askproai/askpro/pkg/metrics"
	"github.com/askproai/askpro/pkg/tenant"
	"github.com/prometheus/client_golang/prometheus"
)

// Response headers set by [Middleware]. RateLimit-* follow the IETF
// httpapi draft's field names: the limit (bucket size), what remains of it,
// and the seconds until it is full again (or, on a 429, until a retry may
// succeed).
const (
	HeaderRetryAfter = "Retry-After"
	HeaderLimit      = "Ratelimit-Limit"
	HeaderRemaining  = "Ratelimit-Remaining"
	HeaderReset      = "Ratelimit-Reset"
)

// KeyFunc returns the rate-limit key of a request, or ok false when the
// rule does not apply to it (no API key, no client address).
type KeyFunc func(r *http.Request) (key string, ok bool)

// Rule is one limit the middleware enforces on every request it applies to.
type Rule struct {
	// Name identifies the rule in keys ("<Name>:<key>"), metrics and logs,
	// e.g. "api_per_key". Required and unique within a middleware.
	Name string
	// Limit is the rule's limit. Required: a zero Limit is an error (leave
	// a rule that is off out of Rules).
	Limit Limit
	// Key selects the bucket, e.g. [ByClientIP] or [ByAPIKey]. Required.
	Key KeyFunc
}

// ByClientIP keys requests by client address (see [ClientIP] for how
// X-Forwarded-For is read from trusted proxies only): "ip:192.0.2.1", and
// for IPv6 the /64 the address is in ("ip:2001:db8:1:2::/64"), because an
// end site holds a whole /64 and could rotate through it. Requests whose
// peer is not an IP address (a Unix socket) are not limited by it.
func ByClientIP(trustedProxies []netip.Prefix) KeyFunc {
	trusted := append([]netip.Prefix(nil), trustedProxies...)
	return func(r *http.Request) (string, bool) {
		a, ok := ClientIP(r, trusted)
		if !ok {
			return "", false
		}
		return ipKey(a), true
	}
}

// ByAPIKey keys requests by their authenticated API key,
// tenant.PrincipalFrom: "key:<api key id>". Requests without a principal
// are not limited by it, so mount it after authentication and limit
// unauthenticated traffic by [ByClientIP] before authentication.
func ByAPIKey() KeyFunc {
	return func(r *http.Request) (string, bool) {
		p, ok := tenant.PrincipalFrom(r.Context())
		if !ok {
			return "", false
		}
		return "key:" + strconv.FormatInt(p.KeyID, 10), true
	}
}

// Denied describes a request a rule refused; [MiddlewareConfig.OnLimited]
// gets it.
type Denied struct {
	// Rule is the refusing rule's Name.
	Rule string
	// Result is the limiter's answer (RetryAfter > 0).
	Result Result
}

// RetryAfterSeconds is the Retry-After value of d: RetryAfter in whole
// seconds, rounded up, at least 1.
func (d Denied) RetryAfterSeconds() int { return max(ceilSeconds(d.Result.RetryAfter), 1) }

// MiddlewareConfig configures a [Middleware].
type MiddlewareConfig struct {
	// Limiter counts requests: [NewRedis] when Redis is configured (one
	// budget across replicas), [NewLocal] otherwise. Required.
	Limiter Limiter

	// Rules are checked in order; a request must fit every rule that
	// applies to it. The first refusal answers 429 and later rules are not
	// charged. At least one is required.
	Rules []Rule

	// OnLimited writes the answer to a refused request. Retry-After and
	// the RateLimit-* headers are already set. Nil means 429 with the
	// API's error shape, {"error":{"code":"rate_limited","message":...}}.
	OnLimited func(w http.ResponseWriter, r *http.Request, d Denied)

	// Logger gets a warning when the Limiter fails (at most one per
	// LogInterval) and a debug line per refused request. Nil means
	// slog.Default().
	Logger *slog.Logger

	// LogInterval is the least time between two limiter-failure warnings.
	// Zero means 1m.
	LogInterval time.Duration

	// Now is the clock of LogInterval. Nil means time.Now.
	Now func() time.Time

	// Metrics counts the requests of each rule. One [Metrics] serves any
	// number of middlewares (the API's, the webhooks', ...). Nil means the
	// counts are kept but not exported.
	Metrics *Metrics
}

// Metrics are the Prometheus counters of one or more [Middleware]s
// (namespace askproai, subsystem ratelimit):
//
//   - askproai_ratelimit_requests_total{rule,outcome}: requests a rule
//     applied to, by outcome: "allowed", "limited", or "error" (the
//     limiter failed and the request was served).
//
// It is safe for concurrent use.
type Metrics struct {
	requests *prometheus.CounterVec
}

var _ prometheus.Collector = (*Metrics)(nil)

// NewMetrics returns the counters, registered with reg unless reg is nil.
// It returns the registration error (for example when registered twice).
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{requests: prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: metrics.Namespace, Subsystem: "ratelimit", Name: "requests_total",
		Help: "Requests a rate limit rule applied to, by rule and outcome (allowed, limited, error = limiter failed, request served).",
	}, []string{"rule", "outcome"})}
	if reg != nil {
		if err := reg.Register(m); err != nil {
			return nil, fmt.Errorf("ratelimit: register metrics: %w", err)
		}
	}
	return m, nil
}

// Describe implements prometheus.Collector.
func (m *Metrics) Describe(ch chan<- *prometheus.Desc) { m.requests.Describe(ch) }

// Collect implements prometheus.Collector.
func (m *Metrics) Collect(ch chan<- prometheus.Metric) { m.requests.Collect(ch) }

// Middleware enforces rate limit [Rule]s on HTTP requests. Every answer
// carries the RateLimit-* headers of the most restrictive rule that applied
// (across stacked middlewares too); a refused request is answered 429 with
// Retry-After in whole seconds (rounded up, at least 1).
//
// When the Limiter fails (Redis down: an error wrapping [ErrUnavailable]),
// the request is served as if the rule did not exist: it fails open, so an
// outage of the limiter's store never takes the API down. Each failure is
// counted ([Metrics]); a warning is logged at most once per LogInterval. A
// request whose client has gone away is not counted as a failure.
//
// A Middleware is safe for concurrent use.
type Middleware struct {
	limiter     Limiter
	rules       []rule
	onLimited   func(w http.ResponseWriter, r *http.Request, d Denied)
	log         *slog.Logger
	logInterval time.Duration
	now         func() time.Time
	lastLog     atomic.Int64 // unix nanoseconds of the last failure warning
}

type rule struct {
	Rule
	prefix                   string
	allowed, limited, failed prometheus.Counter
}

// NewMiddleware returns a Middleware. It returns [ErrNoLimiter] without a
// Limiter, an error wrapping [ErrInvalidLimit] for a rule whose Limit is
// invalid (or zero), an error for no rules, a rule without Name or Key, or
// a duplicate Name.
func NewMiddleware(cfg MiddlewareConfig) (*Middleware, error) {
	if cfg.Limiter == nil {
		return nil, ErrNoLimiter
	}
	if len(cfg.Rules) == 0 {
		return nil, errors.New("ratelimit: no rules")
	}
	if cfg.OnLimited == nil {
		cfg.OnLimited = WriteLimited
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.LogInterval <= 0 {
		cfg.LogInterval = time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Metrics == nil {
		cfg.Metrics, _ = NewMetrics(nil) // fails only to register
	}
	m := &Middleware{
		limiter:     cfg.Limiter,
		onLimited:   cfg.OnLimited,
		log:         cfg.Logger,
		logInterval: cfg.LogInterval,
		now:         cfg.Now,
	}
	requests := cfg.Metrics.requests
	seen := map[string]bool{}
	for _, r := range cfg.Rules {
		switch {
		case r.Name == "":
			return nil, errors.New("ratelimit: a rule has no Name")
		case seen[r.Name]:
			return nil, fmt.Errorf("ratelimit: rule %q given twice", r.Name)
		case r.Key == nil:
			return nil, fmt.Errorf("ratelimit: rule %q has no Key", r.Name)
		}
		seen[r.Name] = true
		lim, err := r.Limit.normalize()
		if err != nil {
			return nil, fmt.Errorf("ratelimit: rule %q: %w", r.Name, err)
		}
		r.Limit = lim
		m.rules = append(m.rules, rule{
			Rule:    r,
			prefix:  r.Name + ":",
			allowed: requests.WithLabelValues(r.Name, "allowed"),
			limited: requests.WithLabelValues(r.Name, "limited"),
			failed:  requests.WithLabelValues(r.Name, "error"),
		})
	}
	return m, nil
}

// MustMiddleware is [NewMiddleware] that panics on error, for setup code
// whose rules are fixed.
func MustMiddleware(cfg MiddlewareConfig) *Middleware {
	m, err := NewMiddleware(cfg)
	if err != nil {
		panic(err)
	}
	return m
}

// Wrap returns next behind the middleware's rules.
func (m *Middleware) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var tightest Result
		found := false
		for i := range m.rules {
			rl := &m.rules[i]
			key, ok := rl.Key(r)
			if !ok {
				continue
			}
			res, err := m.limiter.Allow(r.Context(), rl.prefix+key, rl.Limit)
			if err != nil {
				if r.Context().Err() == nil {
					rl.failed.Inc()
					m.warn(r, rl.Name, err)
				}
				continue
			}
			if !res.Allowed {
				rl.limited.Inc()
				setHeaders(w.Header(), res, true)
				d := Denied{Rule: rl.Name, Result: res}
				w.Header()[HeaderRetryAfter] = []string{strconv.Itoa(d.RetryAfterSeconds())}
				m.log.DebugContext(r.Context(), "ratelimit: request limited", "rule", rl.Name, "retry_after", res.RetryAfter)
				m.onLimited(w, r, d)
				return
			}
			rl.allowed.Inc()
			if !found || res.Remaining < tightest.Remaining {
				tightest, found = res, true
			}
		}
		if found {
			setHeaders(w.Header(), tightest, false)
		}
		next.ServeHTTP(w, r)
	})
}

// setHeaders sets the RateLimit-* headers from res, unless an outer
// middleware already reported a tighter rule (fewer remaining); a refusal
// always sets them.
func setHeaders(h http.Header, res Result, denied bool) {
	if !denied {
		if prev := h[HeaderRemaining]; len(prev) == 1 {
			if n, err := strconv.Atoi(prev[0]); err == nil && n <= res.Remaining {
				return
			}
		}
	}
	reset := res.ResetAfter
	if denied {
		reset = res.RetryAfter
	}
	h[HeaderLimit] = []string{strconv.Itoa(res.Limit.Burst)}
	h[HeaderRemaining] = []string{strconv.Itoa(res.Remaining)}
	h[HeaderReset] = []string{strconv.Itoa(ceilSeconds(reset))}
}

// warn logs a limiter failure, at most once per logInterval.
func (m *Middleware) warn(r *http.Request, ruleName string, err error) {
	now := m.now().UnixNano()
	last := m.lastLog.Load()
	if last != 0 && now-last < int64(m.logInterval) {
		return
	}
	if !m.lastLog.CompareAndSwap(last, now) {
		return
	}
	m.log.WarnContext(r.Context(), "ratelimit: limiter failed, serving requests without this limit",
		"rule", ruleName, "err", err, "next_warning_after", m.logInterval)
}

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// WriteLimited is the default [MiddlewareConfig.OnLimited]: 429 Too Many
// Requests with the API's error shape,
// {"error":{"code":"rate_limited","message":"rate limit exceeded, retry in 3s"}}.
func WriteLimited(w http.ResponseWriter, _ *http.Request, d Denied) {
	body, _ := json.Marshal(errorBody{Error: errorDetail{
		Code:    "rate_limited",
		Message: fmt.Sprintf("rate limit exceeded, retry in %ds", d.RetryAfterSeconds()),
	}})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)+1))
	w.WriteHeader(http.StatusTooManyRequests)
	_, _ = w.Write(append(body, '\n'))
}

// ceilSeconds rounds d up to whole seconds (0 for d <= 0).
func ceilSeconds(d time.Duration) int {
	if d <= 0 {
		return 0
	}
	return int((d + time.Second - 1) / time.Second)
}
