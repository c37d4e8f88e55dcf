// Package deduptest helps test code built on package dedup: the
// conformance suite every [dedup.Store] must pass, and a fake [Clock].
//
// Run the suite against a store that keeps real time (Redis):
//
//	func TestRedisStore(t *testing.T) {
//		deduptest.RunStore(t, func(t *testing.T) dedup.Store {
//			return dedup.NewRedisStore(client, dedup.RedisConfig{KeyPrefix: uniquePrefix(t)})
//		})
//	}
//
// or against one built on an injected clock, which the suite advances
// instead of sleeping:
//
//	func TestMemoryStore(t *testing.T) {
//		deduptest.RunStoreWithClock(t, func(t *testing.T, now func() time.Time) dedup.Store {
//			return dedup.NewMemoryStore(dedup.MemoryConfig{Now: now})
//		})
//	}
package deduptest
