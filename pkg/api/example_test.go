package api_test

import (
	"fmt"
	"net/http/httptest"

	"github.com/askproai/askpro/pkg/api"
)

// ExampleWriteError shows the one error shape of the API, as middleware in
// front of it (here a rate limiter) writes it.
func ExampleWriteError() {
	rec := httptest.NewRecorder()
	api.WriteError(rec, 429, "rate_limited", "too many requests: retry after 2 s")
	fmt.Print(rec.Code, " ", rec.Body.String())
	// Output: 429 {"error":{"code":"rate_limited","message":"too many requests: retry after 2 s"}}
}
