package ingest_test

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/askproai/askpro/pkg/dedup"
	"github.com/askproai/askpro/pkg/ingest"
)

// A Guard runs the store at most once per key and says so only after it
// committed; a redelivery of the same key is a duplicate.
func ExampleGuard_Do() {
	d, _ := dedup.New(dedup.Config{Store: dedup.NewMemoryStore(dedup.MemoryConfig{}), Logger: slog.New(slog.DiscardHandler)})
	g, _ := ingest.NewGuard(ingest.GuardConfig{Dedup: d})
	ctx := context.Background()

	stored := 0
	store := func(context.Context) (bool, error) {
		stored++ // an INSERT that has committed when it returns
		return false, nil
	}
	for i := 0; i < 2; i++ {
		out, err := g.Do(ctx, "stripe:evt_1", 15*time.Minute, store)
		fmt.Println(out, err)
	}
	fmt.Println("stored", stored)
	// Output:
	// stored <nil>
	// duplicate <nil>
	// stored 1
}
