package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/askproai/askpro/pkg/calcom"
	"github.com/askproai/askpro/pkg/config"
	"github.com/askproai/askpro/pkg/outbound"
	"github.com/askproai/askpro/pkg/secrets"
	"github.com/askproai/askpro/pkg/store"
	"github.com/askproai/askpro/pkg/tenant"
	"github.com/redis/go-redis/v9"
)

// ErrNoCalcomAccount is returned by [CalcomAccounts.For] for a company
// without a Cal.com key of its own when calcom.api_key is not set either.
var ErrNoCalcomAccount = errors.New("app: no Cal.com account")

// CalcomAccounts builds the Cal.com client of each company (DESIGN "Tenancy
// and security"): its own API key (sealed at rest, opened with the keyring)
// and base URL when set, else calcom.api_key and calcom.base_url. All
// clients share one request budget per key (Redis when redis.url is set,
// so that replicas share it) and one set of per-host breakers. A client is
// kept per company and rebuilt when the company's key or base URL changed;
// the company's account is read again at most every [AccountRecheck], so
// a key set with `askpro company update` is used within that time. It is
// safe for concurrent use.
type CalcomAccounts struct {
	companies *store.Companies
	ring      *secrets.Keyring
	platform  config.CalcomConfig
	budget    calcom.Budget
	breakers  *calcom.Breakers
	logger    *slog.Logger
	// observer watches every client's attempts and breakers (the outbound
	// metrics); set by App.registerMetrics before any client is built.
	observer outbound.Observer
	// httpClient sends the clients' requests (App Options.HTTPClient); nil
	// means calcom's default.
	httpClient *http.Client

	now     func() time.Time
	mu      sync.Mutex
	clients map[int64]cachedCalcom
}

// AccountRecheck is how long a company's Cal.com client is used before its
// account (key and base URL) is read from the database again: a function
// call on the ringing path then costs no database read for it.
const AccountRecheck = 5 * time.Second

type cachedCalcom struct {
	sealed, base string
	client       *calcom.Client
	checked      time.Time // when the account was last read
}

// NewCalcomAccounts returns the accounts of companies: ring opens their
// sealed keys (nil when security.encryption_key is not set: a company
// with a sealed key then fails), rdb (nil without Redis) holds the shared
// budget of cfg.Calcom.RequestsPerMinute.
func NewCalcomAccounts(cfg *config.Config, companies *store.Companies, ring *secrets.Keyring, rdb redis.UniversalClient, logger *slog.Logger) (*CalcomAccounts, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	per := cfg.Calcom.RequestsPerMinute
	var (
		budget calcom.Budget
		err    error
	)
	if rdb != nil {
		budget, err = calcom.NewRedisBudget(rdb, per, nil)
	} else {
		budget, err = calcom.NewLocalBudget(per, nil)
	}
	if err != nil {
		return nil, fmt.Errorf("calcom budget: %w", err)
	}
	return &CalcomAccounts{companies: companies, ring: ring, platform: cfg.Calcom, budget: budget,
		breakers: calcom.NewBreakers(calcom.BreakerConfig{}), logger: logger, now: time.Now, clients: map[int64]cachedCalcom{}}, nil
}

// For returns the Cal.com client of a company. Errors: ErrNoCalcomAccount,
// a key that does not open (secrets errors), store errors.
func (a *CalcomAccounts) For(ctx context.Context, companyID int64) (*calcom.Client, error) {
	now := a.now()
	a.mu.Lock()
	c, ok := a.clients[companyID]
	a.mu.Unlock()
	if ok && now.Sub(c.checked) < AccountRecheck && !now.Before(c.checked) {
		return c.client, nil
	}
	sealed, base, err := a.companies.CalcomAccount(tenant.WithCompany(ctx, companyID))
	if err != nil {
		return nil, fmt.Errorf("cal.com account of company %d: %w", companyID, err)
	}
	if base == "" {
		base = a.platform.BaseURL
	}
	if ok && c.sealed == sealed && c.base == base {
		c.checked = now
		a.mu.Lock()
		a.clients[companyID] = c
		a.mu.Unlock()
		return c.client, nil
	}
	key := a.platform.APIKey
	if sealed != "" {
		if a.ring == nil {
			return nil, fmt.Errorf("cal.com key of company %d: sealed, but security.encryption_key is not set", companyID)
		}
		s, err := a.ring.OpenSecret(sealed, store.CalcomKeyAAD(companyID))
		if err != nil {
			return nil, fmt.Errorf("cal.com key of company %d: %w", companyID, err)
		}
		key = s.Reveal()
	}
	if key == "" {
		return nil, fmt.Errorf("%w: company %d has no Cal.com API key and calcom.api_key is not set", ErrNoCalcomAccount, companyID)
	}
	client, err := calcom.New(calcom.Config{BaseURL: base, APIKey: key, Budget: a.budget, Breaker: a.breakers, Logger: a.logger, Observer: a.observer, HTTPClient: a.httpClient})
	if err != nil {
		return nil, fmt.Errorf("cal.com client of company %d: %w", companyID, err)
	}
	a.mu.Lock()
	a.clients[companyID] = cachedCalcom{sealed: sealed, base: base, client: client, checked: now}
	a.mu.Unlock()
	return client, nil
}

// EventTypeIDs lists the ids of a company's Cal.com event types: the
// validator's calendar check (provision.Calendar).
func (a *CalcomAccounts) EventTypeIDs(ctx context.Context, companyID int64) ([]int64, error) {
	c, err := a.For(ctx, companyID)
	if err != nil {
		return nil, err
	}
	ets, err := c.EventTypes(ctx)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(ets))
	for i, et := range ets {
		ids[i] = et.ID
	}
	return ids, nil
}
