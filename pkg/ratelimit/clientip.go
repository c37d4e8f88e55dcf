package ratelimit

import (
	"fmt"
	"net/http"
	"net/netip"
	"strings"
)

// ParsePrefixes reads trusted proxy networks: CIDRs ("10.0.0.0/8",
// "2001:db8::/32") or single addresses ("192.0.2.10", taken as /32 or
// /128). It returns an error naming the first entry that is neither.
func ParsePrefixes(list []string) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(list))
	for _, s := range list {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("ratelimit: trusted proxy %q is not a CIDR (10.0.0.0/8) or an IP address", s)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// ClientIP returns the address of the client that sent r. It is the TCP
// peer (r.RemoteAddr) unless that peer is one of the trusted proxies; only
// then is X-Forwarded-For read, from the right: each hop that is itself a
// trusted proxy is skipped, and the first one that is not is the client (the
// rightmost untrusted hop). Hops to the left of it were written by the
// client and are never believed. If every hop is trusted, the leftmost is
// the client; an unparsable hop ends the walk at the last good one.
// IPv4-mapped IPv6 addresses are returned as IPv4. ok is false when
// RemoteAddr is not an IP address (a Unix socket, say).
func ClientIP(r *http.Request, trusted []netip.Prefix) (addr netip.Addr, ok bool) {
	peer, ok := parseHost(r.RemoteAddr)
	if !ok {
		return netip.Addr{}, false
	}
	if !isTrusted(peer, trusted) {
		return peer, true
	}
	client := peer
	// The last header line was appended by the nearest proxy.
	lines := r.Header.Values("X-Forwarded-For")
	for i := len(lines) - 1; i >= 0; i-- {
		line := lines[i]
		for line != "" {
			var hop string
			if i := strings.LastIndexByte(line, ','); i >= 0 {
				hop, line = line[i+1:], line[:i]
			} else {
				hop, line = line, ""
			}
			hop = strings.TrimSpace(hop)
			if hop == "" {
				continue
			}
			a, ok := parseHost(hop)
			if !ok {
				return client, true
			}
			client = a
			if !isTrusted(a, trusted) {
				return client, true
			}
		}
	}
	return client, true
}

// parseHost reads "1.2.3.4", "1.2.3.4:80", "::1", "[::1]:80" or "[::1]".
func parseHost(s string) (netip.Addr, bool) {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap().WithZone(""), true
	}
	s = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap().WithZone(""), true
	}
	return netip.Addr{}, false
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// ipKey is the rate-limit key of a client address: "ip:<IPv4>", or
// "ip:<IPv6 /64>", because one end site is given at least a /64 and can
// rotate through it at will.
func ipKey(a netip.Addr) string {
	if a.Is6() {
		p, _ := a.Prefix(64)
		return "ip:" + p.String()
	}
	return "ip:" + a.String()
}
