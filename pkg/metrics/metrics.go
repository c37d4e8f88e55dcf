package metrics

import (
	"errors"
	"fmt"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// Namespace is the namespace of every askpro metric.
const Namespace = "askproai"

// APIBuckets are the spec's buckets, in seconds, for the duration of an
// HTTP request: askpro's own API and its calls to Retell and Cal.com.
// Do not modify.
var APIBuckets = []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// ProcessingBuckets are the spec's buckets, in seconds, for the processing
// of one webhook event by a worker. Do not modify.
var ProcessingBuckets = []float64{.1, .5, 1, 2, 5, 10, 30, 60}

// Register registers c with reg and returns it. When reg already holds a
// collector with the same descriptors ([prometheus.AlreadyRegisteredError]),
// it returns that one instead, so that two components sharing a registry
// share the metric; it must then be of the same type as c, else Register
// returns an error. A nil reg registers nothing and returns c. Any other
// registration error (a name registered with other labels or help, an
// invalid name) is returned wrapped.
func Register[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	if reg == nil {
		return c, nil
	}
	err := reg.Register(c)
	if err == nil {
		return c, nil
	}
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing, nil
		}
		var zero C
		return zero, fmt.Errorf("metrics: already registered as %T, not %T", are.ExistingCollector, c)
	}
	var zero C
	return zero, fmt.Errorf("metrics: register: %w", err)
}

// MustRegister is [Register] that panics on error.
func MustRegister[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	c, err := Register(reg, c)
	if err != nil {
		panic(err)
	}
	return c
}

// Other is the label value [Cap] gives the values beyond its limit.
const Other = "other"

// Cap bounds the values of one label that come from outside, such as the
// event type a provider sends: the first Max distinct values (and those of
// Known) are kept, any later one becomes [Other]. The empty string is
// "unknown". The zero value keeps up to 64 values. It is safe for
// concurrent use.
type Cap struct {
	// Max is the number of distinct values kept besides Known. Zero means 64.
	Max int
	// Known are values always kept, without counting against Max.
	Known []string

	mu   sync.Mutex
	seen map[string]struct{}
	n    int
}

// Value returns v when it is kept, else [Other].
func (c *Cap) Value(v string) string {
	if v == "" {
		return "unknown"
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seen == nil {
		c.seen = make(map[string]struct{}, len(c.Known))
		for _, k := range c.Known {
			c.seen[k] = struct{}{}
		}
	}
	if _, ok := c.seen[v]; ok {
		return v
	}
	limit := c.Max
	if limit <= 0 {
		limit = 64
	}
	if c.n >= limit {
		return Other
	}
	c.n++
	c.seen[v] = struct{}{}
	return v
}
