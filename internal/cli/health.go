package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/askproai/askpro/internal/app"
	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/internal/iostreams"
	"github.com/askproai/askpro/internal/tableprinter"
	"github.com/askproai/askpro/pkg/config"
	"github.com/askproai/askpro/pkg/health"
	"github.com/charmbracelet/lipgloss"
	"github.com/redis/go-redis/v9"
	"github.com/spf13/cobra"
)

// HealthOptions holds what `askpro health` needs.
type HealthOptions struct {
	IO *iostreams.IOStreams
	// Local runs the checks here, from the configuration (no --url).
	Local func(ctx context.Context) (health.Report, error)
	// Token returns the bearer token sent with --url: --token-file, else
	// metrics.token. Empty means none.
	Token func() (string, error)
	// HTTPClient asks the server with --url. Nil means a client with
	// Timeout.
	HTTPClient *http.Client
	// Exporter is set by -o json: the report is printed as is.
	Exporter cmdutil.Exporter

	// URL is a running askpro's base URL; its /health is asked.
	URL string
	// TokenFile is the file holding the token sent with --url ("-" is
	// stdin).
	TokenFile string
	// Timeout bounds the whole run.
	Timeout time.Duration
}

// NewCmdHealth builds `askpro health [--url URL] [-o json]`.
func NewCmdHealth(f *cmdutil.Factory, runF func(*HealthOptions) error) *cobra.Command {
	opts := &HealthOptions{IO: f.IO}
	opts.Local = func(ctx context.Context) (health.Report, error) { return localHealth(ctx, f) }
	opts.Token = func() (string, error) {
		if opts.TokenFile != "" {
			return readTokenFile(opts.IO, opts.TokenFile)
		}
		cfg, err := f.Config()
		if err != nil {
			return "", err
		}
		return cfg.Metrics.Token, nil
	}
	cmd := &cobra.Command{
		Use:   "health [--url URL]",
		Short: "Check the health of askpro's database, Redis, queue, disk, Retell, Cal.com and certificate",
		Long: `Run askpro's health checks and print the report: the database (a ping and a read of the
schema version), Redis when redis.url is set, the webhook queue (backlog and how long the oldest
waiting event has waited, against health.queue_max_age), the free space of the data directory
(health.disk_min_free), Retell and Cal.com (reachable with their API keys), and the certificate
of http.tls_cert when set (a warning 14 days before it expires).

Without --url the checks run here, from the configuration. With --url a running askpro is asked
(GET URL/health), with metrics.token (ASKPRO_METRICS_TOKEN) or --token-file as bearer token;
without the token a server that has one shows only the names and statuses.

Each check is healthy, degraded (needs attention; askpro still works) or unhealthy; the report
is as bad as its worst check. docs/health.md says what makes each check degraded or unhealthy.

Exit status: 0 when healthy or degraded, 1 when unhealthy (or the server cannot be asked), 2 on
a usage or configuration error.`,
		Example: `  askpro health
  askpro health -o json | jq '.checks | map_values(.status)'
  ASKPRO_METRICS_TOKEN=... askpro health --url https://askpro.example.com`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.URL != "" {
				u, err := url.Parse(opts.URL)
				if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
					return cmdutil.FlagErrorf("--url must be an http(s) URL such as http://127.0.0.1:8080, got %q", opts.URL)
				}
			} else if opts.TokenFile != "" {
				return cmdutil.FlagErrorf("--token-file is sent with --url only")
			}
			if opts.Timeout <= 0 {
				return cmdutil.FlagErrorf("--timeout must be > 0")
			}
			if runF != nil {
				return runF(opts)
			}
			return healthRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.URL, "url", "", "ask a running askpro at this base URL instead of checking here")
	cmd.Flags().StringVar(&opts.TokenFile, "token-file", "", "file with the bearer token for --url (- for stdin); default metrics.token")
	cmd.Flags().DurationVar(&opts.Timeout, "timeout", 30*time.Second, "bound of the whole check")
	cmdutil.AddOutputFlag(cmd, &opts.Exporter)
	return cmd
}

func readTokenFile(ios *iostreams.IOStreams, path string) (string, error) {
	var (
		b   []byte
		err error
	)
	if path == "-" {
		b, err = io.ReadAll(io.LimitReader(ios.In, 64<<10))
	} else {
		b, err = os.ReadFile(path)
	}
	if err != nil {
		return "", &cmdutil.ExitError{Code: cmdutil.ExitUsage, Err: fmt.Errorf("read --token-file: %w", err)}
	}
	return strings.TrimSpace(string(b)), nil
}

// localHealth runs the checks of GET /health here: the database through
// the factory (a database that cannot be opened is an unhealthy check,
// not an error), Redis when configured, the rest from the configuration.
func localHealth(ctx context.Context, f *cmdutil.Factory) (health.Report, error) {
	cfg, err := f.Config()
	if err != nil {
		return health.Report{}, err
	}
	deps := app.HealthDeps{Version: f.Version}
	deps.Pool, deps.PoolErr = f.Pool(ctx, false)
	if deps.PoolErr != nil && cmdutil.ExitCode(deps.PoolErr) == cmdutil.ExitUsage {
		return health.Report{}, deps.PoolErr
	}
	if cfg.Redis.URL != "" {
		ropts, err := redis.ParseURL(cfg.Redis.URL)
		if err != nil {
			return health.Report{}, &cmdutil.ExitError{Code: cmdutil.ExitUsage, Err: &config.KeyError{Key: "redis.url", Err: err}}
		}
		ropts.ContextTimeoutEnabled = true
		ropts.DialerRetries = 1
		rdb := redis.NewClient(ropts)
		defer rdb.Close()
		deps.Redis = rdb
	}
	c, err := app.NewHealthChecker(cfg, deps)
	if err != nil {
		return health.Report{}, &cmdutil.ExitError{Code: cmdutil.ExitUsage, Err: err}
	}
	return c.Run(ctx), nil
}

func healthRun(ctx context.Context, opts *HealthOptions) error {
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	var (
		rep health.Report
		err error
	)
	if opts.URL != "" {
		rep, err = remoteHealth(ctx, opts)
	} else {
		rep, err = opts.Local(ctx)
	}
	if err != nil {
		return err
	}
	if opts.Exporter != nil {
		err = opts.Exporter.Write(opts.IO, rep)
	} else {
		err = renderHealth(opts.IO.Out, opts.IO.ColorEnabled(), rep)
	}
	if err != nil {
		return err
	}
	if !rep.Healthy() {
		return &cmdutil.ExitError{Code: cmdutil.ExitBad} // the report said why
	}
	return nil
}

// remoteHealth asks GET URL/health. 200 and 503 carry a report; anything
// else is an error (exit 1).
func remoteHealth(ctx context.Context, opts *HealthOptions) (health.Report, error) {
	token, err := opts.Token()
	if err != nil {
		return health.Report{}, err
	}
	hc := opts.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: opts.Timeout}
	}
	target := strings.TrimRight(opts.URL, "/") + "/health"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return health.Report{}, &cmdutil.ExitError{Code: cmdutil.ExitUsage, Err: err}
	}
	req.Header.Set("Accept", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return health.Report{}, fmt.Errorf("ask %s: %w", target, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusServiceUnavailable {
		return health.Report{}, fmt.Errorf("ask %s: unexpected status %s", target, resp.Status)
	}
	var rep health.Report
	if err := json.NewDecoder(io.LimitReader(resp.Body, 4<<20)).Decode(&rep); err != nil {
		return health.Report{}, fmt.Errorf("ask %s: read the report: %w", target, err)
	}
	if rep.Status == "" {
		return health.Report{}, errors.New("ask " + target + ": the answer is no health report")
	}
	return rep, nil
}

// renderHealth writes the report for a person: the verdict, a table of
// the checks, and the process metrics when the report has them.
func renderHealth(w io.Writer, color bool, rep health.Report) error {
	mark := func(s health.Status) string { return strings.ToUpper(string(s)) }
	if color {
		b := lipgloss.NewStyle().Bold(true)
		mark = func(s health.Status) string {
			c := "9"
			switch s {
			case health.StatusHealthy:
				c = "10"
			case health.StatusDegraded:
				c = "11"
			}
			return b.Foreground(lipgloss.Color(c)).Render(strings.ToUpper(string(s)))
		}
	}
	var head []string
	if rep.Version != "" {
		head = append(head, "version "+rep.Version)
	}
	if rep.Environment != "" {
		head = append(head, rep.Environment)
	}
	head = append(head, "checked "+cmdutil.FormatTime(rep.Timestamp))
	if _, err := fmt.Fprintf(w, "askpro is %s (%s)\n\n", mark(rep.Status), strings.Join(head, ", ")); err != nil {
		return err
	}
	tp := tableprinter.New(w, color, "CHECK", "STATUS", "TIME", "MESSAGE")
	for _, name := range rep.Names() {
		c := rep.Checks[name]
		took := ""
		if c.DurationMS > 0 {
			took = fmt.Sprintf("%.0fms", c.DurationMS)
		}
		tp.AddRow(name, mark(c.Status), took, c.Message)
	}
	if err := tp.Render(); err != nil {
		return err
	}
	if m := rep.Metrics; m != nil {
		line := fmt.Sprintf("\nuptime %s, %d goroutines, heap %d MiB, sys %d MiB", (time.Duration(m.UptimeSeconds) * time.Second).String(),
			m.Goroutines, m.Memory.HeapInuseBytes>>20, m.Memory.SysBytes>>20)
		if m.CPU != nil {
			line += fmt.Sprintf(", CPU %.1fs", m.CPU.TotalSeconds)
		}
		if p := m.Pool; p != nil {
			line += fmt.Sprintf(", pool %d/%d in use (%d waits)", p.InUse, p.MaxOpen, p.WaitCount)
		}
		if _, err := fmt.Fprintln(w, line); err != nil {
			return err
		}
	}
	return nil
}
