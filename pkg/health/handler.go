package health

import (
	"crypto/subtle"
	"encoding/json"
	"net/http"
)

// HandlerOpts configures [Handler].
type HandlerOpts struct {
	// Token, when set, is the bearer token (metrics.token) that unlocks
	// the full report. Without it (or with a wrong one) the caller gets
	// [Report.Redacted]: the statuses only. Empty means everyone gets the
	// full report.
	Token string
}

// Handler serves GET /health: it runs c and writes the report as JSON,
// 200 unless the status is unhealthy, then 503. The body is never cached
// (Cache-Control: no-store).
func Handler(c *Checker, opts HandlerOpts) http.Handler {
	want := []byte("Bearer " + opts.Token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rep := c.Run(r.Context())
		if opts.Token != "" && subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			rep = rep.Redacted()
		}
		code := http.StatusOK
		if !rep.Healthy() {
			code = http.StatusServiceUnavailable
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(code)
		_ = json.NewEncoder(w).Encode(rep)
	})
}
