// Package webhooktest signs webhook bodies the way Retell, Cal.com and Stripe
// do and builds signed requests, for tests of code that receives webhooks
// through package webhook (handlers, servers, end-to-end tests).
//
// The signers are the reference algorithms, independent of the verifiers in
// package webhook, so a round trip through both checks one against the
// other:
//
//	req := webhooktest.StripeRequest(t, srv.URL+"/webhooks/stripe", secret,
//		webhooktest.StripeBody("evt_1", "payment_intent.succeeded"))
//	resp, err := srv.Client().Do(req)
//
// # Signers
//
// [SignRetell], [SignCalcom] and [SignStripe] return header values;
// [RetellRequest], [CalcomRequest] and [StripeRequest] (and the At variants
// for an injected clock) build signed POST requests usable with
// http.Client.Do and with Handler.ServeHTTP. [RetellBody], [CalcomBody] and
// [StripeBody] build minimal bodies.
//
// # Samples
//
// [Sample] returns a realistic delivery of one of the events
// [SampleEvents] lists (the fixtures of package webhook, embedded, with a
// given or a fresh id), and [Sign] the signature header to send with it:
// what `askpro webhooks send` posts to test a deployment end to end.
//
//	body, err := webhooktest.Sample("calcom", "BOOKING_CREATED", "")
//	name, value := webhooktest.Sign("calcom", secret, body, time.Now())
//	req.Header.Set(name, value)
package webhooktest
