package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Check is a named readiness check of /readyz.
type Check struct {
	// Name is the key in the /readyz body, e.g. "database".
	Name string
	// Run returns nil when the dependency is usable. It is bounded by 2 s.
	Run func(ctx context.Context) error
}

// Route is one handler the server mounts.
type Route struct {
	// Pattern is an http.ServeMux pattern with a method and no host, e.g.
	// "POST /webhooks/{provider}". Its path is the endpoint label of
	// api_request_duration_seconds.
	Pattern string
	// Handler serves the route.
	Handler http.Handler
}

// Config configures a [Server].
type Config struct {
	// Routes are mounted beside /healthz, /readyz and /metrics.
	Routes []Route
	// Ready are the readiness checks of /readyz, each bounded by 2 s.
	// They should read a result kept by a background loop (pool.Pool's
	// Healthy, a health.Monitor) rather than do I/O on every probe.
	Ready []Check
	// Health, when set, serves GET /health (the comprehensive report of
	// pkg/health, which checks the token itself). Nil means not served.
	Health http.Handler
	// Registerer receives the server's collectors. Nil (with a nil
	// Gatherer) means a new registry.
	Registerer prometheus.Registerer
	// Gatherer is served at /metrics. Nil means Registerer when it is also
	// a Gatherer (a *prometheus.Registry); otherwise New fails.
	Gatherer prometheus.Gatherer
	// MetricsToken, when set, is required as a bearer token on /metrics.
	MetricsToken string
	// Logger receives request and server logs. Nil means slog.Default().
	Logger *slog.Logger
	// Version is reported by /healthz.
	Version string
	// ReadTimeout, WriteTimeout bound each request. Default 15 s and 30 s.
	ReadTimeout, WriteTimeout time.Duration
}

// Server is the HTTP server. Create it with [New], run it with
// [Server.Serve]. It is safe for concurrent use.
type Server struct {
	cfg     Config
	log     *slog.Logger
	metrics *serverMetrics
	handler http.Handler
	ops     http.Handler // the built-in routes only
}

// New validates cfg, registers the server's metrics and builds the routes.
// It returns an error for a route without a method or handler, a pattern
// the mux refuses, a Registerer without a Gatherer, and a registration
// failure.
func New(cfg Config) (s *Server, err error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Registerer == nil && cfg.Gatherer == nil {
		reg := prometheus.NewRegistry()
		cfg.Registerer, cfg.Gatherer = reg, reg
	}
	if cfg.Gatherer == nil {
		g, ok := cfg.Registerer.(prometheus.Gatherer)
		if !ok {
			return nil, errors.New("server: Config.Gatherer is required with a Registerer that is no Gatherer")
		}
		cfg.Gatherer = g
	}
	if cfg.Registerer == nil {
		return nil, errors.New("server: Config.Registerer is required with a Gatherer")
	}
	if cfg.ReadTimeout <= 0 {
		cfg.ReadTimeout = 15 * time.Second
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = 30 * time.Second
	}
	m, err := newMetrics(cfg.Registerer)
	if err != nil {
		return nil, err
	}
	s = &Server{cfg: cfg, log: cfg.Logger, metrics: m}
	if s.handler, err = s.routes(s.cfg.Routes); err != nil {
		return nil, err
	}
	if s.ops, err = s.routes(nil); err != nil {
		return nil, err
	}
	return s, nil
}

// Handler returns the server's root handler (for tests and embedding).
func (s *Server) Handler() http.Handler { return s.handler }

// OpsHandler returns a handler of the built-in routes only (/healthz,
// /readyz, /health when configured, /metrics), without Config.Routes: what
// a process that serves no API exposes to its probes and to Prometheus
// (`askpro worker --metrics-addr`). It shares the server's metrics.
func (s *Server) OpsHandler() http.Handler { return s.ops }

func (s *Server) routes(own []Route) (h http.Handler, err error) {
	mux := http.NewServeMux()
	defer func() {
		// ServeMux panics on a bad or conflicting pattern.
		if v := recover(); v != nil {
			h, err = nil, fmt.Errorf("server: %v", v)
		}
	}()
	for _, rt := range own {
		method, path, ok := strings.Cut(rt.Pattern, " ")
		if !ok || method == "" || !strings.HasPrefix(path, "/") || rt.Handler == nil {
			return nil, fmt.Errorf("server: route %q: want \"METHOD /path\" and a handler", rt.Pattern)
		}
		mux.Handle(rt.Pattern, s.instrument(path, rt.Handler))
	}
	mux.Handle("GET /healthz", s.instrument("/healthz", http.HandlerFunc(s.handleHealthz)))
	mux.Handle("GET /readyz", s.instrument("/readyz", http.HandlerFunc(s.handleReadyz)))
	if s.cfg.Health != nil {
		mux.Handle("GET /health", s.instrument("/health", s.cfg.Health))
	}
	metricsH := promhttp.HandlerFor(s.cfg.Gatherer, promhttp.HandlerOpts{Registry: s.cfg.Registerer})
	mux.Handle("GET /metrics", s.requireToken(metricsH))
	return s.correlate(s.recoverPanics(mux)), nil
}

// Serve accepts connections on ln until ctx ends, then shuts down
// gracefully: it stops accepting, lets in-flight requests finish within
// shutdownTimeout and returns. A nil return means a clean shutdown.
func (s *Server) Serve(ctx context.Context, ln net.Listener, shutdownTimeout time.Duration) error {
	return s.serve(ctx, ln, s.handler, shutdownTimeout)
}

// ServeOps is [Server.Serve] with [Server.OpsHandler].
func (s *Server) ServeOps(ctx context.Context, ln net.Listener, shutdownTimeout time.Duration) error {
	return s.serve(ctx, ln, s.ops, shutdownTimeout)
}

func (s *Server) serve(ctx context.Context, ln net.Listener, h http.Handler, shutdownTimeout time.Duration) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       s.cfg.ReadTimeout,
		WriteTimeout:      s.cfg.WriteTimeout,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("server: %w", err)
	case <-ctx.Done():
	}
	s.log.Info("server: shutting down", "addr", ln.Addr().String(), "timeout", shutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("server: shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("server: %w", err)
	}
	return nil
}

func (s *Server) handleHealthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "version": s.cfg.Version})
}

// ReadyResult is the body of /readyz.
type ReadyResult struct {
	Status string            `json:"status"` // "ok" or "unavailable"
	Checks map[string]string `json:"checks"` // name -> "ok" or "unavailable"
}

// handleReadyz runs the checks. The body shows only ok or unavailable per
// check: errors name hosts and addresses, which the unauthenticated probe
// must not reveal; they are logged.
func (s *Server) handleReadyz(w http.ResponseWriter, r *http.Request) {
	res := ReadyResult{Status: "ok", Checks: map[string]string{}}
	code := http.StatusOK
	for _, c := range s.cfg.Ready {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		err := c.Run(ctx)
		cancel()
		if err != nil {
			s.log.WarnContext(r.Context(), "server: readiness check failed", "check", c.Name, "err", err)
			res.Checks[c.Name] = "unavailable"
			res.Status, code = "unavailable", http.StatusServiceUnavailable
			continue
		}
		res.Checks[c.Name] = "ok"
	}
	writeJSON(w, code, res)
}
