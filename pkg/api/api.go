package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/askproai/askpro/internal/correlation"
	"github.com/askproai/askpro/pkg/query"
	"github.com/askproai/askpro/pkg/queue"
	"github.com/askproai/askpro/pkg/server"
	"github.com/askproai/askpro/pkg/store"
	"github.com/askproai/askpro/pkg/tenant"
)

// Prefix is the path prefix of every route.
const Prefix = "/api/v1"

// The error codes the API itself writes, beside pkg/query's Code constants
// (every 400 of a list's parameters).
const (
	// CodeTenantRequired (400): the request has no company: an admin key
	// without X-Company-ID.
	CodeTenantRequired = "tenant_required"
	// CodeInvalidID (400): the {id} of a path is not a positive integer.
	CodeInvalidID = "invalid_id"
	// CodeNotFound (404): no such row for the request's company (also
	// when another company has one), or no such endpoint.
	CodeNotFound = "not_found"
	// CodeTimeout (503): the database did not answer within the request's
	// deadline.
	CodeTimeout = "timeout"
	// CodeInternal (500): anything else; logged with the correlation id,
	// never described to the client.
	CodeInternal = "internal"
)

// Config configures an [API].
type Config struct {
	// Store serves calls, appointments and customers. Required.
	Store *store.Store
	// Events serves webhook-events. Required.
	Events *queue.TenantReader
	// Logger receives the errors behind 500s (with the request's context,
	// so its correlation id). Nil means slog.Default().
	Logger *slog.Logger
}

// API serves the REST API's read endpoints under [Prefix]. The tenant of
// every request is the company in its context (tenant.CompanyID), which the
// middleware in front of the routes sets: authentication and the tenant
// resolver are not the API's business. It is safe for concurrent use.
type API struct {
	st  *store.Store
	ev  *queue.TenantReader
	log *slog.Logger
}

// New validates cfg and returns an API. It returns an error when Store or
// Events is nil.
func New(cfg Config) (*API, error) {
	if cfg.Store == nil {
		return nil, errors.New("api: Config.Store is required")
	}
	if cfg.Events == nil {
		return nil, errors.New("api: Config.Events is required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &API{st: cfg.Store, ev: cfg.Events, log: cfg.Logger}, nil
}

// resource is one list-and-get pair of endpoints.
type resource[T any] struct {
	path   string // "calls"
	noun   string // "call", for messages
	schema *query.Schema
	search func(context.Context, query.Query) (query.Result[T], error)
	get    func(context.Context, int64) (T, error)
	view   func(T) any // nil: T as it is
}

// Routes returns the API's routes for pkg/server:
//
//	GET /api/v1/calls            GET /api/v1/calls/{id}
//	GET /api/v1/appointments     GET /api/v1/appointments/{id}
//	GET /api/v1/customers        GET /api/v1/customers/{id}
//	GET /api/v1/webhook-events   GET /api/v1/webhook-events/{id}
//	GET /api/v1/                 (any other path: 404 not_found)
//
// Mount them behind authentication, rate limiting and the tenant resolver.
func (a *API) Routes() []server.Route {
	var routes []server.Route
	routes = appendRoutes(a, routes, resource[store.Call]{path: "calls", noun: "call", schema: store.CallSchema(),
		search: a.st.Calls.Search, get: a.st.Calls.Get})
	routes = appendRoutes(a, routes, resource[store.Appointment]{path: "appointments", noun: "appointment", schema: store.AppointmentSchema(),
		search: a.st.Appointments.Search, get: a.st.Appointments.Get})
	routes = appendRoutes(a, routes, resource[store.Customer]{path: "customers", noun: "customer", schema: store.CustomerSchema(),
		search: a.st.Customers.Search, get: a.st.Customers.Get})
	routes = appendRoutes(a, routes, resource[queue.Job]{path: "webhook-events", noun: "webhook event", schema: queue.EventSchema(),
		search: a.ev.Search, get: a.ev.Get, view: func(j queue.Job) any { return eventView(j) }})
	routes = append(routes, server.Route{Pattern: "GET " + Prefix + "/", Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		WriteError(w, http.StatusNotFound, CodeNotFound, "no such endpoint (see docs/api.md)")
	})})
	return routes
}

func appendRoutes[T any](a *API, routes []server.Route, res resource[T]) []server.Route {
	return append(routes,
		server.Route{Pattern: "GET " + Prefix + "/" + res.path, Handler: listHandler(a, res)},
		server.Route{Pattern: "GET " + Prefix + "/" + res.path + "/{id}", Handler: getHandler(a, res)})
}

// Meta is the page description of a list response.
type Meta struct {
	// Page is the 1-based page number.
	Page int `json:"page"`
	// PerPage is the page size after the cap.
	PerPage int `json:"per_page"`
	// Total is the number of matching rows, at most 10,000.
	Total int `json:"total"`
	// TotalCapped reports that more than 10,000 rows match.
	TotalCapped bool `json:"total_capped"`
}

type listBody struct {
	Data []any `json:"data"`
	Meta Meta  `json:"meta"`
}

type oneBody struct {
	Data any `json:"data"`
}

func listHandler[T any](a *API, res resource[T]) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if _, err := tenant.CompanyID(ctx); err != nil {
			tenantRequired(w)
			return
		}
		// Not r.URL.Query(): it drops malformed pairs, and a dropped filter
		// returns rows the client asked to leave out.
		v, err := url.ParseQuery(r.URL.RawQuery)
		if err != nil {
			WriteError(w, http.StatusBadRequest, query.CodeInvalidParameter,
				"the query string does not decode: percent-encode '%' as %25, '+' as %2B and ';' as %3B")
			return
		}
		q, err := query.Parse(res.schema, v)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		found, err := res.search(ctx, q)
		if err != nil {
			a.fail(w, r, err)
			return
		}
		body := listBody{Data: make([]any, 0, len(found.Rows)),
			Meta: Meta{Page: q.Page(), PerPage: q.PerPage(), Total: found.Total, TotalCapped: found.Capped}}
		for _, row := range found.Rows {
			body.Data = append(body.Data, res.render(row))
		}
		writeJSON(w, http.StatusOK, body)
	}
}

func getHandler[T any](a *API, res resource[T]) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if _, err := tenant.CompanyID(ctx); err != nil {
			tenantRequired(w)
			return
		}
		raw := r.PathValue("id")
		id, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || id < 1 || raw[0] == '+' {
			WriteError(w, http.StatusBadRequest, CodeInvalidID, fmt.Sprintf("%s id %s is not a positive integer", res.noun, query.Quote(raw)))
			return
		}
		if r.URL.RawQuery != "" {
			v, _ := url.ParseQuery(r.URL.RawQuery)
			keys := make([]string, 0, len(v))
			for k := range v {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			name := r.URL.RawQuery
			if len(keys) > 0 {
				name = keys[0]
			}
			WriteError(w, http.StatusBadRequest, query.CodeUnknownParameter,
				fmt.Sprintf("unknown parameter %s: GET %s/%s/{id} takes none", query.Quote(name), Prefix, res.path))
			return
		}
		row, err := res.get(ctx, id)
		if errors.Is(err, store.ErrNotFound) || errors.Is(err, queue.ErrNotFound) {
			WriteError(w, http.StatusNotFound, CodeNotFound, fmt.Sprintf("no %s with id %d", res.noun, id))
			return
		}
		if err != nil {
			a.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, oneBody{Data: res.render(row)})
	}
}

func (res resource[T]) render(row T) any {
	if res.view != nil {
		return res.view(row)
	}
	return row
}

func tenantRequired(w http.ResponseWriter) {
	WriteError(w, http.StatusBadRequest, CodeTenantRequired,
		"this endpoint reads one company's data: a platform-admin key must name the company in X-Company-ID")
}

// fail answers err: a *query.Error as its 400, a missing tenant as 400, a
// deadline as 503, anything else as a 500 that says nothing but the
// correlation id (the error itself, which may hold SQL, is logged).
func (a *API) fail(w http.ResponseWriter, r *http.Request, err error) {
	var qe *query.Error
	switch {
	case errors.As(err, &qe):
		WriteError(w, http.StatusBadRequest, qe.Code, qe.Message)
	case errors.Is(err, tenant.ErrNoTenant):
		tenantRequired(w)
	case errors.Is(err, context.DeadlineExceeded):
		a.log.WarnContext(r.Context(), "api: request timed out", "route", r.Pattern, "err", err)
		WriteError(w, http.StatusServiceUnavailable, CodeTimeout, "the database did not answer in time: narrow the filter or retry")
	case errors.Is(err, context.Canceled) && r.Context().Err() != nil:
		// The client went away; nobody reads the answer.
		a.log.DebugContext(r.Context(), "api: request cancelled", "route", r.Pattern)
		WriteError(w, http.StatusServiceUnavailable, CodeTimeout, "request cancelled")
	default:
		a.log.ErrorContext(r.Context(), "api: request failed", "route", r.Pattern, "err", err)
		msg := "internal error"
		if id := correlation.CorrelationID(r.Context()); id != "" {
			msg += " (correlation id " + id + ")"
		}
		WriteError(w, http.StatusInternalServerError, CodeInternal, msg)
	}
}

// ErrorBody is the one error shape of the API:
//
//	{"error":{"code":"unknown_column","message":"unknown column \"company_id\" for calls (...)"}}
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail is the inside of [ErrorBody].
type ErrorDetail struct {
	// Code is stable, for programs: a Code constant of this package or of
	// pkg/query, or one the middleware in front defines.
	Code string `json:"code"`
	// Message is for people. It must not hold internals (SQL, hosts).
	Message string `json:"message"`
}

// WriteError writes the API's error shape with status. The middleware in
// front of the API (authentication, rate limits, the tenant resolver) uses
// it too, so that every error of /api/v1 looks alike. message must be safe
// to show the client: quote request input with query.Quote.
func WriteError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, ErrorBody{Error: ErrorDetail{Code: code, Message: message}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the client may be gone; nothing to do
}

// Event is a webhook event as the API shows it to the company it names:
// the queue's record without what is the operators' business (the
// provider's request headers and address, worker leases, error texts,
// which may name internals). Payload is set by GET .../{id} only.
type Event struct {
	ID               int64           `json:"id"`
	CompanyID        *int64          `json:"company_id"`
	Provider         string          `json:"provider"`
	EventType        string          `json:"event_type"`
	IdempotencyKey   string          `json:"idempotency_key"`
	Status           queue.Status    `json:"status"`
	Queue            queue.Queue     `json:"queue"`
	Attempts         int             `json:"attempts"`
	MaxAttempts      int             `json:"max_attempts"`
	CorrelationID    string          `json:"correlation_id,omitempty"`
	ProcessedAt      *time.Time      `json:"processed_at"`
	ProcessingTimeMS *int64          `json:"processing_time_ms"`
	CreatedAt        time.Time       `json:"created_at"`
	Payload          json.RawMessage `json:"payload,omitempty"`
}

func eventView(j queue.Job) Event {
	return Event{ID: j.ID, CompanyID: j.CompanyID, Provider: j.Provider, EventType: j.EventType, IdempotencyKey: j.IdempotencyKey,
		Status: j.Status, Queue: j.Queue, Attempts: j.Attempts, MaxAttempts: j.MaxAttempts, CorrelationID: j.CorrelationID,
		ProcessedAt: j.ProcessedAt, ProcessingTimeMS: j.ProcessingTimeMS, CreatedAt: j.CreatedAt, Payload: j.Payload}
}
