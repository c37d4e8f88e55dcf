package queue_test

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/askproai/askpro/migrations"
	"github.com/askproai/askpro/pkg/pool"
	"github.com/askproai/askpro/pkg/queue"
)

// A handler that finds the event's company names it: the worker stores it
// on the event row with the outcome, so the company sees its event.
func ExampleJob_SetCompany() {
	dir, _ := os.MkdirTemp("", "company")
	defer os.RemoveAll(dir)
	url := "sqlite://" + filepath.ToSlash(filepath.Join(dir, "askpro.db"))
	ctx := context.Background()
	m, _ := migrations.New(url, migrations.Config{Logger: slog.New(slog.DiscardHandler)})
	_ = m.Up(ctx)
	_ = m.Close()
	p, err := pool.Open(ctx, url, pool.Config{MinConns: -1, HealthInterval: -1, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Close()
	in, _ := queue.NewInbox(queue.InboxConfig{DB: p.Writer(), Dialect: p.Dialect()})
	_, _ = in.Insert(ctx, queue.Event{Provider: "retell", Type: "call_ended", Key: "call_1", Payload: []byte(`{"call":{"to_number":"+493012345678"}}`)})
	_ = in.Close()

	mux := queue.NewMux()
	mux.HandleFunc("retell", "call_ended", func(ctx context.Context, tx *sql.Tx, job *queue.Job) error {
		job.SetCompany(7) // say, the company of the branch with the called number
		return nil
	})
	w, _ := queue.NewWorker(queue.WorkerConfig{DB: p.Writer(), Dialect: p.Dialect(), Handler: mux, Logger: slog.New(slog.DiscardHandler)})
	n, _ := w.RunOnce(ctx, "example")

	var status string
	var company int64
	_ = p.DB().QueryRow("SELECT status, company_id FROM webhook_events").Scan(&status, &company)
	fmt.Println(n, status, company)
	// Output: 1 processed 7
}
