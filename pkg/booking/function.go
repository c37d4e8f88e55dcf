package booking

import (
	"context"
	"encoding/json"
	"time"

	"github.com/askproai/askpro/pkg/calcom"
	"github.com/askproai/askpro/pkg/phone"
	"github.com/askproai/askpro/pkg/store"
)

// Names of the Retell custom functions askpro serves at
// POST /retell/functions/{name} (the tools pkg/provision gives the agent).
const (
	FuncCheckAvailability     = "check_availability"
	FuncBookAppointment       = "book_appointment"
	FuncCancelAppointment     = "cancel_appointment"
	FuncRescheduleAppointment = "reschedule_appointment"
)

// Call is one Retell custom-function call, verified and resolved to its
// tenant: the branch whose number the caller dialled (the call's
// to_number), its company, and the caller (the call's from_number).
type Call struct {
	// CallID is Retell's call id.
	CallID string
	// Name is the function's name.
	Name    string
	Company store.Company
	Branch  store.Branch
	// Caller is the call's from_number in E.164, "" when it was withheld
	// or is not a valid number.
	Caller phone.Number
	// Args is the "args" object Retell sent (never nil: {} when absent).
	Args json.RawMessage
	// Received is when askpro received the call.
	Received time.Time
}

// Answer statuses: what the agent (and a test) can branch on.
const (
	// StatusOK: done (slots found, booked, cancelled, rescheduled).
	StatusOK = "ok"
	// StatusNoSlots: no free slot matched; Answer.Data may hold others.
	StatusNoSlots = "no_slots"
	// StatusConflict: the slot was taken meanwhile; Answer.Data holds the
	// nearest free alternatives.
	StatusConflict = "conflict"
	// StatusAsk: more information is needed (which appointment, which
	// service, a date); Result says what to ask.
	StatusAsk = "ask"
	// StatusNotFound: nothing to act on (no upcoming appointment of the
	// caller, an unknown service).
	StatusNotFound = "not_found"
	// StatusInvalid: the arguments cannot be used (a time that does not
	// parse, a time in the past).
	StatusInvalid = "invalid"
	// StatusUnavailable: Cal.com is slow, down or refusing; nothing was
	// written. Result offers a call back or the transfer.
	StatusUnavailable = "unavailable"
)

// Answer is what askpro answers a function call with: Result is short
// German the agent can speak as is; Status and Data are for the LLM (and
// tests). Retell converts the JSON body to a string for the LLM (at most
// 15000 characters).
type Answer struct {
	Result string `json:"result"`
	Status string `json:"status"`
	Data   any    `json:"data,omitempty"`
}

// Function serves one custom function. It must respect ctx's deadline
// (the function's budget, well inside Retell's timeout) and must never
// leave an effect half-written: a Cal.com booking that was made is
// recorded even when ctx ends right after it. An error means an
// unexpected failure; the caller answers it with a polite German
// fallback. Expected outcomes (no slots, conflict, Cal.com unavailable)
// are Answers, not errors.
type Function interface {
	Serve(ctx context.Context, c Call) (Answer, error)
}

// FunctionFunc adapts a function to [Function].
type FunctionFunc func(ctx context.Context, c Call) (Answer, error)

// Serve calls f.
func (f FunctionFunc) Serve(ctx context.Context, c Call) (Answer, error) { return f(ctx, c) }

// ReadOnly marks fn as a function that changes nothing anywhere
// (check_availability): [Functions] then serves it without a claim. A
// repeat whose call has a recorded answer gets that answer; else the
// function runs, concurrent repeats in one process share that run, and its
// answer is recorded after it has been sent, off the caller's path (one
// write; an answer of [StatusUnavailable] or an error is not recorded). A
// repeat that reaches another process before the first answer is recorded
// runs the function again, which is harmless because it changes nothing;
// the first answer recorded is the one later repeats get.
func ReadOnly(fn Function) Function { return readOnly{fn} }

type readOnly struct{ Function }

// Calendars gives the Cal.com client of a company (internal/app's
// CalcomAccounts: its own key and base URL, or the platform's).
type Calendars interface {
	For(ctx context.Context, companyID int64) (*calcom.Client, error)
}

var _ Function = FunctionFunc(nil)
