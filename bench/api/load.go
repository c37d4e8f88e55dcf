package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"time"
)

// target is one way of serving the API that a round measures.
type target struct {
	name string
	url  string // base URL of the server
	// header sets a request's credentials for company index i.
	header func(h http.Header, i int)
}

// sample is one request's outcome.
type sample struct {
	latency time.Duration
	status  int
	err     error
}

// stats summarises a round.
type stats struct {
	Target   string             `json:"target"`
	Rate     int                `json:"rate"`
	Seconds  float64            `json:"seconds"`
	Requests int                `json:"requests"`
	Errors   int                `json:"errors"`
	Status   map[int]int        `json:"status"`
	MS       map[string]float64 `json:"latency_ms"`
}

// shapes are the list requests the load draws from: a filter and a sort
// on the calls of one company.
var shapes = []string{
	"filter[status][eq]=ended&sort=-started_at",
	"filter[status][eq]=ended&filter[started_at][gte]=2026-09-01T00:00:00Z&sort=-started_at",
	"filter[status][in]=error,ongoing&sort=-started_at",
	"filter[started_at][lt]=2026-10-01T00:00:00Z&sort=-started_at",
}

// path returns the request path of a shape at a page.
func path(shape string, page int) string {
	return fmt.Sprintf("/api/v1/calls?%s&page=%d&per_page=25", shape, page)
}

// queries draws one request path: a random shape at one of the first pages.
func queries(rnd *rand.Rand) string {
	return path(shapes[rnd.IntN(len(shapes))], 1+rnd.IntN(4))
}

// run drives t at rate requests per second for d (an open loop: requests
// start on schedule whether or not earlier ones finished) over companies
// company indexes, and returns the latencies.
func run(ctx context.Context, client *http.Client, t target, rate int, d time.Duration, companies int) stats {
	interval := time.Second / time.Duration(rate)
	n := int(d / interval)
	samples := make([]sample, n)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range n {
		due := start.Add(time.Duration(i) * interval)
		if w := time.Until(due); w > 0 {
			select {
			case <-time.After(w):
			case <-ctx.Done():
				n = i
			}
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			rnd := rand.New(rand.NewPCG(uint64(i), 7))
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.url+queries(rnd), nil)
			if err != nil {
				samples[i] = sample{err: err}
				return
			}
			t.header(req.Header, rnd.IntN(companies))
			begin := time.Now()
			resp, err := client.Do(req)
			if err != nil {
				samples[i] = sample{err: err, latency: time.Since(begin)}
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			samples[i] = sample{latency: time.Since(begin), status: resp.StatusCode}
		}(i)
	}
	wg.Wait()
	elapsed := time.Since(start)
	st := stats{Target: t.name, Rate: rate, Seconds: elapsed.Seconds(), Requests: n, Status: map[int]int{}, MS: map[string]float64{}}
	lat := make([]time.Duration, 0, n)
	for _, s := range samples[:n] {
		if s.err != nil {
			st.Errors++
			continue
		}
		st.Status[s.status]++
		lat = append(lat, s.latency)
	}
	slices.Sort(lat)
	for _, p := range []struct {
		name string
		q    float64
	}{{"p50", .50}, {"p90", .90}, {"p99", .99}, {"p999", .999}, {"max", 1}} {
		st.MS[p.name] = ms(quantile(lat, p.q))
	}
	return st
}

func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q * float64(len(sorted)-1))
	return sorted[i]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// inProcess drives h directly (ServeHTTP into a recorder, no network) at
// rate requests per second for d, one goroutine per request as a server
// has, and returns the time each request spent in h. With h the API stack
// around a handler that does nothing, that is the stack's cost per request.
func inProcess(ctx context.Context, name string, h http.Handler, rate int, d time.Duration, header func(http.Header, int), companies int) stats {
	interval := time.Second / time.Duration(rate)
	n := int(d / interval)
	lat := make([]time.Duration, n)
	codes := make([]int, n)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range n {
		if w := time.Until(start.Add(time.Duration(i) * interval)); w > 0 {
			time.Sleep(w)
		}
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			rnd := rand.New(rand.NewPCG(uint64(i), 9))
			req := httptest.NewRequestWithContext(ctx, http.MethodGet, queries(rnd), nil)
			req.RemoteAddr = "127.0.0.1:40000"
			header(req.Header, rnd.IntN(companies))
			rec := httptest.NewRecorder()
			begin := time.Now()
			h.ServeHTTP(rec, req)
			lat[i], codes[i] = time.Since(begin), rec.Code
		}(i)
	}
	wg.Wait()
	st := stats{Target: name, Rate: rate, Seconds: time.Since(start).Seconds(), Requests: n, Status: map[int]int{}, MS: map[string]float64{}}
	for _, c := range codes {
		st.Status[c]++
	}
	slices.Sort(lat)
	for _, p := range []struct {
		name string
		q    float64
	}{{"p50", .50}, {"p90", .90}, {"p99", .99}, {"p999", .999}, {"max", 1}} {
		st.MS[p.name] = ms(quantile(lat, p.q))
	}
	return st
}
