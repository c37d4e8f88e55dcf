package apikey

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/askproai/askpro/internal/logging"
	"github.com/askproai/askpro/pkg/tenant"
)

// Error codes the middleware passes to OnError.
const (
	// CodeUnauthorized answers a missing, malformed, unknown or revoked key
	// (401).
	CodeUnauthorized = "unauthorized"
	// CodeUnavailable answers a key that could not be looked up because the
	// store failed (503): an outage is not reported as a bad key.
	CodeUnavailable = "unavailable"
)

// BearerToken returns the token of the request's "Authorization: Bearer
// <token>" header (the scheme is case-insensitive, as RFC 9110 says).
// Errors: [ErrMissing] without the header or with another scheme,
// [ErrMalformed] for a Bearer header with no token or with spaces in it.
func BearerToken(r *http.Request) (string, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return "", ErrMissing
	}
	scheme, token, _ := strings.Cut(h, " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return "", ErrMissing
	}
	token = strings.TrimLeft(token, " ")
	if token == "" || strings.ContainsAny(token, " \t") {
		return "", ErrMalformed
	}
	return token, nil
}

// Middleware authenticates every request with its bearer key and serves
// next with the [tenant.Principal] in the request's context
// ([tenant.WithPrincipal]); it sets no tenant, which the resolver chain
// does. A missing, malformed, unknown or revoked key is refused with 401,
// `WWW-Authenticate: Bearer realm="askpro"` (with error="invalid_token" when
// a token was given) and OnError's body, code "unauthorized"; a lookup that
// failed is 503, code "unavailable". Each refusal is logged as a security
// warning with the key's public prefix at most.
func (a *Authenticator) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		token, err := BearerToken(r)
		if err != nil {
			a.refuse(w, r, err, "")
			return
		}
		p, err := a.Authenticate(ctx, token)
		if err != nil {
			prefix := ""
			if !errors.Is(err, ErrMalformed) {
				prefix = token[:PrefixLen] // a parsed key: the public part is safe to log
			}
			a.refuse(w, r, err, prefix)
			return
		}
		next.ServeHTTP(w, r.WithContext(tenant.WithPrincipal(ctx, p)))
	})
}

func (a *Authenticator) refuse(w http.ResponseWriter, r *http.Request, err error, prefix string) {
	ctx := r.Context()
	var msg string
	switch {
	case errors.Is(err, ErrMissing):
		w.Header().Set("WWW-Authenticate", `Bearer realm="askpro"`)
		a.onError(w, r, http.StatusUnauthorized, CodeUnauthorized, "an API key is required: Authorization: Bearer <key>")
		return // a missing key is routine (a probe, a forgotten header): not a security event
	case errors.Is(err, ErrMalformed):
		msg = "malformed API key"
	case errors.Is(err, ErrUnknown):
		msg = "invalid API key"
	case errors.Is(err, ErrRevoked):
		msg = "API key revoked"
	default:
		a.log.ErrorContext(ctx, "apikey: key lookup failed", "key_prefix", prefix, "err", err)
		a.onError(w, r, http.StatusServiceUnavailable, CodeUnavailable, "authentication is unavailable; try again")
		return
	}
	logging.LogSecurity(ctx, a.log, "security: API key refused", logging.RequestEvent(r, msg),
		slog.String("key_prefix", prefix), slog.String("method", cut(r.Method, 16)), slog.String("path", cut(r.URL.Path, 256)))
	w.Header().Set("WWW-Authenticate", `Bearer realm="askpro", error="invalid_token"`)
	a.onError(w, r, http.StatusUnauthorized, CodeUnauthorized, msg)
}

// cut shortens s to at most n bytes of valid UTF-8.
func cut(s string, n int) string {
	if len(s) > n {
		s = s[:n]
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// WriteError writes the REST API's error shape,
// {"error":{"code":code,"message":msg}}, with status: the default
// Config.OnError.
func WriteError(w http.ResponseWriter, _ *http.Request, status int, code, msg string) {
	var body struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	body.Error.Code, body.Error.Message = code, msg
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(body)
}
