package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/askproai/askpro/internal/app"
	"github.com/askproai/askpro/internal/dbtest"
	"github.com/askproai/askpro/internal/testenv"
	"github.com/askproai/askpro/pkg/config"
	"github.com/askproai/askpro/pkg/webhook"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var testSecrets = Secrets{Retell: "key_bench_test", Calcom: "calcom-bench-test", Stripe: "whsec_bench_test"}

func providers(t *testing.T) []webhook.Verifier {
	t.Helper()
	r, err := webhook.NewRetell(webhook.RetellConfig{APIKey: testSecrets.Retell})
	require.NoError(t, err)
	c, err := webhook.NewCalcom(webhook.CalcomConfig{Secret: testSecrets.Calcom})
	require.NoError(t, err)
	s, err := webhook.NewStripe(webhook.StripeConfig{Secret: testSecrets.Stripe})
	require.NoError(t, err)
	return []webhook.Verifier{r, c, s}
}

func TestTemplatesMakeSignedUniqueEvents(t *testing.T) {
	t.Parallel()
	templates, err := loadTemplates()
	require.NoError(t, err)
	require.Len(t, templates, 9, "three fixtures per provider")
	byName := map[string]webhook.Verifier{}
	for _, p := range providers(t) {
		byName[p.Name()] = p
	}
	for _, tmpl := range templates {
		t.Run(tmpl.provider+"/"+tmpl.name, func(t *testing.T) {
			t.Parallel()
			p := byName[tmpl.provider]
			id := eventID(tmpl, "0a1b2c3d", 42)
			body := tmpl.body(id)
			req, err := newRequest("http://127.0.0.1:1", tmpl, body, testSecrets, time.Now(), "")
			require.NoError(t, err)
			assert.NoError(t, p.Verify(req.Header, body), "the signature verifies")
			ev, err := webhook.Parse(tmpl.provider, body)
			require.NoError(t, err)
			assert.Equal(t, tmpl.eventType, ev.Type)
			assert.True(t, strings.HasSuffix(ev.Key, ":"+id), "key %q carries the id", ev.Key)
			assert.Contains(t, ev.Key, "bk0a1b2c3dx", "the run's LIKE pattern matches the key")
			assert.NotEqual(t, ev.Key, mustParse(t, tmpl.provider, tmpl.body(eventID(tmpl, "0a1b2c3d", 43))).Key, "ids are unique")
			assert.Greater(t, tmpl.size, 300, "realistic payload size")
			assert.Equal(t, "application/json", req.Header.Get("Content-Type"))
		})
	}
}

func mustParse(t *testing.T, provider string, body []byte) webhook.Event {
	t.Helper()
	ev, err := webhook.Parse(provider, body)
	require.NoError(t, err)
	return ev
}

func TestCheckLoopback(t *testing.T) {
	t.Parallel()
	tests := []struct {
		url string
		ok  bool
	}{
		{"http://127.0.0.1:18080", true},
		{"http://localhost:18080", true},
		{"http://[::1]:18080", true},
		{"http://10.0.0.1:18080", false},
		{"http://example.com", false},
		{"https://127.0.0.1:18080", false},
		{"::bad", false},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			t.Parallel()
			err := checkLoopback(tt.url)
			if tt.ok {
				assert.NoError(t, err)
			} else {
				assert.Error(t, err)
			}
		})
	}
}

func TestParseFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"defaults", []string{"-db", "sqlite:///tmp/x.db"}, ""},
		{"no db", []string{"-db", ""}, "-db is required"},
		{"bad mode", []string{"-db", "sqlite:///x", "-mode", "burst"}, "-mode"},
		{"remote", []string{"-db", "sqlite:///x", "-url", "http://192.0.2.1"}, "loopback"},
		{"too long", []string{"-db", "sqlite:///x", "-duration", "1h"}, "-duration"},
		{"bad watch", []string{"-db", "sqlite:///x", "-watch-pids", "mariadbd"}, "-watch-pids"},
		{"rounds", []string{"-db", "sqlite:///x", "-rounds", "0"}, "-rounds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o, err := parseFlags(tt.args, io.Discard)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, o.Duration, o.RawDuration, "raw phase defaults to the load duration")
			assert.Equal(t, 64, o.Concurrency)
		})
	}
}

func TestPercentiles(t *testing.T) {
	t.Parallel()
	var lats []time.Duration
	for i := 100; i >= 1; i-- { // unsorted on purpose
		lats = append(lats, time.Duration(i)*time.Millisecond)
	}
	got := percentiles(lats)
	assert.Equal(t, Latencies{P50: 50, P95: 95, P99: 99, P999: 100, Max: 100, Mean: 50.5}, got)
	assert.Equal(t, Latencies{}, percentiles(nil))
}

// backend is a database and dedup store for an in-process server.
type backend struct {
	name  string
	db    func(testing.TB) string
	redis bool
}

var backends = []backend{
	{"sqlite+memory", dbtest.SQLite, false},
	{"mysql+redis", dbtest.MySQL, true},
}

// startServer runs the whole stack of `askpro serve` (internal/app) on a
// loopback listener.
func startServer(t *testing.T, be backend) (baseURL, dbURL string) {
	t.Helper()
	cfg := config.Default()
	cfg.Database.URL = be.db(t)
	cfg.Database.Pool.MinConnections, cfg.Database.Pool.HealthInterval = -1, -1
	var prefix string
	if be.redis {
		cfg.Redis.URL, prefix = testenv.RedisPrefix(t)
	}
	cfg.Retell.APIKey, cfg.Calcom.WebhookSecret, cfg.Stripe.WebhookSecret = testSecrets.Retell, testSecrets.Calcom, testSecrets.Stripe
	// The harness measures ingestion from one loopback address, far above
	// any provider's per-address rate: the webhook limit would refuse it.
	cfg.RateLimit.WebhooksPerIP = "off"
	a, err := app.New(context.Background(), &cfg, app.Options{
		Logger: slog.New(slog.DiscardHandler), DedupKeyPrefix: prefix, NoProcessCollectors: true,
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = a.Close() })
	ts := httptest.NewServer(a.Server.Handler())
	t.Cleanup(ts.Close)
	return ts.URL, cfg.Database.URL
}

func TestBenchEndToEnd(t *testing.T) {
	t.Parallel()
	for _, be := range backends {
		t.Run(be.name, func(t *testing.T) {
			t.Parallel()
			base, dbURL := startServer(t, be)
			for _, mode := range []string{"max", "rate"} {
				t.Run(mode, func(t *testing.T) {
					o, err := parseFlags([]string{"-url", base, "-db", dbURL, "-mode", mode, "-rate", "100",
						"-duration", "700ms", "-raw-duration", "300ms", "-concurrency", "4", "-warmup", "200ms",
						"-rounds", "2", "-idle", "100ms", "-out", "-"}, io.Discard)
					require.NoError(t, err)
					o.Secrets = testSecrets
					res, err := bench(context.Background(), o, io.Discard)
					require.NoError(t, err)

					assert.True(t, res.RowsOK, "rows in the table equal the 2xx answers: %v", res.Warnings)
					assert.Positive(t, res.Load.OK)
					assert.Equal(t, res.Load.OK, res.Rows)
					assert.Zero(t, res.Load.Failed, res.Load.FirstErr)
					assert.Len(t, res.Rounds, 2)
					require.NotNil(t, res.Raw)
					assert.Positive(t, res.Raw.Rows)
					assert.Equal(t, res.Raw.Rows, res.Raw.Cleaned, "the raw phase removes its rows")
					assert.Positive(t, res.Ratio)
					require.NotNil(t, res.IdleCPU, "-idle measured the machine first")
					if mode == "rate" {
						assert.InDelta(t, 2*70, res.Load.Sent+res.Load.Unsent, 2, "100/s for 0.7 s, twice")
					}

					var out bytes.Buffer
					printSummary(&out, res)
					assert.Contains(t, out.String(), "rows in table == 2xx answers")
				})
			}
		})
	}
}

func TestRunRejectsBadSecrets(t *testing.T) {
	t.Parallel()
	base, dbURL := startServer(t, backends[0])
	o, err := parseFlags([]string{"-url", base, "-db", dbURL, "-duration", "200ms", "-raw=false",
		"-concurrency", "2", "-warmup", "100ms", "-idle", "0", "-out", "-"}, io.Discard)
	require.NoError(t, err)
	o.Secrets = Secrets{Retell: "wrong", Calcom: "wrong", Stripe: "wrong"}
	_, err = bench(context.Background(), o, io.Discard)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no request succeeded")
}

func TestWaitReadyFailsOnUnhealthyServer(t *testing.T) {
	t.Parallel()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	t.Cleanup(ts.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	assert.Error(t, waitReady(ctx, ts.URL))
}
