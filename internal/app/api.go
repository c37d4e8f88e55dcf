package app

import (
	"errors"
	"net/http"

	"github.com/askproai/askpro/pkg/api"
	"github.com/askproai/askpro/pkg/apikey"
	"github.com/askproai/askpro/pkg/booking"
	"github.com/askproai/askpro/pkg/config"
	"github.com/askproai/askpro/pkg/ingest"
	"github.com/askproai/askpro/pkg/queue"
	"github.com/askproai/askpro/pkg/ratelimit"
	"github.com/askproai/askpro/pkg/server"
	"github.com/askproai/askpro/pkg/tenant"
)

// buildTenancy builds the company cache, the resolver chain, the API key
// authenticator, the rate limiter and the REST API, and returns the routes:
// /api/v1 behind (outermost first) the per-address limit, authentication,
// the per-key limit and the tenant resolver; the webhook route behind its
// per-address limit.
func (a *App) buildTenancy(cfg *config.Config) ([]server.Route, error) {
	log := a.Logger
	var err error
	if a.Tenants, err = tenant.NewCache(tenant.CacheConfig{
		Companies:  a.Store.Companies,
		Subdomains: a.Store.Companies,
		Phones:     a.Store.Branches,
		Version:    a.Store.Companies,
		Redis:      a.Redis,
		Logger:     log,
	}); err != nil {
		return nil, err
	}
	trusted, err := cfg.HTTP.TrustedProxyPrefixes()
	if err != nil {
		return nil, err
	}
	clientIP := func(r *http.Request) string {
		if ip, ok := ratelimit.ClientIP(r, trusted); ok {
			return ip.String()
		}
		return ""
	}
	if a.Chain, err = tenant.NewChain(tenant.ChainConfig{
		Companies:  a.Tenants,
		BaseDomain: cfg.HTTP.BaseDomain,
		Subdomains: a.Tenants,
		Phones:     a.Tenants,
		Logger:     log,
		ClientIP:   clientIP,
		OnError:    writeTenantError,
	}); err != nil {
		return nil, err
	}
	if a.Keys, err = apikey.New(apikey.Config{
		Keys:    a.Store.APIKeys,
		Toucher: a.Store.APIKeys,
		Logger:  log,
		OnError: func(w http.ResponseWriter, _ *http.Request, status int, code, msg string) {
			api.WriteError(w, status, code, msg)
		},
	}); err != nil {
		return nil, err
	}
	events, err := queue.NewTenantReader(a.Pool)
	if err != nil {
		return nil, err
	}
	if a.API, err = api.New(api.Config{Store: a.Store, Events: events, Logger: log}); err != nil {
		return nil, err
	}

	limits, err := cfg.RateLimit.Limits()
	if err != nil {
		return nil, err
	}
	if a.Redis != nil {
		if a.Limiter, err = ratelimit.NewRedis(ratelimit.RedisConfig{Client: a.Redis}); err != nil {
			return nil, err
		}
	} else {
		a.Limiter = ratelimit.NewLocal(ratelimit.LocalConfig{})
	}
	metrics, err := ratelimit.NewMetrics(a.Registry)
	if err != nil {
		return nil, err
	}
	byIP := ratelimit.ByClientIP(trusted)
	limitOn := func(lim ratelimit.Limiter, name string, l ratelimit.Limit, key ratelimit.KeyFunc) (func(http.Handler) http.Handler, error) {
		if l.IsZero() {
			return func(h http.Handler) http.Handler { return h }, nil
		}
		m, err := ratelimit.NewMiddleware(ratelimit.MiddlewareConfig{Limiter: lim, Metrics: metrics, Logger: log,
			Rules: []ratelimit.Rule{{Name: name, Limit: l, Key: key}}})
		if err != nil {
			return nil, err
		}
		return m.Wrap, nil
	}
	limit := func(name string, l ratelimit.Limit, key ratelimit.KeyFunc) (func(http.Handler) http.Handler, error) {
		return limitOn(a.Limiter, name, l, key)
	}
	perIP, err := limit("api_per_ip", limits.APIPerIP, byIP)
	if err != nil {
		return nil, err
	}
	perKey, err := limit("api_per_key", limits.APIPerKey, ratelimit.ByAPIKey())
	if err != nil {
		return nil, err
	}
	// The webhook limit is a flood guard far above any provider's rate, so
	// each replica keeps it in process: no Redis round trip is added to
	// the ingestion hot path.
	webhooksPerIP, err := limitOn(ratelimit.NewLocal(ratelimit.LocalConfig{}), "webhooks_per_ip", limits.WebhooksPerIP, byIP)
	if err != nil {
		return nil, err
	}

	// The functions' limit is a flood guard too, kept in process for the
	// same reason: the agent's functions sit on the caller's line.
	functionsPerIP, err := limitOn(ratelimit.NewLocal(ratelimit.LocalConfig{}), "functions_per_ip", limits.FunctionsPerIP, byIP)
	if err != nil {
		return nil, err
	}

	a.apiStack = func(h http.Handler) http.Handler {
		return perIP(a.Keys.Middleware(perKey(a.Chain.Middleware(h))))
	}
	routes := []server.Route{{Pattern: ingest.WebhookPattern, Handler: webhooksPerIP(a.Webhooks)}}
	if a.Functions != nil {
		fh := functionsPerIP(a.Functions)
		routes = append(routes, server.Route{Pattern: booking.FunctionsPattern, Handler: fh},
			server.Route{Pattern: booking.InboundPattern, Handler: fh})
	}
	for _, r := range a.API.Routes() {
		routes = append(routes, server.Route{Pattern: r.Pattern, Handler: a.APIStack(r.Handler)})
	}
	return routes, nil
}

// APIStack wraps h in what stands in front of every /api/v1 route,
// outermost first: the per-address rate limit, API key authentication, the
// per-key rate limit and the tenant resolver. Serve mounts the API's routes
// through it; bench/api measures its cost with it.
func (a *App) APIStack(h http.Handler) http.Handler { return a.apiStack(h) }

// writeTenantError answers a failed tenant resolution in the API's error
// shape.
func writeTenantError(w http.ResponseWriter, _ *http.Request, err error) {
	code := "internal"
	switch {
	case errors.Is(err, tenant.ErrForbidden):
		code = "forbidden"
	case errors.Is(err, tenant.ErrInvalidHeader):
		code = "invalid_header"
	case errors.Is(err, tenant.ErrInactiveCompany):
		code = "company_inactive"
	case errors.Is(err, tenant.ErrUnknownCompany):
		code = "unknown_company"
	case errors.Is(err, tenant.ErrUnresolved):
		code = "tenant_required"
	}
	api.WriteError(w, tenant.StatusCode(err), code, tenant.Message(err))
}
