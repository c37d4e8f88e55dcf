package calcom

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/askproai/askpro/internal/ctxtime"
	"github.com/askproai/askpro/internal/hosturl"
	"github.com/askproai/askpro/pkg/outbound"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/sony/gobreaker/v2"
)

// Client defaults.
const (
	DefaultBaseURL      = "https://api.cal.com"
	EUBaseURL           = "https://api.cal.eu"
	DefaultTimeout      = 10 * time.Second
	DefaultMaxRetries   = 2
	DefaultRetryBackoff = 250 * time.Millisecond
	// maxBackoff caps the computed backoff (not a Retry-After).
	maxBackoff = 5 * time.Second
	// maxAnswer bounds the body read from Cal.com.
	maxAnswer = 4 << 20
	// defaultRateLimitPause is how long a 429 pauses the key's budget when
	// Cal.com says nothing: its block lasts 60 s (throttler-guard.ts).
	defaultRateLimitPause = 60 * time.Second
)

// Config configures a [Client]. Only APIKey is required.
type Config struct {
	// BaseURL is the Cal.com host only, without /v2 (DESIGN.md
	// "Configuration"): https://api.cal.com, or https://api.cal.eu for the
	// EU-hosted Cal.com. Empty means [DefaultBaseURL]. A path, query or
	// user info is refused.
	BaseURL string
	// APIKey is sent as "Authorization: Bearer <key>". Required. It never
	// appears in an error or a log line; budgets see its [KeyHash].
	APIKey string
	// HTTPClient sends the requests. Nil means [outbound.DefaultClient],
	// shared by every client of the process so that they keep idle
	// connections to a host for one another. Its own Timeout, if any,
	// bounds all attempts.
	HTTPClient *http.Client
	// Timeout bounds each attempt (sending and reading the answer). Zero
	// means 10s.
	Timeout time.Duration
	// MaxRetries is how many times a failed request may be sent again.
	// Zero means 2; -1 means never.
	MaxRetries int
	// RetryBackoff is the base delay before the first retry; it doubles
	// per retry up to 5s, with jitter, and a longer Retry-After or
	// X-RateLimit-Reset-Default wins. Zero means 250ms.
	RetryBackoff time.Duration
	// Budget grants every attempt under the key's request budget. Nil means
	// one process-wide [LocalBudget] of [DefaultBudgetPerMinute] per key.
	// Give every client a shared [RedisBudget] when replicas share a key.
	Budget Budget
	// Breaker holds the per-host circuit breakers. Nil means one
	// process-wide set with the defaults (open after 5 consecutive
	// failures, probe after 30s).
	Breaker *Breakers
	// Logger receives a warning per retry and per failed budget store, and
	// one line per attempt sent (Debug, or Info when it failed; see
	// [outbound.Log]). Nil means no logging.
	Logger *slog.Logger
	// Observer, if set, is told of every attempt sent (service "calcom",
	// the endpoint pattern such as "/v2/bookings/{uid}") and, when this
	// Client is the first to use its host's breaker, of that breaker's
	// states. [outbound.Metrics] exports them to Prometheus.
	Observer outbound.Observer
	// Now is the clock (Retry-After dates). Nil means time.Now.
	Now func() time.Time
	// Sleep waits between retries; it returns ctx's error if ctx ends
	// first. Nil means a timer.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Client is a typed client of the Cal.com API v2 for one API key and base
// URL. Clients are cheap: build one per company. A Client is safe for
// concurrent use.
type Client struct {
	base       string // scheme://host
	apiKey     string
	keyHash    string
	hc         *http.Client
	timeout    time.Duration
	maxRetries int
	backoff    time.Duration
	budget     Budget
	breaker    *gobreaker.CircuitBreaker[*attempt]
	log        *slog.Logger
	observer   outbound.Observer
	now        func() time.Time
	sleep      func(context.Context, time.Duration) error
}

// New returns a client for cfg. It returns an error for a missing or
// malformed API key, a base URL that is not an http(s) host, or a negative
// Timeout or a MaxRetries below -1. It does not contact Cal.com.
func New(cfg Config) (*Client, error) {
	base, err := parseBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	if cfg.APIKey == "" {
		return nil, errors.New("calcom: an API key is required")
	}
	if strings.ContainsFunc(cfg.APIKey, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return nil, errors.New("calcom: the API key contains spaces or control characters")
	}
	if cfg.Timeout < 0 {
		return nil, fmt.Errorf("calcom: timeout %s is negative", cfg.Timeout)
	}
	if cfg.MaxRetries < -1 {
		return nil, fmt.Errorf("calcom: max retries %d: use -1 for none", cfg.MaxRetries)
	}
	if cfg.RetryBackoff < 0 {
		return nil, fmt.Errorf("calcom: retry backoff %s is negative", cfg.RetryBackoff)
	}
	c := &Client{
		base:       base,
		apiKey:     cfg.APIKey,
		keyHash:    KeyHash(cfg.APIKey),
		hc:         cfg.HTTPClient,
		timeout:    cfg.Timeout,
		maxRetries: cfg.MaxRetries,
		backoff:    cfg.RetryBackoff,
		budget:     cfg.Budget,
		log:        cfg.Logger,
		observer:   cfg.Observer,
		now:        cfg.Now,
		sleep:      cfg.Sleep,
	}
	if c.hc == nil {
		c.hc = outbound.DefaultClient()
	}
	if c.timeout == 0 {
		c.timeout = DefaultTimeout
	}
	switch c.maxRetries {
	case 0:
		c.maxRetries = DefaultMaxRetries
	case -1:
		c.maxRetries = 0
	}
	if c.backoff == 0 {
		c.backoff = DefaultRetryBackoff
	}
	if c.budget == nil {
		c.budget = defaultBudget()
	}
	breakers := cfg.Breaker
	if breakers == nil {
		breakers = defaultBreakers()
	}
	c.breaker = breakers.get(base, cfg.Observer)
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.sleep == nil {
		c.sleep = ctxtime.Sleep
	}
	return c, nil
}

// BaseURL returns the host the client sends to, e.g. "https://api.cal.eu".
func (c *Client) BaseURL() string { return c.base }

func parseBaseURL(s string) (string, error) {
	if s == "" {
		s = DefaultBaseURL
	}
	base, _, err := hosturl.Parse(s, DefaultBaseURL)
	if err != nil {
		return "", fmt.Errorf("calcom: %w", err)
	}
	return base, nil
}

// retryPolicy says which failures of a request may be sent again.
type retryPolicy int

const (
	// idempotent: reads, releases, cancels. Retried on network errors,
	// timeouts, 429 and 5xx.
	idempotent retryPolicy = iota
	// creating: POST /v2/bookings, reservations, reschedule. Retried only
	// when Cal.com cannot have acted: a 429 (the throttler refuses before
	// any handler runs), a 503 with Retry-After (load shedding or
	// maintenance, RFC 9110 section 15.6.4), or a failure before the
	// request was completely written (refused connection, DNS, TLS). Any
	// other failure after sending wraps ErrAmbiguous.
	creating
)

// call is one API request.
type call struct {
	method string
	path   string
	// endpoint is path's route pattern ("/v2/bookings/{uid}/cancel"): the
	// label of the outbound metrics, which must never see a uid.
	endpoint string
	query    url.Values
	version  string
	body     any
	policy   retryPolicy
	// settled reports, for a retry that follows an attempt which may have
	// acted, whether an error answer means that attempt did (a cancel
	// answered "already cancelled"). do then returns errSettled.
	settled func(*APIError) bool
}

// errSettled is do's answer when call.settled matched.
var errSettled = errors.New("calcom: settled by an earlier attempt")

// attempt is the outcome of sending a request once.
type attempt struct {
	status int
	header http.Header
	body   []byte
	wrote  bool  // the request was written completely
	err    error // transport error; status is then 0
}

// envelope is the success shape {"status":"success","data":...}.
type envelope struct {
	Status string          `json:"status"`
	Data   json.RawMessage `json:"data"`
}

// do sends cl (with retries, the budget and the breaker) and decodes the
// answer's data into out (nil skips it).
func (c *Client) do(ctx context.Context, cl call, out any) error {
	var payload []byte
	if cl.body != nil {
		var err error
		if payload, err = json.Marshal(cl.body); err != nil {
			return fmt.Errorf("calcom: %s %s: encode body: %w", cl.method, cl.path, err)
		}
	}
	var (
		lastErr      error
		mayHaveActed bool
	)
	for n := 0; ; n++ {
		if c.breaker.State() == gobreaker.StateOpen { // spend no budget on a request that cannot go
			if lastErr != nil {
				return fmt.Errorf("%w (then %w for %s)", lastErr, ErrCircuitOpen, c.base)
			}
			return fmt.Errorf("calcom: %s %s: %w for %s", cl.method, cl.path, ErrCircuitOpen, c.base)
		}
		if err := c.budget.Wait(ctx, c.keyHash); err != nil {
			if !errors.Is(err, ErrBudgetUnavailable) {
				if lastErr != nil {
					return fmt.Errorf("%w (retry not sent: %w)", lastErr, err)
				}
				return fmt.Errorf("calcom: %s %s: %w", cl.method, cl.path, err)
			}
			c.log.WarnContext(ctx, "calcom budget store failed, sending anyway",
				"method", cl.method, "path", cl.path, "key", c.keyHash[:12], "error", err)
		}
		start := time.Now()
		a, err := c.breaker.Execute(func() (*attempt, error) { return c.send(ctx, cl, payload) })
		if a != nil {
			c.observe(ctx, cl, a, n+1, time.Since(start))
		}
		if errors.Is(err, gobreaker.ErrOpenState) || errors.Is(err, gobreaker.ErrTooManyRequests) {
			if lastErr != nil {
				return fmt.Errorf("%w (then %w for %s)", lastErr, ErrCircuitOpen, c.base)
			}
			return fmt.Errorf("calcom: %s %s: %w for %s", cl.method, cl.path, ErrCircuitOpen, c.base)
		}
		var retryAfter time.Duration
		if a.err != nil {
			if cl.policy == creating && a.wrote {
				return fmt.Errorf("calcom: %s %s: %w: %w", cl.method, cl.path, ErrAmbiguous, a.err)
			}
			lastErr = fmt.Errorf("calcom: %s %s: %w", cl.method, cl.path, a.err)
			if ctx.Err() != nil {
				return lastErr
			}
			if a.wrote {
				mayHaveActed = true
			}
		} else {
			c.watchRateLimit(ctx, a)
			if a.status >= 200 && a.status < 300 {
				return c.decode(cl, a, out)
			}
			apiErr := decodeAPIError(a.status, cl.method, cl.path, a.body)
			apiErr.RetryAfter = c.retryAfter(a)
			if mayHaveActed && cl.settled != nil && cl.settled(apiErr) {
				return errSettled
			}
			retryAfter = apiErr.RetryAfter
			lastErr = apiErr
			switch {
			case a.status == http.StatusTooManyRequests:
			case a.status >= 500 && cl.policy == idempotent:
				mayHaveActed = true
			case a.status == http.StatusServiceUnavailable && apiErr.RetryAfter > 0:
			case a.status >= 500:
				return fmt.Errorf("%w: %w", ErrAmbiguous, apiErr)
			default:
				return apiErr
			}
		}
		if n >= c.maxRetries {
			return lastErr
		}
		delay := max(c.backoffFor(n), retryAfter)
		if !fits(ctx, delay) {
			return lastErr
		}
		c.log.WarnContext(ctx, "calcom request failed, retrying",
			"method", cl.method, "path", cl.path, "attempt", n+1, "delay", delay,
			"key", c.keyHash[:12], "error", lastErr)
		if err := c.sleep(ctx, delay); err != nil {
			return lastErr
		}
	}
}

// observe reports one attempt sent to the Observer and the log.
func (c *Client) observe(ctx context.Context, cl call, a *attempt, n int, took time.Duration) {
	oc := outbound.Call{Service: "calcom", Method: cl.method, Endpoint: cl.endpoint, Status: a.status, Duration: took, Attempt: n}
	if oc.Endpoint == "" {
		oc.Endpoint = "unknown"
	}
	if a.err != nil {
		oc.Status, oc.Err = 0, a.err
	}
	if c.observer != nil {
		c.observer.ObserveCall(ctx, oc)
	}
	outbound.Log(ctx, c.log, oc)
}

// backoffFor returns the delay before retry n+1: base·2ⁿ capped at 5s,
// between half and all of it (jitter).
func (c *Client) backoffFor(n int) time.Duration {
	d := c.backoff << min(n, 16)
	if d > maxBackoff || d <= 0 {
		d = maxBackoff
	}
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}

func (c *Client) send(ctx context.Context, cl call, payload []byte) (*attempt, error) {
	a := &attempt{}
	actx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var wrote atomic.Bool
	actx = httptrace.WithClientTrace(actx, &httptrace.ClientTrace{
		WroteRequest: func(i httptrace.WroteRequestInfo) {
			if i.Err == nil {
				wrote.Store(true)
			}
		},
	})
	u := c.base + cl.path
	if len(cl.query) > 0 {
		u += "?" + cl.query.Encode()
	}
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(actx, cl.method, u, body)
	if err != nil {
		a.err = err
		return a, fmt.Errorf("%w: %w", errNotCounted, err)
	}
	req.Header.Set("Authorization", "Bearer "+c.apiKey)
	req.Header.Set("cal-api-version", cl.version)
	req.Header.Set("Accept", "application/json")
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	a.wrote = wrote.Load()
	if err != nil {
		a.err = err
		if ctx.Err() != nil { // the caller gave up: says nothing about the host
			return a, fmt.Errorf("%w: %w", errNotCounted, err)
		}
		return a, err
	}
	defer resp.Body.Close()
	a.wrote = true // an answer came: the request arrived
	a.status, a.header = resp.StatusCode, resp.Header
	a.body, err = io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	if err == nil && len(a.body) > maxAnswer {
		err = fmt.Errorf("answer larger than %d bytes", maxAnswer)
	}
	if err != nil {
		a.status, a.err = 0, fmt.Errorf("read answer (status %d): %w", resp.StatusCode, err)
		if ctx.Err() != nil {
			return a, fmt.Errorf("%w: %w", errNotCounted, a.err)
		}
		return a, a.err
	}
	switch {
	case a.status == http.StatusTooManyRequests:
		return a, errNotCounted
	case a.status >= 500:
		return a, errServer
	}
	return a, nil
}

func (c *Client) decode(cl call, a *attempt, out any) error {
	var env envelope
	if err := json.Unmarshal(a.body, &env); err != nil {
		return fmt.Errorf("calcom: %s %s: decode answer (status %d): %w", cl.method, cl.path, a.status, err)
	}
	if env.Status != "success" {
		return fmt.Errorf("calcom: %s %s: answer status %q, want \"success\"", cl.method, cl.path, env.Status)
	}
	if out == nil {
		return nil
	}
	if len(env.Data) == 0 || string(env.Data) == "null" {
		return fmt.Errorf("calcom: %s %s: answer has no data: %w", cl.method, cl.path, ErrNotFound)
	}
	if err := json.Unmarshal(env.Data, out); err != nil {
		return fmt.Errorf("calcom: %s %s: decode data: %w", cl.method, cl.path, err)
	}
	return nil
}

// Rate limit headers of Cal.com's throttler (README section 5).
const (
	headerLimit     = "X-RateLimit-Limit-Default"
	headerRemaining = "X-RateLimit-Remaining-Default"
	headerReset     = "X-RateLimit-Reset-Default"
)

// resetIn reads X-RateLimit-Reset-Default: seconds until the window (or
// the block) ends, as throttler-guard.ts sends timeToBlockExpire ||
// timeToExpire. A value that can only be a Unix time (over 10⁹) is read as
// one.
func (c *Client) resetIn(h http.Header) time.Duration {
	v := strings.TrimSpace(h.Get(headerReset))
	if v == "" {
		return 0
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f <= 0 {
		return 0
	}
	if f > 1e9 {
		return max(time.Unix(int64(f), 0).Sub(c.now()), 0)
	}
	return time.Duration(f * float64(time.Second))
}

// retryAfter reads Retry-After (seconds or an HTTP date) and, on a 429,
// X-RateLimit-Reset-Default; the longer wins.
func (c *Client) retryAfter(a *attempt) time.Duration {
	var d time.Duration
	if v := strings.TrimSpace(a.header.Get("Retry-After")); v != "" {
		if s, err := strconv.Atoi(v); err == nil && s > 0 {
			d = time.Duration(s) * time.Second
		} else if t, err := http.ParseTime(v); err == nil {
			d = max(t.Sub(c.now()), 0)
		}
	}
	if a.status == http.StatusTooManyRequests {
		d = max(d, c.resetIn(a.header))
	}
	return d
}

// watchRateLimit pauses the key's budget when Cal.com refused it (429) or
// said no request is left in its window.
func (c *Client) watchRateLimit(ctx context.Context, a *attempt) {
	p, ok := c.budget.(Pauser)
	if !ok {
		return
	}
	var d time.Duration
	switch {
	case a.status == http.StatusTooManyRequests:
		d = c.retryAfter(a)
		if d == 0 {
			d = defaultRateLimitPause
		}
	case strings.TrimSpace(a.header.Get(headerRemaining)) == "0":
		d = c.resetIn(a.header)
	}
	if d <= 0 {
		return
	}
	if err := p.Pause(ctx, c.keyHash, d); err != nil {
		c.log.WarnContext(ctx, "calcom budget pause failed", "key", c.keyHash[:12], "error", err)
	}
}
