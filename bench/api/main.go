// Command api measures the REST API on MariaDB/MySQL: GET /api/v1/calls
// with a filter and a sort, on a company holding -calls calls beside
// -companies - 1 others holding as many, at a steady -rate requests per
// second (open loop). See bench/README.md and docs/benchmarks.md.
//
//	mysql -uroot -e 'CREATE DATABASE IF NOT EXISTS askpro_bench_api'
//	go run ./bench/api -db 'mysql://root@tcp(127.0.0.1:3306)/askpro_bench_api?parseTime=true' \
//	  -redis redis://127.0.0.1:6379/14 -rate 200 -duration 20s -rounds 3
//
// It builds askpro's composition root (internal/app) in process and serves
// it twice on loopback, in the same run:
//   - full: the real stack, as serve mounts it: per-address rate limit, API
//     key authentication, per-key rate limit, the tenant resolver chain (its
//     company cache and, with -redis, the limiter on Redis), then the API;
//   - bare: the same API handlers with the tenant put into the context
//     directly: no authentication, no resolver, no limiter.
//
// Rounds alternate full and bare, so the noise of the shared machine hits
// both alike; the difference of their latencies is what tenant resolution
// and rate limiting cost per request. The limits are raised far above the
// load so that no request is refused. It also prints and saves the EXPLAIN
// of the calls query for every filter shape the load uses.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/askproai/askpro/internal/app"
	"github.com/askproai/askpro/pkg/api"
	"github.com/askproai/askpro/pkg/config"
	"github.com/askproai/askpro/pkg/query"
	"github.com/askproai/askpro/pkg/store"
	"github.com/askproai/askpro/pkg/tenant"
)

type result struct {
	At        time.Time           `json:"at"`
	Companies int                 `json:"companies"`
	Calls     int                 `json:"calls_per_company"`
	Redis     bool                `json:"redis"`
	Rounds    []stats             `json:"rounds"`
	Explain   map[string][]string `json:"explain"`
	Summary   map[string]any      `json:"summary"`
}

func logf(format string, args ...any) { log.Printf(format, args...) }

func main() {
	var (
		dbURL     = flag.String("db", "mysql://root@tcp(127.0.0.1:3306)/askpro_bench_api?parseTime=true", "database URL (MariaDB/MySQL)")
		redisURL  = flag.String("redis", "", "Redis URL for the tenant cache and the limiter (empty: in-process)")
		companies = flag.Int("companies", 10, "companies")
		calls     = flag.Int("calls", 100_000, "calls per company")
		rate      = flag.Int("rate", 200, "requests per second")
		duration  = flag.Duration("duration", 20*time.Second, "length of one round")
		rounds    = flag.Int("rounds", 3, "rounds of each target (alternating)")
		out       = flag.String("out", "", "JSON result file (default bench/results/api-<time>.json)")
	)
	flag.Parse()
	ctx := context.Background()

	cfg := config.Default()
	cfg.Database.URL = *dbURL
	cfg.Redis.URL = *redisURL
	cfg.Log.Level = "warn"
	// Far above the load: the round measures the limiter's cost, not its refusals.
	cfg.RateLimit.APIPerKey, cfg.RateLimit.APIPerIP = "1000000/1s", "1000000/1s"
	if err := cfg.Validate(); err != nil {
		log.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	a, err := app.New(ctx, &cfg, app.Options{Logger: logger, Migrate: true, NoProcessCollectors: true})
	must(err)
	defer a.Close()

	ids, err := seed(ctx, a.Pool.Writer(), *companies, *calls)
	must(err)
	sys := tenant.System(ctx)
	keys := make([]string, len(ids))
	for i, id := range ids {
		_, secret, err := a.Store.APIKeys.Create(sys, store.NewAPIKey{CompanyID: id, Name: "bench " + time.Now().Format(time.RFC3339Nano)})
		must(err)
		keys[i] = secret.Reveal()
	}

	full := serve(a.Server.Handler())
	bare := serve(bareHandler(a.API, ids))
	targets := []target{
		{name: "full", url: full, header: func(h http.Header, i int) { h.Set("Authorization", "Bearer "+keys[i]) }},
		{name: "bare", url: bare, header: func(h http.Header, i int) { h.Set("X-Bench-Company", strconv.Itoa(i)) }},
	}
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 256}}

	res := result{At: time.Now().UTC(), Companies: *companies, Calls: *calls, Redis: *redisURL != "", Explain: explain(ctx, a, ids[0])}
	for name, plan := range res.Explain {
		logf("EXPLAIN %s:\n  %s", name, strings.Join(plan, "\n  "))
	}
	// Warm up both (connections, caches, the buffer pool).
	for _, t := range targets {
		run(ctx, client, t, *rate, 3*time.Second, len(ids))
	}
	// The stack's own cost: the same middlewares around a handler that only
	// checks that a tenant was resolved, against that handler alone.
	resolved := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := tenant.FromContext(r.Context()); !ok {
			w.WriteHeader(http.StatusInternalServerError)
		}
	})
	stack := a.APIStack(resolved)
	keyHeader := targets[0].header
	noop := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
	report := func(r int, st stats) {
		logf("round %d %-5s: %d requests, %d errors, status %v, p50 %.3f ms, p99 %.3f ms, max %.2f ms",
			r+1, st.Target, st.Requests, st.Errors, st.Status, st.MS["p50"], st.MS["p99"], st.MS["max"])
		res.Rounds = append(res.Rounds, st)
	}
	inProcess(ctx, "stack", stack, *rate, 3*time.Second, keyHeader, len(ids))
	for r := range *rounds {
		for _, t := range targets {
			report(r, run(ctx, client, t, *rate, *duration, len(ids)))
		}
		report(r, inProcess(ctx, "stack", stack, *rate, *duration/2, keyHeader, len(ids)))
		report(r, inProcess(ctx, "noop", noop, *rate, *duration/2, keyHeader, len(ids)))
	}
	res.Summary = summarize(res.Rounds)
	logf("summary: %v", res.Summary)

	if *out == "" {
		*out = filepath.Join("bench", "results", "api-"+time.Now().UTC().Format("20060102T150405")+".json")
	}
	b, err := json.MarshalIndent(res, "", "  ")
	must(err)
	must(os.WriteFile(*out, append(b, '\n'), 0o644))
	logf("wrote %s", *out)
}

// bareHandler serves the API's routes with the tenant taken from
// X-Bench-Company (an index into ids): the API without the stack in front.
func bareHandler(a *api.API, ids []int64) http.Handler {
	mux := http.NewServeMux()
	for _, r := range a.Routes() {
		h := r.Handler
		mux.Handle(r.Pattern, http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			i, err := strconv.Atoi(req.Header.Get("X-Bench-Company"))
			if err != nil || i < 0 || i >= len(ids) {
				http.Error(w, "bad X-Bench-Company", http.StatusBadRequest)
				return
			}
			h.ServeHTTP(w, req.WithContext(tenant.WithCompany(req.Context(), ids[i])))
		}))
	}
	return mux
}

// serve serves h on a loopback port and returns its base URL.
func serve(h http.Handler) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(err)
	go func() { _ = http.Serve(ln, h) }()
	return "http://" + ln.Addr().String()
}

// explain returns MariaDB's plan of the page query and the capped count
// of every query shape the load sends, built as the store builds them.
func explain(ctx context.Context, a *app.App, company int64) map[string][]string {
	out := map[string][]string{}
	for _, shape := range shapes {
		u, _ := url.Parse(path(shape, 1))
		q, err := query.Parse(store.CallSchema(), u.Query())
		must(err)
		where, args := q.Where()
		cond := "company_id = ? AND (" + where + ")"
		args = append([]any{company}, args...)
		for kind, sql := range map[string]string{
			"page":  fmt.Sprintf("SELECT id FROM calls WHERE %s ORDER BY %s LIMIT %d OFFSET %d", cond, q.OrderBy(), q.Limit(), q.Offset()),
			"count": fmt.Sprintf("SELECT COUNT(*) FROM (SELECT 1 FROM calls WHERE %s LIMIT %d) t", cond, query.MaxWindow+1),
		} {
			rows, err := a.Pool.DB().QueryContext(ctx, "EXPLAIN "+sql, args...)
			must(err)
			cols, _ := rows.Columns()
			var plan []string
			for rows.Next() {
				vals := make([]any, len(cols))
				ptrs := make([]any, len(cols))
				for j := range vals {
					ptrs[j] = &vals[j]
				}
				must(rows.Scan(ptrs...))
				var parts []string
				for j, v := range vals {
					if b, ok := v.([]byte); ok {
						v = string(b)
					}
					if v != nil {
						parts = append(parts, fmt.Sprintf("%s=%v", cols[j], v))
					}
				}
				plan = append(plan, strings.Join(parts, " "))
			}
			must(rows.Err())
			_ = rows.Close()
			out[fmt.Sprintf("%s %s", u.RawQuery, kind)] = plan
		}
	}
	return out
}

// summarize reports the worst and median p99 of each target and the
// differences full - bare.
func summarize(rounds []stats) map[string]any {
	p99 := map[string][]float64{}
	p50 := map[string][]float64{}
	for _, r := range rounds {
		p99[r.Target] = append(p99[r.Target], r.MS["p99"])
		p50[r.Target] = append(p50[r.Target], r.MS["p50"])
	}
	med := func(xs []float64) float64 {
		s := append([]float64(nil), xs...)
		for i := range s {
			for j := i + 1; j < len(s); j++ {
				if s[j] < s[i] {
					s[i], s[j] = s[j], s[i]
				}
			}
		}
		if len(s) == 0 {
			return 0
		}
		return s[len(s)/2]
	}
	return map[string]any{
		"full_p99_ms_median": med(p99["full"]), "bare_p99_ms_median": med(p99["bare"]),
		"full_p50_ms_median": med(p50["full"]), "bare_p50_ms_median": med(p50["bare"]),
		"overhead_p99_ms":     med(p99["full"]) - med(p99["bare"]),
		"overhead_p50_ms":     med(p50["full"]) - med(p50["bare"]),
		"stack_p99_ms_median": med(p99["stack"]), "noop_p99_ms_median": med(p99["noop"]),
		"stack_cost_p99_ms": med(p99["stack"]) - med(p99["noop"]),
	}
}

func must(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
