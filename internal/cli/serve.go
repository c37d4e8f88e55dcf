package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"

	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/pkg/config"
	"github.com/askproai/askpro/pkg/dedup"
	"github.com/askproai/askpro/pkg/queue"
	"github.com/askproai/askpro/pkg/server"
	"github.com/askproai/askpro/pkg/webhook"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/redis/go-redis/v9"
	"github.com/spf13/cobra"
)

// ServeOptions holds what `askpro serve` needs.
type ServeOptions struct {
	f                  *cmdutil.Factory
	InsecureSkipVerify bool
	// Listener, if set, is used instead of listening on http.addr (tests).
	Listener net.Listener
	// Ready, if set, is called once the server accepts connections.
	Ready func(addr string)
}

// NewCmdServe builds `askpro serve`.
func NewCmdServe(f *cmdutil.Factory, runF func(*ServeOptions) error) *cobra.Command {
	opts := &ServeOptions{f: f}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the HTTP server: webhooks, health and metrics",
		Long: "Opens the configured database (migrating it to the embedded schema), connects to Redis when\n" +
			"redis.url is set, and serves until SIGTERM or SIGINT, then shuts down gracefully.\n\n" +
			"Webhook providers are served only when their secret is configured (retell.api_key,\n" +
			"calcom.webhook_secret, stripe.webhook_secret); the others answer 404.",
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return serveRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.InsecureSkipVerify, "insecure-skip-verify", false, "serve every provider WITHOUT verifying signatures (development only)")
	cmd.Flags().String("addr", "", "listen address (overrides http.addr)")
	f.BindFlag("http.addr", cmd.Flags().Lookup("addr"))
	return cmd
}

func serveRun(ctx context.Context, opts *ServeOptions) error {
	f := opts.f
	cfg, err := f.Config()
	if err != nil {
		return err
	}
	f.Verbose = true
	log := f.Logger()

	if _, err := f.Migrate(ctx); err != nil {
		return fmt.Errorf("migrate database: %w", err)
	}
	// Migrate brought the schema to this binary's version (or failed), so
	// the schema check the other commands make is not repeated here.
	p, err := f.Pool(ctx, true)
	if err != nil {
		return err
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), p)

	ready := []server.Check{{Name: "database", Run: p.Ping}}
	var store dedup.Store
	if cfg.Redis.URL != "" {
		ropts, err := redis.ParseURL(cfg.Redis.URL)
		if err != nil {
			return &cmdutil.ExitError{Code: cmdutil.ExitUsage, Err: &config.KeyError{Key: "redis.url", Err: err}}
		}
		// Calls are bounded by the caller's context (the Deduper's 1 s), and a
		// Redis that is down costs one dial attempt, not go-redis' default
		// five: a webhook falls back to the database quickly.
		ropts.ContextTimeoutEnabled = true
		if ropts.DialerRetries == 0 {
			ropts.DialerRetries = 1
		}
		rdb := redis.NewClient(ropts)
		defer rdb.Close()
		if err := rdb.Ping(ctx).Err(); err != nil {
			log.Warn("redis: not reachable at start; dedup falls back to the database until it is", "err", err)
		}
		rs := dedup.NewRedisStore(rdb, dedup.RedisConfig{Pipeline: cfg.Redis.Pipeline})
		defer rs.Close()
		store = rs
		ready = append(ready, server.Check{Name: "redis", Run: func(ctx context.Context) error { return rdb.Ping(ctx).Err() }})
	} else {
		store = dedup.NewMemoryStore(dedup.MemoryConfig{})
		log.Info("dedup: no redis.url, using the in-process store (one process; the database UNIQUE key guards across processes)")
	}
	dd, err := dedup.New(dedup.Config{Store: store, Logger: log, Registerer: reg})
	if err != nil {
		return err
	}

	providers, err := webhookProviders(cfg, opts.InsecureSkipVerify, log)
	if err != nil {
		return &cmdutil.ExitError{Code: cmdutil.ExitUsage, Err: err}
	}
	flushMetrics, err := queue.NewFlushMetrics(reg)
	if err != nil {
		return err
	}
	inbox, err := queue.NewInbox(queue.InboxConfig{DB: p.Writer(), Dialect: string(p.Dialect()), Logger: log, OnFlush: flushMetrics.OnFlush})
	if err != nil {
		return err
	}
	defer inbox.Close()

	srv, err := server.New(server.Config{
		Providers:    providers,
		Dedup:        dd,
		Inbox:        inbox,
		MaxBodyBytes: cfg.HTTP.MaxBodyBytes,
		Ready:        ready,
		Registry:     reg,
		MetricsToken: cfg.Metrics.Token,
		Logger:       log,
		Version:      f.Version,
		ReadTimeout:  cfg.HTTP.ReadTimeout,
		WriteTimeout: cfg.HTTP.WriteTimeout,
	})
	if err != nil {
		return err
	}
	ln := opts.Listener
	if ln == nil {
		if ln, err = net.Listen("tcp", cfg.HTTP.Addr); err != nil {
			return &cmdutil.ExitError{Code: cmdutil.ExitBad, Err: fmt.Errorf("listen on %s: %w", cfg.HTTP.Addr, err)}
		}
	}
	names := make([]string, 0, len(providers))
	for _, pr := range providers {
		names = append(names, pr.Name())
	}
	log.Info("serve: listening", "addr", ln.Addr().String(), "database", p.URL(), "webhooks", names)
	if opts.Ready != nil {
		opts.Ready(ln.Addr().String())
	}
	err = srv.Serve(ctx, ln, cfg.HTTP.ShutdownTimeout)
	if cerr := inbox.Close(); cerr != nil && err == nil {
		err = cerr
	}
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("serve: stopped cleanly")
	return nil
}

// webhookProviders builds the adapters whose secrets are configured. With
// insecure set, every provider is served and signatures are not checked.
func webhookProviders(cfg *config.Config, insecure bool, log *slog.Logger) ([]webhook.Provider, error) {
	var out []webhook.Provider
	placeholder := func(s string) string {
		if s == "" && insecure {
			return "insecure-skip-verify"
		}
		return s
	}
	if key := placeholder(cfg.Retell.APIKey); key != "" {
		p, err := webhook.NewRetell(webhook.RetellConfig{APIKey: key})
		if err != nil {
			return nil, &config.KeyError{Key: "retell.api_key", Err: err}
		}
		out = append(out, p)
	}
	if secret := placeholder(cfg.Calcom.WebhookSecret); secret != "" {
		p, err := webhook.NewCalcom(webhook.CalcomConfig{Secret: secret})
		if err != nil {
			return nil, &config.KeyError{Key: "calcom.webhook_secret", Err: err}
		}
		out = append(out, p)
	}
	if secret := placeholder(cfg.Stripe.WebhookSecret); secret != "" {
		p, err := webhook.NewStripe(webhook.StripeConfig{Secret: secret})
		if err != nil {
			return nil, &config.KeyError{Key: "stripe.webhook_secret", Err: err}
		}
		out = append(out, p)
	}
	if insecure {
		log.Warn("SECURITY: --insecure-skip-verify is set: webhook signatures are NOT verified. Never use this in production.")
		for i, p := range out {
			out[i] = unverified{p}
		}
	}
	return out, nil
}

// unverified serves a provider without checking signatures
// (--insecure-skip-verify).
type unverified struct{ webhook.Provider }

func (unverified) Verify(http.Header, []byte) error { return nil }
