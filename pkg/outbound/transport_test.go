package outbound_test

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/askproai/askpro/pkg/outbound"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// connCounter is a server that holds every request until wave requests
// are in flight at once, and counts the connections its clients opened.
type connCounter struct {
	srv     *httptest.Server
	opened  atomic.Int64
	mu      sync.Mutex
	waiting int
	release chan struct{}
	wave    int
}

func newConnCounter(t *testing.T, wave int) *connCounter {
	c := &connCounter{wave: wave, release: make(chan struct{})}
	c.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		c.waiting++
		rel := c.release
		if c.waiting == c.wave {
			close(c.release)
			c.waiting, c.release = 0, make(chan struct{})
		}
		c.mu.Unlock()
		select {
		case <-rel:
		case <-r.Context().Done():
		}
		_, _ = io.WriteString(w, "ok")
	}))
	c.srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			c.opened.Add(1)
		}
	}
	c.srv.Start()
	t.Cleanup(c.srv.Close)
	return c
}

// waves sends two waves of c.wave concurrent requests with client and
// returns the connections each wave opened.
func (c *connCounter) waves(t *testing.T, client *http.Client) (first, second int64) {
	t.Helper()
	send := func() int64 {
		before := c.opened.Load()
		var wg sync.WaitGroup
		for range c.wave {
			wg.Go(func() {
				resp, err := client.Get(c.srv.URL)
				if !assert.NoError(t, err) {
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
			})
		}
		wg.Wait()
		return c.opened.Load() - before
	}
	return send(), send()
}

func TestNewTransportKeepsConnectionsOfConcurrentCalls(t *testing.T) {
	t.Parallel()
	const wave = 20
	c := newConnCounter(t, wave)
	tr := outbound.NewTransport()
	t.Cleanup(tr.CloseIdleConnections)
	first, second := c.waves(t, &http.Client{Transport: tr})
	assert.EqualValues(t, wave, first, "the first wave opens one connection per request")
	assert.Zero(t, second, "the second wave reuses the first wave's connections")
	assert.Equal(t, outbound.MaxIdleConnsPerHost, tr.MaxIdleConnsPerHost)
}

// The contrast: Go's default transport keeps 2 idle connections per host,
// so the same second wave opens nearly all its connections again. This is
// what the API clients did before they had their own transport.
func TestDefaultTransportRedialsConcurrentCalls(t *testing.T) {
	t.Parallel()
	const wave = 20
	c := newConnCounter(t, wave)
	def, ok := http.DefaultTransport.(*http.Transport)
	require.True(t, ok)
	tr := def.Clone()
	t.Cleanup(tr.CloseIdleConnections)
	_, second := c.waves(t, &http.Client{Transport: tr})
	assert.GreaterOrEqual(t, second, int64(wave-http.DefaultMaxIdleConnsPerHost))
}

func TestDefaultClientIsSharedAndTuned(t *testing.T) {
	t.Parallel()
	a, b := outbound.DefaultClient(), outbound.DefaultClient()
	require.Same(t, a, b)
	tr, ok := a.Transport.(*http.Transport)
	require.True(t, ok)
	assert.Equal(t, outbound.MaxIdleConnsPerHost, tr.MaxIdleConnsPerHost)
	assert.Zero(t, a.Timeout, "the API clients bound each attempt themselves")
}
