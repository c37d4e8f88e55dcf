package queue_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/askproai/askpro/migrations"
	"github.com/askproai/askpro/pkg/pool"
	"github.com/askproai/askpro/pkg/queue"
	"github.com/askproai/askpro/pkg/tenant"
)

// A replay runs page by page: each page is read after the last id of the
// one before and moved back to pending with one guarded UPDATE.
func ExampleReplayer() {
	dir, _ := os.MkdirTemp("", "replay")
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
	for _, key := range []string{"evt_1", "evt_2", "evt_3"} {
		_, _ = in.Insert(ctx, queue.Event{Provider: "stripe", Type: "charge.failed", Key: key, Payload: []byte(`{}`)})
	}
	_ = in.Close()
	_, _ = p.Writer().Exec("UPDATE webhook_events SET status = 'dead_letter', attempts = 3")

	rp, _ := queue.NewReplayer(p, queue.ReplayerConfig{})
	sys := tenant.System(ctx)                   // the inbox spans every company
	f := queue.ReplayFilter{Provider: "stripe"} // Status defaults to dead_letter
	after := int64(0)
	for {
		jobs, err := rp.Page(sys, f, after, 2)
		if err != nil || len(jobs) == 0 {
			break
		}
		moved, _ := rp.Replay(sys, queue.JobIDs(jobs), f.Status)
		fmt.Println("page", queue.JobIDs(jobs), "moved", moved)
		after = jobs[len(jobs)-1].ID
	}
	// Output:
	// page [1 2] moved 2
	// page [3] moved 1
}
