package booking

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/askproai/askpro/pkg/phone"
	"github.com/askproai/askpro/pkg/queue"
	"github.com/askproai/askpro/pkg/store"
	"github.com/askproai/askpro/pkg/tenant"
)

// Codes of the permanent errors the handlers return (see [queue.Permanent]).
const (
	// CodeTenantUnresolved: no company for the event (no active branch has
	// the call's number, no service has the booking's event type or several
	// companies' do, the payment names a company that does not exist).
	CodeTenantUnresolved = "TENANT_UNRESOLVED"
	// CodePayloadInvalid: a field the handler needs is missing or malformed.
	CodePayloadInvalid = "PAYLOAD_INVALID"
	// CodeTenantConflict: the event's call or booking is stored under
	// another company than the one the event resolves to; nothing is
	// written into the other company's record.
	CodeTenantConflict = "TENANT_CONFLICT"
)

// Config configures the handlers [Register] installs.
type Config struct {
	// Store is where the effects go; each job's writes go through the
	// job's transaction (Store.WithTx). Required.
	Store *store.Store
	// Logger receives a line for every step, logged with the job's context
	// so that its correlation id appears. Nil discards.
	Logger *slog.Logger
	// PhoneRegion is the region of numbers written without a country code.
	// Defaults to "DE".
	PhoneRegion string
	// CacheTTL bounds how long a branch (by phone number), the services of a
	// Cal.com event type and the existence of a company are remembered in
	// the process, to save a query per event. A branch that moves to another
	// number is seen within CacheTTL. Defaults to 5 s; negative disables the
	// cache. Only hits are cached: a number that becomes a branch's is found
	// at once.
	CacheTTL time.Duration
	// Now returns the current time (for the cache). Defaults to time.Now.
	Now func() time.Time
}

// Handlers processes the Retell, Cal.com and Stripe events. Its methods are
// [queue.Handler] functions; [Register] installs them on a [queue.Mux]. It
// is safe for concurrent use.
type Handlers struct {
	st     *store.Store
	log    *slog.Logger
	region string
	now    func() time.Time
	ttl    time.Duration

	branches  cache[string, branchRef]
	services  cache[int64, []store.Service]
	companies cache[int64, bool]
}

type branchRef struct{ id, companyID int64 }

// New validates cfg and returns the handlers.
func New(cfg Config) (*Handlers, error) {
	if cfg.Store == nil {
		return nil, errors.New("booking: Config.Store is required")
	}
	h := &Handlers{st: cfg.Store, log: cfg.Logger, region: cfg.PhoneRegion, now: cfg.Now, ttl: cfg.CacheTTL}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.region == "" {
		h.region = "DE"
	}
	if h.now == nil {
		h.now = time.Now
	}
	if h.ttl == 0 {
		h.ttl = 5 * time.Second
	}
	return h, nil
}

// Event types the handlers process, by provider. Everything else (Cal.com
// PING, FORM_SUBMITTED, other Stripe events, chat events) is left to the
// Mux, which answers [queue.ErrUnhandled]: processed, no effect, counted.
var (
	RetellEvents = []string{"call_started", "call_ended", "call_analyzed", "transcript_updated",
		"transfer_started", "transfer_bridged", "transfer_cancelled", "transfer_ended"}
	CalcomEvents = []string{"BOOKING_CREATED", "BOOKING_RESCHEDULED", "BOOKING_CANCELLED"}
	StripeEvents = []string{"payment_intent.succeeded", "charge.failed", "invoice.payment_failed"}
)

// Register installs the handlers for [RetellEvents], [CalcomEvents] and
// [StripeEvents] on mux. It returns New's error, and panics (like
// [queue.Mux.Handle]) when mux already has a handler for one of them.
func Register(mux *queue.Mux, cfg Config) error {
	h, err := New(cfg)
	if err != nil {
		return err
	}
	h.Register(mux)
	return nil
}

// MustRegister is [Register] that panics on error.
func MustRegister(mux *queue.Mux, cfg Config) {
	if err := Register(mux, cfg); err != nil {
		panic(err)
	}
}

// Register installs h's handlers on mux (see the package function
// [Register]).
func (h *Handlers) Register(mux *queue.Mux) {
	for _, e := range RetellEvents {
		mux.HandleFunc("retell", e, h.Retell)
	}
	for _, e := range CalcomEvents {
		mux.HandleFunc("calcom", e, h.Calcom)
	}
	for _, e := range StripeEvents {
		mux.HandleFunc("stripe", e, h.Stripe)
	}
}

// permanent wraps queue.Permanent, logging the refusal.
func (h *Handlers) permanent(ctx context.Context, job *queue.Job, code, format string, args ...any) error {
	err := queue.Permanent(code, format, args...)
	h.log.WarnContext(ctx, "booking: event refused", "job_id", job.ID, "provider", job.Provider, "event_type", job.EventType, "error", err.Error())
	return err
}

// storeErr turns a store refusal (which a well-formed event never causes)
// into a permanent error, and passes database failures on to be retried.
func (h *Handlers) storeErr(ctx context.Context, job *queue.Job, what string, err error) error {
	var ve *store.ValidationError
	if errors.As(err, &ve) {
		return h.permanent(ctx, job, CodePayloadInvalid, "%s: %w", what, err)
	}
	if errors.Is(err, store.ErrConflict) {
		return h.permanent(ctx, job, CodeTenantConflict, "%s: %w", what, err)
	}
	h.log.ErrorContext(ctx, "booking: "+what+" failed", "job_id", job.ID, "error", err.Error())
	return fmt.Errorf("booking: %s: %w", what, err)
}

// normalize returns the E.164 form of a number, or "" when there is none or
// it is not a valid number.
func (h *Handlers) normalize(n string) string {
	n = strings.TrimSpace(n)
	if n == "" {
		return ""
	}
	e, err := phone.Normalize(n, h.region)
	if err != nil {
		return ""
	}
	return e
}

// branchFor finds the active branch with the (E.164) number.
func (h *Handlers) branchFor(ctx context.Context, st *store.Store, number string) (branchRef, bool, error) {
	if b, ok := h.branches.get(number, h.now()); ok {
		return b, true, nil
	}
	b, err := st.Branches.FindByPhone(tenant.System(ctx), number)
	if errors.Is(err, store.ErrNotFound) {
		return branchRef{}, false, nil
	}
	if err != nil {
		return branchRef{}, false, err
	}
	ref := branchRef{id: b.ID, companyID: b.CompanyID}
	h.branches.put(number, ref, h.now().Add(h.ttl), h.ttl > 0)
	return ref, true, nil
}

func (h *Handlers) servicesFor(ctx context.Context, st *store.Store, eventTypeID int64) ([]store.Service, error) {
	if s, ok := h.services.get(eventTypeID, h.now()); ok {
		return s, nil
	}
	s, err := st.Services.FindByEventType(tenant.System(ctx), eventTypeID)
	if err != nil {
		return nil, err
	}
	h.services.put(eventTypeID, s, h.now().Add(h.ttl), h.ttl > 0 && len(s) > 0)
	return s, nil
}

func (h *Handlers) companyExists(ctx context.Context, st *store.Store, id int64) (bool, error) {
	if _, ok := h.companies.get(id, h.now()); ok {
		return true, nil
	}
	_, err := st.Companies.Get(tenant.System(ctx), id)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	h.companies.put(id, true, h.now().Add(h.ttl), h.ttl > 0)
	return true, nil
}

// cache is a small expiring map. The zero value is ready.
type cache[K comparable, V any] struct {
	mu sync.RWMutex
	m  map[K]cached[V]
}

type cached[V any] struct {
	v   V
	exp time.Time
}

// maxCached bounds a cache; when full it starts again empty.
const maxCached = 10000

func (c *cache[K, V]) get(k K, now time.Time) (V, bool) {
	c.mu.RLock()
	e, ok := c.m[k]
	c.mu.RUnlock()
	if !ok || !now.Before(e.exp) {
		var zero V
		return zero, false
	}
	return e.v, true
}

func (c *cache[K, V]) put(k K, v V, exp time.Time, keep bool) {
	if !keep {
		return
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxCached {
		c.m = make(map[K]cached[V])
	}
	c.m[k] = cached[V]{v: v, exp: exp}
	c.mu.Unlock()
}

// txStore is the Store writing through the job's transaction.
func (h *Handlers) txStore(tx *sql.Tx) *store.Store { return h.st.WithTx(tx) }
