package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"

	"github.com/askproai/askpro/internal/app"
	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/pkg/config"
	"github.com/spf13/cobra"
)

// ServeOptions holds what `askpro serve` needs.
type ServeOptions struct {
	// Config returns the effective configuration.
	Config func() (*config.Config, error)
	// Logger returns serve's logger (log.format at log.level, errors also
	// to log.error_file), or the configuration error of a log.error_file
	// that cannot be opened (exit 2).
	Logger func() (*slog.Logger, error)
	// Version is the build version, reported in logs and health output.
	Version string

	InsecureSkipVerify bool
	// NoWorkers serves HTTP only: events are stored, and processed by
	// `askpro worker` processes (or other serve processes).
	NoWorkers bool
	// Listener, if set, is used instead of listening on http.addr (tests).
	Listener net.Listener
	// Ready, if set, is called once the server accepts connections.
	Ready func(addr string)
}

// NewCmdServe builds `askpro serve`.
func NewCmdServe(f *cmdutil.Factory, runF func(*ServeOptions) error) *cobra.Command {
	opts := &ServeOptions{Config: f.Config, Logger: f.OpenLogger, Version: f.Version}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the HTTP server (webhooks, health, metrics) and the workers that process stored events",
		Long: "Opens the configured database (migrating it to the embedded schema), connects to Redis when\n" +
			"redis.url is set, and serves until SIGTERM or SIGINT, then shuts down gracefully.\n\n" +
			"Webhook providers are served only when their secret is configured (retell.api_key,\n" +
			"calcom.webhook_secret, stripe.webhook_secret); the others answer 404. With\n" +
			"--insecure-skip-verify the providers without a secret are served too, unverified;\n" +
			"a provider whose secret is set is always verified.\n\n" +
			"Unless --no-workers is set, serve also runs --workers workers (queue.workers, default 4)\n" +
			"that process the stored events; `askpro worker` runs workers without the server, so\n" +
			"that ingestion and processing scale apart. On SIGTERM serve stops accepting, finishes\n" +
			"in-flight requests, lets running jobs finish within queue.drain_timeout and releases the rest.",
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			// serve logs in the configured format and level, not as a
			// short command's warnings-only text.
			f.Verbose = true
			if runF != nil {
				return runF(opts)
			}
			return serveRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.InsecureSkipVerify, "insecure-skip-verify", false, "also serve the providers that have no secret, WITHOUT verifying their signatures (development only)")
	cmd.Flags().String("addr", "", "listen address (overrides http.addr)")
	f.BindFlag("http.addr", cmd.Flags().Lookup("addr"))
	cmd.Flags().Int("workers", 0, "workers processing stored events in this process (overrides queue.workers, default 4)")
	f.BindFlag("queue.workers", cmd.Flags().Lookup("workers"))
	cmd.Flags().BoolVar(&opts.NoWorkers, "no-workers", false, "run no workers: only store events (process them with askpro worker)")
	cmd.MarkFlagsMutuallyExclusive("workers", "no-workers")
	return cmd
}

// serveRun builds the application from the configuration and serves until
// ctx ends. Configuration errors (http.addr, database.url, redis.url, ...)
// are found by Config and app.New before anything is opened or changed,
// and exit 2.
func serveRun(ctx context.Context, opts *ServeOptions) error {
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	log, err := opts.Logger()
	if err != nil {
		return err
	}
	workers := cfg.Queue.Workers
	if opts.NoWorkers {
		workers = 0
	}
	// app.New migrates the database to the embedded schema (so the schema
	// check the other commands make is not needed here).
	a, err := app.New(ctx, cfg, app.Options{
		Logger:             log,
		Version:            opts.Version,
		InsecureSkipVerify: opts.InsecureSkipVerify,
		Migrate:            true,
		Workers:            workers,
	})
	if err != nil {
		var ke *config.KeyError
		if errors.As(err, &ke) {
			return &cmdutil.ExitError{Code: cmdutil.ExitUsage, Err: err}
		}
		return err
	}
	defer a.Close()

	ln := opts.Listener
	if ln == nil {
		if ln, err = net.Listen("tcp", cfg.HTTP.Addr); err != nil {
			return &cmdutil.ExitError{Code: cmdutil.ExitBad, Err: fmt.Errorf("listen on %s: %w", cfg.HTTP.Addr, err)}
		}
	}
	log.Info("serve: listening", "addr", ln.Addr().String(), "database", a.Pool.URL(),
		"webhooks", a.Verified, "unverified_webhooks", a.Unverified, "workers", workers)
	if opts.Ready != nil {
		opts.Ready(ln.Addr().String())
	}
	err = a.Serve(ctx, ln)
	if cerr := a.Close(); cerr != nil && err == nil {
		err = cerr
	}
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("serve: stopped cleanly")
	return nil
}
