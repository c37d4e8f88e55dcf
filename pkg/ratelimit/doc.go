// Package ratelimit limits requests per API key and per client address:
// GCRA on Redis, so that one limit holds across every replica, or
// golang.org/x/time/rate in process when there is no Redis.
//
// # Limits
//
// A [Limit] is a bucket of Burst requests refilled at Rate per Period;
// [ParseLimit] reads the config form "RATE/PERIOD[:BURST]", e.g.
// "600/1m:60": 10 requests a second on average, 60 at once.
//
// # Limiters
//
// A [Limiter] counts one request under a key and answers a [Result]:
//
//   - [RedisLimiter] ([NewRedis]) runs go-redis/redis_rate's GCRA script on
//     the Redis server's clock: every replica shares each key's budget;
//   - [LocalLimiter] ([NewLocal]) keeps one token bucket per key in memory,
//     bounded by MaxKeys (least recently used first, idle full buckets
//     dropped), for a single process.
//
// Both pass the conformance suite in package ratelimittest.
//
// # Middleware
//
// [Middleware] applies [Rule]s to HTTP requests. A rule has a name, a limit
// and a [KeyFunc]: [ByClientIP] (X-Forwarded-For read only from trusted
// proxies, the rightmost untrusted hop) or [ByAPIKey] (the authenticated
// tenant.Principal). A refused request gets 429, Retry-After in whole
// seconds and {"error":{"code":"rate_limited","message":...}}; every answer
// carries RateLimit-Limit, RateLimit-Remaining and RateLimit-Reset.
//
//	lim, err := ratelimit.NewRedis(ratelimit.RedisConfig{Client: rdb})
//	...
//	perIP := ratelimit.MustMiddleware(ratelimit.MiddlewareConfig{Limiter: lim, Rules: []ratelimit.Rule{
//		{Name: "api_per_ip", Limit: ratelimit.PerMinute(1200), Key: ratelimit.ByClientIP(trusted)},
//	}})
//	perKey := ratelimit.MustMiddleware(ratelimit.MiddlewareConfig{Limiter: lim, Rules: []ratelimit.Rule{
//		{Name: "api_per_key", Limit: ratelimit.Limit{Rate: 600, Period: time.Minute, Burst: 60}, Key: ratelimit.ByAPIKey()},
//	}})
//	api := perIP.Wrap(authenticate(perKey.Wrap(apiHandler)))
//
// Limit by address before authentication (so guessing keys is limited too)
// and by key after it.
//
// # Failures
//
// The limiter's store failing is no reason to refuse a request: the
// middleware fails open (serves the request without that rule), counts the
// failure in askproai_ratelimit_requests_total{outcome="error"} and logs a
// warning at most once per interval. [RedisLimiter] stops asking a failed
// Redis for a second (RedisConfig.Backoff), so an outage costs each request
// nothing rather than a dial timeout.
//
// # Provider traffic
//
// Webhooks (Retell, Cal.com, Stripe) and Retell's function calls come from
// a few provider addresses on behalf of every tenant, and a provider that
// gets a 429 retries later, or drops the event. Limit those routes only by
// address, with their own rules, far above a provider's real peak, and
// never by provider account; docs/ratelimit.md gives the reasoning.
package ratelimit
