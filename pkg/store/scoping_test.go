package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/askproai/askpro/pkg/query"
	"github.com/askproai/askpro/pkg/store"
	"github.com/askproai/askpro/pkg/tenant"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// scopingFixture is company A with one row in every tenant-owned table, and
// company B, the other tenant that must never see or change A's rows.
type scopingFixture struct {
	a, b        int64
	aCtx, bCtx  context.Context
	branch      store.Branch
	service     store.Service
	customer    store.Customer
	call        store.Call
	appointment store.Appointment
	payment     store.Payment
	eventType   int64
	apiKey      store.APIKey
	apiKeyHash  string
	fnKey       store.FunctionCallKey
	fnCall      store.FunctionCall // running, so that a foreign Complete or Release would show
}

func seedScoping(t *testing.T, st *store.Store, b testBundle) scopingFixture {
	t.Helper()
	aCtx, a, br := seed(t, st, b, "scope-a", "+4930901820")
	bCtx, bc, _ := seed(t, st, b, "scope-b", "+4940901820")
	f := scopingFixture{a: a.ID, b: bc.ID, aCtx: aCtx, bCtx: bCtx, branch: br, eventType: 777001}
	var err error
	f.service, err = st.Services.Create(aCtx, store.NewService{BranchID: br.ID, Name: "Haarschnitt", Type: "haircut",
		DurationMinutes: 30, CalcomEventTypeID: &f.eventType})
	require.NoError(t, err)
	_, err = st.WorkingHours.Set(aCtx, br.ID, 1, "09:00", "18:00")
	require.NoError(t, err)
	f.customer, err = st.Customers.Create(aCtx, store.NewCustomer{Name: "Anna", PhoneNumber: "+4915112345678"})
	require.NoError(t, err)
	start := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	require.NoError(t, st.Calls.Merge(aCtx, store.CallEvent{RetellCallID: "call_scope_a", Status: "ended",
		FromNumber: "+4915112345678", ToNumber: "+4930901820", StartedAt: &start, Transcript: "Agent: Hallo", TranscriptRank: 1,
		LifecycleRank: store.RankEnded}))
	f.call, err = st.Calls.GetByRetellID(aCtx, "call_scope_a")
	require.NoError(t, err)
	require.NoError(t, st.Appointments.Merge(aCtx, store.AppointmentEvent{UID: "bk_scope_a", StartsAt: start, EndsAt: start.Add(30 * time.Minute),
		Status: store.AppointmentBooked, BranchID: &br.ID, CustomerID: &f.customer.ID}))
	f.appointment, err = st.Appointments.GetByUID(aCtx, "bk_scope_a")
	require.NoError(t, err)
	require.NoError(t, st.Payments.Merge(b.sys, store.PaymentEvent{CompanyID: &f.a, ObjectID: "pi_scope_a", Kind: "payment_intent",
		AmountCents: 4500, Currency: "EUR", Status: store.PaymentSucceeded}))
	f.payment, err = st.Payments.GetByObjectID(aCtx, "pi_scope_a")
	require.NoError(t, err)
	_, err = st.AuditLog.Record(aCtx, store.AuditEntry{Actor: "test", Action: "scope.seed"})
	require.NoError(t, err)
	key, secret, err := st.APIKeys.Create(b.sys, store.NewAPIKey{CompanyID: f.a, Name: "scope"})
	require.NoError(t, err)
	f.apiKey, f.apiKeyHash = key, secret.Hash()
	require.NoError(t, st.Companies.SetCalcomAPIKey(b.sys, a.ID, scopeSealedA))
	f.fnKey = store.FunctionCallKey{CallID: "call_scope_a", Name: "book_appointment", ArgsHash: strings.Repeat("ab", 32)}
	var claimed bool
	f.fnCall, claimed, err = st.FunctionCalls.Claim(aCtx, f.fnKey, time.Hour)
	require.NoError(t, err)
	require.True(t, claimed)
	return f
}

// scopeSealedA is company A's sealed Cal.com key in the fixture (the shape
// of a sealed value; the walk never opens it), scopeSealedB another.
const (
	scopeSealedA = "v1:0a0a0a0a:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	scopeSealedB = "v1:0b0b0b0b:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"
)

// expect is what a call with company B's context may return.
type expect int

const (
	// hidden: ErrNotFound, or results that hold none of A's rows.
	hidden expect = iota
	// systemOnly: ErrNotSystem (the method is platform work).
	systemOnly
	// refused: any error (a write naming A's rows must not succeed).
	refused
	// conflict: ErrConflict (a merge keyed by A's provider id).
	conflict
)

// scopingCase is how the walk calls one repository method: its arguments
// after the context, and what company B may get back. Company A's rows must
// be byte for byte the same after every case.
type scopingCase struct {
	args  func(f scopingFixture) []any
	other expect
}

func scopingCases() map[string]scopingCase {
	args := func(fn func(f scopingFixture) []any) func(f scopingFixture) []any { return fn }
	page := args(func(scopingFixture) []any { return []any{store.Page{}} })
	// search is an API search for A's row by id (pkg/query; the query
	// cannot name company_id).
	search := func(schema *query.Schema, id func(f scopingFixture) int64) func(f scopingFixture) []any {
		return func(f scopingFixture) []any {
			q, err := query.Parse(schema, url.Values{"filter[id][in]": {fmt.Sprintf("%d,%d", id(f), id(f)+1)}})
			if err != nil {
				panic(err)
			}
			return []any{q}
		}
	}
	name := "Übernommen"
	return map[string]scopingCase{
		"Companies.Create": {args(func(scopingFixture) []any { return []any{store.NewCompany{Name: "X", Subdomain: "scope-x"}} }), systemOnly},
		"Companies.Get":    {args(func(f scopingFixture) []any { return []any{f.a} }), hidden},
		"Companies.List":   {page, systemOnly},
		"Companies.Update": {args(func(f scopingFixture) []any { return []any{f.a, store.CompanyPatch{Name: &name}} }), systemOnly},

		"Branches.Create": {args(func(scopingFixture) []any {
			return []any{store.NewBranch{Name: "Neu", PhoneNumber: "+4989901820"}}
		}), hidden},
		"Branches.Get":               {args(func(f scopingFixture) []any { return []any{f.branch.ID} }), hidden},
		"Branches.List":              {page, hidden},
		"Branches.Update":            {args(func(f scopingFixture) []any { return []any{f.branch.ID, store.BranchPatch{Name: &name}} }), hidden},
		"Branches.FindByPhone":       {args(func(f scopingFixture) []any { return []any{string(f.branch.PhoneNumber)} }), systemOnly},
		"Branches.CompanyOf":         {args(func(f scopingFixture) []any { return []any{f.branch.ID} }), systemOnly},
		"Branches.BeginProvisioning": {args(func(f scopingFixture) []any { return []any{f.branch.ID, time.Minute} }), hidden},
		"Branches.RecordRetellIDs": {args(func(f scopingFixture) []any {
			return []any{store.ProvisioningLease{BranchID: f.branch.ID, Token: f.branch.CreatedAt}, "llm_x", "agent_x"}
		}), hidden},
		"Branches.CompleteProvisioning": {args(func(f scopingFixture) []any {
			return []any{store.ProvisioningLease{BranchID: f.branch.ID, Token: f.branch.CreatedAt},
				store.ProvisioningResult{LLMID: "llm_x", AgentID: "agent_x", AgentVersion: 1}}
		}), hidden},
		"Branches.FailProvisioning": {args(func(f scopingFixture) []any {
			return []any{store.ProvisioningLease{BranchID: f.branch.ID, Token: f.branch.CreatedAt}, "boom"}
		}), hidden},
		// The company's own Cal.com account (secrets.go).
		"Companies.SetCalcomAPIKey":    {args(func(f scopingFixture) []any { return []any{f.a, scopeSealedB} }), systemOnly},
		"Companies.CalcomAccount":      {args(func(scopingFixture) []any { return nil }), hidden},
		"Companies.SealedCalcomKeys":   {args(func(scopingFixture) []any { return []any{int64(0), 10} }), systemOnly},
		"Companies.ResealCalcomAPIKey": {args(func(f scopingFixture) []any { return []any{f.a, scopeSealedA, scopeSealedB} }), systemOnly},
		// The tenant resolver's lookups (tenantsource.go).
		"Companies.CompanyStatus": {args(func(f scopingFixture) []any { return []any{f.a} }), systemOnly},
		"Companies.IDBySubdomain": {args(func(scopingFixture) []any { return []any{"scope-a"} }), systemOnly},
		"Companies.TenantVersion": {args(func(scopingFixture) []any { return nil }), systemOnly},
		"Branches.CompanyByPhone": {args(func(f scopingFixture) []any { return []any{string(f.branch.PhoneNumber)} }), systemOnly},

		"Services.Create": {args(func(f scopingFixture) []any {
			return []any{store.NewService{BranchID: f.branch.ID, Name: "Fremd", Type: "haircut", DurationMinutes: 15}}
		}), refused},
		"Services.Get":             {args(func(f scopingFixture) []any { return []any{f.service.ID} }), hidden},
		"Services.ListByBranch":    {args(func(f scopingFixture) []any { return []any{f.branch.ID} }), hidden},
		"Services.FindByEventType": {args(func(f scopingFixture) []any { return []any{f.eventType} }), systemOnly},

		"WorkingHours.Set":  {args(func(f scopingFixture) []any { return []any{f.branch.ID, 2, "09:00", "12:00"} }), refused},
		"WorkingHours.List": {args(func(f scopingFixture) []any { return []any{f.branch.ID} }), hidden},

		// B may have a customer with A's customer's number: its own.
		"Customers.Create": {args(func(f scopingFixture) []any {
			return []any{store.NewCustomer{Name: "Anna B", PhoneNumber: string(f.customer.PhoneNumber)}}
		}), hidden},
		"Customers.FindOrCreate": {args(func(f scopingFixture) []any {
			return []any{store.NewCustomer{Name: "Anna B", PhoneNumber: string(f.customer.PhoneNumber)}}
		}), hidden},
		"Customers.Ensure":     {args(func(f scopingFixture) []any { return []any{string(f.customer.PhoneNumber), "Anna B", ""} }), hidden},
		"Customers.Get":        {args(func(f scopingFixture) []any { return []any{f.customer.ID} }), hidden},
		"Customers.GetByPhone": {args(func(f scopingFixture) []any { return []any{string(f.customer.PhoneNumber)} }), hidden},
		"Customers.List":       {page, hidden},
		"Customers.Update":     {args(func(f scopingFixture) []any { return []any{f.customer.ID, store.CustomerPatch{Name: &name}} }), hidden},
		"Customers.Search":     {search(store.CustomerSchema(), func(f scopingFixture) int64 { return f.customer.ID }), hidden},

		"Calls.Get":           {args(func(f scopingFixture) []any { return []any{f.call.ID} }), hidden},
		"Calls.GetByRetellID": {args(func(f scopingFixture) []any { return []any{f.call.RetellCallID} }), hidden},
		"Calls.List":          {page, hidden},
		"Calls.CountActive":   {args(func(scopingFixture) []any { return []any{time.Time{}} }), systemOnly},
		"Calls.Search":        {search(store.CallSchema(), func(f scopingFixture) int64 { return f.call.ID }), hidden},
		"Calls.Merge": {args(func(f scopingFixture) []any {
			later := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
			return []any{store.CallEvent{RetellCallID: f.call.RetellCallID, Status: "analyzed", Summary: "übernommen",
				EndedAt: &later, Transcript: "Agent: fremd und länger", TranscriptRank: store.TranscriptFinal, LifecycleRank: store.RankAnalyzed}}
		}), conflict},

		"Appointments.Get":      {args(func(f scopingFixture) []any { return []any{f.appointment.ID} }), hidden},
		"Appointments.GetByUID": {args(func(f scopingFixture) []any { return []any{f.appointment.CalcomBookingUID} }), hidden},
		"Appointments.List":     {page, hidden},
		"Appointments.Search":   {search(store.AppointmentSchema(), func(f scopingFixture) int64 { return f.appointment.ID }), hidden},
		"Appointments.Merge": {args(func(f scopingFixture) []any {
			return []any{store.AppointmentEvent{UID: f.appointment.CalcomBookingUID, StartsAt: f.appointment.StartsAt,
				EndsAt: f.appointment.EndsAt, Status: store.AppointmentCancelled, CancellationReason: "fremd"}}
		}), conflict},
		"Appointments.NextOfCustomer": {args(func(f scopingFixture) []any {
			return []any{f.customer.ID, f.appointment.StartsAt.Add(-time.Hour)}
		}), hidden},
		"Appointments.MarkRescheduled": {args(func(f scopingFixture) []any { return []any{f.appointment.CalcomBookingUID} }), hidden},
		// A's customer's upcoming appointment, asked for by B with A's customer id.
		"Appointments.UpcomingForCustomer": {args(func(f scopingFixture) []any {
			return []any{f.customer.ID, f.appointment.StartsAt.Add(-time.Hour)}
		}), hidden},

		"Payments.GetByObjectID": {args(func(f scopingFixture) []any { return []any{f.payment.StripeObjectID} }), hidden},
		"Payments.List":          {page, hidden},
		"Payments.Merge": {args(func(f scopingFixture) []any {
			return []any{store.PaymentEvent{CompanyID: &f.b, ObjectID: f.payment.StripeObjectID, Kind: "payment_intent",
				Currency: "EUR", Status: store.PaymentFailed, EventCreatedAt: time.Now()}}
		}), systemOnly},

		"AuditLog.Record": {args(func(f scopingFixture) []any {
			return []any{store.AuditEntry{CompanyID: &f.a, Actor: "b", Action: "scope.forge"}}
		}), systemOnly},
		"AuditLog.List": {page, hidden},

		// A's call id is refused, never answered with A's row.
		"FunctionCalls.Claim": {args(func(f scopingFixture) []any { return []any{f.fnKey, time.Minute} }), conflict},
		"FunctionCalls.Complete": {args(func(f scopingFixture) []any {
			return []any{f.fnCall.ID, store.FunctionCallDone, json.RawMessage(`{"result":"fremd"}`)}
		}), hidden},
		"FunctionCalls.Release": {args(func(f scopingFixture) []any { return []any{f.fnCall.ID} }), hidden},
		"FunctionCalls.Get":     {args(func(f scopingFixture) []any { return []any{f.fnCall.ID} }), hidden},
		"FunctionCalls.Find":    {args(func(f scopingFixture) []any { return []any{f.fnKey} }), conflict},
		"FunctionCalls.Record": {args(func(f scopingFixture) []any {
			return []any{f.fnKey, store.FunctionCallDone, json.RawMessage(`{"result":"fremd"}`)}
		}), conflict},

		"APIKeys.Create": {args(func(f scopingFixture) []any { return []any{store.NewAPIKey{CompanyID: f.a, Name: "forged"}} }), systemOnly},
		"APIKeys.Get":    {args(func(f scopingFixture) []any { return []any{f.apiKey.ID} }), hidden},
		"APIKeys.List":   {page, hidden},
		"APIKeys.Revoke": {args(func(f scopingFixture) []any { return []any{f.apiKey.ID} }), hidden},
		"APIKeys.ByHash": {args(func(f scopingFixture) []any { return []any{f.apiKeyHash} }), systemOnly},
		"APIKeys.Touch": {args(func(f scopingFixture) []any {
			return []any{map[int64]time.Time{f.apiKey.ID: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)}}
		}), systemOnly},
	}
}

var (
	ctxType = reflect.TypeFor[context.Context]()
	errType = reflect.TypeFor[error]()
)

// TestTenantScopingWalk calls every exported method of every repository of
// store.Store twice: with a bare context (it must refuse with
// tenant.ErrNoTenant or ErrNotSystem) and with company B's context (it must
// not return or change company A's rows). A method without a case in
// scopingCases fails the test, so a method added later cannot skip it.
func TestTenantScopingWalk(t *testing.T) {
	cases := scopingCases()
	eachDialect(t, func(t *testing.T, st *store.Store, b testBundle) {
		f := seedScoping(t, st, b)
		before := snapshotCompany(t, b, f.a)
		require.NotEmpty(t, before["calls"], "the fixture must hold rows")

		repos := reflect.ValueOf(st).Elem()
		walked := 0
		for i := range repos.NumField() {
			field := repos.Type().Field(i)
			repo := repos.Field(i)
			if !field.IsExported() || repo.Kind() != reflect.Pointer || repo.Type().Elem().Kind() != reflect.Struct {
				continue
			}
			for m := range repo.NumMethod() {
				method := repo.Type().Method(m)
				id := field.Name + "." + method.Name
				c, ok := cases[id]
				if !assert.True(t, ok, "%s has no case in scopingCases: add one saying what another company may see", id) {
					continue
				}
				walked++
				fn := repo.Method(m)
				if !assert.True(t, fn.Type().NumIn() >= 1 && fn.Type().In(0) == ctxType, "%s must take a context first", id) {
					continue
				}
				call := func(ctx context.Context) ([]reflect.Value, error) {
					in := []reflect.Value{reflect.ValueOf(ctx)}
					for _, a := range c.args(f) {
						in = append(in, reflect.ValueOf(a))
					}
					require.Len(t, in, fn.Type().NumIn(), "%s: the case's arguments do not fit the method", id)
					out := fn.Call(in)
					last := out[len(out)-1]
					require.True(t, last.Type() == errType, "%s must return an error last", id)
					err, _ := last.Interface().(error)
					return out[:len(out)-1], err
				}

				_, err := call(context.Background())
				assert.True(t, errors.Is(err, tenant.ErrNoTenant) || errors.Is(err, store.ErrNotSystem),
					"%s with no tenant: want ErrNoTenant or ErrNotSystem, got %v", id, err)

				out, err := call(f.bCtx)
				switch c.other {
				case systemOnly:
					assert.ErrorIs(t, err, store.ErrNotSystem, "%s with company B", id)
				case refused:
					assert.Error(t, err, "%s with company B must refuse A's rows", id)
				case conflict:
					assert.ErrorIs(t, err, store.ErrConflict, "%s with company B", id)
				case hidden:
					if err != nil {
						assert.ErrorIs(t, err, store.ErrNotFound, "%s with company B", id)
					}
					for _, v := range out {
						assertNotCompany(t, id, v, f.a)
					}
				}
				if after := snapshotCompany(t, b, f.a); !assert.Equal(t, before, after, "%s with company B changed company A's rows", id) {
					before = after // report each method that writes across, not every one after it
				}
			}
		}
		assert.Equal(t, len(cases), walked, "every case names a method that exists")
	})
}

// assertNotCompany fails when v (a struct or a slice of structs) belongs to
// company a, by its CompanyID field (a Company by its ID). Other results
// (an id Ensure returned) are covered by the snapshot.
func assertNotCompany(t *testing.T, id string, v reflect.Value, a int64) {
	t.Helper()
	switch v.Kind() {
	case reflect.Slice:
		for i := range v.Len() {
			assertNotCompany(t, id, v.Index(i), a)
		}
	case reflect.Struct:
		if rows := v.FieldByName("Rows"); rows.IsValid() { // a query.Result
			assertNotCompany(t, id, rows, a)
		}
		if cf := v.FieldByName("CompanyID"); cf.IsValid() {
			switch cf.Kind() {
			case reflect.Int64:
				assert.NotEqual(t, a, cf.Int(), "%s with company B returned a row of company A", id)
			case reflect.Pointer:
				if !cf.IsNil() {
					assert.NotEqual(t, a, cf.Elem().Int(), "%s with company B returned a row of company A", id)
				}
			}
		}
		if idf := v.FieldByName("ID"); idf.IsValid() && v.Type().Name() == "Company" {
			assert.NotEqual(t, a, idf.Int(), "%s with company B returned company A", id)
		}
	}
}

// snapshotCompany renders every row of company a in every table that has a
// company_id column (and the company row itself) as text, to compare before
// and after.
func snapshotCompany(t *testing.T, b testBundle, a int64) map[string][]string {
	t.Helper()
	ctx := context.Background()
	tables := []string{"branches", "services", "working_hours", "customers", "calls", "appointments", "payments", "audit_log", "api_keys", "webhook_events", "function_calls"}
	out := map[string][]string{}
	dump := func(table, where string) {
		rows, err := b.pool.DB().QueryContext(ctx, "SELECT * FROM "+table+" WHERE "+where+" ORDER BY id", a)
		require.NoError(t, err, table)
		defer rows.Close()
		cols, err := rows.Columns()
		require.NoError(t, err)
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			require.NoError(t, rows.Scan(ptrs...))
			parts := make([]string, len(cols))
			for i, v := range vals {
				if bs, ok := v.([]byte); ok {
					v = string(bs)
				}
				parts[i] = fmt.Sprintf("%s=%v", cols[i], v)
			}
			sort.Strings(parts)
			out[table] = append(out[table], strings.Join(parts, " "))
		}
		require.NoError(t, rows.Err())
	}
	dump("companies", "id = ?")
	for _, table := range tables {
		dump(table, "company_id = ?")
	}
	return out
}
