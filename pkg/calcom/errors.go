package calcom

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Sentinel errors. Match them with errors.Is; an [*APIError] matches the
// classifying ones (ErrSlotTaken, ErrNotFound, ErrUnauthorized,
// ErrRateLimited) by its status and message.
var (
	// ErrSlotTaken means the slot can no longer be had: Cal.com answered
	// one of the conflicts of the fixture README, section 5 (a 422 from
	// POST /v2/slots/reservations, "Can't reserve a slot if the event is
	// already booked." or "This time slot is already reserved by another
	// user. Please choose a different time."; a 400 from POST /v2/bookings
	// or reschedule, "User either already has booking at this time or is
	// not available" or its team variant "One of the hosts either already
	// has booking at this time or is not available"; a 400 or 409
	// "Someone else reserved this booking time slot before you. ..."; a 422
	// "Booking with id=... has no more seats left."). Callers answer it
	// with alternatives, not as a failure.
	ErrSlotTaken = errors.New("calcom: slot taken")

	// ErrNotFound means the booking, reservation or event type does not
	// exist (a 404, or a reservation read that answered no data).
	ErrNotFound = errors.New("calcom: not found")

	// ErrUnauthorized means Cal.com refused the API key (401 or 403).
	ErrUnauthorized = errors.New("calcom: unauthorized")

	// ErrRateLimited means Cal.com answered 429 and no retry was left or
	// could wait for the reset within the context's deadline.
	ErrRateLimited = errors.New("calcom: rate limited")

	// ErrCircuitOpen means the circuit breaker of the Cal.com host is open
	// (or half-open and busy): the request was not sent.
	ErrCircuitOpen = errors.New("calcom: circuit open")

	// ErrBudgetExhausted means the request budget of the API key cannot
	// grant a request before the context's deadline: nothing was sent.
	ErrBudgetExhausted = errors.New("calcom: request budget exhausted")

	// ErrAmbiguous means a request that creates something (a booking, a
	// reservation, a rescheduled booking) failed after it was sent: Cal.com
	// may have acted on it. It was not retried, because Cal.com reads no
	// idempotency key (README section 5): the caller must find out what
	// happened (for example by listing its bookings) before trying again.
	ErrAmbiguous = errors.New("calcom: request may have been processed")

	// ErrInvalidRequest means the client refused a request before sending
	// it (a missing field, metadata over the documented limits, ...).
	ErrInvalidRequest = errors.New("calcom: invalid request")
)

// Conflict messages of README section 5, compared without a trailing period.
var slotTakenMessages = map[int][]string{
	http.StatusUnprocessableEntity: {
		"Can't reserve a slot if the event is already booked",
		"This time slot is already reserved by another user. Please choose a different time",
	},
	http.StatusBadRequest: {
		"User either already has booking at this time or is not available",
		"One of the hosts either already has booking at this time or is not available",
	},
}

// someoneElseReserved starts the message Cal.com answers, with 400 on
// 2024-08-13 and 409 on 2024-04-15, when an earlier reservation of
// another client holds the slot.
const someoneElseReserved = "Someone else reserved this booking time slot before you."

// alreadyCancelled is Cal.com's answer to cancelling a cancelled booking.
const alreadyCancelled = "This booking has already been cancelled."

// APIError is an error answer of the Cal.com API, decoded from the shape of
// apps/api/v2/src/filters/http-exception.filter.ts (README section 3):
//
//	{"status":"error","timestamp":...,"path":...,"error":{"code":...,"message":...,"details":...}}
//
// An answer in another shape (a proxy's HTML page) keeps the status and a
// short, valid UTF-8 excerpt of the body as Message. Match classes of errors
// with errors.Is: [ErrSlotTaken], [ErrNotFound], [ErrUnauthorized],
// [ErrRateLimited]. An APIError never holds the API key.
type APIError struct {
	// StatusCode is the HTTP status.
	StatusCode int
	// Code is the exception class name, e.g. "BadRequestException".
	Code string
	// Message is error.message; a list of validation messages is joined
	// with "; ".
	Message string
	// Path is the request path Cal.com reports (the error's "path").
	Path string
	// Method is the HTTP method of the request.
	Method string
	// Timestamp is the error's "timestamp", as sent.
	Timestamp string
	// Details is error.details as sent (for NestJS exceptions
	// {message, error, statusCode}); nil when absent.
	Details json.RawMessage
	// RetryAfter is how long Cal.com asked to wait (Retry-After, or on a
	// 429 X-RateLimit-Reset-Default); zero when it did not say.
	RetryAfter time.Duration
}

// Error returns "calcom: METHOD PATH: STATUS CODE: MESSAGE".
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("calcom: ")
	if e.Method != "" {
		b.WriteString(e.Method)
		b.WriteByte(' ')
	}
	b.WriteString(e.Path)
	fmt.Fprintf(&b, ": %d", e.StatusCode)
	if e.Code != "" {
		b.WriteByte(' ')
		b.WriteString(e.Code)
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	return b.String()
}

// Is reports whether e belongs to target's class: [ErrSlotTaken] by status
// and message (README section 5), [ErrNotFound] for 404, [ErrUnauthorized]
// for 401 and 403, [ErrRateLimited] for 429.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrSlotTaken:
		return e.SlotTaken()
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized || e.StatusCode == http.StatusForbidden
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests
	}
	return false
}

// SlotTaken reports whether e is one of the documented slot conflicts; see
// [ErrSlotTaken]. Status and message must both match: the same message with
// another status is not a conflict.
func (e *APIError) SlotTaken() bool {
	msg := strings.TrimSpace(e.Message)
	switch e.StatusCode {
	case http.StatusBadRequest, http.StatusConflict:
		if strings.HasPrefix(msg, someoneElseReserved) {
			return true
		}
	case http.StatusUnprocessableEntity:
		if strings.HasPrefix(msg, "Booking with id=") && strings.HasSuffix(msg, "has no more seats left.") {
			return true
		}
	}
	trimmed := strings.TrimSuffix(msg, ".")
	for _, m := range slotTakenMessages[e.StatusCode] {
		if trimmed == m {
			return true
		}
	}
	return false
}

// IsNotFound reports whether err says the thing asked for does not exist
// (errors.Is(err, ErrNotFound)).
func IsNotFound(err error) bool { return errors.Is(err, ErrNotFound) }

// IsSlotTaken reports whether err is a slot conflict (errors.Is(err,
// ErrSlotTaken)).
func IsSlotTaken(err error) bool { return errors.Is(err, ErrSlotTaken) }

// errorBody is the wire shape of an error answer.
type errorBody struct {
	Status    string `json:"status"`
	Timestamp string `json:"timestamp"`
	Path      string `json:"path"`
	Error     struct {
		Code    string          `json:"code"`
		Message json.RawMessage `json:"message"`
		Details json.RawMessage `json:"details"`
	} `json:"error"`
}

// maxExcerpt bounds the part of an unexpected body an error repeats.
const maxExcerpt = 200

// decodeAPIError builds the APIError of an answer with a non-2xx status.
func decodeAPIError(status int, method, path string, body []byte) *APIError {
	e := &APIError{StatusCode: status, Method: method, Path: path}
	var eb errorBody
	if json.Unmarshal(body, &eb) == nil && eb.Status == "error" {
		e.Code = eb.Error.Code
		e.Message = messageText(eb.Error.Message)
		if eb.Path != "" {
			e.Path = eb.Path
		}
		e.Timestamp = eb.Timestamp
		if len(eb.Error.Details) > 0 && string(eb.Error.Details) != "null" {
			e.Details = append(json.RawMessage(nil), eb.Error.Details...)
		}
		return e
	}
	e.Message = excerpt(body)
	if e.Message == "" {
		e.Message = http.StatusText(status)
	}
	return e
}

// messageText reads error.message: a string, or a list of strings (the
// class-validator form), joined.
func messageText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var list []string
	if json.Unmarshal(raw, &list) == nil {
		return strings.Join(list, "; ")
	}
	return excerpt(raw)
}

// excerpt returns up to maxExcerpt bytes of b as valid UTF-8, one line.
func excerpt(b []byte) string {
	if len(b) > maxExcerpt {
		b = b[:maxExcerpt]
	}
	s := strings.ToValidUTF8(string(b), "\uFFFD")
	return strings.Join(strings.Fields(s), " ")
}
