package health

import (
	"context"
	"errors"
	"sync"
	"time"
)

// ErrNotChecked is what [Monitor.Err] returns before the first check has
// finished.
var ErrNotChecked = errors.New("health: not checked yet")

// Monitor runs one probe in the background every interval and keeps the
// last result, so that a readiness probe reads it without I/O (as
// [pool.Pool.Healthy] does for the database). Create it with [NewMonitor],
// run it with [Monitor.Run]. It is safe for concurrent use.
type Monitor struct {
	probe    func(ctx context.Context) error
	interval time.Duration
	timeout  time.Duration

	mu  sync.Mutex
	err error
	at  time.Time
}

// NewMonitor returns a Monitor of probe, run every interval (zero means
// 15s), each run bounded by timeout (zero means the interval).
func NewMonitor(probe func(ctx context.Context) error, interval, timeout time.Duration) *Monitor {
	if interval <= 0 {
		interval = 15 * time.Second
	}
	if timeout <= 0 {
		timeout = interval
	}
	return &Monitor{probe: probe, interval: interval, timeout: timeout, err: ErrNotChecked}
}

// Run probes at once, then every interval, until ctx ends.
func (m *Monitor) Run(ctx context.Context) {
	t := time.NewTicker(m.interval)
	defer t.Stop()
	for {
		m.Check(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Check probes now and records the result.
func (m *Monitor) Check(ctx context.Context) error {
	pctx, cancel := context.WithTimeout(ctx, m.timeout)
	err := m.probe(pctx)
	cancel()
	if ctx.Err() != nil {
		return ctx.Err() // stopping: keep the last real result
	}
	m.mu.Lock()
	m.err, m.at = err, time.Now()
	m.mu.Unlock()
	return err
}

// Err returns the last probe's result: nil when the dependency answered,
// [ErrNotChecked] before the first probe finished. It does no I/O.
func (m *Monitor) Err() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.err
}

// LastCheck returns when the last probe finished (zero before the first).
func (m *Monitor) LastCheck() time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.at
}
