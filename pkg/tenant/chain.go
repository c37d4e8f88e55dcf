package tenant

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
)

// ChainConfig configures a [Chain].
type ChainConfig struct {
	// Resolvers is the chain, in order; the first that names a company
	// wins. Nil means DESIGN's order: [Explicit], [APIKey], [AdminHeader]
	// (with Logger and ClientIP), [Subdomain] (with BaseDomain and
	// Subdomains, when both are set) and [CalledNumber] (with Phones, when
	// set).
	Resolvers []Resolver
	// Companies answers whether the resolved company exists and is active;
	// pass a [*Cache]. Required.
	Companies CompanySource
	// BaseDomain, Subdomains and Phones build the default chain; they are
	// ignored when Resolvers is set.
	BaseDomain string
	Subdomains SubdomainSource
	Phones     PhoneSource
	// Logger receives the default chain's security events and the
	// middleware's failed lookups. Nil means slog.Default().
	Logger *slog.Logger
	// ClientIP is given to the default chain's [AdminHeader].
	ClientIP func(r *http.Request) string
	// OnError writes the response of [Chain.Middleware] for a request whose
	// tenant could not be resolved (any error but [ErrUnresolved]). Nil
	// means a plain-text answer with [StatusCode] and the sentinel's message
	// (never a lookup's internal error).
	OnError func(w http.ResponseWriter, r *http.Request, err error)
}

// Chain resolves the tenant of a request: its resolvers in order, first
// match wins, then the company must exist and be active. It is safe for
// concurrent use.
type Chain struct {
	resolvers []Resolver
	names     []string
	guards    []int // indexes of resolvers that are guards
	companies CompanySource
	logger    *slog.Logger
	onError   func(w http.ResponseWriter, r *http.Request, err error)
}

// NewChain validates cfg and returns a Chain. It fails when Companies is
// nil or a resolver is nil.
func NewChain(cfg ChainConfig) (*Chain, error) {
	if cfg.Companies == nil {
		return nil, errors.New("tenant: ChainConfig.Companies is required")
	}
	c := &Chain{companies: cfg.Companies, logger: cfg.Logger, onError: cfg.OnError}
	if c.logger == nil {
		c.logger = slog.Default()
	}
	rs := cfg.Resolvers
	if rs == nil {
		rs = []Resolver{Explicit{}, APIKey{}, AdminHeader{Logger: c.logger, ClientIP: cfg.ClientIP}}
		if cfg.BaseDomain != "" && cfg.Subdomains != nil {
			rs = append(rs, Subdomain{BaseDomain: cfg.BaseDomain, Source: cfg.Subdomains})
		}
		if cfg.Phones != nil {
			rs = append(rs, CalledNumber{Source: cfg.Phones})
		}
	}
	for i, r := range rs {
		if r == nil {
			return nil, fmt.Errorf("tenant: ChainConfig.Resolvers[%d] is nil", i)
		}
		c.resolvers = append(c.resolvers, r)
		c.names = append(c.names, nameOf(r))
		if _, ok := r.(Guard); ok {
			c.guards = append(c.guards, i)
		}
	}
	if c.onError == nil {
		c.onError = writeError
	}
	return c, nil
}

// MustNewChain is [NewChain] that panics on a configuration error.
func MustNewChain(cfg ChainConfig) *Chain {
	c, err := NewChain(cfg)
	if err != nil {
		panic(err)
	}
	return c
}

// Names returns the resolvers' names in chain order.
func (c *Chain) Names() []string { return append([]string(nil), c.names...) }

// Resolve runs the chain and returns ctx carrying the resolved company
// ([CompanyID] reads it). First every [Guard] checks the input, then the
// resolvers run in order until one names a company, which must exist and
// be active. On failure it returns ctx unchanged and a [*ResolutionError]
// wrapping [ErrUnresolved] (no resolver matched), [ErrUnknownCompany],
// [ErrInactiveCompany], [ErrForbidden], [ErrInvalidHeader], or the error of
// a failed lookup.
func (c *Chain) Resolve(ctx context.Context, in Input) (context.Context, error) {
	var tried []Attempt
	fail := func(id int64, err error) (context.Context, error) {
		return ctx, &ResolutionError{Tried: tried, CompanyID: id, Err: err}
	}
	for _, i := range c.guards {
		if err := c.resolvers[i].(Guard).Check(ctx, in); err != nil {
			tried = append(tried, Attempt{Resolver: c.names[i], Err: err})
			return fail(0, err)
		}
	}
	var id int64
	for i, r := range c.resolvers {
		got, err := r.Resolve(ctx, in)
		if err == nil && got < 0 {
			err = fmt.Errorf("tenant: resolver %s returned company id %d", c.names[i], got)
		}
		if err != nil {
			tried = append(tried, Attempt{Resolver: c.names[i], Err: err})
			return fail(0, err)
		}
		tried = append(tried, Attempt{Resolver: c.names[i], CompanyID: got})
		if got > 0 {
			id = got
			break
		}
	}
	if id == 0 {
		return fail(0, ErrUnresolved)
	}
	st, err := c.companies.CompanyStatus(System(ctx), id)
	switch {
	case err != nil:
		return fail(id, fmt.Errorf("check company %d: %w", id, err))
	case !st.Exists:
		return fail(id, ErrUnknownCompany)
	case !st.Active:
		return fail(id, ErrInactiveCompany)
	}
	if cur, ok := FromContext(ctx); ok && cur == id {
		return ctx, nil
	}
	return WithCompany(ctx, id), nil
}

// Middleware resolves the tenant of each request before next runs, with
// the request as [Input]. A resolved request reaches next with the company
// in its context; an unresolved one ([ErrUnresolved]) reaches next
// unchanged, and the handler decides whether it needs a tenant. Any other
// error is answered by ChainConfig.OnError and next does not run.
func (c *Chain) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, err := c.Resolve(r.Context(), Input{Request: r})
		switch {
		case err == nil:
			next.ServeHTTP(w, r.WithContext(ctx))
		case errors.Is(err, ErrUnresolved):
			next.ServeHTTP(w, r)
		default:
			if StatusCode(err) == http.StatusInternalServerError {
				c.logger.ErrorContext(r.Context(), "tenant: resolve company", slog.String("error", err.Error()),
					slog.String("path", r.URL.Path))
			}
			c.onError(w, r, err)
		}
	})
}

// Message returns the client-facing message for a resolution error: the
// sentinel's text without the package prefix, or "internal error" for a
// failed lookup, whose details stay in the log.
func Message(err error) string {
	for _, s := range []error{ErrForbidden, ErrInvalidHeader, ErrInactiveCompany, ErrUnknownCompany, ErrUnresolved} {
		if errors.Is(err, s) {
			return s.Error()[len("tenant: "):]
		}
	}
	return "internal error"
}

func writeError(w http.ResponseWriter, _ *http.Request, err error) {
	http.Error(w, Message(err), StatusCode(err))
}
