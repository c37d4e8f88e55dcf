package webhook

import (
	"net/http"
	"strings"

	"github.com/askproai/askpro/internal/sanitize"
)

// maxStoredHeaderLen caps each stored header value, in bytes (DESIGN.md:
// header values from the request are cut to 256 bytes).
const maxStoredHeaderLen = 256

// Headers kept for every provider. Signatures, Authorization, cookies and
// anything else not listed are never stored.
var commonStoredHeaders = []string{
	"Content-Type",
	"User-Agent",
}

// Provider-specific headers worth keeping: API or webhook versions that
// explain how a payload was shaped.
var providerStoredHeaders = map[string][]string{
	ProviderRetell: nil,
	ProviderCalcom: {"X-Cal-Webhook-Version"},
	ProviderStripe: nil,
}

// HeadersToStore returns the request headers worth keeping with a stored
// event (the webhook_events.headers column): an allow-list of
// Content-Type, User-Agent and the provider's version header
// (X-Cal-Webhook-Version for Cal.com). Signatures, Authorization, cookies,
// forwarding and every other header are dropped, so the stored row holds no
// secret and nothing that would let a reader replay the request. Map keys
// are lower-case header names; several values are joined with ", "; each
// value is made valid UTF-8 and cut to 256 bytes by sanitize.String (for
// the JSON column). An unknown provider gets the common headers only. The
// result is never nil.
func HeadersToStore(provider string, h http.Header) map[string]string {
	out := make(map[string]string, 3)
	keep := func(name string) {
		vs := h.Values(name)
		if len(vs) == 0 {
			return
		}
		out[strings.ToLower(name)] = sanitize.String(strings.Join(vs, ", "), maxStoredHeaderLen)
	}
	for _, name := range commonStoredHeaders {
		keep(name)
	}
	for _, name := range providerStoredHeaders[provider] {
		keep(name)
	}
	return out
}
