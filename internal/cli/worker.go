package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"

	"github.com/askproai/askpro/internal/app"
	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/pkg/config"
	"github.com/spf13/cobra"
)

// WorkerOptions holds what `askpro worker` needs.
type WorkerOptions struct {
	// Config returns the effective configuration.
	Config func() (*config.Config, error)
	// Logger returns the worker's logger (log.format at log.level, errors
	// also to log.error_file), or the configuration error of a
	// log.error_file that cannot be opened (exit 2).
	Logger func() (*slog.Logger, error)
	// Version is the build version, reported in logs.
	Version string
	// Name, if set, names this process's leases (tests); empty means
	// hostname:pid.
	Name string
	// Ready, if set, is called once the workers run, with the address of
	// the metrics listener ("" without metrics.addr).
	Ready func(metricsAddr string)
}

// NewCmdWorker builds `askpro worker`.
func NewCmdWorker(f *cmdutil.Factory, runF func(*WorkerOptions) error) *cobra.Command {
	opts := &WorkerOptions{Config: f.Config, Logger: f.OpenLogger, Version: f.Version}
	cmd := &cobra.Command{
		Use:   "worker",
		Short: "Process stored events without serving the API",
		Long: "Runs --workers workers (queue.workers, default 4) that take stored webhook events from the\n" +
			"database, critical before high before normal, and process them into calls, customers,\n" +
			"appointments and payments. Any number of worker and serve processes may share one database:\n" +
			"each event is leased to one worker at a time, and the lease of a worker that dies is taken\n" +
			"back after queue.lease.\n\n" +
			"With --metrics-addr (metrics.addr) it serves GET /metrics (behind metrics.token), /healthz,\n" +
			"/readyz and /health there for Prometheus and probes, and no webhook or API route.\n\n" +
			"Migrates the database to the embedded schema first, like serve. On SIGTERM or SIGINT the\n" +
			"workers stop claiming, finish their running jobs within queue.drain_timeout and release the rest.",
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			f.Verbose = true
			if runF != nil {
				return runF(opts)
			}
			return workerRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().Int("workers", 0, "concurrent workers in this process (overrides queue.workers, default 4)")
	f.BindFlag("queue.workers", cmd.Flags().Lookup("workers"))
	cmd.Flags().String("metrics-addr", "", "serve /metrics, /healthz, /readyz and /health on this address (overrides metrics.addr; default none)")
	f.BindFlag("metrics.addr", cmd.Flags().Lookup("metrics-addr"))
	return cmd
}

// workerRun builds the application with workers and runs them until ctx
// ends.
func workerRun(ctx context.Context, opts *WorkerOptions) error {
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	log, err := opts.Logger()
	if err != nil {
		return err
	}
	a, err := app.New(ctx, cfg, app.Options{
		Logger:     log,
		Version:    opts.Version,
		Migrate:    true,
		Workers:    cfg.Queue.Workers,
		WorkerName: opts.Name,
	})
	if err != nil {
		var ke *config.KeyError
		if errors.As(err, &ke) {
			return &cmdutil.ExitError{Code: cmdutil.ExitUsage, Err: err}
		}
		return err
	}
	defer a.Close()
	var (
		ln      net.Listener
		addr    string
		opsDone chan error // the listener's end; nil without one
	)
	if cfg.Metrics.Addr != "" {
		if ln, err = net.Listen("tcp", cfg.Metrics.Addr); err != nil {
			return &cmdutil.ExitError{Code: cmdutil.ExitBad, Err: fmt.Errorf("listen on metrics.addr %s: %w", cfg.Metrics.Addr, err)}
		}
		addr = ln.Addr().String()
	}
	log.Info("worker: running", "database", a.Pool.URL(), "workers", cfg.Queue.Workers, "metrics_addr", addr)
	// The workers stop when ctx ends or the listener fails; the listener
	// serves until the workers have drained, so that Prometheus and the
	// probes see the shutdown too.
	wctx, stopWork := context.WithCancelCause(ctx)
	defer stopWork(nil)
	opsCtx, stopOps := context.WithCancel(context.WithoutCancel(ctx))
	defer stopOps()
	if ln != nil {
		opsDone = make(chan error, 1)
		go func() {
			err := a.Server.ServeOps(opsCtx, ln, cfg.HTTP.ShutdownTimeout)
			if err != nil {
				log.Error("worker: metrics listener failed, stopping the workers", "error", err.Error())
				stopWork(err)
			}
			opsDone <- err
		}()
	}
	if opts.Ready != nil {
		opts.Ready(addr)
	}
	err = a.Work(wctx)
	stopOps()
	if opsDone != nil {
		if oerr := <-opsDone; oerr != nil && err == nil {
			err = oerr
		}
	}
	if cerr := a.Close(); cerr != nil && err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	log.Info("worker: stopped cleanly")
	return nil
}
