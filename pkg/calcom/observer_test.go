package calcom_test

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/askproai/askpro/pkg/calcom"
	"github.com/askproai/askpro/pkg/calcom/calcomtest"
	"github.com/askproai/askpro/pkg/outbound/outboundtest"
)

// endpointOf is the route pattern of each of the fake's operations (as
// Cal.com documents them).
var endpointOf = map[calcomtest.Op]string{
	calcomtest.OpSlots:             "GET /v2/slots",
	calcomtest.OpReserve:           "POST /v2/slots/reservations",
	calcomtest.OpGetReservation:    "GET /v2/slots/reservations/{uid}",
	calcomtest.OpUpdateReservation: "PATCH /v2/slots/reservations/{uid}",
	calcomtest.OpRelease:           "DELETE /v2/slots/reservations/{uid}",
	calcomtest.OpCreateBooking:     "POST /v2/bookings",
	calcomtest.OpGetBooking:        "GET /v2/bookings/{uid}",
	calcomtest.OpCancel:            "POST /v2/bookings/{uid}/cancel",
	calcomtest.OpReschedule:        "POST /v2/bookings/{uid}/reschedule",
	calcomtest.OpEventTypes:        "GET /v2/event-types",
	calcomtest.OpEventType:         "GET /v2/event-types/{id}",
}

func TestObserver_EveryEndpointByPattern(t *testing.T) {
	t.Parallel()
	rec := &outboundtest.Recorder{}
	var logs bytes.Buffer
	c, b := setup(t, func(cfg *calcom.Config) {
		cfg.Observer = rec
		cfg.Logger = slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	ctx := ctxT(t)

	_, err := c.Slots(ctx, slotsQ())
	require.NoError(t, err)
	res, err := c.ReserveSlot(ctx, calcom.ReservationRequest{EventTypeID: salonType, SlotStart: at(12, 9)})
	require.NoError(t, err)
	_, err = c.Reservation(ctx, res.ReservationUID)
	require.NoError(t, err)
	_, err = c.UpdateReservation(ctx, res.ReservationUID, calcom.ReservationRequest{EventTypeID: salonType, SlotStart: at(12, 10)})
	require.NoError(t, err)
	require.NoError(t, c.ReleaseReservation(ctx, res.ReservationUID))
	bk, err := c.CreateBooking(ctx, bookingReq(at(12, 9)))
	require.NoError(t, err)
	_, err = c.GetBooking(ctx, bk.UID)
	require.NoError(t, err)
	nb, err := c.RescheduleBooking(ctx, bk.UID, calcom.RescheduleRequest{Start: at(12, 11)})
	require.NoError(t, err)
	_, err = c.CancelBooking(ctx, nb.UID, calcom.CancelRequest{})
	require.NoError(t, err)
	_, err = c.EventTypes(ctx)
	require.NoError(t, err)
	_, err = c.EventType(ctx, salonType)
	require.NoError(t, err)
	_, err = c.GetBooking(ctx, "no-such-uid")
	require.True(t, calcom.IsNotFound(err))

	reqs := b.srv.Requests()
	require.Len(t, rec.Calls(), len(reqs), "one observation per attempt sent")
	seen := map[calcomtest.Op]bool{}
	for i, r := range reqs {
		got := rec.Calls()[i]
		want, ok := endpointOf[r.Op]
		require.True(t, ok, "request %d: unexpected op %s", i, r.Op)
		seen[r.Op] = true
		assert.Equal(t, want, got.Method+" "+got.Endpoint, "request %d (%s %s)", i, r.Method, r.Path)
		assert.Equal(t, "calcom", got.Service)
		assert.Equal(t, r.Status, got.Status)
		assert.Equal(t, 1, got.Attempt)
		assert.Positive(t, got.Duration)
		assert.NotContains(t, got.Endpoint, bk.UID, "never the uid")
	}
	assert.Len(t, seen, len(endpointOf), "every endpoint exercised")
	assert.Equal(t, 404, rec.Calls()[len(rec.Calls())-1].Status)

	// One line per attempt: Debug for successes, Info for the 404.
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	var outboundLines []string
	for _, l := range lines {
		if strings.Contains(l, `"msg":"outbound: calcom`) {
			outboundLines = append(outboundLines, l)
		}
	}
	require.Len(t, outboundLines, len(reqs))
	last := outboundLines[len(outboundLines)-1]
	for _, want := range []string{`"level":"INFO"`, `"service":"calcom"`, `"endpoint":"/v2/bookings/{uid}"`, `"method":"GET"`, `"status":404`, `"duration_ms":`} {
		assert.Contains(t, last, want)
	}
	assert.Contains(t, outboundLines[0], `"level":"DEBUG"`)
	assert.NotContains(t, logs.String(), "no-such-uid", "the path sent is not logged by the outbound line")

	assert.Equal(t, []string{"calcom " + strings.TrimPrefix(b.srv.URL, "http://") + " closed"}, rec.States(),
		"the breaker's first client reports it closed")
}

func TestObserver_RetriesAndTransportErrors(t *testing.T) {
	t.Parallel()
	rec := &outboundtest.Recorder{}
	c, b := setup(t, func(cfg *calcom.Config) { cfg.Observer = rec })
	b.srv.Fail(calcomtest.OpSlots, 503, "down", 1)
	_, err := c.Slots(ctxT(t), slotsQ())
	require.NoError(t, err)
	require.Len(t, rec.Calls(), 2)
	assert.Equal(t, 503, rec.Calls()[0].Status)
	assert.Equal(t, 1, rec.Calls()[0].Attempt)
	assert.Equal(t, 200, rec.Calls()[1].Status)
	assert.Equal(t, 2, rec.Calls()[1].Attempt)

	down := &outboundtest.Recorder{}
	dc, err := calcom.New(calcom.Config{BaseURL: closedURL(t), APIKey: testKey, MaxRetries: -1,
		Breaker: calcom.NewBreakers(calcom.BreakerConfig{Failures: 1}), Observer: down})
	require.NoError(t, err)
	_, err = dc.Slots(ctxT(t), slotsQ())
	require.Error(t, err)
	require.Len(t, down.Calls(), 1)
	assert.Equal(t, 0, down.Calls()[0].Status)
	assert.Error(t, down.Calls()[0].Err)
	require.Len(t, down.States(), 2)
	assert.True(t, strings.HasSuffix(down.States()[1], " open"), "the failure opened the breaker: %v", down.States())
	_, err = dc.Slots(ctxT(t), slotsQ())
	assert.ErrorIs(t, err, calcom.ErrCircuitOpen)
	assert.Len(t, down.Calls(), 1, "a request the breaker refused is not an attempt sent")
}
