package calcomtest_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/askproai/askpro/pkg/calcom"
	"github.com/askproai/askpro/pkg/calcom/calcomtest"
)

// A fault before processing, then the recorded requests.
func ExampleServer_Fail() {
	srv := calcomtest.NewServer(calcomtest.Config{})
	defer srv.Close()
	srv.AddAPIKey("cal_live_test")
	srv.AddEventType(calcomtest.EventType{ID: 4711, Title: "Damenhaarschnitt", LengthMinutes: 60})
	srv.Fail(calcomtest.OpEventType, 404, "Event type with id 4711 not found", 1)

	c, _ := calcom.New(calcom.Config{BaseURL: srv.URL, APIKey: "cal_live_test"})
	_, err := c.EventType(context.Background(), 4711)
	fmt.Println("not found:", errors.Is(err, calcom.ErrNotFound))
	et, _ := c.EventType(context.Background(), 4711)
	fmt.Println(et.Title, et.LengthInMinutes)
	for _, r := range srv.Requests() {
		fmt.Println(r.Method, r.Path, r.Header.Get("cal-api-version"), r.Status)
	}
	// Output:
	// not found: true
	// Damenhaarschnitt 60
	// GET /v2/event-types/4711 2024-06-14 404
	// GET /v2/event-types/4711 2024-06-14 200
}
