// Package calcom is a typed client of the Cal.com API v2 for the booking
// flow: free slots, slot reservations, bookings (create, read, cancel,
// reschedule) and event types. The source of truth for every shape and
// message is ../shared/fixtures/calcom/README.md ("the README"); sections
// are cited where they matter.
//
// # Use
//
// Build one [Client] per company: its own API key and base URL (DESIGN.md
// "Tenancy and security"; https://api.cal.eu for the EU-hosted Cal.com).
// Clients are cheap; the budget and the breakers they share live outside
// them.
//
//	c, err := calcom.New(calcom.Config{BaseURL: company.CalcomBaseURL, APIKey: key.Reveal(), Budget: shared})
//	slots, err := c.Slots(ctx, calcom.SlotsQuery{EventTypeID: 4711, Start: from, End: to, TimeZone: "Europe/Berlin"})
//	res, err := c.ReserveSlot(ctx, calcom.ReservationRequest{EventTypeID: 4711, SlotStart: slots.List()[0].Start})
//	b, err := c.CreateBooking(ctx, calcom.BookingRequest{..., ReservedSlotUID: res.ReservationUID})
//	switch {
//	case errors.Is(err, calcom.ErrSlotTaken): // offer the nearest free slots instead
//	case errors.Is(err, calcom.ErrAmbiguous): // may be booked: find out before trying again
//	}
//
// # Endpoints and versions
//
// Every request carries "Authorization: Bearer <key>" and the
// cal-api-version of its endpoint (README section 2): [VersionSlots]
// (2024-09-04) for /v2/slots and /v2/slots/reservations, [VersionBookings]
// (2024-08-13) for /v2/bookings, [VersionEventTypes] (2024-06-14) for
// /v2/event-types. Without it Cal.com silently answers with an older
// version of the endpoint. Request times are sent in UTC ISO 8601;
// answers keep the offsets Cal.com gives (slots in the asked time zone).
//
// # Errors
//
// An error answer is an [*APIError] (status, exception code, message, path,
// Retry-After) decoded from the shape of README section 3. Callers branch
// with errors.Is on:
//
//   - [ErrSlotTaken]: the documented conflicts of README section 5, matched
//     by status and message (422 for reservations; 400 "User either already
//     has booking..." and its team variant; 400 or 409 "Someone else
//     reserved this booking time slot before you...");
//   - [ErrNotFound] ([IsNotFound]), [ErrUnauthorized], [ErrRateLimited];
//   - [ErrCircuitOpen], [ErrBudgetExhausted]: nothing was sent;
//   - [ErrAmbiguous]: a creating request may have taken effect;
//   - [ErrInvalidRequest]: refused before sending (for example metadata over
//     50 keys, keys over 40 or values over 500 characters).
//
// No error and no log line ever holds the API key; budgets and logs use
// [KeyHash] (a SHA-256).
//
// # Retries
//
// Each attempt is bounded by Config.Timeout (10s). Failed attempts are
// retried up to Config.MaxRetries (2) times after a jittered, doubling
// backoff, or after Retry-After / X-RateLimit-Reset-Default when Cal.com
// sends them and they are longer; a wait that cannot end before the
// context's deadline is not started. Other 4xx answers are never retried.
//
// Reads, releases and cancels are retried on network errors, timeouts, 429
// and 5xx. Requests that create something (POST /v2/bookings, POST
// /v2/slots/reservations, reschedule) are not: Cal.com reads no idempotency
// key (README section 5, "a client that retries must remember what it
// booked itself"), so a timeout or 5xx after the request was sent may have
// booked. Those are retried only when Cal.com cannot have acted: a 429 (the
// throttler answers before any handler), a 503 that carries Retry-After
// (load shedding or maintenance), or a failure before the request was
// completely written (a refused connection, DNS, TLS; seen with
// net/http/httptrace). Anything else returns an error wrapping
// [ErrAmbiguous] and the [*APIError] or network error.
//
// A cancel retried after an attempt that may have cancelled answers "This
// booking has already been cancelled."; [Client.CancelBooking] then reads
// and returns the booking. [Client.ReleaseReservation] treats a 404 after
// such an attempt as released.
//
// # Request budget
//
// Cal.com allows an API key 120 requests per 60 s and then blocks it for
// 60 s (README section 5). Every attempt first asks Config.Budget for a
// grant under the key's hash. [NewLocalBudget] (golang.org/x/time/rate, per
// process) and [NewRedisBudget] (go-redis/redis_rate GCRA, shared by all
// replicas) default to [DefaultBudgetPerMinute] (100): a burst of a tenth
// and a refill of the rest per minute, so no 60 s window ever holds more
// than 100 requests of a key, wherever Cal.com's window starts. A grant
// that would come after the context's deadline is refused at once with
// [ErrBudgetExhausted]. A 429, or a success whose
// X-RateLimit-Remaining-Default is 0, pauses the key until Cal.com's reset
// ([Pauser]). A failing budget store (Redis down) is logged and the request
// is sent anyway.
//
// # Circuit breaker
//
// [Breakers] hold one sony/gobreaker breaker per host, shared by every
// client given the same set (nil: one process-wide set). Five consecutive
// failed attempts (network errors, timeouts, 5xx) open it for 30 s; then
// one probe is let through. 4xx answers count as successes, 429s and
// requests the caller abandoned not at all.
//
// # Observing
//
// Config.Observer (an [outbound.Observer], such as [outbound.Metrics]) is
// told of every attempt sent, under its endpoint pattern
// ("/v2/bookings/{uid}/cancel", never the uid), and of the states of the
// host's breaker; each attempt also logs one line through Config.Logger
// ([outbound.Log]). docs/metrics.md lists the metrics.
//
// # Testing
//
// Package calcomtest is an in-memory Cal.com on httptest that enforces what
// the real service does (versions, auth, rate limit, reservations and their
// expiry, the conflict messages) and injects faults, including failures
// after a booking was made.
package calcom
