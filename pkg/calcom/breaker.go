package calcom

import (
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/askproai/askpro/pkg/outbound"
	"github.com/sony/gobreaker/v2"
)

// Breaker defaults.
const (
	DefaultBreakerFailures = 5
	DefaultBreakerOpenFor  = 30 * time.Second
)

// BreakerConfig configures [Breakers].
type BreakerConfig struct {
	// Failures is how many consecutive failed attempts (network errors,
	// timeouts, 5xx) open a host's breaker. Zero means 5.
	Failures uint32
	// OpenFor is how long an open breaker refuses requests before it lets
	// one through to probe (half-open). Zero means 30s.
	OpenFor time.Duration
	// OnStateChange, when set, is called on every state change of a host's
	// breaker (for a log line or a metric).
	OnStateChange func(host string, from, to gobreaker.State)
}

// Breakers holds one sony/gobreaker circuit breaker per Cal.com host
// (scheme and authority of the base URL), shared by every [Client] built
// with it: a host that fails fails for every company that uses it, while
// api.cal.com and api.cal.eu trip separately. A breaker counts failed
// attempts (network errors, timeouts, 5xx); 4xx answers are successes (the
// host works), and 429s and requests the caller gave up on do not count.
// It is safe for concurrent use.
type Breakers struct {
	cfg BreakerConfig
	mu  sync.Mutex
	m   map[string]*gobreaker.CircuitBreaker[*attempt]
}

// NewBreakers returns an empty set of breakers.
func NewBreakers(cfg BreakerConfig) *Breakers {
	if cfg.Failures == 0 {
		cfg.Failures = DefaultBreakerFailures
	}
	if cfg.OpenFor <= 0 {
		cfg.OpenFor = DefaultBreakerOpenFor
	}
	return &Breakers{cfg: cfg, m: make(map[string]*gobreaker.CircuitBreaker[*attempt])}
}

// State returns the state of host's breaker ("https://api.cal.com");
// closed for a host never used.
func (b *Breakers) State(host string) gobreaker.State {
	b.mu.Lock()
	cb := b.m[host]
	b.mu.Unlock()
	if cb == nil {
		return gobreaker.StateClosed
	}
	return cb.State()
}

// errNotCounted marks an attempt the breaker must not count.
var errNotCounted = errors.New("calcom: not counted by the breaker")

// errServer marks a 5xx answer: a failure for the breaker.
var errServer = errors.New("calcom: server error")

// get returns host's breaker, creating it with obs (the first Client's
// Observer, may be nil) told of its states: Closed now, then each change,
// under the host without its scheme ("api.cal.com").
func (b *Breakers) get(host string, obs outbound.Observer) *gobreaker.CircuitBreaker[*attempt] {
	b.mu.Lock()
	defer b.mu.Unlock()
	if cb := b.m[host]; cb != nil {
		return cb
	}
	failures := b.cfg.Failures
	st := gobreaker.Settings{
		Name:        host,
		MaxRequests: 1,
		Timeout:     b.cfg.OpenFor,
		ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= failures },
		IsExcluded:  func(err error) bool { return errors.Is(err, errNotCounted) },
	}
	label := host
	if i := strings.Index(label, "://"); i >= 0 {
		label = label[i+3:]
	}
	f := b.cfg.OnStateChange
	if f != nil || obs != nil {
		st.OnStateChange = func(name string, from, to gobreaker.State) {
			if f != nil {
				f(name, from, to)
			}
			if obs != nil {
				obs.ObserveBreaker("calcom", label, outbound.BreakerState(to))
			}
		}
	}
	cb := gobreaker.NewCircuitBreaker[*attempt](st)
	if obs != nil {
		obs.ObserveBreaker("calcom", label, outbound.Closed)
	}
	b.m[host] = cb
	return cb
}

var defaultBreakers = sync.OnceValue(func() *Breakers { return NewBreakers(BreakerConfig{}) })
