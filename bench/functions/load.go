package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/askproai/askpro/pkg/webhook/webhooktest"
)

// request is one signed POST the load sends, and how to judge its answer:
// check returns "" for the answer the scenario expects, else why not.
type request struct {
	path  string
	body  []byte
	check func(status int, body []byte) string
}

// sample is one request's outcome.
type sample struct {
	total time.Duration // response time at the client
	calN  int           // Cal.com round trips the request made
	calT  time.Duration // their time (union), measured at the transport
	fail  string        // "" when the answer was the expected one
}

// loader sends signed requests to the composed server.
type loader struct {
	client *http.Client
	base   string
	key    string
	spans  *spans
	seq    atomic.Int64
}

// do sends r; the latency runs from begin (the scheduled time in an open
// loop, the send time in a closed one).
func (l *loader) do(ctx context.Context, r request, begin time.Time) sample {
	id := strconv.FormatInt(l.seq.Add(1), 10)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, l.base+r.path, bytes.NewReader(r.body))
	if err != nil {
		return sample{fail: "request: " + err.Error()}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Retell-Signature", webhooktest.SignRetell(l.key, r.body, time.Now()))
	req.Header.Set("X-Bench-Request", id)
	resp, err := l.client.Do(req)
	if err != nil {
		l.spans.take(id)
		return sample{total: time.Since(begin), fail: "transport: " + err.Error()}
	}
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	s := sample{total: time.Since(begin)}
	s.calN, s.calT = l.spans.take(id).total()
	if err != nil {
		s.fail = "read: " + err.Error()
	} else {
		s.fail = r.check(resp.StatusCode, body)
	}
	return s
}

// closed sends the n requests mk makes with conc workers, each sending its
// next request when its previous one is answered.
func (l *loader) closed(ctx context.Context, n, conc int, mk func(i int) request) []sample {
	out := make([]sample, n)
	reqs := make([]request, n)
	for i := range n {
		reqs[i] = mk(i)
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range conc {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n || ctx.Err() != nil {
					return
				}
				out[i] = l.do(ctx, reqs[i], time.Now())
			}
		})
	}
	wg.Wait()
	return out
}

// open sends rate requests per second for d (open loop: request i starts
// at start + i/rate whether or not earlier ones were answered).
func (l *loader) open(ctx context.Context, rate int, d time.Duration, mk func(i int) request) []sample {
	interval := time.Second / time.Duration(rate)
	n := int(d / interval)
	reqs := make([]request, n)
	for i := range n {
		reqs[i] = mk(i)
	}
	out := make([]sample, n)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range n {
		due := start.Add(time.Duration(i) * interval)
		if w := time.Until(due); w > 0 {
			t := time.NewTimer(w)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
			}
		}
		if ctx.Err() != nil {
			out = out[:i]
			break
		}
		wg.Go(func() { out[i] = l.do(ctx, reqs[i], due) })
	}
	wg.Wait()
	return out
}

// stats summarises a scenario's round.
type stats struct {
	Scenario string `json:"scenario"`
	Round    int    `json:"round"`
	Load     string `json:"load"`
	Count    int    `json:"count"`
	Errors   int    `json:"errors"`
	// Failures counts the reasons of the errors.
	Failures map[string]int `json:"failures,omitempty"`
	// CalcomPerCall counts requests by how many Cal.com round trips they made.
	CalcomPerCall map[string]int `json:"calcom_round_trips_per_call"`
	// TotalMS is the response time at the client.
	TotalMS map[string]float64 `json:"total_ms"`
	// CalcomMS is the time spent in Cal.com round trips, measured at
	// askpro's HTTP transport (the fake's 100 ms delay, its own work, loopback).
	CalcomMS map[string]float64 `json:"calcom_ms"`
	// AddedMS is askpro's own time: total minus the measured Cal.com time,
	// per request.
	AddedMS map[string]float64 `json:"added_ms"`
	// AddedByCountMS is total minus round trips x the fake's delay: the
	// fake's own work and loopback are then counted as askpro's.
	AddedByCountMS map[string]float64 `json:"added_by_count_ms"`
	// Seconds is how long the round took.
	Seconds float64 `json:"seconds"`
}

func summarize(scenario string, round int, load string, samples []sample, delay time.Duration, took time.Duration) stats {
	st := stats{Scenario: scenario, Round: round, Load: load, Count: len(samples), Failures: map[string]int{},
		CalcomPerCall: map[string]int{}, Seconds: took.Seconds()}
	var total, cal, added, byCount []time.Duration
	for _, s := range samples {
		if s.fail != "" {
			st.Errors++
			reason := s.fail
			if len(reason) > 160 {
				reason = reason[:160]
			}
			st.Failures[reason]++
		}
		st.CalcomPerCall[strconv.Itoa(s.calN)]++
		total = append(total, s.total)
		cal = append(cal, s.calT)
		added = append(added, s.total-s.calT)
		byCount = append(byCount, s.total-time.Duration(s.calN)*delay)
	}
	st.TotalMS, st.CalcomMS, st.AddedMS, st.AddedByCountMS = quantiles(total), quantiles(cal), quantiles(added), quantiles(byCount)
	return st
}

func quantiles(xs []time.Duration) map[string]float64 {
	slices.Sort(xs)
	q := func(p float64) float64 {
		if len(xs) == 0 {
			return 0
		}
		return ms(xs[int(p*float64(len(xs)-1))])
	}
	return map[string]float64{"p50": q(.50), "p95": q(.95), "p99": q(.99), "max": q(1)}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func (s stats) String() string {
	return fmt.Sprintf("%-22s r%d %-26s n=%-5d err=%-3d total p50 %7.2f p99 %7.2f max %7.2f | cal p50 %6.1f | added p50 %6.2f p95 %6.2f p99 %6.2f max %7.2f | by count p99 %6.2f | trips %v",
		s.Scenario, s.Round, s.Load, s.Count, s.Errors, s.TotalMS["p50"], s.TotalMS["p99"], s.TotalMS["max"], s.CalcomMS["p50"],
		s.AddedMS["p50"], s.AddedMS["p95"], s.AddedMS["p99"], s.AddedMS["max"], s.AddedByCountMS["p99"], s.CalcomPerCall)
}
