// Package ingest is askpro's ingestion protocol: claim, durable insert,
// complete or release, and only then the answer. The webhook routes use it,
// and so will anything else that must store or act exactly once per key
// (the Retell function endpoints, replay).
//
// # The protocol
//
// A [Guard] runs a store function under a two-phase dedup claim
// (pkg/dedup) and reports success only once the effect is committed:
//
//	Claim(key) ──► Completed ────────────────────────────────► Duplicate ──► answer success
//	    │
//	    ├──► Claimed ───┐
//	    ├──► InFlight ──┼──► store ──ok──► Complete(key, ttl) ──► Stored / Duplicate ──► answer success
//	    └──► error ─────┘        │
//	                             └─fail──► Release(key) ──► error ──► answer 5xx (the sender retries)
//
// The zero answer is the safe one: a claim that failed (Redis down) or
// that someone else holds (another request, or a process that died holding
// it) is never answered as a duplicate. The store runs and the database
// UNIQUE key decides; a duplicate-key result is a duplicate, not a failure.
// Each dedup failure is logged once, here, with the request's context.
//
// # Webhooks
//
// [Webhooks] is the http.Handler of POST /webhooks/{provider}
// ([WebhookPattern]). In order (DESIGN.md "Webhook ingestion"):
//
//  1. the body limit (413), reading the raw bytes once;
//  2. the provider's signature on the raw bytes (401, a metric and a
//     security log line whose request values are cut to 256 bytes of valid
//     UTF-8), unless the provider is served unverified
//     (--insecure-skip-verify, only for providers without a secret);
//  3. webhook.Parse: the whole body is RFC 8259 JSON (valid UTF-8, any
//     depth), then event type and idempotency key (400);
//  4. to 6. [Guard.Do] with the inbox insert as the store function (503
//     when the row is not known to be committed);
//  7. the provider's acknowledgement.
//
// Nothing is stored for a rejected request, and a 2xx is sent only for an
// event whose row is known to be committed, by this request or another.
//
// The handler depends on two small interfaces declared here, [Inserter]
// (a *queue.Inbox) and [Deduper] (a *dedup.Deduper), and on one
// [Verifier] per verified provider (the pkg/webhook adapters). internal/app
// composes them.
package ingest
