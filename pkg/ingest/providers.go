package ingest

import (
	"net/http"

	"github.com/askproai/askpro/pkg/webhook"
)

// known reports whether provider has a webhook adapter.
func known(provider string) bool { return webhook.Known(provider) }

// parse validates and decodes body of a known provider; parsing needs no
// secret.
func parse(provider string, body []byte) (webhook.Event, error) {
	return webhook.Parse(provider, body)
}

// ack writes provider's success response.
func ack(provider string, w http.ResponseWriter) { webhook.Ack(provider, w) }
