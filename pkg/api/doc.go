// Package api is askpro's REST API: the read endpoints of one company's
// calls, appointments, customers and webhook events under /api/v1. Build it
// with [New] and mount [API.Routes] on pkg/server behind authentication,
// rate limits and the tenant resolver (pkg/apikey, pkg/ratelimit,
// pkg/tenant); the API itself only reads the tenant from the request's
// context and never trusts a company named by the request.
//
// # Endpoints
//
//	GET /api/v1/calls[/{id}]            lists leave the transcript out; the id has it
//	GET /api/v1/appointments[/{id}]
//	GET /api/v1/customers[/{id}]
//	GET /api/v1/webhook-events[/{id}]   lists leave the payload out; the id has it
//
// Lists take filter[column][op]=value, sort=-column, page and per_page
// (pkg/query; the allow-lists are store.CallSchema, AppointmentSchema,
// CustomerSchema and queue.EventSchema, kept beside the tables they name). docs/api.md lists every column,
// operator, limit and error code.
//
// # Responses
//
//	{"data":[...], "meta":{"page":1, "per_page":25, "total":3, "total_capped":false}}
//	{"data":{...}}
//	{"error":{"code":"unknown_column", "message":"unknown column \"company_id\" for calls (...)"}}
//
// Every error has the one shape of [WriteError], which the middleware in
// front uses too. Codes: the Code constants of pkg/query (400, a list's
// parameters) and of this package: tenant_required (400, no company in the
// context: an admin key without X-Company-ID), invalid_id (400), not_found
// (404, also for another company's id: the two are indistinguishable),
// timeout (503) and internal (500). A 500 says "internal error" and the
// correlation id; the error, which may hold SQL, is logged with the
// request's context.
//
// # Tenancy
//
// Every query runs through a repository that scopes by company_id = the
// context's company in SQL, before any filter. company_id is in no
// allow-list: filter[company_id] and sort=company_id are 400
// unknown_column.
package api
