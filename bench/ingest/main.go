package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	_ "net/http/pprof" // -pprof: profile the harness itself
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/askproai/askpro/pkg/pool"
)

// Goals of the ingestion issue, checked in the summary.
const (
	goalRowPerRequest = 0.8  // ingest >= 0.8x the raw single-row rate
	goalGroupCommit   = 1.5  // ingest >= 1.5x the raw single-row rate
	goalP99MS         = 25.0 // p99 at a steady 1,000 req/s
	goalPeakRSSMiB    = 150.0
)

// options are the command-line flags.
type options struct {
	URL         string
	DB          string
	Mode        string
	Rate        float64
	Duration    time.Duration
	Raw         bool
	RawDuration time.Duration
	Concurrency int
	PID         int
	Timeout     time.Duration
	MaxRequests int64
	LateAfter   time.Duration
	Warmup      time.Duration
	Label       string
	Out         string
	PProf       string
	Secrets     Secrets
	Watch       map[string]int
	Rounds      int
	Idle        time.Duration
}

// Result is the JSON document a run writes.
type Result struct {
	Time    time.Time  `json:"time"`
	Run     string     `json:"run"`
	Label   string     `json:"label"`
	Dialect string     `json:"dialect"`
	Target  string     `json:"target"`
	Command string     `json:"command"`
	Machine Machine    `json:"machine"`
	Rounds  []Round    `json:"rounds"`
	Raw     *RawResult `json:"raw,omitempty"`
	Load    LoadResult `json:"load"`
	LoadCPU CPUUse     `json:"load_cpu"`
	RawCPU  *CPUUse    `json:"raw_cpu,omitempty"`
	// IdleCPU is the CPU use before the run, with no load from the harness:
	// what the rest of the machine was doing.
	IdleCPU  *CPUUse  `json:"idle_cpu,omitempty"`
	Memory   *Memory  `json:"serve_memory,omitempty"`
	Rows     int64    `json:"rows_in_table"`
	RowsOK   bool     `json:"rows_match_2xx"`
	Ratio    float64  `json:"ratio_vs_raw,omitempty"`
	Goals    []Goal   `json:"goals"`
	Warnings []string `json:"warnings,omitempty"`
}

// Round is one raw phase followed by one load phase.
type Round struct {
	Raw     float64 `json:"raw_rows_per_s,omitempty"`
	Load    float64 `json:"load_rps_2xx"`
	Ratio   float64 `json:"ratio,omitempty"`
	LoadP99 float64 `json:"load_p99_ms"`
}

// Goal is one goal of the issue and whether this run met it.
type Goal struct {
	Name   string `json:"name"`
	Want   string `json:"want"`
	Got    string `json:"got"`
	Met    bool   `json:"met"`
	Reason string `json:"note,omitempty"`
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("ingest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.URL, "url", "http://127.0.0.1:18080", "base URL of the running `askpro serve` (loopback only)")
	fs.StringVar(&o.DB, "db", os.Getenv("ASKPRO_DATABASE_URL"), "database URL serve uses (mysql://... or sqlite://...); default $ASKPRO_DATABASE_URL")
	fs.StringVar(&o.Mode, "mode", "max", "load mode: max (closed loop) or rate (open loop at -rate)")
	fs.Float64Var(&o.Rate, "rate", 1000, "requests per second in -mode rate")
	fs.DurationVar(&o.Duration, "duration", 20*time.Second, "length of the load phase (of each round)")
	fs.BoolVar(&o.Raw, "raw", true, "measure the raw single-row INSERT ceiling first")
	fs.DurationVar(&o.RawDuration, "raw-duration", 0, "length of the raw phase of each round (default -duration)")
	fs.DurationVar(&o.Idle, "idle", 2*time.Second, "measure the machine's CPU use without load for this long first (0 disables)")
	fs.IntVar(&o.Rounds, "rounds", 1, "rounds of raw phase + load phase, alternated so that both see the same machine")
	fs.IntVar(&o.Concurrency, "concurrency", 64, "workers of the load and goroutines of the raw phase")
	fs.IntVar(&o.PID, "pid", 0, "pid of the serve process, for its CPU time and peak RSS (VmHWM)")
	fs.DurationVar(&o.Timeout, "timeout", 10*time.Second, "timeout of one HTTP request")
	fs.Int64Var(&o.MaxRequests, "max-requests", 2_000_000, "upper bound on requests (and raw rows) per phase")
	fs.DurationVar(&o.LateAfter, "late-after", 10*time.Millisecond, "rate mode: a request starting this much after its scheduled time is late")
	fs.DurationVar(&o.Warmup, "warmup", 2*time.Second, "closed-loop warm-up before the load phase (not counted; 0 disables)")
	fs.StringVar(&o.Label, "label", "", "backend label for the result file (default: the database dialect)")
	fs.StringVar(&o.Out, "out", "", "result JSON path (default bench/results/<date>-<label>-<mode>.json; - for none)")
	fs.StringVar(&o.PProf, "pprof", "", "serve the harness's own pprof on this loopback address (e.g. 127.0.0.1:6061)")
	fs.StringVar(&o.Secrets.Retell, "retell-key", envOr("ASKPRO_RETELL_API_KEY", "bench-key"), "Retell API key serve verifies with")
	fs.StringVar(&o.Secrets.Calcom, "calcom-secret", envOr("ASKPRO_CALCOM_WEBHOOK_SECRET", "bench-secret"), "Cal.com webhook secret")
	fs.StringVar(&o.Secrets.Stripe, "stripe-secret", envOr("ASKPRO_STRIPE_WEBHOOK_SECRET", "whsec_bench"), "Stripe webhook secret")
	watch := fs.String("watch-pids", "", "more processes to account CPU for, as name=pid,... (e.g. mariadbd=123,redis=456)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	o.Watch = map[string]int{}
	for _, kv := range strings.Split(*watch, ",") {
		if kv == "" {
			continue
		}
		name, v, ok := strings.Cut(kv, "=")
		pid, err := strconv.Atoi(v)
		if !ok || name == "" || err != nil || pid <= 0 {
			return nil, fmt.Errorf("-watch-pids: %q is not name=pid", kv)
		}
		o.Watch[name] = pid
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	switch {
	case o.Mode != "max" && o.Mode != "rate":
		return nil, fmt.Errorf("-mode %q: want max or rate", o.Mode)
	case o.DB == "":
		return nil, errors.New("-db is required (the database serve writes to)")
	case o.Concurrency < 1 || o.Concurrency > 1024:
		return nil, fmt.Errorf("-concurrency %d: want 1..1024", o.Concurrency)
	case o.Duration <= 0 || o.Duration > 10*time.Minute:
		return nil, fmt.Errorf("-duration %s: want (0, 10m]", o.Duration)
	case o.Mode == "rate" && (o.Rate <= 0 || o.Rate > 100_000):
		return nil, fmt.Errorf("-rate %g: want (0, 100000]", o.Rate)
	case o.Rounds < 1 || o.Rounds > 20:
		return nil, fmt.Errorf("-rounds %d: want 1..20", o.Rounds)
	case o.MaxRequests < 1:
		return nil, fmt.Errorf("-max-requests %d: want >= 1", o.MaxRequests)
	}
	if o.RawDuration <= 0 {
		o.RawDuration = o.Duration
	}
	if o.RawDuration > 10*time.Minute {
		return nil, fmt.Errorf("-raw-duration %s: want <= 10m", o.RawDuration)
	}
	if err := checkLoopback(o.URL); err != nil {
		return nil, err
	}
	o.URL = strings.TrimRight(o.URL, "/")
	return o, nil
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func run(args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "ingest:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := bench(ctx, o, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "ingest:", err)
		return 1
	}
	printSummary(stdout, res)
	if o.Out != "-" {
		path := o.Out
		if path == "" {
			path = filepath.Join("bench", "results", fmt.Sprintf("%s-%s-%s.json", res.Time.Format("2006-01-02"), res.Label, res.Load.Mode))
		}
		if err := writeJSON(path, res); err != nil {
			fmt.Fprintln(stderr, "ingest:", err)
			return 1
		}
		fmt.Fprintln(stdout, "result written to", path)
	}
	if !res.RowsOK {
		return 1
	}
	return 0
}

func writeJSON(path string, v any) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("create result directory: %w", err)
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode result: %w", err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write result: %w", err)
	}
	return nil
}

func newRunID() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// bench runs the phases and assembles the result.
func bench(ctx context.Context, o *options, progress io.Writer) (*Result, error) {
	if o.PProf != "" {
		if err := servePProf(o.PProf); err != nil {
			return nil, err
		}
	}
	templates, err := loadTemplates()
	if err != nil {
		return nil, err
	}
	if err := waitReady(ctx, o.URL); err != nil {
		return nil, err
	}
	p, err := pool.Open(ctx, o.DB, pool.Config{
		MinConns:       -1,
		MaxConns:       o.Concurrency + 4,
		HealthInterval: -1,
		Logger:         slog.New(slog.DiscardHandler),
	})
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	defer p.Close()

	res := &Result{
		Time:    time.Now().UTC(),
		Run:     newRunID(),
		Label:   o.Label,
		Dialect: string(p.Dialect()),
		Target:  o.URL,
		Command: "bench/ingest " + strings.Join(os.Args[1:], " "),
		Machine: machineInfo(),
	}
	res.Machine.Database = dbVersion(ctx, p)
	if res.Label == "" {
		res.Label = res.Dialect
	}
	logf := func(format string, a ...any) { fmt.Fprintf(progress, "ingest: "+format+"\n", a...) }
	logf("run %s: %s on %s, %d fixtures, concurrency %d", res.Run, o.Mode, res.Dialect, len(templates), o.Concurrency)

	lc := loadConfig{
		URL:         o.URL,
		Secrets:     o.Secrets,
		Templates:   templates,
		Run:         res.Run,
		Seq:         new(atomic.Uint64),
		Concurrency: o.Concurrency,
		Duration:    o.Duration,
		Rate:        o.Rate,
		MaxRequests: o.MaxRequests,
		Timeout:     o.Timeout,
		LateAfter:   o.LateAfter,
	}
	if o.Idle > 0 {
		cpu := startCPU(o.PID, o.Watch)
		select {
		case <-ctx.Done():
		case <-time.After(o.Idle):
		}
		use := cpu.stop()
		res.IdleCPU = &use
		logf("idle: machine %.0f%% busy before the run", use.MachineBusyPct)
	}
	if o.Warmup > 0 {
		wc := lc
		wc.Run = res.Run + "w" // not counted by the verification pattern
		wc.Seq = nil
		wc.Duration = o.Warmup
		w := runMax(ctx, wc)
		logf("warm-up: %d requests, %d 2xx", w.Sent, w.OK)
		if w.OK == 0 {
			return nil, fmt.Errorf("warm-up: no request succeeded (%s); check the secrets and that serve serves all three providers", w.FirstErr)
		}
	}

	var rss *rssSampler
	if o.PID > 0 {
		rss = startRSS(o.PID)
	}
	var rawSeq atomic.Int64
	var raws []RawResult
	var loads []LoadResult
	var rawCPU, loadCPU CPUUse
	for round := 1; round <= o.Rounds && ctx.Err() == nil; round++ {
		if o.Raw {
			logf("round %d/%d: raw single-row INSERT ceiling for %s ...", round, o.Rounds, o.RawDuration)
			cpu := startCPU(o.PID, o.Watch)
			raw, err := runRaw(ctx, p, templates, res.Run, &rawSeq, o.Concurrency, o.RawDuration, o.MaxRequests)
			use := cpu.stop() // the cleanup below is not part of the measure
			if err != nil {
				return nil, err
			}
			if raw.Cleaned, err = cleanRaw(ctx, p, res.Run); err != nil {
				return nil, err
			}
			logf("raw: %.0f rows/s (%d rows, %d errors), cleaned %d rows", raw.RowsPerSec, raw.Rows, raw.Errors, raw.Cleaned)
			var prev float64
			for _, r := range raws {
				prev += r.DurationS
			}
			rawCPU = rawCPU.add(use, prev, raw.DurationS)
			raws = append(raws, raw)
		}
		logf("round %d/%d: load (%s) for %s ...", round, o.Rounds, o.Mode, o.Duration)
		cpu := startCPU(o.PID, o.Watch)
		var l LoadResult
		if o.Mode == "rate" {
			l = runRate(ctx, lc)
		} else {
			l = runMax(ctx, lc)
		}
		use := cpu.stop()
		logf("load: %.0f req/s 2xx (%d sent, %d failed), p99 %.1f ms", l.RPS, l.Sent, l.Failed, l.Latency.P99)
		var prev float64
		for _, r := range loads {
			prev += r.DurationS
		}
		loadCPU = loadCPU.add(use, prev, l.DurationS)
		loads = append(loads, l)
		round := Round{Load: l.RPS, LoadP99: l.Latency.P99}
		if len(raws) == len(loads) {
			round.Raw = raws[len(raws)-1].RowsPerSec
			if round.Raw > 0 {
				round.Ratio = round.Load / round.Raw
			}
		}
		res.Rounds = append(res.Rounds, round)
	}
	if len(loads) == 0 {
		return nil, fmt.Errorf("interrupted: %w", ctx.Err())
	}
	if len(raws) > 0 {
		raw := combineRaw(raws)
		res.Raw, res.RawCPU = &raw, &rawCPU
		if raw.Errors > 0 {
			res.Warnings = append(res.Warnings, fmt.Sprintf("raw phase: %d errors, first: %s", raw.Errors, raw.FirstErr))
		}
	}
	res.Load, res.LoadCPU = combineLoad(loads), loadCPU
	if rss != nil {
		mem, err := rss.stop()
		if err != nil {
			res.Warnings = append(res.Warnings, err.Error())
		} else {
			res.Memory = &mem
		}
	}
	if res.Load.Failed > 0 {
		res.Warnings = append(res.Warnings, fmt.Sprintf("load: %d requests failed, first: %s", res.Load.Failed, res.Load.FirstErr))
	}

	vctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	res.Rows, err = countRun(vctx, p, res.Run)
	if err != nil {
		return nil, err
	}
	res.RowsOK = res.Rows == res.Load.OK
	if !res.RowsOK {
		res.Warnings = append(res.Warnings, fmt.Sprintf("verification: %d rows in webhook_events for this run, %d answered 2xx", res.Rows, res.Load.OK))
	}
	if res.Raw != nil && res.Raw.RowsPerSec > 0 {
		res.Ratio = res.Load.RPS / res.Raw.RowsPerSec
	}
	res.Goals = goals(o, res)
	return res, nil
}

// waitReady waits up to 10 s for serve's /readyz to answer 200.
func waitReady(ctx context.Context, base string) error {
	c := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(10 * time.Second)
	var last error
	for time.Now().Before(deadline) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/readyz", nil)
		resp, err := c.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("/readyz answered %d", resp.StatusCode)
		}
		last = err
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return fmt.Errorf("serve at %s is not ready: %w", base, last)
}

// servePProf serves net/http/pprof of the harness on a loopback address.
func servePProf(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("-pprof %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("-pprof %q: loopback addresses only", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("-pprof: %w", err)
	}
	go func() { _ = http.Serve(ln, http.DefaultServeMux) }()
	return nil
}
