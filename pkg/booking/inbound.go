package booking

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/askproai/askpro/internal/logging"
	"github.com/askproai/askpro/pkg/store"
	"github.com/askproai/askpro/pkg/tenant"
)

// Dynamic variables the inbound call webhook gives the agent.
const (
	VarCompanyName       = "company_name"
	VarBranchName        = "branch_name"
	VarOpeningHoursToday = "opening_hours_today"
	VarCustomerName      = "customer_name"
	VarNextAppointment   = "next_appointment"
)

// inboundBody is Retell's inbound call webhook (fixtures README section 1,
// "Inbound call webhook"): sent while the phone rings, with no call id.
type inboundBody struct {
	Event       string `json:"event"`
	CallInbound *struct {
		FromNumber string `json:"from_number"`
		ToNumber   string `json:"to_number"`
	} `json:"call_inbound"`
}

// inboundAnswer is the reply Retell expects: every field optional; askpro
// sets only dynamic_variables (string to string).
type inboundAnswer struct {
	CallInbound struct {
		DynamicVariables map[string]string `json:"dynamic_variables,omitempty"`
	} `json:"call_inbound"`
}

// serveInbound answers the inbound call webhook with the agent's dynamic
// variables: company and branch name and today's opening hours, and for a
// caller who is a customer of that company their name and next
// appointment. It reads the database only through indexed lookups (branch
// by number, customer by company and number, appointments by customer) and
// the caches; a database failure leaves variables out rather than keeping
// the phone ringing.
func (f *Functions) serveInbound(w http.ResponseWriter, r *http.Request) {
	body, ok := f.readVerified(w, r)
	if !ok {
		return
	}
	var in inboundBody
	if err := json.Unmarshal(body, &in); err != nil {
		writeError(w, http.StatusBadRequest, "body is not a Retell inbound call webhook: "+err.Error())
		return
	}
	if in.Event != "call_inbound" || in.CallInbound == nil {
		writeError(w, http.StatusBadRequest, `want {"event":"call_inbound","call_inbound":{...}}`)
		return
	}
	ctx := r.Context()
	var out inboundAnswer
	res, ok, err := f.resolve(ctx, in.CallInbound.ToNumber)
	switch {
	case err != nil:
		f.log.ErrorContext(ctx, "booking: inbound: resolve branch failed", logging.Phone("to_number", in.CallInbound.ToNumber), "error", err.Error())
	case !ok:
		f.log.WarnContext(ctx, "booking: inbound: no active branch for the called number; the call keeps its bound agent",
			logging.Phone("to_number", in.CallInbound.ToNumber))
	default:
		out.CallInbound.DynamicVariables = f.inboundVars(tenant.WithCompany(ctx, res.company.ID), res, in.CallInbound.FromNumber)
		f.log.DebugContext(ctx, "booking: inbound: call answered", "company_id", res.company.ID, "branch_id", res.branch.ID,
			logging.Phone("from_number", in.CallInbound.FromNumber), logging.Phone("to_number", in.CallInbound.ToNumber))
	}
	b, _ := json.Marshal(out)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

func (f *Functions) inboundVars(ctx context.Context, res resolved, from string) map[string]string {
	loc := branchLocation(res.branch.Timezone)
	now := f.now().In(loc)
	vars := map[string]string{VarCompanyName: res.company.Name, VarBranchName: res.branch.Name}
	if hours, err := f.hoursOf(ctx, res.branch.ID); err != nil {
		f.log.ErrorContext(ctx, "booking: inbound: opening hours failed", "branch_id", res.branch.ID, "error", err.Error())
	} else {
		vars[VarOpeningHoursToday] = spokenHoursOn(hours, now.Weekday())
	}
	num := f.normalize(from)
	if num == "" {
		return vars
	}
	c, err := f.st.Customers.GetByPhone(ctx, num)
	if errors.Is(err, store.ErrNotFound) {
		return vars
	}
	if err != nil {
		f.log.ErrorContext(ctx, "booking: inbound: customer lookup failed", logging.Phone("from_number", num), "error", err.Error())
		return vars
	}
	if c.Name != "" {
		vars[VarCustomerName] = c.Name
	}
	a, err := f.st.Appointments.NextOfCustomer(ctx, c.ID, f.now())
	switch {
	case err == nil:
		vars[VarNextAppointment] = spokenDayAndTime(a.StartsAt.In(loc))
	case !errors.Is(err, store.ErrNotFound):
		f.log.ErrorContext(ctx, "booking: inbound: next appointment failed", "customer_id", c.ID, "error", err.Error())
	}
	return vars
}

// hoursOf returns a branch's opening hours, cached for the TTL.
func (f *Functions) hoursOf(ctx context.Context, branchID int64) ([]store.Hours, error) {
	if h, ok := f.hours.get(branchID, f.now()); ok {
		return h, nil
	}
	h, err := f.st.WorkingHours.List(ctx, branchID)
	if err != nil {
		return nil, err
	}
	f.hours.put(branchID, h, f.now().Add(f.ttl), f.ttl > 0)
	return h, nil
}

var locations sync.Map // time zone name -> *time.Location

// branchLocation loads a branch's IANA time zone once; an unknown one is
// Europe/Berlin (the branches' default).
func branchLocation(name string) *time.Location {
	if l, ok := locations.Load(name); ok {
		return l.(*time.Location)
	}
	l, err := time.LoadLocation(name)
	if err != nil || name == "" {
		if l, err = time.LoadLocation("Europe/Berlin"); err != nil {
			l = time.UTC
		}
	}
	locations.Store(name, l)
	return l
}

// spokenHoursOn says a day's opening hours in German: "09:00 bis 18:00
// Uhr", several intervals joined with "und", or "heute geschlossen".
func spokenHoursOn(hours []store.Hours, day time.Weekday) string {
	iso := int(day)
	if iso == 0 {
		iso = 7
	}
	var parts []string
	for _, h := range hours {
		if h.Weekday == iso {
			parts = append(parts, h.Opens+" bis "+h.Closes+" Uhr")
		}
	}
	if len(parts) == 0 {
		return "heute geschlossen"
	}
	return strings.Join(parts, " und ")
}

var (
	inboundWeekdays = [...]string{"Sonntag", "Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag"}
	inboundMonths   = [...]string{"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
		"Oktober", "November", "Dezember"}
)

// spokenDayAndTime says a local time in German: "Donnerstag, 12. März um
// 14:00 Uhr".
func spokenDayAndTime(t time.Time) string {
	return fmt.Sprintf("%s, %d. %s um %02d:%02d Uhr", inboundWeekdays[t.Weekday()], t.Day(), inboundMonths[t.Month()-1], t.Hour(), t.Minute())
}
