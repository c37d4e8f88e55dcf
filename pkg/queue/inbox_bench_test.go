package queue_test

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/askproai/askpro/internal/dbtest"
	"github.com/askproai/askpro/pkg/pool"
	"github.com/askproai/askpro/pkg/queue"
)

// benchPayload is a Retell-like body of about 4.6 KB, the mean size of the
// fixture mix the ingestion harness (bench/ingest) posts.
var benchPayload = func() []byte {
	transcript := strings.Repeat("Agent: Guten Tag, wie kann ich helfen? User: Einen Termin bitte. ", 66)
	return []byte(`{"event":"call_ended","call":{"call_id":"call_bench","call_type":"phone_call",` +
		`"direction":"inbound","from_number":"+4915123456789","to_number":"+493012345678",` +
		`"call_status":"ended","transcript":"` + transcript + `"}}`)
}()

// inboxBackend is one database the Inbox benchmarks run on.
type inboxBackend struct {
	name string
	url  func(testing.TB) string
}

var inboxBackends = []inboxBackend{
	{"sqlite", dbtest.SQLite},
	{"mysql", dbtest.MySQL}, // skips without ASKPRO_TEST_MYSQL_URL
}

// inboxBench is an Inbox on a migrated database, with flush counters.
type inboxBench struct {
	in      *queue.Inbox
	p       *pool.Pool
	flushes atomic.Int64
	rows    atomic.Int64
	seq     atomic.Int64
}

func newInboxBench(b *testing.B, url string) *inboxBench {
	b.Helper()
	ctx := context.Background()
	p, err := pool.Open(ctx, url, pool.Config{
		MinConns:       -1,
		MaxConns:       64,
		HealthInterval: -1,
		Logger:         slog.New(slog.DiscardHandler),
	})
	if err != nil {
		b.Fatalf("open pool: %v", err)
	}
	b.Cleanup(func() { _ = p.Close() })
	ib := &inboxBench{p: p}
	ib.in, err = queue.NewInbox(queue.InboxConfig{
		DB:      p.Writer(),
		Dialect: p.Dialect(),
		Logger:  slog.New(slog.DiscardHandler),
		OnFlush: func(size int, _ time.Duration, err error) {
			if err == nil {
				ib.flushes.Add(1)
				ib.rows.Add(int64(size))
			}
		},
	})
	if err != nil {
		b.Fatalf("new inbox: %v", err)
	}
	b.Cleanup(func() { _ = ib.in.Close() })
	return ib
}

// insert stores one fresh event, failing the benchmark on error.
func (ib *inboxBench) insert(b *testing.B, ctx context.Context) {
	n := ib.seq.Add(1)
	_, err := ib.in.Insert(ctx, queue.Event{
		Provider:      "retell",
		Type:          "call_ended",
		Key:           "retell:call_ended:bench_" + strconv.FormatInt(n, 10),
		Payload:       benchPayload,
		Headers:       map[string]string{"content-type": "application/json", "user-agent": "Retell-Webhook/1.0"},
		CorrelationID: "0b6f1c2e-1d0a-4f7e-9a53-5d2f8f4c0b1a",
		IPAddress:     "127.0.0.1",
		UserAgent:     "Retell-Webhook/1.0",
	})
	if err != nil {
		b.Errorf("insert %d: %v", n, err)
	}
}

// run measures fn, then checks that every inserted event has exactly one
// row and reports rows/s and rows per flush.
func (ib *inboxBench) run(b *testing.B, fn func()) {
	b.Helper()
	ctx := context.Background()
	var before int64
	if err := ib.p.DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM webhook_events").Scan(&before); err != nil {
		b.Fatalf("count rows: %v", err)
	}
	seq0, flushes0, rows0 := ib.seq.Load(), ib.flushes.Load(), ib.rows.Load()
	b.SetBytes(int64(len(benchPayload)))
	b.ResetTimer()
	start := time.Now()
	fn()
	elapsed := time.Since(start)
	b.StopTimer()
	inserted := ib.seq.Load() - seq0
	var after int64
	if err := ib.p.DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM webhook_events").Scan(&after); err != nil {
		b.Fatalf("count rows: %v", err)
	}
	if after-before != inserted {
		b.Fatalf("inserted %d events, table grew by %d rows", inserted, after-before)
	}
	b.ReportMetric(float64(inserted)/elapsed.Seconds(), "rows/s")
	if f := ib.flushes.Load() - flushes0; f > 0 {
		b.ReportMetric(float64(ib.rows.Load()-rows0)/float64(f), "rows/flush")
	}
}

// BenchmarkInboxSingle inserts from one goroutine: every flush holds one
// row, the cost of a row-per-request write through the Inbox.
func BenchmarkInboxSingle(b *testing.B) {
	for _, be := range inboxBackends {
		b.Run(be.name, func(b *testing.B) {
			ib := newInboxBench(b, be.url(b))
			ctx := context.Background()
			ib.run(b, func() {
				for i := 0; i < b.N; i++ {
					ib.insert(b, ctx)
				}
			})
		})
	}
}

// BenchmarkInboxGrouped inserts from many goroutines, as concurrent webhook
// requests do: their rows are grouped into multi-row INSERTs.
func BenchmarkInboxGrouped(b *testing.B) {
	for _, be := range inboxBackends {
		for _, par := range []int{8, 32} {
			b.Run(fmt.Sprintf("%s/goroutines=%dxGOMAXPROCS", be.name, par), func(b *testing.B) {
				ib := newInboxBench(b, be.url(b))
				ctx := context.Background()
				b.SetParallelism(par)
				ib.run(b, func() {
					b.RunParallel(func(pb *testing.PB) {
						for pb.Next() {
							ib.insert(b, ctx)
						}
					})
				})
			})
		}
	}
}
