package retell

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/askproai/askpro/internal/sanitize"
)

// Errors callers branch on with errors.Is.
var (
	// ErrCircuitOpen means the circuit breaker for Retell's host is open (or
	// half-open with its probe in flight), so no request was sent. The
	// returned error also wraps gobreaker's ErrOpenState or
	// ErrTooManyRequests.
	ErrCircuitOpen = errors.New("retell: circuit breaker open")

	// ErrInvalidConfig is returned by [New] for a Config it cannot use.
	ErrInvalidConfig = errors.New("retell: invalid config")

	// ErrInvalidArgument is returned, before any request is sent, for an
	// argument no request could succeed with (an empty id, say).
	ErrInvalidArgument = errors.New("retell: invalid argument")
)

// maxMessageLen bounds the message kept from an error body that is not
// Retell's error JSON.
const maxMessageLen = 200

// APIError is an answer from Retell with a status outside 2xx. Message is
// the "message" of Retell's error body {"status":"error","message":...}
// (fixtures/retell/README.md section 4, "Errors"), or for any other body a
// short snippet of it made valid UTF-8; it never contains the API key.
// Path is the request path with any phone number masked.
type APIError struct {
	StatusCode int
	Message    string
	Method     string
	Path       string
	// RetryAfter is the wait the answer's Retry-After header asked for
	// (seconds or an HTTP date), zero when there was none.
	RetryAfter time.Duration
}

// Error returns "retell: METHOD PATH: STATUS MESSAGE".
func (e *APIError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = http.StatusText(e.StatusCode)
	}
	return fmt.Sprintf("retell: %s %s: %d %s", e.Method, e.Path, e.StatusCode, msg)
}

// Temporary reports whether the status says the request may succeed later
// (429 and 5xx).
func (e *APIError) Temporary() bool {
	return e.StatusCode == http.StatusTooManyRequests || e.StatusCode >= 500
}

// RequestError is a request that got no HTTP answer: the connection failed,
// the attempt timed out or the context ended. Sent reports whether the
// whole request had been written when it failed; when it had not, Retell
// cannot have acted on it.
type RequestError struct {
	Method string
	Path   string
	Sent   bool
	Err    error
}

// Error returns "retell: METHOD PATH: cause".
func (e *RequestError) Error() string {
	return fmt.Sprintf("retell: %s %s: %v", e.Method, e.Path, e.Err)
}

// Unwrap returns the cause.
func (e *RequestError) Unwrap() error { return e.Err }

// IsNotFound reports whether err says the addressed object does not exist:
// a 404, or a 422 "Cannot find requested asset under given api key."
//
// Retell's spec lists 422, not 404, for agent CRUD, and its table gives
// "Cannot find requested asset under given api key." as the 422 message,
// while 404 is documented as "The requested resource was not found."
// (fixtures/retell/README.md section 4). Which one a missing id gets in
// production is not confirmed, so both count. A 422 for an id named in a
// body (an unknown llm_id in create-agent) is also reported as not found.
func IsNotFound(err error) bool {
	var ae *APIError
	if !errors.As(err, &ae) {
		return false
	}
	switch ae.StatusCode {
	case http.StatusNotFound:
		return true
	case http.StatusUnprocessableEntity:
		return strings.Contains(strings.ToLower(ae.Message), "cannot find")
	}
	return false
}

// MayHaveSucceeded reports whether a failed request may still have taken
// effect at Retell: it was written in full and then got a 5xx, no answer, a
// timeout or a cancellation. A create that fails this way may have created
// the object; the caller must find out (list, or get by a known id) before
// creating again. It is false for nil, for refusals (4xx), for requests
// that were never sent and for an open circuit (unless an earlier attempt
// of the same call was ambiguous and the breaker then refused the retry).
func MayHaveSucceeded(err error) bool {
	if err == nil {
		return false
	}
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.StatusCode >= 500
	}
	var re *RequestError
	if errors.As(err, &re) {
		return re.Sent
	}
	return false
}

// errorBody is Retell's documented error shape.
type errorBody struct {
	Status  string `json:"status"`
	Message string `json:"message"`
}

// newAPIError builds the error for a non-2xx answer; key is removed from
// the message wherever it appears.
func newAPIError(method, path string, status int, body []byte, retryAfter time.Duration, key string) *APIError {
	msg := ""
	var eb errorBody
	if json.Unmarshal(body, &eb) == nil && eb.Message != "" {
		msg = eb.Message
	} else {
		msg = strings.TrimSpace(string(body))
	}
	if key != "" {
		msg = strings.ReplaceAll(msg, key, "[redacted]")
	}
	msg = sanitize.String(strings.Join(strings.Fields(msg), " "), maxMessageLen)
	return &APIError{StatusCode: status, Message: msg, Method: method, Path: path, RetryAfter: retryAfter}
}

// isCallerDone reports whether err comes from the caller's context (not from
// the per-attempt timeout).
func isCallerDone(ctx context.Context, err error) bool {
	return ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded))
}
