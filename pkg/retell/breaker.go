package retell

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/askproai/askpro/pkg/outbound"
	"github.com/sony/gobreaker/v2"
)

// Breaker defaults, used for the zero fields of a [BreakerConfig].
const (
	DefaultFailureThreshold = 5
	DefaultOpenTimeout      = 30 * time.Second
	DefaultHalfOpenRequests = 1
)

// BreakerConfig configures the circuit breaker of a host
// (sony/gobreaker/v2). An attempt fails the breaker when it gets a 5xx, a
// 429 or no answer (network error or attempt timeout); other answers, and
// attempts the caller cancelled, count as successes or not at all.
type BreakerConfig struct {
	// FailureThreshold opens the breaker after this many consecutive failed
	// attempts. Defaults to 5.
	FailureThreshold uint32
	// OpenTimeout is how long the breaker stays open before it lets a probe
	// through (half-open). Defaults to 30s.
	OpenTimeout time.Duration
	// HalfOpenRequests is how many probes may be in flight while half-open;
	// that many successes close the breaker, one failure opens it again.
	// Defaults to 1.
	HalfOpenRequests uint32
}

func (c BreakerConfig) withDefaults() BreakerConfig {
	if c.FailureThreshold == 0 {
		c.FailureThreshold = DefaultFailureThreshold
	}
	if c.OpenTimeout <= 0 {
		c.OpenTimeout = DefaultOpenTimeout
	}
	if c.HalfOpenRequests == 0 {
		c.HalfOpenRequests = DefaultHalfOpenRequests
	}
	return c
}

// Breakers is a set of circuit breakers, one per host, all with the same
// BreakerConfig. Clients given the same Breakers share the breaker of their
// host. It is safe for concurrent use.
//
// A Client built without one uses a process-wide set for its
// BreakerConfig: every Client of the process that talks to the same host
// with the same breaker settings shares one breaker, so a Retell outage
// seen by the provisioner also stops the validator's probes. Tests that
// must not share state pass their own NewBreakers.
//
// A host's breaker logs its state changes (Warn) with the Logger of the
// Client that first used it.
type Breakers struct {
	cfg BreakerConfig
	mu  sync.Mutex
	m   map[string]*gobreaker.TwoStepCircuitBreaker[struct{}]
}

// NewBreakers returns an empty set; zero fields of cfg take the defaults.
func NewBreakers(cfg BreakerConfig) *Breakers {
	return &Breakers{cfg: cfg.withDefaults(), m: map[string]*gobreaker.TwoStepCircuitBreaker[struct{}]{}}
}

// State returns the state of host's breaker: "closed", "open" or
// "half-open"; "closed" for a host not used yet. host is "name:port" as in
// a URL ("api.retellai.com" for the default port).
func (b *Breakers) State(host string) string {
	b.mu.Lock()
	cb := b.m[strings.ToLower(host)]
	b.mu.Unlock()
	if cb == nil {
		return gobreaker.StateClosed.String()
	}
	return cb.State().String()
}

// get returns host's breaker, creating it with logger and obs (may be nil)
// for its state changes; obs is told of Closed at once.
func (b *Breakers) get(host string, logger *slog.Logger, obs outbound.Observer) *gobreaker.TwoStepCircuitBreaker[struct{}] {
	host = strings.ToLower(host)
	b.mu.Lock()
	defer b.mu.Unlock()
	if cb := b.m[host]; cb != nil {
		return cb
	}
	threshold := b.cfg.FailureThreshold
	cb := gobreaker.NewTwoStepCircuitBreaker[struct{}](gobreaker.Settings{
		Name:        "retell " + host,
		MaxRequests: b.cfg.HalfOpenRequests,
		Timeout:     b.cfg.OpenTimeout,
		ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= threshold },
		IsExcluded:  func(err error) bool { return errors.Is(err, errExcluded) },
		OnStateChange: func(_ string, from, to gobreaker.State) {
			logger.Warn("retell: circuit breaker state changed", "host", host, "from", from.String(), "to", to.String())
			if obs != nil {
				obs.ObserveBreaker("retell", host, outbound.BreakerState(to))
			}
		},
	})
	if obs != nil {
		obs.ObserveBreaker("retell", host, outbound.Closed)
	}
	b.m[host] = cb
	return cb
}

// errExcluded marks an attempt the breaker must not count (the caller gave
// up).
var errExcluded = errors.New("retell: attempt not counted")

// errBreakerFailure is what a failed attempt reports to the breaker.
var errBreakerFailure = errors.New("retell: attempt failed")

// defaultBreakers is the process-wide registry: one set per BreakerConfig.
var defaultBreakers = struct {
	mu sync.Mutex
	m  map[BreakerConfig]*Breakers
}{m: map[BreakerConfig]*Breakers{}}

// sharedBreakers returns the process-wide set for cfg (defaults applied).
func sharedBreakers(cfg BreakerConfig) *Breakers {
	cfg = cfg.withDefaults()
	defaultBreakers.mu.Lock()
	defer defaultBreakers.mu.Unlock()
	if b := defaultBreakers.m[cfg]; b != nil {
		return b
	}
	b := NewBreakers(cfg)
	defaultBreakers.m[cfg] = b
	return b
}

// circuitError wraps gobreaker's refusal in ErrCircuitOpen.
func circuitError(method, path string, err error) error {
	return fmt.Errorf("%w: %s %s not sent (%w)", ErrCircuitOpen, method, path, err)
}
