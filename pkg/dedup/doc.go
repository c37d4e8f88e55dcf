// Package dedup is askpro's atomic, two-phase webhook deduplication.
//
// Providers (Retell, Cal.com, Stripe) deliver webhooks at least once and
// retry until they get a 2xx. The spec marks an event processed before it is
// stored, so a crash in between acknowledges nothing yet drops the retry.
// Here a key is first claimed, and only marked completed once the event's
// row is durably stored:
//
//	Claim ──► Claimed ──insert ok──► Complete (TTL × 2) ──► acknowledge
//	                  └─insert failed─► Release ──► error (provider retries)
//
// # States
//
// [Deduper.Claim] answers one of three [State] values:
//
//   - [Claimed]: this request holds the key; insert the event, then
//     [Deduper.Complete] it, or [Deduper.Release] it if the insert failed.
//   - [Completed]: the event was stored before; answer the provider's
//     success response and store nothing.
//   - [InFlight]: someone else holds the key (another request, or a
//     process that died holding it). This is never answered as a duplicate:
//     the caller goes on to the insert, and the database UNIQUE key decides
//     (a duplicate-key error is a duplicate, not a failure). Then it calls
//     Complete, since the row is committed either way.
//
// A 2xx is only ever sent for an event whose row is known to be committed.
//
// # Failures
//
// A Claim error means the state is unknown (Redis down or slow). Deduper
// then returns a Claim with State InFlight alongside the error, so the
// caller proceeds as for InFlight: it fails open to the database, never to
// a 2xx. Every failure is counted and returned, not logged: the caller
// that handles it logs it once (pkg/ingest does). Complete and Release
// errors lose no event (the row is committed, or the claim expires after the in-flight
// TTL).
//
// # Stores
//
// A [Store] does the three atomic steps. [RedisStore] is shared by all
// processes (one command or Lua script per step, keys under
// "webhook:processed:"); [MemoryStore] serves a single process when no
// Redis is configured and is bounded by MaxKeys. Both pass the conformance
// suite in package deduptest.
//
// # Usage
//
//	d, err := dedup.New(dedup.Config{Store: dedup.NewRedisStore(rdb, dedup.RedisConfig{}), Registerer: reg})
//	...
//	c, err := d.Claim(ctx, "retell:call_ended:"+callID)
//	if err != nil {
//		log.Warn("dedup unavailable", "err", err) // c.State is InFlight
//	}
//	if c.State == dedup.Completed {
//		return ack() // duplicate
//	}
//	if err := insertEvent(ctx, ev); err != nil && !isDuplicateKey(err) {
//		_ = d.Release(ctx, c)
//		return err // 5xx: the provider retries
//	}
//	_ = d.Complete(ctx, c, 600*time.Second)
//	return ack()
package dedup
