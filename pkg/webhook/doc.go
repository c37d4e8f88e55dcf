// Package webhook holds the provider adapters of askpro's webhook ingestion:
// signature verification, and, separately, parsing into event type,
// idempotency key and dedup TTL, and the acknowledgement each provider
// expects. It does no I/O; pkg/ingest composes it with the dedup store and
// the event table (pkg/queue, which also routes events to their queues).
//
// # Verifiers
//
// One [Verifier] per provider, each holding its secrets:
//
//   - [Retell] (NewRetell): header X-Retell-Signature "v=<unix ms>,d=<hex>",
//     HMAC-SHA256 under the API key of body followed by the timestamp, a
//     two-sided 5 minute window. Also verifies Retell custom-function calls.
//   - [Calcom] (NewCalcom): header X-Cal-Signature-256, hex HMAC-SHA256 of the
//     body under the webhook secret; "no-secret-provided" is refused.
//   - [Stripe] (NewStripe): header Stripe-Signature "t=<unix s>,v1=<hex>...",
//     HMAC-SHA256 under the whsec_ secret of "<t>.<body>", any v1 may match,
//     a two-sided 300 s window.
//
// Every verifier accepts several secrets where a rotation may need them, and
// compares digests in constant time with hmac.Equal. Verify does not
// allocate on success.
//
// # Parsing
//
// [Parse] needs no secret. It checks that the whole body is one RFC 8259
// JSON object (valid UTF-8, any nesting depth, every \uXXXX escape, lone
// surrogates included: what a provider signed is stored byte for byte, so
// nothing a database or encoding/json would refuse may refuse it here) and
// reads the few fields the key needs, in one pass. Field names match exactly
// as the providers send them ("CALL" is not "call"); when a key repeats, the
// last one wins, as in JavaScript and in encoding/json decoding into a map.
// Fields ingestion does not need never refuse an event.
//
// # Use
//
// For each request, after reading the raw body once:
//
//	if err := v.Verify(r.Header, body); err != nil {
//		// errors.Is(err, webhook.ErrUnauthorized): 401, store nothing
//	}
//	ev, err := webhook.Parse(v.Name(), body)
//	if err != nil {
//		// errors.Is(err, webhook.ErrBadPayload): 400 with err's message, store nothing
//	}
//	// claim ev.Key, insert the row (pkg/queue routes it by provider and type),
//	// headers webhook.HeadersToStore(v.Name(), r.Header), complete with ev.TTL
//	webhook.Ack(v.Name(), w)
//
// # Errors
//
// Verification errors distinguish [ErrMissingSignature],
// [ErrMalformedSignature], [ErrTimestampOutOfRange] and [ErrInvalidSignature]
// for the security log; all of them match [ErrUnauthorized]. Parse errors
// match [ErrBadPayload] and say why; a required field that is absent, null,
// empty or not a string is [ErrMissingField], naming the field. An unknown
// provider is [ErrUnknownProvider].
//
// # Idempotency keys
//
// A key names one event and never two:
//
//	retell  call_started, call_ended, call_analyzed (once per call):
//	            retell:{event}:{call.call_id}
//	        every other event (transcript_updated, transfer_*, ...; may repeat):
//	            retell:{event}:{call.call_id}:{digest}
//	calcom  calcom:{triggerEvent}:{payload.uid} (the root uid for the flat MEETING_* bodies)
//	        without a uid (PING, FORM_SUBMITTED, ...):
//	            calcom:{triggerEvent}:{createdAt}:{digest} (createdAt empty when absent)
//	stripe  stripe:{id}
//
// {digest} is the hex of the first 16 bytes of the SHA-256 of the raw body,
// so a byte-identical redelivery is a duplicate and a new event is not.
// Each part is percent-encoded where it must be: '%' as %25, ':' as %3A,
// and every byte that is not printable valid UTF-8 as %XX (control
// characters U+0000-U+001F and U+007F-U+009F, and the bytes of a lone
// surrogate, which Parse decodes losslessly as WTF-8, so "\ud83d" and
// "\ud83e" stay two keys). Keys are therefore printable valid UTF-8, two
// different tuples never share one, and ordinary keys read exactly as
// above: retell:call_ended:call_abc. The event type must be at most
// [MaxTypeLen] bytes of printable valid UTF-8, the key at most [MaxKeyLen]
// bytes; anything longer is refused, never cut.
//
// Stripe's CompanyID is data.object.metadata.company_id when it is a
// positive integer that fits int64 (a string of digits or a JSON number),
// else 0; metadata of any shape never refuses the event.
//
// # Dedup TTLs
//
// (The queue, priority and delay of an event are pkg/queue's routing table.)
//
//	retell  call_ended 600 s; others 300 s
//	calcom  BOOKING_CREATED 900 s; others 600 s
//	stripe  payment_intent.succeeded 1800 s; others 900 s
//
// # Testing
//
// Package webhooktest signs bodies, builds signed requests, and builds
// realistic sample deliveries from the embedded fixtures.
package webhook
