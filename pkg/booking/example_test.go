package booking_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/askproai/askpro/migrations"
	"github.com/askproai/askpro/pkg/booking"
	"github.com/askproai/askpro/pkg/pool"
	"github.com/askproai/askpro/pkg/queue"
	"github.com/askproai/askpro/pkg/store"
)

// A Go user registers a handler of their own next to askpro's: here for
// Cal.com's FORM_SUBMITTED, which booking leaves unhandled.
func ExampleRegister() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "booking-example")
	defer os.RemoveAll(dir)
	url := "sqlite://" + filepath.ToSlash(filepath.Join(dir, "askpro.db"))
	m, _ := migrations.New(url, migrations.Config{Logger: slog.New(slog.DiscardHandler)})
	_ = m.Up(ctx)
	_ = m.Close()
	p, err := pool.Open(ctx, url, pool.Config{MinConns: -1, HealthInterval: -1, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Close()
	st, _ := store.New(store.Config{DB: p.DB(), Writer: p.Writer(), Dialect: string(p.Dialect())})

	mux := queue.NewMux()
	if err := booking.Register(mux, booking.Config{Store: st}); err != nil {
		fmt.Println(err)
		return
	}
	mux.HandleFunc("calcom", "FORM_SUBMITTED", func(ctx context.Context, tx *sql.Tx, job *queue.Job) error {
		fmt.Println("form submitted:", len(job.Payload) > 0)
		return nil
	})

	for _, job := range []*queue.Job{
		{Provider: "calcom", EventType: "FORM_SUBMITTED", Payload: []byte(`{"triggerEvent":"FORM_SUBMITTED","payload":{}}`)},
		{Provider: "calcom", EventType: "PING", Payload: []byte(`{"triggerEvent":"PING","payload":{}}`)},
		{Provider: "retell", EventType: "call_ended", Payload: []byte(`{"event":"call_ended","call":{"call_id":"call_1","to_number":"+493099999999"}}`)},
	} {
		tx, _ := p.Writer().BeginTx(ctx, nil)
		err := mux.Process(ctx, tx, job)
		_ = tx.Rollback()
		var pe *queue.PermanentError
		switch {
		case err == nil:
		case errors.Is(err, queue.ErrUnhandled):
			fmt.Println(job.EventType, "unhandled")
		case errors.As(err, &pe):
			fmt.Println(job.EventType, "permanent:", pe.Code)
		}
	}
	// Output:
	// form submitted: true
	// PING unhandled
	// call_ended permanent: TENANT_UNRESOLVED
}
