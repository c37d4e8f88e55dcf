package dedup_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/askproai/askpro/pkg/dedup"
)

// A webhook delivered three times: while the first delivery stores the
// event, a retry arrives and is not acknowledged as a duplicate; once the
// event is stored, a later retry is.
func Example() {
	ctx := context.Background()
	d, err := dedup.New(dedup.Config{
		Store:  dedup.NewMemoryStore(dedup.MemoryConfig{}),
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		panic(err)
	}
	const key = "retell:call_ended:call_8f2d"

	first, _ := d.Claim(ctx, key)
	fmt.Println("first delivery:", first.State)

	retry, _ := d.Claim(ctx, key)
	fmt.Println("retry while storing:", retry.State, "-> insert; the UNIQUE key decides")

	// The first delivery's row is committed: complete with the event's TTL.
	_ = d.Complete(ctx, first, 600*time.Second)

	later, _ := d.Claim(ctx, key)
	fmt.Println("later retry:", later.State, "-> acknowledge, store nothing")
	// Output:
	// first delivery: claimed
	// retry while storing: in_flight -> insert; the UNIQUE key decides
	// later retry: completed -> acknowledge, store nothing
}

// When storing the event fails, Release lets the provider's retry through
// at once instead of after the in-flight TTL.
func ExampleDeduper_Release() {
	ctx := context.Background()
	d, err := dedup.New(dedup.Config{
		Store:  dedup.NewMemoryStore(dedup.MemoryConfig{}),
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		panic(err)
	}
	const key = "stripe:evt_1QxY"

	c, _ := d.Claim(ctx, key)
	insertErr := errors.New("database is down") // what storing the event returned
	_ = d.Release(ctx, c)
	fmt.Println("answer 503:", insertErr)

	retry, _ := d.Claim(ctx, key)
	fmt.Println("provider retry:", retry.State)
	// Output:
	// answer 503: database is down
	// provider retry: claimed
}
