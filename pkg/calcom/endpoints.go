package calcom

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Slots returns the free slots of q.EventTypeID between q.Start and q.End
// (GET /v2/slots, cal-api-version 2024-09-04). No free slot is an empty
// [Slots] and no error. It returns an error wrapping [ErrInvalidRequest]
// for a query without event type or times, [ErrNotFound] for an unknown
// event type, or another [*APIError].
func (c *Client) Slots(ctx context.Context, q SlotsQuery) (Slots, error) {
	if q.EventTypeID <= 0 {
		return nil, fmt.Errorf("%w: eventTypeId must be positive", ErrInvalidRequest)
	}
	if q.Start.IsZero() || q.End.IsZero() {
		return nil, fmt.Errorf("%w: start and end are required", ErrInvalidRequest)
	}
	if !q.End.After(q.Start) {
		return nil, fmt.Errorf("%w: end %s is not after start %s", ErrInvalidRequest, utcTime(q.End), utcTime(q.Start))
	}
	if q.Duration < 0 {
		return nil, fmt.Errorf("%w: duration must not be negative", ErrInvalidRequest)
	}
	end := q.End.UTC()
	if end.Hour() == 0 && end.Minute() == 0 && end.Second() == 0 && end.Nanosecond() == 0 {
		end = end.Add(-time.Second) // Cal.com would read midnight as 23:59:59 of that day
	}
	v := url.Values{}
	v.Set("eventTypeId", strconv.FormatInt(q.EventTypeID, 10))
	v.Set("start", utcTime(q.Start))
	v.Set("end", utcTime(end))
	if q.TimeZone != "" {
		v.Set("timeZone", q.TimeZone)
	}
	if q.Duration > 0 {
		v.Set("duration", strconv.Itoa(q.Duration))
	}
	out := Slots{}
	err := c.do(ctx, call{method: http.MethodGet, path: "/v2/slots", endpoint: "/v2/slots", query: v, version: VersionSlots}, &out)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ReserveSlot holds a slot for a few minutes (POST /v2/slots/reservations,
// 2024-09-04; README section 5), so that a booking made with its
// ReservationUID cannot be taken by another caller meanwhile. A slot
// already booked or held answers an error matching [ErrSlotTaken]. A
// failure after the request was sent wraps [ErrAmbiguous] and is not
// retried: a hold may exist, and it expires by itself.
func (c *Client) ReserveSlot(ctx context.Context, r ReservationRequest) (Reservation, error) {
	if err := r.validate(); err != nil {
		return Reservation{}, err
	}
	var out Reservation
	err := c.do(ctx, call{method: http.MethodPost, path: "/v2/slots/reservations", endpoint: "/v2/slots/reservations", version: VersionSlots, body: r, policy: creating}, &out)
	return out, err
}

// The endpoint patterns of the paths that carry a uid (call.endpoint).
const (
	epReservation = "/v2/slots/reservations/{uid}"
	epBooking     = "/v2/bookings/{uid}"
)

func reservationPath(uid string) (string, error) {
	if uid == "" {
		return "", fmt.Errorf("%w: reservation uid is required", ErrInvalidRequest)
	}
	return "/v2/slots/reservations/" + url.PathEscape(uid), nil
}

// Reservation reads a reservation (GET /v2/slots/reservations/{uid},
// 2024-09-04). Cal.com answers an unknown uid with no data; that returns an
// error matching [ErrNotFound].
func (c *Client) Reservation(ctx context.Context, uid string) (Reservation, error) {
	path, err := reservationPath(uid)
	if err != nil {
		return Reservation{}, err
	}
	var out Reservation
	err = c.do(ctx, call{method: http.MethodGet, path: path, endpoint: epReservation, version: VersionSlots}, &out)
	return out, err
}

// UpdateReservation moves or extends a reservation (PATCH
// /v2/slots/reservations/{uid}, 2024-09-04). Conflicts match
// [ErrSlotTaken]; an unknown uid [ErrNotFound].
func (c *Client) UpdateReservation(ctx context.Context, uid string, r ReservationRequest) (Reservation, error) {
	path, err := reservationPath(uid)
	if err != nil {
		return Reservation{}, err
	}
	if err := r.validate(); err != nil {
		return Reservation{}, err
	}
	var out Reservation
	err = c.do(ctx, call{method: http.MethodPatch, path: path, endpoint: epReservation, version: VersionSlots, body: r}, &out)
	return out, err
}

// ReleaseReservation gives a held slot back (DELETE
// /v2/slots/reservations/{uid}, 2024-09-04). An unknown uid returns an
// error matching [ErrNotFound], unless an earlier attempt of this call may
// have released it already.
func (c *Client) ReleaseReservation(ctx context.Context, uid string) error {
	path, err := reservationPath(uid)
	if err != nil {
		return err
	}
	err = c.do(ctx, call{
		method: http.MethodDelete, path: path, endpoint: epReservation, version: VersionSlots,
		settled: func(e *APIError) bool { return e.StatusCode == http.StatusNotFound },
	}, nil)
	if errors.Is(err, errSettled) {
		return nil
	}
	return err
}

// CreateBooking books a slot (POST /v2/bookings, 2024-08-13). Set
// ReservedSlotUID to use up a reservation from [Client.ReserveSlot]. The
// request is checked first ([BookingRequest.Validate]). A taken slot
// answers an error matching [ErrSlotTaken] (README section 5).
//
// Cal.com reads no idempotency key, so a booking is never sent twice after
// it may have arrived: a timeout or a 5xx after sending returns an error
// wrapping [ErrAmbiguous] (the booking may exist). Only a 429, a 503 with
// Retry-After and failures before the request was written are retried.
// For a recurring event type Cal.com answers a list; the first booking is
// returned.
func (c *Client) CreateBooking(ctx context.Context, r BookingRequest) (Booking, error) {
	if err := r.Validate(); err != nil {
		return Booking{}, err
	}
	var raw json.RawMessage
	if err := c.do(ctx, call{method: http.MethodPost, path: "/v2/bookings", endpoint: "/v2/bookings", version: VersionBookings, body: r, policy: creating}, &raw); err != nil {
		return Booking{}, err
	}
	return decodeBooking("POST /v2/bookings", raw)
}

// decodeBooking reads a booking, or the first of a list.
func decodeBooking(what string, raw json.RawMessage) (Booking, error) {
	var b Booking
	if t := bytes.TrimSpace(raw); len(t) > 0 && t[0] == '[' {
		var list []Booking
		if err := json.Unmarshal(t, &list); err != nil {
			return Booking{}, fmt.Errorf("calcom: %s: decode bookings: %w", what, err)
		}
		if len(list) == 0 {
			return Booking{}, fmt.Errorf("calcom: %s: empty list of bookings", what)
		}
		return list[0], nil
	}
	if err := json.Unmarshal(raw, &b); err != nil {
		return Booking{}, fmt.Errorf("calcom: %s: decode booking: %w", what, err)
	}
	return b, nil
}

func bookingPath(uid, suffix string) (string, error) {
	if uid == "" {
		return "", fmt.Errorf("%w: booking uid is required", ErrInvalidRequest)
	}
	return "/v2/bookings/" + url.PathEscape(uid) + suffix, nil
}

// GetBooking reads a booking by uid (GET /v2/bookings/{uid}, 2024-08-13).
// An unknown uid returns an error matching [ErrNotFound].
func (c *Client) GetBooking(ctx context.Context, uid string) (Booking, error) {
	path, err := bookingPath(uid, "")
	if err != nil {
		return Booking{}, err
	}
	var raw json.RawMessage
	if err := c.do(ctx, call{method: http.MethodGet, path: path, endpoint: epBooking, version: VersionBookings}, &raw); err != nil {
		return Booking{}, err
	}
	return decodeBooking("GET "+path, raw)
}

// CancelBooking cancels a booking (POST /v2/bookings/{uid}/cancel,
// 2024-08-13) and returns it, cancelled. Cancelling is idempotent in
// effect, so it is retried like a read; when a retry hears "This booking
// has already been cancelled." after an attempt that may have cancelled it,
// the booking is read and returned instead of the error. An unknown uid
// matches [ErrNotFound].
func (c *Client) CancelBooking(ctx context.Context, uid string, r CancelRequest) (Booking, error) {
	path, err := bookingPath(uid, "/cancel")
	if err != nil {
		return Booking{}, err
	}
	var raw json.RawMessage
	err = c.do(ctx, call{
		method: http.MethodPost, path: path, endpoint: epBooking + "/cancel", version: VersionBookings, body: r,
		settled: func(e *APIError) bool {
			return e.StatusCode == http.StatusBadRequest && strings.TrimSpace(e.Message) == alreadyCancelled
		},
	}, &raw)
	if errors.Is(err, errSettled) {
		return c.GetBooking(ctx, uid)
	}
	if err != nil {
		return Booking{}, err
	}
	return decodeBooking("POST "+path, raw)
}

// RescheduleBooking moves a booking to r.Start (POST
// /v2/bookings/{uid}/reschedule, 2024-08-13) and returns the NEW booking:
// a new uid whose RescheduledFromUID is uid; the old booking is cancelled.
// It is sent once like [Client.CreateBooking] (errors wrap [ErrAmbiguous]
// when it may have happened); a taken slot matches [ErrSlotTaken], an
// unknown uid [ErrNotFound].
func (c *Client) RescheduleBooking(ctx context.Context, uid string, r RescheduleRequest) (Booking, error) {
	path, err := bookingPath(uid, "/reschedule")
	if err != nil {
		return Booking{}, err
	}
	if r.Start.IsZero() {
		return Booking{}, fmt.Errorf("%w: start is required", ErrInvalidRequest)
	}
	var raw json.RawMessage
	if err := c.do(ctx, call{method: http.MethodPost, path: path, endpoint: epBooking + "/reschedule", version: VersionBookings, body: r, policy: creating}, &raw); err != nil {
		return Booking{}, err
	}
	return decodeBooking("POST "+path, raw)
}

// EventTypes lists the API key's event types (GET /v2/event-types,
// 2024-06-14).
func (c *Client) EventTypes(ctx context.Context) ([]EventType, error) {
	var out []EventType
	if err := c.do(ctx, call{method: http.MethodGet, path: "/v2/event-types", endpoint: "/v2/event-types", version: VersionEventTypes}, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// EventType reads one event type (GET /v2/event-types/{id}, 2024-06-14).
// An unknown id matches [ErrNotFound] ("Event type with id <id> not
// found").
func (c *Client) EventType(ctx context.Context, id int64) (EventType, error) {
	if id <= 0 {
		return EventType{}, fmt.Errorf("%w: event type id must be positive", ErrInvalidRequest)
	}
	var out EventType
	err := c.do(ctx, call{method: http.MethodGet, path: "/v2/event-types/" + strconv.FormatInt(id, 10), endpoint: "/v2/event-types/{id}", version: VersionEventTypes}, &out)
	return out, err
}

// Ping checks that Cal.com is reachable and accepts the API key, with one
// authenticated read (GET /v2/event-types), for the validator's
// CALCOM_UNREACHABLE check. A refused key matches [ErrUnauthorized];
// anything else means unreachable or unhealthy.
func (c *Client) Ping(ctx context.Context) error {
	return c.do(ctx, call{method: http.MethodGet, path: "/v2/event-types", endpoint: "/v2/event-types", version: VersionEventTypes}, nil)
}
