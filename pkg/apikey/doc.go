// Package apikey holds askpro's API keys: their format, hashing, and the
// [Authenticator] that turns an `Authorization: Bearer` header into the
// request's [tenant.Principal].
//
// # Keys
//
// A key reads
//
//	askpro_Ab3dEf9h_0123456789abcdefghijABCDEFGHIJkl1BzLWT
//	└─────┬───────┘ └──────────────┬───────────────┘└─┬──┘
//	   prefix (15)         32 random, base62        CRC-32
//
// The fixed scheme lets secret scanners find a leaked key; the public
// prefix ("askpro_" and 8 random characters) is what is stored and listed
// to tell keys apart; the 32 random characters (crypto/rand, about 190 bits)
// are the secret; the base62 CRC-32 checksum at the end lets [Parse] refuse
// a mistyped or made-up string without asking the database. Only the
// SHA-256 of the whole key is stored (api_keys.key_hash, lowercase hex): a
// key is shown once, when [Generate] makes it (pkg/store's APIKeys.Create),
// and cannot be read again. A fast hash is enough because the key is random
// and long; a password hash would only slow down every request.
//
// A key is held as a [Secret], whose String, GoString, LogValue and
// MarshalText give the masked form ("askpro_Ab3dEf9h_****"): a Secret that
// reaches fmt, slog or JSON by mistake does not leak. [Secret.Reveal] gives
// the key on purpose.
//
// # Authentication
//
// [Authenticator.Authenticate] parses the token, hashes it, and looks the
// hash up through [Keys] (a [tenant.System] context; pkg/store's APIKeys).
// Keys are compared by hash, never as keys: the lookup is by SHA-256, so
// the time it takes says nothing about the key. Answers are cached by hash:
//
//   - a valid or revoked key for CacheTTL (default 30s). A revocation
//     therefore takes effect within CacheTTL in every process;
//     [Authenticator.Purge] drops the cache at once for a process that
//     learns of one (a pub/sub message, say).
//   - an unknown key for NegativeTTL (default 5s), so a client retrying a
//     wrong key, or a brute force repeating one, does not reach the database
//     each time. Guessing many different keys is what the per-IP rate limit
//     is for: 190 random bits are not found by guessing.
//   - a lookup that failed (the database is down) is not cached, and
//     [Authenticator.Middleware] answers it 503, not 401.
//
// The cache holds at most CacheSize keys (default 10,000).
//
// # Last use
//
// Every successful authentication records the key's use in memory; a
// background flush writes them all in one [Toucher] call (one UPDATE) every
// TouchInterval (default 1m), and [Authenticator.Close] writes the rest. So
// a key used 1,000 times a minute costs one write a minute, and
// last_used_at is at most TouchInterval behind. The store only moves
// last_used_at forward, so flushes of several processes, in any order, keep
// the latest.
//
// # Middleware
//
//	auth, err := apikey.New(apikey.Config{Keys: st.APIKeys, Toucher: st.APIKeys, Logger: logger})
//	if err != nil { ... }
//	defer auth.Close(ctx)
//	mux.Handle("/api/v1/", auth.Middleware(api))
//
// A missing, malformed, unknown or revoked key gets 401 with
// `WWW-Authenticate: Bearer realm="askpro"` and the REST API's error body
// `{"error":{"code":"unauthorized","message":"..."}}` (Config.OnError
// writes it; [WriteError] by default). Each refusal of a token is a
// "security: API key refused" warning carrying the key's public prefix at
// most.
package apikey
