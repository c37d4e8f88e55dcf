package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

var (
	// ErrInvalidLimit is returned (wrapped) for a [Limit] that cannot be
	// enforced (a rate, period or burst that is not positive) and by
	// [ParseLimit] for a string that is not a limit.
	ErrInvalidLimit = errors.New("ratelimit: invalid limit")

	// ErrUnavailable is returned (wrapped) by a [Limiter] whose backend
	// failed, so that the request's fate is unknown. [Middleware] then
	// serves the request (fails open).
	ErrUnavailable = errors.New("ratelimit: limiter unavailable")

	// ErrNoLimiter is returned by [NewMiddleware] without a Limiter.
	ErrNoLimiter = errors.New("ratelimit: no limiter")

	// ErrNoClient is returned by [NewRedis] without a Redis client.
	ErrNoClient = errors.New("ratelimit: no redis client")
)

// Limit is a rate limit: a bucket of Burst requests that refills at Rate
// requests per Period (GCRA, which behaves like a token bucket). Burst
// requests may arrive at once; after that, one more every Period/Rate.
//
// The zero Limit is no limit at all: [ParseLimit] returns it for "off", and
// a Limiter refuses it with [ErrInvalidLimit].
type Limit struct {
	// Rate is how many requests each Period refills. Must be > 0.
	Rate int
	// Period is the refill period. Must be > 0.
	Period time.Duration
	// Burst is the bucket size: how many requests may arrive at once.
	// Zero means Rate (a full period's worth); negative is invalid.
	Burst int
}

// PerSecond returns a limit of rate requests a second with a burst of rate.
func PerSecond(rate int) Limit { return Limit{Rate: rate, Period: time.Second, Burst: rate} }

// PerMinute returns a limit of rate requests a minute with a burst of rate.
func PerMinute(rate int) Limit { return Limit{Rate: rate, Period: time.Minute, Burst: rate} }

// IsZero reports whether l is the zero Limit ("off").
func (l Limit) IsZero() bool { return l == Limit{} }

// normalize fills the default burst and validates l.
func (l Limit) normalize() (Limit, error) {
	if l.Burst == 0 {
		l.Burst = l.Rate
	}
	if l.Rate <= 0 || l.Period <= 0 || l.Burst <= 0 {
		return l, fmt.Errorf("%w: %d per %s, burst %d (rate, period and burst must be positive)",
			ErrInvalidLimit, l.Rate, l.Period, l.Burst)
	}
	return l, nil
}

// Validate returns an error wrapping [ErrInvalidLimit] unless l can be
// enforced. The zero Limit is invalid.
func (l Limit) Validate() error {
	_, err := l.normalize()
	return err
}

// String formats l the way [ParseLimit] reads it ("600/1m:60", "5/1h30m:5"),
// or "off" for the zero Limit.
func (l Limit) String() string {
	if l.IsZero() {
		return "off"
	}
	p := l.Period.String()
	if strings.HasSuffix(p, "m0s") {
		p = strings.TrimSuffix(p, "0s")
	}
	if strings.HasSuffix(p, "h0m") {
		p = strings.TrimSuffix(p, "0m")
	}
	return strconv.Itoa(l.Rate) + "/" + p + ":" + strconv.Itoa(l.Burst)
}

// ParseLimit reads a limit written "RATE/PERIOD[:BURST]": RATE requests per
// PERIOD (a Go duration such as 1s, 1m or 90s; a bare unit s, m or h means
// one of it), with an optional BURST (default RATE). Examples: "600/1m:60"
// (10 a second on average, 60 at once), "100/s:500", "1200/m". "off" (or an
// empty string) is the zero Limit: no limit. Any other string, and any
// value that is not positive, is an error wrapping [ErrInvalidLimit] that
// says what is wrong.
func ParseLimit(s string) (Limit, error) {
	s = strings.TrimSpace(s)
	if s == "" || strings.EqualFold(s, "off") {
		return Limit{}, nil
	}
	bad := func(format string, args ...any) (Limit, error) {
		return Limit{}, fmt.Errorf("%w %q: %s (want RATE/PERIOD[:BURST], e.g. 600/1m:60, or off)",
			ErrInvalidLimit, s, fmt.Sprintf(format, args...))
	}
	rateS, rest, ok := strings.Cut(s, "/")
	if !ok {
		return bad("no /PERIOD")
	}
	periodS, burstS, hasBurst := strings.Cut(rest, ":")
	rate, err := strconv.Atoi(strings.TrimSpace(rateS))
	if err != nil || rate <= 0 {
		return bad("rate %q is not a positive integer", rateS)
	}
	periodS = strings.TrimSpace(periodS)
	switch periodS {
	case "s", "m", "h":
		periodS = "1" + periodS
	}
	period, err := time.ParseDuration(periodS)
	if err != nil || period <= 0 {
		return bad("period %q is not a positive duration such as 1s, 1m or 1h", periodS)
	}
	burst := rate
	if hasBurst {
		burst, err = strconv.Atoi(strings.TrimSpace(burstS))
		if err != nil || burst <= 0 {
			return bad("burst %q is not a positive integer", burstS)
		}
	}
	return Limit{Rate: rate, Period: period, Burst: burst}, nil
}

// Result is a [Limiter]'s answer for one request.
type Result struct {
	// Allowed reports whether the request may proceed.
	Allowed bool
	// Limit is the limit applied, with its default burst filled in.
	Limit Limit
	// Remaining is how many more requests the key may make right now.
	Remaining int
	// RetryAfter is how long until a request would be allowed again; 0
	// when Allowed.
	RetryAfter time.Duration
	// ResetAfter is how long until the key's bucket is full again
	// (Remaining == Limit.Burst).
	ResetAfter time.Duration
}

// Limiter decides whether one more request under key fits l, and counts it
// when it does. Implementations are safe for concurrent use. An error that
// wraps [ErrUnavailable] means the backend failed; [ErrInvalidLimit] means
// l cannot be enforced.
type Limiter interface {
	Allow(ctx context.Context, key string, l Limit) (Result, error)
}

// LimiterFunc adapts a function to a [Limiter], like http.HandlerFunc.
type LimiterFunc func(ctx context.Context, key string, l Limit) (Result, error)

// Allow calls f.
func (f LimiterFunc) Allow(ctx context.Context, key string, l Limit) (Result, error) {
	return f(ctx, key, l)
}
