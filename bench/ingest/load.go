package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// loadConfig is what a load phase needs.
type loadConfig struct {
	URL       string
	Secrets   Secrets
	Templates []*template
	Run       string // run id, carried in every key
	// Seq numbers the events; shared by the rounds of a run so that every
	// event is unique. Nil means a fresh counter.
	Seq         *atomic.Uint64
	Concurrency int
	Duration    time.Duration
	Rate        float64 // rate mode only
	MaxRequests int64
	Timeout     time.Duration
	// LateAfter counts a request of the rate mode as late when it starts
	// more than this after its scheduled time.
	LateAfter time.Duration
}

// LoadResult is the outcome of a load phase.
type LoadResult struct {
	Mode        string  `json:"mode"`
	Concurrency int     `json:"concurrency"`
	TargetRate  float64 `json:"target_rate,omitempty"`
	DurationS   float64 `json:"duration_s"`
	Sent        int64   `json:"sent"`
	OK          int64   `json:"ok_2xx"`
	Failed      int64   `json:"failed"`
	// Statuses counts answers by HTTP status ("error" for transport errors).
	Statuses map[string]int64 `json:"statuses"`
	// Late counts rate-mode requests that started more than LateAfterMS
	// after their scheduled time (the client could not keep up).
	Late        int64   `json:"late,omitempty"`
	LateAfterMS float64 `json:"late_after_ms,omitempty"`
	// Unsent counts rate-mode requests scheduled within the duration that
	// were never sent (the phase ended first).
	Unsent    int64     `json:"unsent,omitempty"`
	RPS       float64   `json:"rps_2xx"`
	Latency   Latencies `json:"latency_ms"`
	BodyBytes int64     `json:"body_bytes"`
	FirstErr  string    `json:"first_error,omitempty"`

	samples []time.Duration // sorted 2xx latencies
}

// Latencies are percentiles of the 2xx answers, in milliseconds. In rate
// mode they are measured from the scheduled send time.
type Latencies struct {
	P50  float64 `json:"p50"`
	P95  float64 `json:"p95"`
	P99  float64 `json:"p99"`
	P999 float64 `json:"p99_9"`
	Max  float64 `json:"max"`
	Mean float64 `json:"mean"`
}

// checkLoopback refuses a target that is not a loopback address: the
// harness must never load anything but the local serve.
func checkLoopback(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("parse -url: %w", err)
	}
	if u.Scheme != "http" {
		return fmt.Errorf("-url %q: only http:// on loopback is allowed", raw)
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("-url %q: host must be a loopback address (127.0.0.1, ::1, localhost)", raw)
	}
	return nil
}

// client returns an HTTP client that keeps one connection per worker.
func newClient(conc int, timeout time.Duration) *http.Client {
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        conc * 2,
		MaxIdleConnsPerHost: conc * 2,
		MaxConnsPerHost:     0,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
	return &http.Client{Transport: tr, Timeout: timeout}
}

// sender posts events and records the outcomes; safe for concurrent use.
type sender struct {
	cfg    loadConfig
	client *http.Client
	seq    *atomic.Uint64

	mu       sync.Mutex
	statuses map[string]int64
	firstErr string
	bytes    atomic.Int64
}

func newSender(cfg loadConfig) *sender {
	seq := cfg.Seq
	if seq == nil {
		seq = new(atomic.Uint64)
	}
	return &sender{cfg: cfg, seq: seq, client: newClient(cfg.Concurrency, cfg.Timeout), statuses: map[string]int64{}}
}

// send posts the next event and reports whether it was answered 2xx.
func (s *sender) send(ctx context.Context) bool {
	n := s.seq.Add(1) - 1
	t := s.cfg.Templates[n%uint64(len(s.cfg.Templates))]
	body := t.body(eventID(t, s.cfg.Run, n))
	s.bytes.Add(int64(len(body)))
	req, err := newRequest(s.cfg.URL, t, body, s.cfg.Secrets, time.Now(), "")
	if err != nil {
		s.record("error", err.Error())
		return false
	}
	resp, err := s.client.Do(req.WithContext(ctx))
	if err != nil {
		s.record("error", err.Error())
		return false
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	ok := resp.StatusCode >= 200 && resp.StatusCode < 300
	msg := ""
	if !ok {
		msg = fmt.Sprintf("%s %s: HTTP %d", t.provider, t.name, resp.StatusCode)
	}
	s.record(fmt.Sprint(resp.StatusCode), msg)
	return ok
}

func (s *sender) record(status, errMsg string) {
	s.mu.Lock()
	s.statuses[status]++
	if errMsg != "" && s.firstErr == "" {
		s.firstErr = errMsg
	}
	s.mu.Unlock()
}

// runMax is the closed loop: Concurrency workers post back to back until
// the duration or MaxRequests is reached.
func runMax(ctx context.Context, cfg loadConfig) LoadResult {
	s := newSender(cfg)
	defer s.client.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()
	var sent, ok atomic.Int64
	lats := make([][]time.Duration, cfg.Concurrency)
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < cfg.Concurrency; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			mine := make([]time.Duration, 0, 4096)
			for ctx.Err() == nil {
				if sent.Add(1) > cfg.MaxRequests {
					sent.Add(-1)
					break
				}
				// The phase deadline must not cut a request short (it would
				// count as an error although serve may commit it): requests
				// get their own timeout only.
				t0 := time.Now()
				if s.send(context.WithoutCancel(ctx)) {
					ok.Add(1)
					mine = append(mine, time.Since(t0))
				}
			}
			lats[w] = mine
		}(w)
	}
	wg.Wait()
	elapsed := time.Since(start)
	return s.result("max", cfg, elapsed, sent.Load(), ok.Load(), merge(lats))
}

// ticket is one scheduled request of the rate mode.
type ticket struct{ at time.Time }

// runRate is the open loop: requests are scheduled every 1/Rate seconds for
// the duration and handed to Concurrency workers; each latency runs from the
// scheduled time, so queueing in the client counts against the server.
func runRate(ctx context.Context, cfg loadConfig) LoadResult {
	s := newSender(cfg)
	defer s.client.CloseIdleConnections()
	total := int64(cfg.Rate * cfg.Duration.Seconds())
	if total > cfg.MaxRequests {
		total = cfg.MaxRequests
	}
	interval := time.Duration(float64(time.Second) / cfg.Rate)
	tickets := make(chan ticket, total)
	// Past the schedule plus one request timeout, tickets still queued are
	// dropped (counted as unsent), so a stalled server cannot keep the
	// phase running.
	dctx, cancel := context.WithTimeout(ctx, cfg.Duration+cfg.Timeout+time.Second)
	defer cancel()
	var sent, ok, late atomic.Int64
	lats := make([][]time.Duration, cfg.Concurrency)
	var wg sync.WaitGroup
	for w := 0; w < cfg.Concurrency; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			mine := make([]time.Duration, 0, 4096)
			for tk := range tickets {
				if dctx.Err() != nil {
					continue // drain: counted as unsent
				}
				if time.Since(tk.at) > cfg.LateAfter {
					late.Add(1)
				}
				sent.Add(1)
				if s.send(context.WithoutCancel(dctx)) {
					ok.Add(1)
					mine = append(mine, time.Since(tk.at))
				}
			}
			lats[w] = mine
		}(w)
	}
	start := time.Now().Add(50 * time.Millisecond)
	var scheduled int64
	for scheduled < total && ctx.Err() == nil {
		now := time.Now()
		// Release every ticket that is due; sleep until the next one.
		for scheduled < total {
			at := start.Add(time.Duration(scheduled) * interval)
			if at.After(now) {
				time.Sleep(at.Sub(now))
				break
			}
			tickets <- ticket{at: at}
			scheduled++
		}
	}
	close(tickets)
	wg.Wait()
	elapsed := time.Since(start)
	r := s.result("rate", cfg, elapsed, sent.Load(), ok.Load(), merge(lats))
	r.TargetRate = cfg.Rate
	r.Late = late.Load()
	r.LateAfterMS = ms(cfg.LateAfter)
	r.Unsent = total - sent.Load()
	return r
}

func (s *sender) result(mode string, cfg loadConfig, elapsed time.Duration, sent, ok int64, lats []time.Duration) LoadResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := make(map[string]int64, len(s.statuses))
	for k, v := range s.statuses {
		st[k] = v
	}
	return LoadResult{
		Mode:        mode,
		Concurrency: cfg.Concurrency,
		DurationS:   elapsed.Seconds(),
		Sent:        sent,
		OK:          ok,
		Failed:      sent - ok,
		Statuses:    st,
		RPS:         float64(ok) / elapsed.Seconds(),
		Latency:     percentiles(lats),
		BodyBytes:   s.bytes.Load(),
		FirstErr:    s.firstErr,
		samples:     lats,
	}
}

// combineLoad sums the rounds of a load phase into one result.
func combineLoad(rs []LoadResult) LoadResult {
	if len(rs) == 1 {
		return rs[0]
	}
	out := LoadResult{Mode: rs[0].Mode, Concurrency: rs[0].Concurrency, TargetRate: rs[0].TargetRate,
		LateAfterMS: rs[0].LateAfterMS, Statuses: map[string]int64{}}
	var parts [][]time.Duration
	for _, r := range rs {
		out.DurationS += r.DurationS
		out.Sent += r.Sent
		out.OK += r.OK
		out.Failed += r.Failed
		out.Late += r.Late
		out.Unsent += r.Unsent
		out.BodyBytes += r.BodyBytes
		for k, v := range r.Statuses {
			out.Statuses[k] += v
		}
		if out.FirstErr == "" {
			out.FirstErr = r.FirstErr
		}
		parts = append(parts, r.samples)
	}
	if out.DurationS > 0 {
		out.RPS = float64(out.OK) / out.DurationS
	}
	out.samples = merge(parts)
	out.Latency = percentiles(out.samples)
	return out
}

func merge(parts [][]time.Duration) []time.Duration {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	out := make([]time.Duration, 0, n)
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// percentiles sorts lats and returns nearest-rank percentiles in ms.
func percentiles(lats []time.Duration) Latencies {
	if len(lats) == 0 {
		return Latencies{}
	}
	sort.Slice(lats, func(i, j int) bool { return lats[i] < lats[j] })
	rank := func(p float64) float64 {
		i := int(p*float64(len(lats))+0.999999) - 1
		if i < 0 {
			i = 0
		}
		if i >= len(lats) {
			i = len(lats) - 1
		}
		return ms(lats[i])
	}
	var sum time.Duration
	for _, l := range lats {
		sum += l
	}
	return Latencies{
		P50:  rank(0.50),
		P95:  rank(0.95),
		P99:  rank(0.99),
		P999: rank(0.999),
		Max:  ms(lats[len(lats)-1]),
		Mean: ms(sum / time.Duration(len(lats))),
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
