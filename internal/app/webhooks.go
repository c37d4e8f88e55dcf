package app

import (
	"github.com/askproai/askpro/pkg/config"
	"github.com/askproai/askpro/pkg/ingest"
	"github.com/askproai/askpro/pkg/webhook"
)

// endpoints are the webhook providers to serve.
type endpoints struct {
	verified   []ingest.Verifier
	unverified []string
}

func (e endpoints) verifiedNames() []string {
	out := make([]string, 0, len(e.verified))
	for _, v := range e.verified {
		out = append(out, v.Name())
	}
	return out
}

// webhookEndpoints builds a verifier for every provider whose secret is
// configured. With insecure, the providers without a secret are served
// unverified; a provider whose secret is set is always verified.
func webhookEndpoints(cfg *config.Config, insecure bool) (endpoints, error) {
	var e endpoints
	add := func(name, key, secret string, build func(string) (ingest.Verifier, error)) error {
		if secret == "" {
			if insecure {
				e.unverified = append(e.unverified, name)
			}
			return nil
		}
		v, err := build(secret)
		if err != nil {
			return &config.KeyError{Key: key, Err: err}
		}
		e.verified = append(e.verified, v)
		return nil
	}
	if err := add(webhook.ProviderRetell, "retell.api_key", cfg.Retell.APIKey, func(s string) (ingest.Verifier, error) {
		return webhook.NewRetell(webhook.RetellConfig{APIKey: s})
	}); err != nil {
		return e, err
	}
	if err := add(webhook.ProviderCalcom, "calcom.webhook_secret", cfg.Calcom.WebhookSecret, func(s string) (ingest.Verifier, error) {
		return webhook.NewCalcom(webhook.CalcomConfig{Secret: s})
	}); err != nil {
		return e, err
	}
	if err := add(webhook.ProviderStripe, "stripe.webhook_secret", cfg.Stripe.WebhookSecret, func(s string) (ingest.Verifier, error) {
		return webhook.NewStripe(webhook.StripeConfig{Secret: s})
	}); err != nil {
		return e, err
	}
	return e, nil
}
