package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
)

// clockTicks is USER_HZ, the unit of the CPU times in /proc (100 on every
// Linux platform Go supports).
const clockTicks = 100

// Machine describes where the run happened.
type Machine struct {
	CPUs       int    `json:"cpus"`
	GOMAXPROCS int    `json:"gomaxprocs"`
	CPUModel   string `json:"cpu_model,omitempty"`
	MemTotalMB int64  `json:"mem_total_mb,omitempty"`
	GoVersion  string `json:"go_version"`
	Kernel     string `json:"kernel,omitempty"`
	Database   string `json:"database_version"`
}

func machineInfo() Machine {
	m := Machine{CPUs: runtime.NumCPU(), GOMAXPROCS: runtime.GOMAXPROCS(0), GoVersion: runtime.Version()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
	}
	if kb, err := procStatusKB("/proc/meminfo", "MemTotal"); err == nil {
		m.MemTotalMB = kb / 1024
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	return m
}

// procStatusKB reads a "Name:   123 kB" line of a /proc status-like file.
func procStatusKB(file, name string) (int64, error) {
	f, err := os.Open(file)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || k != name {
			continue
		}
		fields := strings.Fields(v)
		if len(fields) == 0 {
			break
		}
		return strconv.ParseInt(fields[0], 10, 64)
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("%s: no %s line", file, name)
}

// processCPU returns the user+system CPU time a process has used.
func processCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name may contain spaces; fields start after its ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	// After the name: state(0) ... utime(11) stime(12).
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: bad cpu times", pid)
	}
	return time.Duration(ut+st) * time.Second / clockTicks, nil
}

// machineCPU returns the busy, stolen and total jiffies of all CPUs
// (/proc/stat). Steal (time the hypervisor gave to other guests) counts as
// busy.
func machineCPU() (busy, steal, total int64, err error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0, 0, err
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 5 || f[0] != "cpu" {
		return 0, 0, 0, fmt.Errorf("/proc/stat: unexpected format")
	}
	for i, s := range f[1:] {
		if i >= 8 { // guest times are already in user and nice
			break
		}
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, 0, 0, fmt.Errorf("/proc/stat: %w", err)
		}
		total += v
		if i != 3 && i != 4 { // idle, iowait
			busy += v
		}
		if i == 7 {
			steal = v
		}
	}
	return busy, steal, total, nil
}

// CPUUse is the CPU spent during a phase.
type CPUUse struct {
	// MachineBusyPct is the share of all CPUs busy (100 = every core).
	MachineBusyPct float64 `json:"machine_busy_pct"`
	// StealPct is the share of all CPUs the hypervisor gave to other
	// guests (included in MachineBusyPct).
	StealPct float64 `json:"steal_pct"`
	// ServeCPUS and HarnessCPUS are CPU seconds used by serve (when -pid
	// is given) and by this harness.
	ServeCPUS   float64 `json:"serve_cpu_s,omitempty"`
	HarnessCPUS float64 `json:"harness_cpu_s"`
	// Others are CPU seconds of the processes named with -watch-pids
	// (the database and Redis servers).
	Others map[string]float64 `json:"other_cpu_s,omitempty"`
}

// add returns the sum of u and v (busy percentages weighted by d and e,
// the phases' lengths).
func (u CPUUse) add(v CPUUse, d, e float64) CPUUse {
	out := CPUUse{ServeCPUS: u.ServeCPUS + v.ServeCPUS, HarnessCPUS: u.HarnessCPUS + v.HarnessCPUS}
	if d+e > 0 {
		out.MachineBusyPct = (u.MachineBusyPct*d + v.MachineBusyPct*e) / (d + e)
		out.StealPct = (u.StealPct*d + v.StealPct*e) / (d + e)
	}
	for k, x := range u.Others {
		if out.Others == nil {
			out.Others = map[string]float64{}
		}
		out.Others[k] += x
	}
	for k, x := range v.Others {
		if out.Others == nil {
			out.Others = map[string]float64{}
		}
		out.Others[k] += x
	}
	return out
}

// cpuMeter measures CPU use between start and stop.
type cpuMeter struct {
	watch                 map[string]int
	others                map[string]time.Duration
	pid                   int
	busy0, steal0, total0 int64
	serve0, harness0      time.Duration
	serveOK, machineOK    bool
}

func startCPU(pid int, watch map[string]int) *cpuMeter {
	m := &cpuMeter{pid: pid, watch: watch, others: map[string]time.Duration{}}
	for name, p := range watch {
		if c, err := processCPU(p); err == nil {
			m.others[name] = c
		}
	}
	var err error
	m.busy0, m.steal0, m.total0, err = machineCPU()
	m.machineOK = err == nil
	if pid > 0 {
		m.serve0, err = processCPU(pid)
		m.serveOK = err == nil
	}
	m.harness0, _ = processCPU(os.Getpid())
	return m
}

func (m *cpuMeter) stop() CPUUse {
	var u CPUUse
	if busy, steal, total, err := machineCPU(); err == nil && m.machineOK && total > m.total0 {
		u.MachineBusyPct = 100 * float64(busy-m.busy0) / float64(total-m.total0)
		u.StealPct = 100 * float64(steal-m.steal0) / float64(total-m.total0)
	}
	if m.serveOK {
		if c, err := processCPU(m.pid); err == nil {
			u.ServeCPUS = (c - m.serve0).Seconds()
		}
	}
	if c, err := processCPU(os.Getpid()); err == nil {
		u.HarnessCPUS = (c - m.harness0).Seconds()
	}
	for name, c0 := range m.others {
		if c, err := processCPU(m.watch[name]); err == nil {
			if u.Others == nil {
				u.Others = map[string]float64{}
			}
			u.Others[name] = (c - c0).Seconds()
		}
	}
	return u
}

// Memory is serve's resident memory.
type Memory struct {
	// PeakRSSMiB is VmHWM after the run: the peak since serve started.
	PeakRSSMiB float64 `json:"peak_rss_mib"`
	// MaxSampledRSSMiB is the largest VmRSS seen during the load (sampled
	// every 100 ms), and RSSBeforeMiB the VmRSS before it.
	MaxSampledRSSMiB float64 `json:"max_sampled_rss_mib"`
	RSSBeforeMiB     float64 `json:"rss_before_mib"`
}

// rssSampler samples VmRSS of pid until stopped.
type rssSampler struct {
	pid    int
	before int64
	mu     sync.Mutex
	max    int64
	cancel context.CancelFunc
	done   chan struct{}
}

func startRSS(pid int) *rssSampler {
	s := &rssSampler{pid: pid, done: make(chan struct{})}
	file := fmt.Sprintf("/proc/%d/status", pid)
	s.before, _ = procStatusKB(file, "VmRSS")
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	go func() {
		defer close(s.done)
		tk := time.NewTicker(100 * time.Millisecond)
		defer tk.Stop()
		for {
			if kb, err := procStatusKB(file, "VmRSS"); err == nil {
				s.mu.Lock()
				s.max = max(s.max, kb)
				s.mu.Unlock()
			}
			select {
			case <-ctx.Done():
				return
			case <-tk.C:
			}
		}
	}()
	return s
}

func (s *rssSampler) stop() (Memory, error) {
	s.cancel()
	<-s.done
	hwm, err := procStatusKB(fmt.Sprintf("/proc/%d/status", s.pid), "VmHWM")
	if err != nil {
		return Memory{}, fmt.Errorf("read VmHWM of pid %d: %w", s.pid, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return Memory{
		PeakRSSMiB:       float64(hwm) / 1024,
		MaxSampledRSSMiB: float64(s.max) / 1024,
		RSSBeforeMiB:     float64(s.before) / 1024,
	}, nil
}
