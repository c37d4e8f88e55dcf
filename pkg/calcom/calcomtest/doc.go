// Package calcomtest is a fake Cal.com API v2 for tests: an in-memory
// server on net/http/httptest that behaves as README section 5 of
// ../shared/fixtures/calcom says the real service does, so that code
// built on package calcom is tested against the rules it will meet.
//
// # Setup
//
//	clock := calcomtest.NewClock(time.Date(2026, 3, 2, 14, 5, 0, 0, time.UTC))
//	srv := calcomtest.NewServer(calcomtest.Config{Now: clock.Now})
//	t.Cleanup(srv.Close)
//	srv.AddAPIKey("cal_live_test")
//	srv.AddEventType(calcomtest.EventType{ID: 4711, Slug: "damenhaarschnitt-60", Title: "Damenhaarschnitt", LengthMinutes: 60})
//	srv.SetAvailability(4711, "Europe/Berlin", calcomtest.Availability{Weekly: []calcomtest.Hours{
//		{Weekday: time.Thursday, From: "09:00", To: "17:00"},
//	}})
//	c, _ := calcom.New(calcom.Config{BaseURL: srv.URL, APIKey: "cal_live_test", Now: clock.Now, Sleep: clock.Sleep})
//
// # What it enforces
//
//   - Authorization: Bearer with a key added by [Server.AddAPIKey] on every
//     endpoint, else 401 (the real service lets some endpoints through
//     without a key; askpro always sends one).
//   - cal-api-version per endpoint: 2024-09-04 for /v2/slots..., 2024-08-13
//     (or 2026-02-25) for /v2/bookings..., 2024-06-14 for
//     /v2/event-types.... A missing or other value is answered 400 with a
//     message naming the version expected. This is deliberately stricter
//     than Cal.com, which silently serves an older version: the 400 catches
//     the client bug that would otherwise pass every test.
//   - The rate limit of throttler-guard.ts: [Config.RateLimit] requests per
//     key in a 60 s window from its first request, then 429 for 60 s; every
//     answer carries X-RateLimit-Limit-Default, X-RateLimit-Remaining-Default
//     and X-RateLimit-Reset-Default (seconds).
//   - GET /v2/slots: free slot starts of the availability within [start,
//     end] (UTC date or date-time; an end at midnight means 23:59:59 of that
//     day), grouped by day in timeZone, minus past slots, slots overlapping
//     an accepted booking of the same host (Host.ID) and slots held by an
//     active reservation. Reservations hide a slot from every caller: API
//     requests carry no booker identity.
//   - Reservations: POST 201 with the documented output; 422 "Can't reserve
//     a slot if the event is already booked." or "This time slot is already
//     reserved by another user. Please choose a different time."; slotDuration
//     only for variable-length event types; reservationDuration only for
//     the owner's key (403). Expiry runs on the injected clock. GET answers
//     null data for an unknown uid (as the controller does), PATCH moves and
//     extends (200), DELETE releases (200; 404 for an unknown uid).
//   - POST /v2/bookings: start in UTC ("...Z", another offset is refused
//     although Cal.com converts it), attendee name and IANA timeZone, email
//     or E.164 phoneNumber, metadata of strings within 50 keys / 40 / 500
//     characters, no start in the past ("Attempting to book a meeting in the
//     past."), a start that is a slot of the availability and free ("User
//     either already has booking at this time or is not available", or the
//     hosts variant for Team event types). An active reservation of another
//     caller, created before the one named by reservedSlotUid (or any, when
//     none is named or it expired), answers 400 "Someone else reserved this
//     booking time slot before you. This time slot will be freed up in N
//     seconds." A booking uses up the reservation it names; an expired one
//     of one's own still books if the slot is free. Answers 201.
//   - GET /v2/bookings/{uid}, cancel (200; 400 "This booking has already been
//     cancelled."), reschedule (201 with a new uid and rescheduledFromUid; the
//     old booking becomes cancelled with rescheduledToUid). Unknown uids: 404
//     "Booking with uid=<uid> not found".
//   - GET /v2/event-types (the key's own) and /v2/event-types/{id} (404
//     "Event type with id <id> not found", the fixture's body).
//
// Messages marked "calcomtest:" are the fake's own where Cal.com's text is
// not known. Not modelled: seated and recurring event types, round-robin,
// event types that need confirmation (which return an existing booking on a
// repeat), minimum booking notice and booking windows, slug selectors.
//
// # Inspection and faults
//
// [Server.Bookings], [Server.Reservations] and [Server.Requests] (every
// request in order with its headers, body and answered status) let tests
// check what happened. [Server.Fail] answers a status before anything is
// done, [Server.FailAfterProcessing] after the request took effect (status
// 0: no answer until the client times out), [Server.Inject] takes a full
// [Fault] (code, headers such as Retry-After, count), and [Server.Delay]
// slows an endpoint down. [Clock] is a settable clock whose Sleep advances
// it, for the fake and the client alike.
package calcomtest
