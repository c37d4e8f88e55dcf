package outbound

import (
	"net"
	"net/http"
	"sync"
	"time"
)

// Idle connections the API clients keep to one host. http.DefaultTransport
// keeps 2 per host: at 50 concurrent function calls to Cal.com, 48 of
// every 50 connections are closed after their answer and the next calls
// pay a new TCP and TLS handshake (tens of milliseconds to api.cal.com)
// while the caller waits.
const (
	MaxIdleConnsPerHost = 64
	MaxIdleConns        = 256
)

// NewTransport returns an HTTP transport for calls to a few API hosts
// under concurrency: http.DefaultTransport's settings (proxy from the
// environment, dial and TLS handshake timeouts, HTTP/2) with
// [MaxIdleConnsPerHost] idle connections per host. If
// http.DefaultTransport was replaced by something that is not an
// *http.Transport, the standard library's defaults are used instead.
func NewTransport() *http.Transport {
	var t *http.Transport
	if d, ok := http.DefaultTransport.(*http.Transport); ok {
		t = d.Clone()
	} else {
		dialer := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
		t = &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           dialer.DialContext,
			ForceAttemptHTTP2:     true,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   10 * time.Second,
			ExpectContinueTimeout: 1 * time.Second,
		}
	}
	t.MaxIdleConns = MaxIdleConns
	t.MaxIdleConnsPerHost = MaxIdleConnsPerHost
	return t
}

var defaultClient = sync.OnceValue(func() *http.Client {
	return &http.Client{Transport: NewTransport()}
})

// DefaultClient is the HTTP client pkg/calcom and pkg/retell send with
// when their Config has no HTTPClient: one per process, over
// [NewTransport], so that every client of a host shares its idle
// connections. It has no Timeout; the API clients bound each attempt.
func DefaultClient() *http.Client { return defaultClient() }
