package queue

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
)

// Handler processes one job: it turns a stored event into its effects
// (calls, appointments, payments, ...).
//
// tx is the transaction in which the worker records the job's outcome:
// write the effects through it and they commit together with the job's
// status, atomically, or not at all. A worker that lost the job's lease (it
// was presumed dead and another worker took the job) rolls the transaction
// back, so a job's effects are applied once even when it runs twice. A
// worker may run several jobs in one transaction; when one handler fails,
// the transaction is rolled back and the other jobs are run again, so a
// handler must leave nothing behind but what it writes through tx, and it
// must be idempotent (upserts by the provider's id), as at-least-once
// delivery demands anyway.
//
// The context carries the event's correlation id (internal/correlation)
// and ends after the attempt's timeout (120 s by default).
//
// Errors: return a [*PermanentError] (see [Permanent]) for an event that
// can never succeed (no tenant for the number, required fields missing):
// the job goes to dead_letter at once. Return [ErrUnhandled] for an event
// type the handler does nothing with: the job is marked processed and
// counted. Any other error is retried on the worker's schedule and, once
// the attempts are spent, dead-lettered.
type Handler interface {
	Process(ctx context.Context, tx *sql.Tx, job *Job) error
}

// HandlerFunc adapts a function to [Handler].
type HandlerFunc func(ctx context.Context, tx *sql.Tx, job *Job) error

// Process calls f.
func (f HandlerFunc) Process(ctx context.Context, tx *sql.Tx, job *Job) error { return f(ctx, tx, job) }

// ErrUnhandled is returned by a [Handler] (and by [Mux] for event types
// nothing is registered for) when it does nothing with the event: the job is
// marked processed with no effect and counted as unhandled.
var ErrUnhandled = errors.New("queue: no handler for this event type")

// PermanentError is a failure that no retry can cure. The worker moves the
// job to dead_letter at once and stores "CODE: message" as its last_error.
type PermanentError struct {
	// Code is a short upper-case reason, e.g. TENANT_UNRESOLVED or
	// PAYLOAD_INVALID.
	Code string
	// Err is the cause.
	Err error
}

func (e *PermanentError) Error() string {
	if e.Err == nil {
		return e.Code
	}
	return e.Code + ": " + e.Err.Error()
}

func (e *PermanentError) Unwrap() error { return e.Err }

// Permanent returns a [*PermanentError] with code for the error built from
// format and args, like fmt.Errorf (%w is supported).
func Permanent(code, format string, args ...any) error {
	return &PermanentError{Code: code, Err: fmt.Errorf(format, args...)}
}

// IsPermanent reports whether err is or wraps a [*PermanentError].
func IsPermanent(err error) bool {
	var pe *PermanentError
	return errors.As(err, &pe)
}

// Mux routes jobs to handlers by provider and event type, like
// http.ServeMux routes requests. Jobs of an event type nothing is
// registered for get [ErrUnhandled]. Register handlers before the workers
// start; Process is safe for concurrent use.
type Mux struct {
	mu       sync.RWMutex
	handlers map[muxKey]Handler
}

type muxKey struct{ provider, eventType string }

// NewMux returns an empty Mux.
func NewMux() *Mux { return &Mux{handlers: map[muxKey]Handler{}} }

// Handle registers h for the provider's event type (matched exactly, case
// included). It panics when one is already registered, like http.ServeMux.
func (m *Mux) Handle(provider, eventType string, h Handler) {
	if h == nil {
		panic("queue: Mux.Handle with a nil handler")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	k := muxKey{provider, eventType}
	if _, dup := m.handlers[k]; dup {
		panic(fmt.Sprintf("queue: Mux.Handle: a handler for %s %s is already registered", provider, eventType))
	}
	m.handlers[k] = h
}

// HandleFunc registers f for the provider's event type.
func (m *Mux) HandleFunc(provider, eventType string, f func(ctx context.Context, tx *sql.Tx, job *Job) error) {
	m.Handle(provider, eventType, HandlerFunc(f))
}

// Handler returns the handler registered for the provider's event type.
func (m *Mux) Handler(provider, eventType string) (Handler, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	h, ok := m.handlers[muxKey{provider, eventType}]
	return h, ok
}

// Process runs the handler registered for the job's provider and event
// type, or returns [ErrUnhandled].
func (m *Mux) Process(ctx context.Context, tx *sql.Tx, job *Job) error {
	h, ok := m.Handler(job.Provider, job.EventType)
	if !ok {
		return ErrUnhandled
	}
	return h.Process(ctx, tx, job)
}
