package server

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/google/uuid"
)

// CorrelationHeader carries the correlation id in and out.
const CorrelationHeader = "X-Correlation-ID"

type ctxKey int

const (
	correlationKey ctxKey = iota
	loggerKey
)

// CorrelationID returns the request's correlation id ("" outside a request).
func CorrelationID(ctx context.Context) string {
	v, _ := ctx.Value(correlationKey).(string)
	return v
}

// Logger returns the request's logger, which carries its correlation id.
func (s *Server) logger(ctx context.Context) *slog.Logger {
	if l, ok := ctx.Value(loggerKey).(*slog.Logger); ok {
		return l
	}
	return s.log
}

// validCorrelationID accepts what a proxy or provider plausibly sends: up to
// 128 visible ASCII characters. Anything else is replaced, not echoed.
func validCorrelationID(v string) bool {
	if v == "" || len(v) > 128 {
		return false
	}
	for i := 0; i < len(v); i++ {
		if v[i] < 0x21 || v[i] > 0x7e {
			return false
		}
	}
	return true
}

// correlate takes X-Correlation-ID from the request or makes a UUID, echoes
// it in the response and puts it, with a logger carrying it, in the context.
func (s *Server) correlate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(CorrelationHeader)
		if !validCorrelationID(id) {
			id = uuid.NewString()
		}
		w.Header().Set(CorrelationHeader, id)
		ctx := context.WithValue(r.Context(), correlationKey, id)
		ctx = context.WithValue(ctx, loggerKey, s.log.With("correlation_id", id))
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.logger(r.Context()).Error("server: panic in handler", "panic", v, "path", r.URL.Path)
				writeJSON(w, http.StatusInternalServerError, errorBody{Error: "internal error"})
			}
		}()
		next.ServeHTTP(w, r)
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// instrument observes api_request_duration_seconds under the route pattern
// (never the raw path, which would explode the label set).
func (s *Server) instrument(endpoint string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		s.metrics.requestDuration.WithLabelValues(r.Method, endpoint, strconv.Itoa(sw.status)).Observe(time.Since(start).Seconds())
	})
}

// requireToken demands "Authorization: Bearer <MetricsToken>" when a token
// is configured.
func (s *Server) requireToken(next http.Handler) http.Handler {
	if s.cfg.MetricsToken == "" {
		return next
	}
	want := []byte("Bearer " + s.cfg.MetricsToken)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="askpro"`)
			writeJSON(w, http.StatusUnauthorized, errorBody{Error: "missing or wrong bearer token"})
			return
		}
		next.ServeHTTP(w, r)
	})
}

type errorBody struct {
	Error string `json:"error"`
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
