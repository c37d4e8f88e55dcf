// Package webhook holds the provider adapters of askpro's webhook ingestion:
// signature verification, idempotency key, event type, queue, dedup TTL and
// the acknowledgement each provider expects. It does no I/O; the HTTP server
// (pkg/server) composes it with the dedup store and the event table.
//
// # Providers
//
// One adapter per provider, behind the small [Provider] interface:
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
// Every adapter accepts several secrets where a rotation may need them, and
// compares digests in constant time with hmac.Equal. Verify does not
// allocate on success; Parse decodes only the fields it needs.
//
// # Use
//
// For each request, after reading the raw body once:
//
//	if err := p.Verify(r.Header, body); err != nil {
//		// errors.Is(err, webhook.ErrUnauthorized): 401, store nothing
//	}
//	ev, err := p.Parse(body)
//	if err != nil {
//		// errors.Is(err, webhook.ErrBadPayload): 400, store nothing
//	}
//	// claim ev.Key, insert the row with ev.Queue, available_at now+ev.Delay,
//	// headers webhook.HeadersToStore(p.Name(), r.Header), complete with ev.TTL
//	p.Ack(w)
//
// # Errors
//
// Verification errors distinguish [ErrMissingSignature],
// [ErrMalformedSignature], [ErrTimestampOutOfRange] and [ErrInvalidSignature]
// for the security log; all of them match [ErrUnauthorized]. Parse errors
// match [ErrBadPayload]; a missing key field is [ErrMissingField].
//
// # Idempotency keys, queues and TTLs
//
//	retell  retell:{event}:{call.call_id}        call_ended critical 600 s; call_failed high 300 s;
//	                                             call_analyzed normal, 5 s delay, 300 s; others normal 300 s
//	calcom  calcom:{triggerEvent}:{payload.uid}  BOOKING_CREATED critical 900 s; BOOKING_CANCELLED,
//	                                             BOOKING_RESCHEDULED high 600 s; others normal 600 s
//	stripe  stripe:{id}                          payment_intent.succeeded critical 1800 s; charge.failed,
//	                                             invoice.payment_failed high 900 s; others normal 900 s
//
// # Testing
//
// Package webhooktest signs bodies and builds signed requests for tests.
package webhook
