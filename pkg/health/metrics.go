package health

import (
	"runtime"
	"time"

	"github.com/askproai/askpro/pkg/pool"
)

// Metrics describe the process in a [Report].
type Metrics struct {
	// UptimeSeconds is the time since the process (or the Checker's
	// owner) started.
	UptimeSeconds float64 `json:"uptime_seconds"`
	// Goroutines is the number of goroutines.
	Goroutines int `json:"goroutines"`
	// Memory is from runtime.MemStats.
	Memory MemoryMetrics `json:"memory"`
	// CPU is the process's CPU time so far; nil where it is not measured.
	CPU *CPUMetrics `json:"cpu,omitempty"`
	// Pool is the database pool's snapshot; nil without a pool.
	Pool *PoolMetrics `json:"pool,omitempty"`
}

// MemoryMetrics are the Go runtime's memory figures, in bytes.
type MemoryMetrics struct {
	AllocBytes     uint64 `json:"alloc_bytes"`
	HeapInuseBytes uint64 `json:"heap_inuse_bytes"`
	SysBytes       uint64 `json:"sys_bytes"`
	NumGC          uint32 `json:"num_gc"`
}

// CPUMetrics is the process's CPU time in seconds (getrusage).
type CPUMetrics struct {
	UserSeconds   float64 `json:"user_seconds"`
	SystemSeconds float64 `json:"system_seconds"`
	TotalSeconds  float64 `json:"total_seconds"`
}

// PoolMetrics is a summary of [pool.Stats].
type PoolMetrics struct {
	MaxOpen             int     `json:"max_open"`
	Open                int     `json:"open"`
	InUse               int     `json:"in_use"`
	Idle                int     `json:"idle"`
	WaitCount           int64   `json:"wait_count"`
	WaitDurationSeconds float64 `json:"wait_duration_seconds"`
	AcquireTimeouts     int64   `json:"acquire_timeouts"`
	Healthy             bool    `json:"healthy"`
}

// ProcessMetricsOpts configures [NewProcessMetrics].
type ProcessMetricsOpts struct {
	// Start is when the process started; uptime is counted from it. Zero
	// means the time NewProcessMetrics is called.
	Start time.Time
	// Pool, when set, adds its statistics.
	Pool func() pool.Stats
	// Now is the clock. Nil means time.Now.
	Now func() time.Time
}

// NewProcessMetrics returns a [Config.Metrics] function reading the
// process's uptime, goroutines, memory, CPU time and, with opts.Pool, the
// pool's statistics. Reading MemStats stops the world briefly; /health is
// not polled often enough for it to matter.
func NewProcessMetrics(opts ProcessMetricsOpts) func() *Metrics {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Start.IsZero() {
		opts.Start = opts.Now()
	}
	return func() *Metrics {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		m := &Metrics{
			UptimeSeconds: opts.Now().Sub(opts.Start).Seconds(),
			Goroutines:    runtime.NumGoroutine(),
			Memory:        MemoryMetrics{AllocBytes: ms.Alloc, HeapInuseBytes: ms.HeapInuse, SysBytes: ms.Sys, NumGC: ms.NumGC},
			CPU:           processCPU(),
		}
		if opts.Pool != nil {
			st := opts.Pool()
			m.Pool = &PoolMetrics{MaxOpen: st.MaxOpen, Open: st.Open, InUse: st.InUse, Idle: st.Idle, WaitCount: st.WaitCount,
				WaitDurationSeconds: st.WaitDuration.Seconds(), AcquireTimeouts: st.AcquireTimeouts, Healthy: st.Healthy}
		}
		return m
	}
}
