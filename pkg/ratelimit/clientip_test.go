package ratelimit_test

import (
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/askproai/askpro/pkg/ratelimit"
)

func TestClientIP(t *testing.T) {
	t.Parallel()
	trusted, err := ratelimit.ParsePrefixes([]string{"10.0.0.0/8", "2001:db8:ffff::/48", "192.0.2.10"})
	require.NoError(t, err)
	tests := []struct {
		name   string
		remote string
		xff    []string
		want   string
	}{
		{"direct client", "198.51.100.7:4242", nil, "198.51.100.7"},
		{"spoofed XFF from an untrusted peer is ignored", "198.51.100.7:4242", []string{"1.2.3.4"}, "198.51.100.7"},
		{"trusted proxy, one hop", "10.1.2.3:80", []string{"198.51.100.7"}, "198.51.100.7"},
		{"trusted proxy, client-written hops left of the real one are ignored", "10.1.2.3:80", []string{"1.2.3.4, 5.6.7.8, 198.51.100.7"}, "198.51.100.7"},
		{"two trusted proxies are skipped", "10.1.2.3:80", []string{"203.0.113.9, 10.9.9.9"}, "203.0.113.9"},
		{"single trusted address", "192.0.2.10:80", []string{"203.0.113.9"}, "203.0.113.9"},
		{"an address next to a trusted one is not trusted", "192.0.2.11:80", []string{"203.0.113.9"}, "192.0.2.11"},
		{"several header lines: the last is nearest", "10.1.2.3:80", []string{"1.2.3.4", "203.0.113.9"}, "203.0.113.9"},
		{"several header lines, last all trusted", "10.1.2.3:80", []string{"203.0.113.9", "10.0.0.5"}, "203.0.113.9"},
		{"all hops trusted: the leftmost", "10.1.2.3:80", []string{"10.0.0.1, 10.0.0.2"}, "10.0.0.1"},
		{"trusted proxy without XFF", "10.1.2.3:80", nil, "10.1.2.3"},
		{"empty XFF", "10.1.2.3:80", []string{""}, "10.1.2.3"},
		{"garbage hop stops the walk", "10.1.2.3:80", []string{"203.0.113.9, not-an-ip, 10.0.0.7"}, "10.0.0.7"},
		{"hop with a port", "10.1.2.3:80", []string{"203.0.113.9:5555"}, "203.0.113.9"},
		{"IPv6 hop in brackets with port", "10.1.2.3:80", []string{"[2001:db8:1::5]:443"}, "2001:db8:1::5"},
		{"IPv6 peer", "[2001:db8:1::5]:443", nil, "2001:db8:1::5"},
		{"IPv6 trusted proxy", "[2001:db8:ffff::1]:443", []string{"2001:db8:1::5"}, "2001:db8:1::5"},
		{"IPv4-mapped IPv6 peer is IPv4", "[::ffff:198.51.100.7]:1", nil, "198.51.100.7"},
		{"IPv4-mapped trusted proxy", "[::ffff:10.1.2.3]:1", []string{"198.51.100.7"}, "198.51.100.7"},
		{"empty hops skipped", "10.1.2.3:80", []string{"203.0.113.9, , "}, "203.0.113.9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tt.remote
			for _, v := range tt.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			got, ok := ratelimit.ClientIP(r, trusted)
			require.True(t, ok)
			assert.Equal(t, netip.MustParseAddr(tt.want), got)
		})
	}
}

func TestClientIP_NoTrustedProxies(t *testing.T) {
	t.Parallel()
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "127.0.0.1:5000"
	r.Header.Set("X-Forwarded-For", "203.0.113.9")
	got, ok := ratelimit.ClientIP(r, nil)
	require.True(t, ok)
	assert.Equal(t, netip.MustParseAddr("127.0.0.1"), got, "without trusted proxies XFF is never read, not even from loopback")
}

func TestClientIP_NotAnIP(t *testing.T) {
	t.Parallel()
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "@"
	_, ok := ratelimit.ClientIP(r, nil)
	assert.False(t, ok)
}

func TestParsePrefixes(t *testing.T) {
	t.Parallel()
	got, err := ratelimit.ParsePrefixes([]string{" 10.1.2.3/8 ", "", "192.0.2.1", "::1", "::ffff:10.0.0.1"})
	require.NoError(t, err)
	assert.Equal(t, []netip.Prefix{
		netip.MustParsePrefix("10.0.0.0/8"),
		netip.MustParsePrefix("192.0.2.1/32"),
		netip.MustParsePrefix("::1/128"),
		netip.MustParsePrefix("10.0.0.1/32"),
	}, got)

	for _, bad := range []string{"10.0.0.0/33", "proxy.internal", "10.0.0.0/8,192.168.0.0/16"} {
		_, err := ratelimit.ParsePrefixes([]string{bad})
		require.Error(t, err, bad)
		assert.Contains(t, err.Error(), bad)
	}
}
