package ratelimit_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/askproai/askpro/pkg/ratelimit"
)

func ExampleParseLimit() {
	l, err := ratelimit.ParseLimit("600/1m:60")
	if err != nil {
		panic(err)
	}
	fmt.Println(l.Rate, l.Period, l.Burst)

	_, err = ratelimit.ParseLimit("600 per minute")
	fmt.Println(err)
	// Output:
	// 600 1m0s 60
	// ratelimit: invalid limit "600 per minute": no /PERIOD (want RATE/PERIOD[:BURST], e.g. 600/1m:60, or off)
}

func ExampleMiddleware() {
	lim := ratelimit.NewLocal(ratelimit.LocalConfig{})
	m := ratelimit.MustMiddleware(ratelimit.MiddlewareConfig{
		Limiter: lim,
		Rules: []ratelimit.Rule{
			{Name: "api_per_ip", Limit: ratelimit.Limit{Rate: 2, Period: time.Minute}, Key: ratelimit.ByClientIP(nil)},
		},
	})
	h := m.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	}))

	for i := 0; i < 3; i++ {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "/api/v1/calls", nil))
		fmt.Print(w.Code, " remaining=", w.Header().Get("RateLimit-Remaining"), " retry-after=", w.Header().Get("Retry-After"), " ", w.Body.String())
	}
	// Output:
	// 200 remaining=1 retry-after= ok
	// 200 remaining=0 retry-after= ok
	// 429 remaining=0 retry-after=30 {"error":{"code":"rate_limited","message":"rate limit exceeded, retry in 30s"}}
}
