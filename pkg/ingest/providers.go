package ingest

import (
	"net/http"

	"github.com/askproai/askpro/pkg/webhook"
)

// parseOnly holds one adapter per provider for parsing and acknowledging,
// which need no secret: the placeholder secrets below never verify anything
// (verification goes through the configured [Verifier]s only).
var parseOnly = func() map[string]webhook.Provider {
	const placeholder = "parse-only-never-verifies"
	r, _ := webhook.NewRetell(webhook.RetellConfig{APIKey: placeholder})
	c, _ := webhook.NewCalcom(webhook.CalcomConfig{Secret: placeholder})
	s, _ := webhook.NewStripe(webhook.StripeConfig{Secret: placeholder})
	return map[string]webhook.Provider{r.Name(): r, c.Name(): c, s.Name(): s}
}()

// known reports whether provider has a webhook adapter.
func known(provider string) bool { _, ok := parseOnly[provider]; return ok }

// parse decodes body of a known provider.
func parse(provider string, body []byte) (webhook.Event, error) {
	return parseOnly[provider].Parse(body)
}

// ack writes provider's success response.
func ack(provider string, w http.ResponseWriter) { parseOnly[provider].Ack(w) }
