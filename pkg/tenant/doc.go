// Package tenant carries the current tenant (company) through a
// [context.Context], resolves it for a request, and checks it through a
// cache.
//
// Every store method on tenant-owned data reads the company from the context
// and scopes its query by company_id. With no company in the context it
// returns [ErrNoTenant] and never all rows: forgetting to set a tenant is a
// loud error, not a data leak.
//
// System work that legitimately spans tenants (a worker that resolves the
// tenant from a called phone number, migrations, operator commands that list
// companies) says so explicitly with [System].
//
//	ctx = tenant.WithCompany(ctx, 42)
//	id, err := tenant.CompanyID(ctx) // 42, nil
//
// # The resolver chain
//
// A [Chain] finds the company of a request. Its [Resolver]s run in order and
// the first that names a company wins; (0, nil) means "no opinion, ask the
// next". The default chain is DESIGN's order:
//
//  1. [Explicit]: the context already carries a company ([RunAsCompany]).
//  2. [APIKey]: the authenticated key's company ([WithPrincipal]).
//  3. [AdminHeader]: the X-Company-ID header, for a platform-admin key only.
//  4. [Subdomain]: the Host's label under the base domain
//     (salon-x.askpro.example is "salon-x"; www, api, IPs and foreign hosts
//     have no opinion).
//  5. [CalledNumber]: the E.164 number the caller dialled ([Input]).
//
// A resolver that implements [Guard] is also asked before the search:
// [AdminHeader] refuses X-Company-ID from anyone but a platform-admin key
// with [ErrForbidden] and logs a security event (key id, prefix and name,
// header value, client IP, path; never the key), even though the [APIKey]
// resolver before it would have matched. A library user builds another
// order from the same types, [ResolverFunc] and [Named].
//
// The matched company must then exist and be active. Failures are a
// [*ResolutionError] listing each resolver tried and its outcome, wrapping
// [ErrUnresolved], [ErrUnknownCompany], [ErrInactiveCompany],
// [ErrForbidden] or [ErrInvalidHeader]; [StatusCode] and [Message] map them
// to HTTP. [Chain.Middleware] resolves each request, answers failures
// through ChainConfig.OnError, and passes an unresolved request on without a
// tenant, for the handler to decide.
//
//	cache, err := tenant.NewCache(tenant.CacheConfig{
//		Companies: st.Companies, Subdomains: st.Companies, Phones: st.Branches,
//		Version: st.Companies, Redis: rdb, // rdb nil: in-process
//	})
//	chain, err := tenant.NewChain(tenant.ChainConfig{
//		Companies: cache, Subdomains: cache, Phones: cache, BaseDomain: "askpro.example",
//	})
//	api := chain.Middleware(mux)
//
// # The company cache
//
// [Cache] sits in front of the lookups ([CompanySource], [SubdomainSource],
// [PhoneSource]) and implements them itself. Found answers are kept 5
// minutes, "no such company" 30 seconds, errors not at all; concurrent
// misses of one key make one lookup.
//
// With Redis the cache lives only in Redis, shared by every replica, with no
// in-process layer in front: [Cache.Invalidate] (called by whoever
// deactivates a company) replaces the key with a short tombstone, so the
// next lookup on any replica reads the database, and a lookup that began
// before the invalidation cannot write its stale answer back. Without Redis
// the cache is an in-process LRU, and a CLI process cannot reach a server's
// memory; CacheConfig.Version closes that gap: a cheap token (counts, sums
// of is_active and the latest updated_at of companies and branches) probed
// at most every 2 seconds drops the cache when it changes. A change is so
// seen within about 2 seconds by every process, with or without Redis and
// with or without Invalidate; without a Version source the bound is the
// TTL. A cache hit costs about 0.7 µs in-process and one Redis GET with
// Redis (BenchmarkChainResolve).
package tenant
