package retell

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

// Client defaults, used for the zero fields of a [Config].
const (
	DefaultBaseURL       = "https://api.retellai.com"
	DefaultTimeout       = 30 * time.Second
	DefaultMaxRetries    = 2
	DefaultMinRetryDelay = 500 * time.Millisecond
	DefaultMaxRetryDelay = 8 * time.Second
	DefaultMaxRetryAfter = 30 * time.Second
	// MaxListPageSize is the largest limit Retell's v2 list endpoints take
	// (LimitParam: "maximum: 1000").
	MaxListPageSize = 1000
)

// maxResponseBytes bounds a response body; Retell's objects are a few KiB.
const maxResponseBytes = 8 << 20

// Config configures a [Client]. Only APIKey is required.
type Config struct {
	// BaseURL is the scheme and host of the API, without a path (DESIGN.md
	// "Configuration": the client appends the documented paths). Defaults
	// to https://api.retellai.com.
	BaseURL string
	// APIKey is sent as "Authorization: Bearer <key>". It never appears in
	// an error or a log line. Required.
	APIKey string
	// HTTPClient sends the requests. Its Timeout, if any, applies on top of
	// Timeout. Defaults to [outbound.DefaultClient], shared by every client
	// of the process so that they keep idle connections for one another.
	HTTPClient *http.Client
	// Timeout bounds each attempt, including reading the answer. Defaults
	// to 30s.
	Timeout time.Duration
	// MaxRetries is how often a failed request is retried when retrying is
	// safe (see the package documentation). Zero means the default, 2; -1
	// means never.
	MaxRetries int
	// MinRetryDelay is the first backoff; each retry doubles it up to
	// MaxRetryDelay, and the wait is drawn between half and all of it
	// (jitter). Default 500ms and 8s.
	MinRetryDelay time.Duration
	MaxRetryDelay time.Duration
	// MaxRetryAfter is the longest Retry-After the client waits for; an
	// answer asking for more is returned at once as an *APIError with its
	// RetryAfter set. Defaults to 30s.
	MaxRetryAfter time.Duration
	// ListPageSize is the limit sent with each page of a list request
	// ([Client.ListRetellLLMs], [Client.ListAgents]), 1 to 1000. Defaults
	// to 1000 (MaxListPageSize), so most accounts list in one request.
	ListPageSize int
	// Breaker configures the per-host circuit breaker; zero fields take the
	// defaults (open after 5 consecutive failures, 30s open, 1 probe).
	// Ignored when Breakers is set.
	Breaker BreakerConfig
	// Breakers is the set of breakers to take this host's from. Nil means
	// the process-wide set for Breaker, shared by every Client with the
	// same host and settings.
	Breakers *Breakers
	// Logger receives retries (Warn), breaker state changes, and one line
	// per attempt sent (Debug, or Info when it failed; see [outbound.Log]).
	// Defaults to slog.Default().
	Logger *slog.Logger
	// Observer, if set, is told of every attempt sent (service "retell",
	// the endpoint pattern such as "/get-agent/{agent_id}") and, when this
	// Client is the first to use its host's breaker, of that breaker's
	// states. [outbound.Metrics] exports them to Prometheus.
	Observer outbound.Observer
	// Now is the clock, used to read Retry-After dates. Defaults to
	// time.Now.
	Now func() time.Time
	// Sleep waits d or until ctx ends, returning ctx's error then. Nil
	// means a real timer; tests inject one that records d.
	Sleep func(ctx context.Context, d time.Duration) error
}

// String describes the config with the API key redacted.
func (c Config) String() string {
	return fmt.Sprintf("retell.Config{BaseURL: %q, APIKey: [redacted], Timeout: %s, MaxRetries: %d}", c.BaseURL, c.Timeout, c.MaxRetries)
}

// GoString is String, so %#v does not print the key either.
func (c Config) GoString() string { return c.String() }

// LogValue implements [slog.LogValuer] without the API key.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(slog.String("base_url", c.BaseURL), slog.String("api_key", "[redacted]"))
}

// Client is a typed client for Retell's provisioning API. It is safe for
// concurrent use.
type Client struct {
	base          string
	host          string
	key           string
	hc            *http.Client
	timeout       time.Duration
	maxRetries    int
	minDelay      time.Duration
	maxDelay      time.Duration
	maxRetryAfter time.Duration
	pageSize      int
	breaker       *gobreaker.TwoStepCircuitBreaker[struct{}]
	logger        *slog.Logger
	observer      outbound.Observer
	now           func() time.Time
	sleep         func(context.Context, time.Duration) error
}

// New validates cfg, fills its defaults and returns a Client. It returns an
// error matching [ErrInvalidConfig] when the base URL is not an http(s)
// scheme and host without a path, query or user info, when the API key is
// missing or contains whitespace or control characters, or when a duration
// or MaxRetries is negative (below -1), or when ListPageSize is negative or
// above MaxListPageSize.
func New(cfg Config) (*Client, error) {
	base, host, err := parseBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	if cfg.APIKey == "" {
		return nil, fmt.Errorf("%w: APIKey is required", ErrInvalidConfig)
	}
	if strings.IndexFunc(cfg.APIKey, func(r rune) bool { return r <= ' ' || r == 0x7f }) >= 0 {
		return nil, fmt.Errorf("%w: APIKey contains whitespace or control characters", ErrInvalidConfig)
	}
	for name, d := range map[string]time.Duration{
		"Timeout": cfg.Timeout, "MinRetryDelay": cfg.MinRetryDelay,
		"MaxRetryDelay": cfg.MaxRetryDelay, "MaxRetryAfter": cfg.MaxRetryAfter,
		"Breaker.OpenTimeout": cfg.Breaker.OpenTimeout,
	} {
		if d < 0 {
			return nil, fmt.Errorf("%w: %s is negative (%s)", ErrInvalidConfig, name, d)
		}
	}
	if cfg.MaxRetries < -1 {
		return nil, fmt.Errorf("%w: MaxRetries is %d, want -1 (never), 0 (default) or more", ErrInvalidConfig, cfg.MaxRetries)
	}
	if cfg.ListPageSize < 0 || cfg.ListPageSize > MaxListPageSize {
		return nil, fmt.Errorf("%w: ListPageSize is %d, want 1 to %d (0 means %d)", ErrInvalidConfig, cfg.ListPageSize, MaxListPageSize, MaxListPageSize)
	}
	c := &Client{
		base: base, host: host, key: cfg.APIKey, pageSize: cfg.ListPageSize,
		hc: cfg.HTTPClient, timeout: cfg.Timeout, maxRetries: cfg.MaxRetries,
		minDelay: cfg.MinRetryDelay, maxDelay: cfg.MaxRetryDelay, maxRetryAfter: cfg.MaxRetryAfter,
		logger: cfg.Logger, observer: cfg.Observer, now: cfg.Now, sleep: cfg.Sleep,
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
	if c.minDelay == 0 {
		c.minDelay = DefaultMinRetryDelay
	}
	if c.maxDelay == 0 {
		c.maxDelay = DefaultMaxRetryDelay
	}
	if c.maxDelay < c.minDelay {
		c.maxDelay = c.minDelay
	}
	if c.maxRetryAfter == 0 {
		c.maxRetryAfter = DefaultMaxRetryAfter
	}
	if c.pageSize == 0 {
		c.pageSize = MaxListPageSize
	}
	if c.logger == nil {
		c.logger = slog.Default()
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.sleep == nil {
		c.sleep = ctxtime.Sleep
	}
	breakers := cfg.Breakers
	if breakers == nil {
		breakers = sharedBreakers(cfg.Breaker)
	}
	c.breaker = breakers.get(host, c.logger, c.observer)
	return c, nil
}

// parseBaseURL checks a base URL and returns it without a trailing slash,
// and its host.
func parseBaseURL(raw string) (base, host string, err error) {
	if raw == "" {
		raw = DefaultBaseURL
	}
	base, host, err = hosturl.Parse(raw, DefaultBaseURL)
	if err != nil {
		return "", "", fmt.Errorf("%w: %v", ErrInvalidConfig, err)
	}
	return base, host, nil
}

// call is one API operation.
type call struct {
	op         string // endpoint name, for logs
	method     string
	path       string // escaped path as sent
	endpoint   string // path's route pattern ("/get-agent/{agent_id}"), for the outbound metrics
	logPath    string // path with personal data masked, for errors and logs
	query      url.Values
	body       any
	out        any
	idempotent bool // safe to repeat after it may have reached Retell
	delete     bool // a 404 after an ambiguous attempt means done
}

// attemptResult is the outcome of one attempt that got an answer.
type attemptResult struct {
	status int
	body   []byte
}

// do runs c with retries and decodes the answer into c.out.
func (cl *Client) do(ctx context.Context, c call) error {
	if c.logPath == "" {
		c.logPath = c.path
	}
	var body []byte
	if c.body != nil {
		b, err := json.Marshal(c.body)
		if err != nil {
			return fmt.Errorf("retell: %s %s: encode request: %w", c.method, c.logPath, err)
		}
		body = b
	}
	var lastErr error
	for attempt := 0; ; attempt++ {
		start := time.Now()
		res, err := cl.attempt(ctx, c, body)
		cl.observe(ctx, c, res, err, attempt+1, time.Since(start))
		if err == nil {
			return cl.decode(c, res)
		}
		if attempt > 0 && errors.Is(err, ErrCircuitOpen) {
			// The breaker opened between attempts: keep the answer that
			// matters (MayHaveSucceeded reads it).
			return fmt.Errorf("%w (retry not sent: %w)", lastErr, err)
		}
		if c.delete && attempt > 0 && IsNotFound(err) && MayHaveSucceeded(lastErr) {
			cl.logger.Info("retell: delete retried after an ambiguous failure found nothing: treating it as done",
				"op", c.op, "path", c.logPath)
			return nil
		}
		lastErr = err
		wait, ok := cl.retryWait(ctx, c, err, attempt)
		if !ok {
			return err
		}
		cl.logger.Warn("retell: retrying", "op", c.op, "method", c.method, "path", c.logPath,
			"attempt", attempt+1, "wait", wait, "error", err.Error())
		if serr := cl.sleep(ctx, wait); serr != nil {
			return fmt.Errorf("%w (not retried: %w)", err, serr)
		}
	}
}

// observe reports one attempt to the Observer and the log, unless the
// breaker refused it (nothing was sent).
func (cl *Client) observe(ctx context.Context, c call, res attemptResult, err error, n int, took time.Duration) {
	if errors.Is(err, ErrCircuitOpen) {
		return
	}
	oc := outbound.Call{Service: "retell", Method: c.method, Endpoint: c.endpoint, Status: res.status, Duration: took, Attempt: n}
	if oc.Endpoint == "" {
		oc.Endpoint = "unknown"
	}
	var ae *APIError
	switch {
	case errors.As(err, &ae):
		oc.Status = ae.StatusCode
	case err != nil:
		oc.Status, oc.Err = 0, err
	}
	if cl.observer != nil {
		cl.observer.ObserveCall(ctx, oc)
	}
	outbound.Log(ctx, cl.logger, oc)
}

// retryWait decides whether err is retried after attempt (0-based) and how
// long to wait first.
func (cl *Client) retryWait(ctx context.Context, c call, err error, attempt int) (time.Duration, bool) {
	if attempt >= cl.maxRetries || errors.Is(err, ErrCircuitOpen) {
		return 0, false
	}
	var wait time.Duration
	var ae *APIError
	var re *RequestError
	switch {
	case errors.As(err, &ae):
		switch {
		case ae.StatusCode == http.StatusTooManyRequests:
			// Rate limited: not processed, safe for every method.
		case ae.StatusCode >= 500 && c.idempotent:
		default:
			return 0, false
		}
		if ae.RetryAfter > 0 {
			if ae.RetryAfter > cl.maxRetryAfter {
				return 0, false
			}
			wait = ae.RetryAfter
		} else {
			wait = cl.backoff(attempt)
		}
	case errors.As(err, &re):
		if ctx.Err() != nil || (re.Sent && !c.idempotent) {
			return 0, false
		}
		wait = cl.backoff(attempt)
	default:
		return 0, false
	}
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
		return 0, false
	}
	return wait, true
}

// backoff returns the jittered exponential wait before retry attempt+1.
func (cl *Client) backoff(attempt int) time.Duration {
	d := cl.minDelay
	for i := 0; i < attempt && d < cl.maxDelay; i++ {
		d *= 2
	}
	if d > cl.maxDelay {
		d = cl.maxDelay
	}
	half := d / 2
	return half + rand.N(d-half+1)
}

// attempt sends one request through the breaker. It returns an *APIError
// for a non-2xx answer, a *RequestError when there was no answer, or an
// error matching ErrCircuitOpen when the breaker refused.
func (cl *Client) attempt(ctx context.Context, c call, body []byte) (attemptResult, error) {
	done, err := cl.breaker.Allow()
	if err != nil {
		return attemptResult{}, circuitError(c.method, c.logPath, err)
	}
	actx, cancel := context.WithTimeout(ctx, cl.timeout)
	defer cancel()

	target := cl.base + c.path
	if len(c.query) > 0 {
		target += "?" + c.query.Encode()
	}
	var rdr io.Reader
	if body != nil {
		rdr = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(actx, c.method, target, rdr)
	if err != nil {
		done(errExcluded)
		return attemptResult{}, &RequestError{Method: c.method, Path: c.logPath, Err: errors.New("build request")}
	}
	var sent atomic.Bool
	req = req.WithContext(httptrace.WithClientTrace(actx, &httptrace.ClientTrace{
		WroteRequest: func(info httptrace.WroteRequestInfo) {
			if info.Err == nil {
				sent.Store(true)
			}
		},
	}))
	req.Header.Set("Authorization", "Bearer "+cl.key)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "askpro-retell/1")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}

	resp, err := cl.hc.Do(req)
	if err != nil {
		return attemptResult{}, cl.requestError(ctx, actx, c, sent.Load(), err, done)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		return attemptResult{}, cl.requestError(ctx, actx, c, true, err, done)
	}
	if len(b) > maxResponseBytes {
		done(nil)
		return attemptResult{}, &RequestError{Method: c.method, Path: c.logPath, Sent: true,
			Err: fmt.Errorf("response body over %d bytes", maxResponseBytes)}
	}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 {
		done(errBreakerFailure)
	} else {
		done(nil)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return attemptResult{}, newAPIError(c.method, c.logPath, resp.StatusCode, b,
			cl.retryAfter(resp.Header.Get("Retry-After")), cl.key)
	}
	return attemptResult{status: resp.StatusCode, body: b}, nil
}

// requestError classifies a failed round trip, reports it to the breaker
// and returns a *RequestError free of the URL (which may hold a number).
func (cl *Client) requestError(ctx, actx context.Context, c call, sent bool, err error, done func(error)) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	switch {
	case isCallerDone(ctx, err):
		done(errExcluded)
		err = context.Cause(ctx)
	case actx.Err() != nil:
		done(errBreakerFailure)
		err = fmt.Errorf("attempt timed out after %s: %w", cl.timeout, context.DeadlineExceeded)
	default:
		done(errBreakerFailure)
	}
	return &RequestError{Method: c.method, Path: c.logPath, Sent: sent, Err: err}
}

// retryAfter parses a Retry-After value: delay seconds or an HTTP date.
func (cl *Client) retryAfter(v string) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n <= 0 {
			return 0
		}
		if n > int64(24*time.Hour/time.Second) {
			n = int64(24 * time.Hour / time.Second)
		}
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(cl.now()); d > 0 {
			return d
		}
	}
	return 0
}

// decode reads a 2xx answer into c.out.
func (cl *Client) decode(c call, res attemptResult) error {
	if c.out == nil {
		return nil
	}
	if len(bytes.TrimSpace(res.body)) == 0 {
		return fmt.Errorf("retell: %s %s: %d with an empty body, want JSON", c.method, c.logPath, res.status)
	}
	if err := json.Unmarshal(res.body, c.out); err != nil {
		return fmt.Errorf("retell: %s %s: decode response: %w", c.method, c.logPath, err)
	}
	return nil
}
