package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/askproai/askpro/pkg/dedup"
	"github.com/askproai/askpro/pkg/queue"
	"github.com/askproai/askpro/pkg/webhook"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Inserter stores an event durably; *queue.Inbox implements it. Insert
// returns nil once the row is committed, also when the same event's row was
// committed before.
type Inserter interface {
	Insert(ctx context.Context, ev queue.Event) error
}

// Check is a named readiness check.
type Check struct {
	Name string
	Run  func(ctx context.Context) error
}

// Config configures a [Server].
type Config struct {
	// Providers are served at /webhooks/{Name()}. Others answer 404.
	Providers []webhook.Provider
	// Dedup claims idempotency keys. Required when Providers is not empty.
	Dedup *dedup.Deduper
	// Inbox stores events. Required when Providers is not empty.
	Inbox Inserter
	// MaxBodyBytes limits webhook bodies. Defaults to 1 MiB.
	MaxBodyBytes int64
	// Ready are the readiness checks of /readyz, each bounded by 2 s.
	Ready []Check
	// Registry serves /metrics and receives the server's collectors. Nil
	// means a new registry.
	Registry *prometheus.Registry
	// MetricsToken, when set, is required as a bearer token on /metrics.
	MetricsToken string
	// Logger receives request and security logs. Nil means slog.Default().
	Logger *slog.Logger
	// Version is reported in logs and health output.
	Version string
	// ReadTimeout, WriteTimeout bound each request. Default 15 s and 30 s.
	ReadTimeout, WriteTimeout time.Duration
}

// Server is the HTTP server. Create it with [New], run it with [Server.Serve].
type Server struct {
	cfg       Config
	log       *slog.Logger
	metrics   *metrics
	handler   http.Handler
	providers map[string]webhook.Provider
}

// New validates cfg, registers the server's metrics and builds the routes.
func New(cfg Config) (*Server, error) {
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 1 << 20
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Registry == nil {
		cfg.Registry = prometheus.NewRegistry()
	}
	if cfg.ReadTimeout <= 0 {
		cfg.ReadTimeout = 15 * time.Second
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = 30 * time.Second
	}
	if len(cfg.Providers) > 0 && (cfg.Dedup == nil || cfg.Inbox == nil) {
		return nil, errors.New("server: Dedup and Inbox are required to serve webhooks")
	}
	m, err := newMetrics(cfg.Registry)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, log: cfg.Logger, metrics: m, providers: map[string]webhook.Provider{}}
	for _, p := range cfg.Providers {
		if _, dup := s.providers[p.Name()]; dup {
			return nil, fmt.Errorf("server: provider %q configured twice", p.Name())
		}
		s.providers[p.Name()] = p
	}
	s.handler = s.routes()
	return s, nil
}

// Handler returns the server's root handler (for tests and embedding).
func (s *Server) Handler() http.Handler { return s.handler }

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("POST /webhooks/{provider}", s.instrument("/webhooks/{provider}", http.HandlerFunc(s.handleWebhook)))
	mux.Handle("GET /healthz", s.instrument("/healthz", http.HandlerFunc(s.handleHealthz)))
	mux.Handle("GET /readyz", s.instrument("/readyz", http.HandlerFunc(s.handleReadyz)))
	metricsH := promhttp.HandlerFor(s.cfg.Registry, promhttp.HandlerOpts{Registry: s.cfg.Registry})
	mux.Handle("GET /metrics", s.requireToken(metricsH))
	return s.correlate(s.recoverPanics(mux))
}

// Serve accepts connections on ln until ctx ends, then shuts down
// gracefully: it stops accepting, lets in-flight requests finish within
// shutdownTimeout and returns. A nil return means a clean shutdown.
func (s *Server) Serve(ctx context.Context, ln net.Listener, shutdownTimeout time.Duration) error {
	srv := &http.Server{
		Handler:           s.handler,
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
	Checks map[string]string `json:"checks"` // name -> "ok" or the error
}

func (s *Server) handleReadyz(w http.ResponseWriter, r *http.Request) {
	res := ReadyResult{Status: "ok", Checks: map[string]string{}}
	code := http.StatusOK
	for _, c := range s.cfg.Ready {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		err := c.Run(ctx)
		cancel()
		if err != nil {
			res.Checks[c.Name] = err.Error()
			res.Status, code = "unavailable", http.StatusServiceUnavailable
			continue
		}
		res.Checks[c.Name] = "ok"
	}
	writeJSON(w, code, res)
}
