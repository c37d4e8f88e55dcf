package health_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/askproai/askpro/pkg/health"
)

func Example() {
	c, err := health.New(health.Config{
		Checks: []health.Check{
			{Name: "database", Run: func(context.Context) health.Result { return health.Healthy("mysql answers", nil) }},
			{Name: "calcom", Run: health.External(func(context.Context) error { return fmt.Errorf("dial tcp: connection refused") }, health.ExternalOpts{})},
		},
		Version: "v1.0.0", Environment: "production",
		Now: func() time.Time { return time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC) },
	})
	if err != nil {
		panic(err)
	}
	rep := c.Run(context.Background())
	fmt.Println(rep.Status, rep.Healthy())
	for _, name := range rep.Names() {
		fmt.Println(name, rep.Checks[name].Status, rep.Checks[name].Message)
	}
	// What a caller without the token sees.
	enc := json.NewEncoder(os.Stdout)
	_ = enc.Encode(rep.Redacted())
	// Output:
	// degraded true
	// calcom degraded ping failed: dial tcp: connection refused
	// database healthy mysql answers
	// {"status":"degraded","timestamp":"2026-03-10T09:00:00Z","checks":{"calcom":{"status":"degraded"},"database":{"status":"healthy"}}}
}
