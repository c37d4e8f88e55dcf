package main

import (
	"context"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"
)

// calSpan collects the time one function request spent waiting on
// Cal.com: every round trip to the fake made under the request's context,
// from sending to the end of its body.
type calSpan struct {
	mu    sync.Mutex
	spans [][2]time.Time
}

func (s *calSpan) add(from, to time.Time) {
	s.mu.Lock()
	s.spans = append(s.spans, [2]time.Time{from, to})
	s.mu.Unlock()
}

// total returns the count of round trips and the length of their union
// (overlapping round trips are counted once).
func (s *calSpan) total() (int, time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sp := slices.Clone(s.spans)
	slices.SortFunc(sp, func(a, b [2]time.Time) int { return a[0].Compare(b[0]) })
	var sum time.Duration
	var cur [2]time.Time
	for i, x := range sp {
		switch {
		case i == 0:
			cur = x
		case !x[0].After(cur[1]):
			if x[1].After(cur[1]) {
				cur[1] = x[1]
			}
		default:
			sum += cur[1].Sub(cur[0])
			cur = x
		}
	}
	if len(sp) > 0 {
		sum += cur[1].Sub(cur[0])
	}
	return len(sp), sum
}

type spanKey struct{}

// calTimer is the RoundTripper of the Cal.com clients' HTTP client
// (app.Options.HTTPClient, over outbound.NewTransport as in production): it
// adds each round trip to the calSpan in the request's context. The
// function routes carry the inbound request's context values into the
// function (context.WithoutCancel keeps them).
type calTimer struct{ base http.RoundTripper }

func (t calTimer) RoundTrip(r *http.Request) (*http.Response, error) {
	span, _ := r.Context().Value(spanKey{}).(*calSpan)
	start := time.Now()
	resp, err := t.base.RoundTrip(r)
	if span == nil {
		return resp, err
	}
	if err != nil {
		span.add(start, time.Now())
		return resp, err
	}
	resp.Body = &timedBody{ReadCloser: resp.Body, done: func() { span.add(start, time.Now()) }}
	return resp, nil
}

// timedBody reports the end of a response body: its EOF or its Close,
// whichever comes first.
type timedBody struct {
	io.ReadCloser
	once sync.Once
	done func()
}

func (b *timedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil {
		b.once.Do(b.done)
	}
	return n, err
}

func (b *timedBody) Close() error {
	b.once.Do(b.done)
	return b.ReadCloser.Close()
}

// spans hands each request's calSpan from the server side to the load
// generator, by the X-Bench-Request header (not signed, not read by
// askpro).
type spans struct{ m sync.Map }

// wrap gives every request with X-Bench-Request a calSpan in its context.
func (s *spans) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Bench-Request")
		if id == "" {
			h.ServeHTTP(w, r)
			return
		}
		sp := &calSpan{}
		s.m.Store(id, sp)
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), spanKey{}, sp)))
	})
}

// take returns and forgets the calSpan of a request.
func (s *spans) take(id string) *calSpan {
	v, ok := s.m.LoadAndDelete(id)
	if !ok {
		return &calSpan{}
	}
	return v.(*calSpan)
}
