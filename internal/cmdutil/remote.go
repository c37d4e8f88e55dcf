package cmdutil

import (
	"context"
	"errors"

	"github.com/askproai/askpro/internal/app"
	"github.com/askproai/askpro/pkg/provision"
	"github.com/askproai/askpro/pkg/retell"
	"github.com/askproai/askpro/pkg/store"
)

// retellConfig is the Retell client's configuration from retell.*; ok is
// false when retell.api_key is not set.
func (f *Factory) retellConfig() (cfg retell.Config, ok bool, err error) {
	c, err := f.Config()
	if err != nil {
		return retell.Config{}, false, err
	}
	if c.Retell.APIKey == "" {
		return retell.Config{}, false, nil
	}
	return retell.Config{BaseURL: c.Retell.BaseURL, APIKey: c.Retell.APIKey, Logger: f.Logger()}, true, nil
}

// retellPinger is the default RetellPinger: the Retell client of
// retell.*, or nil (not configured) without retell.api_key.
func (f *Factory) retellPinger() (provision.Pinger, error) {
	cfg, ok, err := f.retellConfig()
	if err != nil || !ok {
		return nil, err // an untyped nil: "not configured"
	}
	c, err := retell.New(cfg)
	if err != nil {
		return nil, &ExitError{Code: ExitUsage, Err: err}
	}
	return c, nil
}

// newProvisioner is the default Provisioner: the store, the validator and
// the Retell client of retell.*, pointing agents at http.public_url. A
// missing retell.api_key or http.public_url is a configuration error.
func (f *Factory) newProvisioner(ctx context.Context) (*provision.Provisioner, error) {
	c, err := f.Config()
	if err != nil {
		return nil, err
	}
	rc, ok, err := f.retellConfig()
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, &ExitError{Code: ExitUsage, Err: errors.New("retell.api_key is not set (ASKPRO_RETELL_API_KEY): provisioning creates the agent in Retell")}
	}
	if c.HTTP.PublicURL == "" {
		return nil, &ExitError{Code: ExitUsage, Err: errors.New("http.public_url is not set (ASKPRO_HTTP_PUBLIC_URL): Retell calls askpro there")}
	}
	v, err := f.Validator(ctx)
	if err != nil {
		return nil, err
	}
	st, err := f.Store(ctx)
	if err != nil {
		return nil, err
	}
	p, err := provision.New(provision.Config{Store: st, Validator: v, Retell: rc, PublicURL: c.HTTP.PublicURL,
		VoiceID: c.Retell.VoiceID, Model: c.Retell.Model, Logger: f.Logger()})
	if err != nil {
		return nil, &ExitError{Code: ExitUsage, Err: err}
	}
	return p, nil
}

// calendar is the default Calendar: the company's Cal.com account
// (app.CalcomAccounts: its own sealed key and base URL, or calcom.*),
// listing its event types. A short command spends one request, so it uses
// an in-process budget rather than Redis.
func (f *Factory) calendar(ctx context.Context, c store.Company) (provision.Calendar, error) {
	cfg, err := f.Config()
	if err != nil {
		return nil, err
	}
	ring, err := cfg.Security.Keyring()
	if err != nil {
		return nil, &ExitError{Code: ExitUsage, Err: err}
	}
	companies, err := f.Companies(ctx)
	if err != nil {
		return nil, err
	}
	accounts, err := app.NewCalcomAccounts(cfg, companies, ring, nil, f.Logger())
	if err != nil {
		return nil, err
	}
	if _, err := accounts.For(ctx, c.ID); err != nil {
		return nil, err
	}
	return provision.CalendarFunc(func(ctx context.Context) ([]int64, error) { return accounts.EventTypeIDs(ctx, c.ID) }), nil
}
