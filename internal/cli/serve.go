package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"

	"github.com/askproai/askpro/internal/app"
	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/pkg/config"
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
			"calcom.webhook_secret, stripe.webhook_secret); the others answer 404. With\n" +
			"--insecure-skip-verify the providers without a secret are served too, unverified;\n" +
			"a provider whose secret is set is always verified.",
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return serveRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.InsecureSkipVerify, "insecure-skip-verify", false, "also serve the providers that have no secret, WITHOUT verifying their signatures (development only)")
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

	// Configuration errors exit 2 before anything is changed: the listen
	// address here, the rest in app.New before it opens anything.
	if opts.Listener == nil {
		if err := checkListenAddr(cfg.HTTP.Addr); err != nil {
			return &cmdutil.ExitError{Code: cmdutil.ExitUsage, Err: &config.KeyError{Key: "http.addr", Err: err}}
		}
	}
	// app.New migrates the database to the embedded schema (so the schema
	// check the other commands make is not needed here).
	a, err := app.New(ctx, cfg, app.Options{
		Logger:             log,
		Version:            f.Version,
		InsecureSkipVerify: opts.InsecureSkipVerify,
		Migrate:            true,
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
		"webhooks", a.Verified, "unverified_webhooks", a.Unverified)
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

// checkListenAddr refuses an address net.Listen could never use: no port,
// or a port that is not a number from 0 to 65535.
func checkListenAddr(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("port %q is not a number from 0 to 65535", port)
	}
	return nil
}
