package tenant

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Conditions of the resolver chain. [Chain.Resolve] returns them wrapped in a
// [*ResolutionError]; match them with errors.Is.
var (
	// ErrUnresolved means no resolver of the chain named a company. The
	// middleware passes such a request on without a tenant: the handler
	// decides (the REST API answers 400 tenant_required).
	ErrUnresolved = errors.New("tenant: no company resolved")
	// ErrUnknownCompany means the resolved company, subdomain or called
	// number belongs to no company (HTTP 404).
	ErrUnknownCompany = errors.New("tenant: unknown company")
	// ErrInactiveCompany means the resolved company exists but is
	// deactivated (HTTP 403).
	ErrInactiveCompany = errors.New("tenant: company is inactive")
	// ErrForbidden means an X-Company-ID header came from a caller that is
	// not a platform-admin key (HTTP 403). It is logged as a security event.
	ErrForbidden = errors.New("tenant: X-Company-ID is honoured only for platform-admin keys")
	// ErrInvalidHeader means an X-Company-ID header is not a positive
	// integer (HTTP 400).
	ErrInvalidHeader = errors.New("tenant: X-Company-ID must be a positive integer")
)

// Attempt is one resolver's outcome in a [ResolutionError].
type Attempt struct {
	// Resolver is the resolver's name (see [Named]).
	Resolver string
	// CompanyID is the company the resolver named; 0 for no opinion or an
	// error.
	CompanyID int64
	// Err is the resolver's error; nil for a match or no opinion.
	Err error
}

// Outcome describes the attempt in a few words: "no opinion",
// "company 42" or the error.
func (a Attempt) Outcome() string {
	switch {
	case a.Err != nil:
		return a.Err.Error()
	case a.CompanyID != 0:
		return fmt.Sprintf("company %d", a.CompanyID)
	default:
		return "no opinion"
	}
}

// ResolutionError is the error of [Chain.Resolve]: what was tried, and why
// no usable company came out of it. It wraps one of [ErrUnresolved],
// [ErrUnknownCompany], [ErrInactiveCompany], [ErrForbidden],
// [ErrInvalidHeader], or a lookup's own error (a database or Redis
// failure).
type ResolutionError struct {
	// Tried lists the resolvers consulted, in order, up to and including
	// the one that matched or failed.
	Tried []Attempt
	// CompanyID is the company the chain resolved before the check refused
	// it (unknown or inactive); 0 otherwise.
	CompanyID int64
	// Err is the condition (one of the sentinels) or the lookup's error.
	Err error
}

// Error reads "tenant: resolve company: <err> (tried: explicit: no opinion,
// apikey: company 7)".
func (e *ResolutionError) Error() string {
	var b strings.Builder
	b.WriteString("tenant: resolve company: ")
	b.WriteString(strings.TrimPrefix(e.Err.Error(), "tenant: "))
	if len(e.Tried) > 0 {
		b.WriteString(" (tried: ")
		for i, a := range e.Tried {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(a.Resolver)
			b.WriteString(": ")
			b.WriteString(strings.TrimPrefix(a.Outcome(), "tenant: "))
		}
		b.WriteString(")")
	}
	return b.String()
}

// Unwrap returns the condition, for errors.Is and errors.As.
func (e *ResolutionError) Unwrap() error { return e.Err }

// StatusCode maps a resolution error to the HTTP status the default error
// writer of [Chain.Middleware] answers with: 400 for [ErrInvalidHeader]
// and [ErrUnresolved], 403 for [ErrForbidden] and [ErrInactiveCompany],
// 404 for [ErrUnknownCompany], 500 for anything else (a failed lookup), and
// 200 for nil.
func StatusCode(err error) int {
	switch {
	case err == nil:
		return http.StatusOK
	case errors.Is(err, ErrInvalidHeader), errors.Is(err, ErrUnresolved):
		return http.StatusBadRequest
	case errors.Is(err, ErrForbidden), errors.Is(err, ErrInactiveCompany):
		return http.StatusForbidden
	case errors.Is(err, ErrUnknownCompany):
		return http.StatusNotFound
	default:
		return http.StatusInternalServerError
	}
}
