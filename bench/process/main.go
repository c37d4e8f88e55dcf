// Command process measures askpro's processing end to end on MariaDB/MySQL:
// events stored in webhook_events (through queue.Inbox, as serve stores
// them) are processed by `askpro worker` processes with the real booking
// handlers. See bench/README.md and docs/benchmarks.md.
//
//	go build -o /tmp/askpro ./cmd/askpro
//	go run ./bench/process -askpro /tmp/askpro -mode throughput -procs 1 -workers 4
//	go run ./bench/process -askpro /tmp/askpro -mode rate -rate 500 -duration 30s
//
// throughput: a backlog of -events events is stored with no worker running,
// then -procs worker processes start; the rate is the events divided by the
// time from the first to the last processed_at. rate: the workers run first
// and the harness stores events at a steady -rate per second (open loop);
// the lag of each event is processed_at - available_at (created_at, or for
// call_analyzed, 5 s later by design). Both check that every
// event is processed and that the rows equal the distinct ids (no effect
// applied twice), and report the database's statements per event from
// SHOW GLOBAL STATUS (polls and claims included).
package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/askproai/askpro/pkg/pool"
	"github.com/askproai/askpro/pkg/queue"
	"github.com/askproai/askpro/pkg/webhook"
	"github.com/askproai/askpro/pkg/webhook/webhooktest"
)

type result struct {
	Mode           string             `json:"mode"`
	Procs          int                `json:"procs"`
	Workers        int                `json:"workers_per_proc"`
	Batch          int                `json:"batch"`
	Events         int                `json:"events"`
	Seconds        float64            `json:"seconds"`
	EventsPerSec   float64            `json:"processed_events_per_sec"`
	StatementsPerE float64            `json:"statements_per_event"`
	Status         map[string]float64 `json:"status_per_event"`
	LagMS          map[string]float64 `json:"lag_ms,omitempty"`
	Rows           map[string]int     `json:"rows"`
	Want           map[string]int     `json:"want_rows"`
	DeadLetters    int                `json:"dead_letters"`
	RowsMatch      bool               `json:"rows_match"`
	At             time.Time          `json:"at"`
}

func main() {
	var (
		server   = flag.String("server", "root@tcp(127.0.0.1:3306)/", "MySQL server DSN (go-sql-driver form) where the bench database is created")
		dbName   = flag.String("db", "askpro_bench_proc", "database to (re)create")
		askpro   = flag.String("askpro", "/tmp/askpro", "askpro binary")
		mode     = flag.String("mode", "throughput", "throughput or rate")
		events   = flag.Int("events", 20000, "events of a throughput run")
		procs    = flag.Int("procs", 1, "worker processes")
		workers  = flag.Int("workers", 4, "workers per process")
		batch    = flag.Int("batch", 16, "queue.batch")
		rate     = flag.Int("rate", 500, "events per second of a rate run")
		duration = flag.Duration("duration", 30*time.Second, "length of a rate run")
		custs    = flag.Int("customers", 500, "distinct callers")
		out      = flag.String("out", "", "JSON result file (default bench/results/process-<mode>-<time>.json)")
	)
	flag.Parse()
	ctx := context.Background()

	admin, err := sql.Open("mysql", *server)
	must(err)
	_, err = admin.Exec("DROP DATABASE IF EXISTS " + *dbName)
	must(err)
	_, err = admin.Exec("CREATE DATABASE " + *dbName + " CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
	must(err)
	url := "mysql://" + *server + *dbName + "?parseTime=true"
	env := append(os.Environ(), "ASKPRO_DATABASE_URL="+url, "ASKPRO_LOG_LEVEL=warn", fmt.Sprintf("ASKPRO_QUEUE_BATCH=%d", *batch))
	demo := exec.Command(*askpro, "demo")
	demo.Env, demo.Stderr = env, os.Stderr
	must(demo.Run())

	p, err := pool.Open(ctx, url, pool.Config{MinConns: 1, MaxConns: 32, HealthInterval: -1})
	must(err)
	defer p.Close()
	in, err := queue.NewInbox(queue.InboxConfig{DB: p.Writer(), Dialect: p.Dialect()})
	must(err)

	n := *events
	if *mode == "rate" {
		n = *rate * int(duration.Seconds())
	}
	evs, want := mix(n, *custs)
	res := result{Mode: *mode, Procs: *procs, Workers: *workers, Batch: *batch, Events: len(evs), Want: want, At: time.Now().UTC()}

	start := func() []*exec.Cmd {
		var cmds []*exec.Cmd
		for i := range *procs {
			c := exec.Command(*askpro, "worker", "--workers", fmt.Sprint(*workers))
			c.Env = append(env, fmt.Sprintf("ASKPRO_QUEUE_WORKERS=%d", *workers))
			logf, _ := os.Create(fmt.Sprintf("/tmp/bench-process-worker-%d.log", i))
			c.Stdout, c.Stderr = logf, logf
			must(c.Start())
			cmds = append(cmds, c)
		}
		return cmds
	}
	stop := func(cmds []*exec.Cmd) {
		for _, c := range cmds {
			_ = c.Process.Signal(os.Interrupt)
		}
		for _, c := range cmds {
			_ = c.Wait()
		}
	}

	var before map[string]float64
	switch *mode {
	case "throughput":
		storeAll(ctx, in, evs)
		time.Sleep(5 * time.Second) // call_analyzed waits 5 s after it is stored (routing)
		before = globalStatus(admin)
		cmds := start()
		waitDone(p.DB(), len(evs), 5*time.Minute)
		stop(cmds)
	case "rate":
		cmds := start()
		time.Sleep(2 * time.Second) // the workers connect and migrate-check
		before = globalStatus(admin)
		storeAtRate(ctx, in, evs, *rate)
		waitDone(p.DB(), len(evs), 2*time.Minute)
		stop(cmds)
	default:
		log.Fatalf("unknown -mode %q", *mode)
	}
	after := globalStatus(admin)
	must(in.Close())

	res.Status = map[string]float64{}
	for _, k := range []string{"Questions", "Com_select", "Com_insert", "Com_update", "Com_commit", "Com_begin", "Com_stmt_execute", "Com_stmt_prepare"} {
		res.Status[k] = (after[k] - before[k]) / float64(len(evs))
	}
	res.StatementsPerE = res.Status["Questions"]

	var first, last time.Time
	must(p.DB().QueryRow("SELECT MIN(processed_at), MAX(processed_at) FROM webhook_events").Scan(&first, &last))
	res.Seconds = last.Sub(first).Seconds()
	res.EventsPerSec = float64(len(evs)) / res.Seconds
	if *mode == "rate" {
		res.LagMS = lags(p.DB())
	}
	must(p.DB().QueryRow("SELECT COUNT(*) FROM webhook_events WHERE status = 'dead_letter'").Scan(&res.DeadLetters))
	res.Rows = map[string]int{}
	for _, t := range []string{"calls", "appointments", "payments", "customers"} {
		var c int
		must(p.DB().QueryRow("SELECT COUNT(*) FROM " + t).Scan(&c))
		res.Rows[t] = c
	}
	res.RowsMatch = res.DeadLetters == 0
	for k, v := range want {
		if res.Rows[k] != v {
			res.RowsMatch = false
		}
	}

	b, _ := json.MarshalIndent(res, "", "  ")
	fmt.Println(string(b))
	path := *out
	if path == "" {
		path = filepath.Join("bench", "results", fmt.Sprintf("process-%s-%dx%d-%s.json", *mode, *procs, *workers, res.At.Format("20060102T150405")))
	}
	must(os.WriteFile(path, append(b, '\n'), 0o644))
}

type event struct {
	provider string
	body     []byte
}

// mix builds n events in the proportions of a salon's day: per call its
// three Retell events (call_started, call_ended, call_analyzed), then, for
// every third call, a Cal.com BOOKING_CREATED and a Stripe
// payment_intent.succeeded. Callers cycle through custs numbers. It returns
// the events in a shuffled but per-call ordered sequence and the rows they
// must produce.
func mix(n, custs int) ([]event, map[string]int) {
	var out []event
	calls, bookings, payments := 0, 0, 0
	seen := map[int]bool{}
	for i := 0; len(out) < n; i++ {
		id := fmt.Sprintf("call_bench%08d", i)
		caller := []byte(fmt.Sprintf("+4915123%06d", i%custs))
		seen[i%custs] = true
		for _, ev := range []string{"call_started", "call_ended", "call_analyzed"} {
			if len(out) == n {
				break
			}
			b, err := webhooktest.Sample("retell", ev, id)
			must(err)
			out = append(out, event{"retell", bytes.ReplaceAll(b, []byte("+4915123456789"), caller)})
		}
		calls++
		if i%3 == 0 && len(out)+2 <= n {
			b, err := webhooktest.Sample("calcom", "BOOKING_CREATED", fmt.Sprintf("bench%08d", i))
			must(err)
			out = append(out, event{"calcom", b})
			bookings++
			b, err = webhooktest.Sample("stripe", "payment_intent.succeeded", fmt.Sprintf("evt_bench%08d", i))
			must(err)
			b = bytes.ReplaceAll(b, []byte("pi_3Ts0FixturePaymentIntent01"), []byte(fmt.Sprintf("pi_bench%08d", i)))
			out = append(out, event{"stripe", b})
			payments++
		}
	}
	// The Cal.com attendee is one more customer (the fixture's number).
	want := map[string]int{"calls": calls, "appointments": bookings, "payments": payments, "customers": len(seen)}
	if bookings > 0 {
		want["customers"]++
	}
	return out, want
}

func parse(ev event) queue.Event {
	e, err := webhook.Parse(ev.provider, ev.body)
	must(err)
	return queue.Event{Provider: ev.provider, Type: e.Type, Key: e.Key, CompanyID: e.CompanyID, Payload: ev.body}
}

func storeAll(ctx context.Context, in *queue.Inbox, evs []event) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, 64)
	for _, ev := range evs {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			_, err := in.Insert(ctx, parse(ev))
			must(err)
		})
	}
	wg.Wait()
}

// storeAtRate stores the events at a steady rate, each at its scheduled
// time (an open loop: a slow insert does not delay the next).
func storeAtRate(ctx context.Context, in *queue.Inbox, evs []event, rate int) {
	var wg sync.WaitGroup
	begin := time.Now()
	for i, ev := range evs {
		at := begin.Add(time.Duration(i) * time.Second / time.Duration(rate))
		time.Sleep(time.Until(at))
		wg.Go(func() {
			_, err := in.Insert(ctx, parse(ev))
			must(err)
		})
	}
	wg.Wait()
}

func waitDone(db *sql.DB, n int, limit time.Duration) {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		var done int
		must(db.QueryRow("SELECT COUNT(*) FROM webhook_events WHERE status IN ('processed', 'dead_letter')").Scan(&done))
		if done >= n {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	log.Fatalf("not processed within %s", limit)
}

func globalStatus(db *sql.DB) map[string]float64 {
	rows, err := db.Query("SHOW GLOBAL STATUS WHERE Variable_name IN ('Questions', 'Com_select', 'Com_insert', 'Com_update', 'Com_commit', 'Com_begin', 'Com_stmt_execute', 'Com_stmt_prepare')")
	must(err)
	defer rows.Close()
	out := map[string]float64{}
	for rows.Next() {
		var k string
		var v float64
		must(rows.Scan(&k, &v))
		out[k] = v
	}
	return out
}

func lags(db *sql.DB) map[string]float64 {
	// From available_at: created_at for every event but call_analyzed, which
	// the routing table delays by 5 s on purpose.
	rows, err := db.Query("SELECT TIMESTAMPDIFF(MICROSECOND, available_at, processed_at) FROM webhook_events WHERE processed_at IS NOT NULL")
	must(err)
	defer rows.Close()
	var us []float64
	for rows.Next() {
		var v float64
		must(rows.Scan(&v))
		us = append(us, v/1000)
	}
	slices.Sort(us)
	q := func(p float64) float64 { return us[min(len(us)-1, int(p*float64(len(us))))] }
	return map[string]float64{"p50": q(0.50), "p95": q(0.95), "p99": q(0.99), "max": us[len(us)-1]}
}

func must(err error) {
	if err != nil {
		log.Fatal(strings.TrimSpace(err.Error()))
	}
}
