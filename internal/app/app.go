// Package app is askpro's one composition root: it builds the database
// pool, the Redis client, the Prometheus registry, dedup, the inbox, the
// webhook ingestion handler and the HTTP server from a [config.Config], for
// `askpro serve`, the coming worker, the tests that need the whole stack
// and bench/ingest. It is the only package that knows every concrete type;
// the packages it wires take small interfaces.
//
//	a, err := app.New(ctx, cfg, app.Options{Logger: log, Version: version, Migrate: true})
//	if err != nil {
//		return err
//	}
//	defer a.Close()
//	return a.Serve(ctx, ln)
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/askproai/askpro/migrations"
	"github.com/askproai/askpro/pkg/api"
	"github.com/askproai/askpro/pkg/apikey"
	"github.com/askproai/askpro/pkg/booking"
	"github.com/askproai/askpro/pkg/config"
	"github.com/askproai/askpro/pkg/dedup"
	"github.com/askproai/askpro/pkg/ingest"
	"github.com/askproai/askpro/pkg/outbound"
	"github.com/askproai/askpro/pkg/pool"
	"github.com/askproai/askpro/pkg/queue"
	"github.com/askproai/askpro/pkg/ratelimit"
	"github.com/askproai/askpro/pkg/secrets"
	"github.com/askproai/askpro/pkg/server"
	"github.com/askproai/askpro/pkg/store"
	"github.com/askproai/askpro/pkg/tenant"
	"github.com/askproai/askpro/pkg/webhook"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/redis/go-redis/v9"
)

// Options are what [New] needs beyond the configuration.
type Options struct {
	// Logger is the process logger. Nil means slog.Default().
	Logger *slog.Logger
	// Version is reported by /healthz and /health.
	Version string
	// InsecureSkipVerify serves the webhook providers that have no secret
	// configured, without verifying signatures. Providers whose secret is
	// set are always verified.
	InsecureSkipVerify bool
	// Migrate applies the embedded migrations after opening the database.
	Migrate bool
	// DedupKeyPrefix overrides the Redis key prefix of dedup markers
	// (tests sharing one Redis). Empty means dedup's default.
	DedupKeyPrefix string
	// NoProcessCollectors leaves the Go and process collectors out of the
	// registry (tests that build several apps in one process).
	NoProcessCollectors bool
	// Workers, when above 0, builds [App.Worker] with that many workers
	// (queue.workers is the usual source; serve --workers and askpro
	// worker --workers override it). 0 builds no worker.
	Workers int
	// WorkerName names this process's leases (locked_by). Empty means
	// hostname:pid.
	WorkerName string
	// Functions serve the agent's custom functions at
	// POST /retell/functions/{name}, by name. Nil means pkg/booking's
	// Cal.com-backed four (booking.NewCalendarFunctions on the App's store
	// and Cal.com accounts); a name the map lacks answers 404.
	Functions map[string]booking.Function
	// HTTPClient sends the function calls' Cal.com requests. Nil means
	// outbound.DefaultClient, shared with every API client of the process
	// (benchmarks pass one that times each round trip).
	HTTPClient *http.Client
}

// App is the composed process. Its fields are for the commands and tests
// that need one part; Close releases them all.
type App struct {
	// Config is the configuration the App was built from.
	Config *config.Config
	// Logger is the process logger.
	Logger *slog.Logger
	// Pool is the database.
	Pool *pool.Pool
	// Store holds the repositories (companies, branches, customers, calls,
	// ...) on Pool.
	Store *store.Store
	// Secrets opens the companies' sealed Cal.com keys (and seals new
	// ones): security.encryption_key and its previous keys.
	Secrets *secrets.Keyring
	// Calcom builds each company's Cal.com client (its own key and base
	// URL, or calcom.*), with one request budget per key shared by every
	// replica through Redis.
	Calcom *CalcomAccounts
	// Redis is the Redis client, nil without redis.url.
	Redis redis.UniversalClient
	// Registry holds every collector and is served at /metrics.
	Registry *prometheus.Registry
	// Outbound observes the calls to Retell and Cal.com (the outbound
	// metrics); pass it as the Observer of any API client built for the
	// App. The Cal.com clients of Calcom have it.
	Outbound *outbound.Metrics
	// DedupStore keeps the dedup markers: Redis, or in-process.
	DedupStore dedup.Store
	// Dedup is the two-phase deduplication of ingestion.
	Dedup *dedup.Deduper
	// Guard runs the ingestion protocol once per key.
	Guard *ingest.Guard
	// Inbox writes webhook_events with group commit.
	Inbox *queue.Inbox
	// Webhooks serves POST /webhooks/{provider}.
	Webhooks *ingest.Webhooks
	// Functions serves POST /retell/functions/{name} and POST
	// /retell/inbound, verified with retell.api_key; nil (not served) when
	// that key is not set.
	Functions *booking.Functions
	// Server is the HTTP server with every route mounted.
	Server *server.Server
	// Handlers routes stored events to their processing: the booking
	// handlers, and any a Go user registers before Work.
	Handlers *queue.Mux
	// Worker processes webhook_events; nil unless Options.Workers > 0.
	Worker *queue.Worker
	// Tenants caches which companies exist and are active, and the
	// subdomain and phone lookups of the resolver chain (Redis when
	// configured). Invalidate a company there after changing it.
	Tenants *tenant.Cache
	// Chain resolves the tenant of an API request.
	Chain *tenant.Chain
	// Keys authenticates API keys; Close writes their last uses.
	Keys *apikey.Authenticator
	// Limiter enforces the rate limits: Redis GCRA, or in-process.
	Limiter ratelimit.Limiter
	// API serves /api/v1.
	API *api.API
	// Verified and Unverified name the webhook providers served with and
	// without signature verification.
	Verified, Unverified []string

	apiStack func(http.Handler) http.Handler
	health   healthParts
	closed   bool
}

// New builds the App. Configuration errors (a bad redis.url or
// database.url, a webhook secret an adapter refuses, an unparsable
// security.encryption_key) are [*config.KeyError]s, found before anything
// is opened or changed; so is, once the database is open, a
// security.encryption_key that is missing or does not open the companies'
// sealed Cal.com keys (internal/app/secrets.go). Then it opens the database
// (with Options.Migrate, migrates it), connects to Redis when configured (a
// Redis that is down is logged, not fatal: dedup falls back to the
// database), and builds the rest. On error, what was opened is closed.
func New(ctx context.Context, cfg *config.Config, opts Options) (_ *App, err error) {
	if cfg == nil {
		return nil, errors.New("app: nil config")
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}

	// 1. Everything that can be refused without I/O.
	if _, _, err := pool.ParseURL(cfg.Database.URL); err != nil {
		return nil, &config.KeyError{Key: "database.url", Err: err}
	}
	var ropts *redis.Options
	if cfg.Redis.URL != "" {
		if ropts, err = redis.ParseURL(cfg.Redis.URL); err != nil {
			return nil, &config.KeyError{Key: "redis.url", Err: err}
		}
	}
	eps, err := webhookEndpoints(cfg, opts.InsecureSkipVerify)
	if err != nil {
		return nil, err
	}
	ring, err := cfg.Security.Keyring()
	if err != nil {
		return nil, err
	}

	a := &App{Config: cfg, Logger: log, Verified: eps.verifiedNames(), Unverified: eps.unverified}
	defer func() {
		if err != nil {
			_ = a.Close()
		}
	}()

	// 2. The database.
	pc := cfg.Database.Pool.Pool()
	pc.Logger = log
	a.Pool, err = pool.Open(ctx, cfg.Database.URL, pc)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", pool.MaskURL(cfg.Database.URL), err)
	}
	if opts.Migrate {
		if err := migrate(ctx, cfg.Database.URL, log); err != nil {
			return nil, fmt.Errorf("migrate database: %w", err)
		}
	}

	if a.Store, err = store.New(store.Config{DB: a.Pool.DB(), Writer: a.Pool.Writer(), Dialect: string(a.Pool.Dialect())}); err != nil {
		return nil, err
	}
	if a.Secrets, err = checkSecrets(ctx, ring, a.Store, log); err != nil {
		return nil, err
	}

	a.Registry = prometheus.NewRegistry()
	if !opts.NoProcessCollectors {
		a.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	if err := a.Registry.Register(a.Pool); err != nil {
		return nil, fmt.Errorf("app: register pool metrics: %w", err)
	}
	// 3. Redis and dedup.
	if ropts != nil {
		setRedisLogger(log)
		// Calls are bounded by the caller's context (the Deduper's 1 s), and a
		// Redis that is down costs one dial attempt, not go-redis' default
		// five: a webhook falls back to the database quickly.
		ropts.ContextTimeoutEnabled = true
		if ropts.DialerRetries == 0 {
			ropts.DialerRetries = 1
		}
		rdb := redis.NewClient(ropts)
		a.Redis = rdb
		if err := a.newRedisMonitor(ctx, rdb); err != nil {
			log.WarnContext(ctx, "redis: not reachable at start; dedup falls back to the database until it is", "err", err)
		}
		rs := dedup.NewRedisStore(rdb, dedup.RedisConfig{Pipeline: cfg.Redis.Pipeline, KeyPrefix: opts.DedupKeyPrefix})
		a.DedupStore = rs
	} else {
		a.DedupStore = dedup.NewMemoryStore(dedup.MemoryConfig{})
		log.InfoContext(ctx, "dedup: no redis.url, using the in-process store (one process; the database UNIQUE key guards across processes)")
	}
	if a.Calcom, err = NewCalcomAccounts(cfg, a.Store.Companies, a.Secrets, a.Redis, log); err != nil {
		return nil, err
	}
	a.Calcom.httpClient = opts.HTTPClient
	if err := a.registerMetrics(); err != nil { // internal/app/metrics.go
		return nil, err
	}
	if a.Dedup, err = dedup.New(dedup.Config{Store: a.DedupStore, Logger: log, Registerer: a.Registry}); err != nil {
		return nil, err
	}
	if a.Guard, err = ingest.NewGuard(ingest.GuardConfig{Dedup: a.Dedup, Logger: log}); err != nil {
		return nil, err
	}

	// 4. The inbox and the webhook handler.
	flushMetrics, err := queue.NewFlushMetrics(a.Registry)
	if err != nil {
		return nil, err
	}
	onFlush := flushMetrics.OnFlush
	if opts.Workers > 0 {
		// A stored event wakes an idle worker of this process at once.
		onFlush = func(size int, took time.Duration, err error) {
			flushMetrics.OnFlush(size, took, err)
			if err == nil && a.Worker != nil {
				a.Worker.Notify()
			}
		}
	}
	a.Inbox, err = queue.NewInbox(queue.InboxConfig{DB: a.Pool.Writer(), Dialect: a.Pool.Dialect(), Logger: log, OnFlush: onFlush})
	if err != nil {
		return nil, err
	}

	// 5. Processing: the handlers, and the workers when asked for.
	a.Handlers = queue.NewMux()
	if err := booking.Register(a.Handlers, booking.Config{Store: a.Store, Logger: log}); err != nil {
		return nil, err
	}
	if opts.Workers > 0 {
		wm, err := queue.NewWorkerMetrics(a.Registry)
		if err != nil {
			return nil, err
		}
		qc := cfg.Queue
		a.Worker, err = queue.NewWorker(queue.WorkerConfig{
			DB:           a.Pool.Writer(),
			Dialect:      a.Pool.Dialect(),
			Handler:      a.Handlers,
			Workers:      opts.Workers,
			Batch:        qc.Batch,
			Timeout:      qc.Timeout,
			Lease:        qc.Lease,
			PollInterval: qc.PollInterval,
			DrainTimeout: qc.DrainTimeout,
			Name:         opts.WorkerName,
			Logger:       log,
			Metrics:      wm,
		})
		if err != nil {
			return nil, err
		}
	}
	a.Webhooks, err = ingest.NewWebhooks(ingest.WebhookConfig{
		Verifiers:    eps.verified,
		Unverified:   eps.unverified,
		Guard:        a.Guard,
		Inbox:        a.Inbox,
		MaxBodyBytes: cfg.HTTP.MaxBodyBytes,
		Registerer:   a.Registry,
		Logger:       log,
	})
	if err != nil {
		return nil, err
	}
	if cfg.Retell.APIKey != "" {
		rv, err := webhook.NewRetell(webhook.RetellConfig{APIKey: cfg.Retell.APIKey})
		if err != nil {
			return nil, &config.KeyError{Key: "retell.api_key", Err: err}
		}
		fns := opts.Functions
		if fns == nil {
			if fns, err = booking.NewCalendarFunctions(booking.CalendarConfig{Store: a.Store, Calendars: a.Calcom,
				Logger: log, Registerer: a.Registry}); err != nil {
				return nil, err
			}
		}
		if a.Functions, err = booking.NewFunctions(booking.FunctionsConfig{
			Store:      a.Store,
			Verifier:   rv,
			Functions:  fns,
			Logger:     log,
			Registerer: a.Registry,
		}); err != nil {
			return nil, err
		}
	} else {
		log.WarnContext(ctx, "retell: no retell.api_key, so /retell/functions and /retell/inbound are not served (they are always verified)")
	}
	if len(eps.unverified) > 0 {
		log.WarnContext(ctx, "SECURITY: --insecure-skip-verify is set: webhook signatures of these providers are NOT verified. Never use this in production.",
			"unverified", eps.unverified, "verified", a.Verified)
	} else if opts.InsecureSkipVerify {
		log.WarnContext(ctx, "--insecure-skip-verify is set but every provider has a secret: all signatures are verified")
	}

	// 6. The server.
	routes, err := a.buildTenancy(cfg)
	if err != nil {
		return nil, err
	}
	healthH, err := a.buildHealth(opts.Version)
	if err != nil {
		return nil, err
	}
	a.Server, err = server.New(server.Config{
		Routes:       routes,
		Ready:        a.readyChecks(),
		Health:       healthH,
		Registerer:   a.Registry,
		Gatherer:     a.Registry,
		MetricsToken: cfg.Metrics.Token,
		Logger:       log,
		Version:      opts.Version,
		ReadTimeout:  cfg.HTTP.ReadTimeout,
		WriteTimeout: cfg.HTTP.WriteTimeout,
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// Serve serves HTTP on ln, and runs the workers when the App has them,
// until ctx ends. Then it shuts down gracefully: the server stops
// accepting and finishes in-flight requests within http.shutdown_timeout,
// the inbox writes the events already queued, and the workers finish their
// running jobs within queue.drain_timeout and release the rest. A nil
// return means a clean shutdown. Close must still be called.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	var wg sync.WaitGroup
	if a.Worker != nil {
		// The workers stop with ctx, or when the server fails.
		wctx, cancel := context.WithCancel(ctx)
		defer cancel()
		wg.Go(func() { _ = a.Worker.Run(wctx) })
		defer wg.Wait()
		defer cancel()
	}
	err := a.Server.Serve(ctx, ln, a.Config.HTTP.ShutdownTimeout)
	if cerr := a.Inbox.Close(); cerr != nil && err == nil {
		err = cerr
	}
	return err
}

// Work runs the workers until ctx ends, then drains them (see
// [queue.Worker.Run]): `askpro worker`. It needs Options.Workers > 0.
func (a *App) Work(ctx context.Context) error {
	if a.Worker == nil {
		return errors.New("app: no worker (Options.Workers is 0)")
	}
	return a.Worker.Run(ctx)
}

// Close releases everything New opened, in order: the inbox (writing what
// is queued), the dedup store, the Redis client, the database. It returns
// the first error and is safe to call more than once.
func (a *App) Close() error {
	if a.closed {
		return nil
	}
	a.closed = true
	var first error
	keep := func(err error) {
		if err != nil && first == nil {
			first = err
		}
	}
	a.stopHealth()
	if a.Inbox != nil {
		keep(a.Inbox.Close())
	}
	if a.Keys != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		keep(a.Keys.Close(ctx))
		cancel()
	}
	if rs, ok := a.DedupStore.(*dedup.RedisStore); ok {
		keep(rs.Close())
	}
	if a.Redis != nil {
		keep(a.Redis.Close())
	}
	if a.Pool != nil {
		keep(a.Pool.Close())
	}
	return first
}

// migrate brings the database at url to the latest embedded schema.
func migrate(ctx context.Context, url string, log *slog.Logger) error {
	m, err := migrations.New(url, migrations.Config{Logger: log})
	if err != nil {
		return err
	}
	defer m.Close()
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	return m.Up(ctx)
}
