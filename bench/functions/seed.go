package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"

	"github.com/askproai/askpro/internal/app"
	"github.com/askproai/askpro/pkg/booking"
	"github.com/askproai/askpro/pkg/store"
	"github.com/askproai/askpro/pkg/tenant"
)

// The bench salon's services: one Cal.com event type each, each with its
// own host (so that a booking of one does not make the others busy).
var services = []string{"Herrenhaarschnitt", "Damenhaarschnitt", "Kinderhaarschnitt", "Bartrasur"}

const (
	eventTypeBase = 5001
	slotMinutes   = 30
	slotsPerDay   = (18 - 9) * 60 / slotMinutes // 09:00 to 18:00
)

// world is the seeded company.
type world struct {
	loc       *time.Location
	company   int64
	branch    int64
	customers int
}

// seed makes the company (one branch at branchTel, open Mon-Sat 09:00 to
// 18:00, the services), and n customers with multi-row INSERTs, every
// second one (even index) with a booked appointment in the next 60 days.
func seed(ctx context.Context, a *app.App, n int) (*world, error) {
	loc, err := time.LoadLocation(branchZone)
	if err != nil {
		return nil, err
	}
	sys := tenant.System(ctx)
	c, err := a.Store.Companies.Create(sys, store.NewCompany{Name: "Salon Bench", Subdomain: "bench-fn", Industry: "beauty"})
	if err != nil {
		return nil, fmt.Errorf("create company: %w", err)
	}
	tctx := tenant.WithCompany(ctx, c.ID)
	b, err := a.Store.Branches.Create(tctx, store.NewBranch{Name: "Mitte", PhoneNumber: branchTel, Timezone: branchZone})
	if err != nil {
		return nil, fmt.Errorf("create branch: %w", err)
	}
	var first int64
	for i, name := range services {
		et := int64(eventTypeBase + i)
		s, err := a.Store.Services.Create(tctx, store.NewService{BranchID: b.ID, Name: name, Type: "treatment", DurationMinutes: slotMinutes, CalcomEventTypeID: &et})
		if err != nil {
			return nil, fmt.Errorf("create service %s: %w", name, err)
		}
		if i == 0 {
			first = s.ID
		}
	}
	for wd := 1; wd <= 6; wd++ {
		if _, err := a.Store.WorkingHours.Set(tctx, b.ID, wd, "09:00", "18:00"); err != nil {
			return nil, fmt.Errorf("opening hours: %w", err)
		}
	}
	db := a.Pool.Writer()
	now := time.Now().In(loc)
	const per = 1000
	for off := 0; off < n; off += per {
		m := min(per, n-off)
		var q strings.Builder
		q.WriteString("INSERT INTO customers (company_id, name, phone_number) VALUES ")
		args := make([]any, 0, 3*m)
		for j := range m {
			if j > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(?, ?, ?)")
			args = append(args, c.ID, customerName(off+j), customerPhone(off+j))
		}
		if _, err := db.ExecContext(ctx, q.String(), args...); err != nil {
			return nil, fmt.Errorf("insert customers: %w", err)
		}
	}
	// Every second customer gets an upcoming appointment.
	if _, err := db.ExecContext(ctx, `INSERT INTO appointments (company_id, branch_id, service_id, customer_id, calcom_booking_uid, starts_at, ends_at, status, source)
		SELECT company_id, ?, ?, id, CONCAT('seed-', id), ?, ?, 'booked', 'calcom' FROM customers WHERE company_id = ? AND MOD(CAST(SUBSTRING(phone_number, 7) AS UNSIGNED), 2) = 0`,
		b.ID, first, now.UTC(), now.UTC(), c.ID); err != nil {
		return nil, fmt.Errorf("insert appointments: %w", err)
	}
	// Spread their starts over the next 60 days at 10:00.
	for d := range 60 {
		start := time.Date(now.Year(), now.Month(), now.Day()+1+d, 10, 0, 0, 0, loc).UTC()
		if _, err := db.ExecContext(ctx, `UPDATE appointments SET starts_at = ?, ends_at = ? WHERE company_id = ? AND calcom_booking_uid LIKE 'seed-%' AND MOD(id, 60) = ?`,
			start, start.Add(slotMinutes*time.Minute), c.ID, d); err != nil {
			return nil, fmt.Errorf("date appointments: %w", err)
		}
	}
	for _, t := range []string{"customers", "appointments"} {
		if _, err := db.ExecContext(ctx, "ANALYZE TABLE "+t); err != nil {
			return nil, err
		}
	}
	return &world{loc: loc, company: c.ID, branch: b.ID, customers: n}, nil
}

func customerName(i int) string  { return fmt.Sprintf("Kundin %d", i) }
func customerPhone(i int) string { return fmt.Sprintf("+49152%08d", i) }

// inbound is the i-th inbound webhook of round r: a customer drawn at
// random, or every unknownN-th an unknown number; the check wants the
// customer's name and, for an even index, the next appointment.
func (w *world) inbound(r, i, unknownN int) request {
	rnd := rand.New(rand.NewPCG(uint64(r), uint64(i)))
	k := -1
	from := fmt.Sprintf("+49157%08d", r*1_000_000+i)
	if i%unknownN != 0 {
		k = rnd.IntN(w.customers)
		from = customerPhone(k)
	}
	body, _ := json.Marshal(map[string]any{"event": "call_inbound", "call_inbound": map[string]any{
		"agent_id": "agent_bench", "agent_version": 1, "from_number": from, "to_number": branchTel}})
	return request{path: "/retell/inbound", body: body, check: func(status int, b []byte) string {
		if status != http.StatusOK {
			return fmt.Sprintf("status %d", status)
		}
		var out struct {
			CallInbound struct {
				DynamicVariables map[string]string `json:"dynamic_variables"`
			} `json:"call_inbound"`
		}
		if err := json.Unmarshal(b, &out); err != nil {
			return "body: " + err.Error()
		}
		v := out.CallInbound.DynamicVariables
		switch {
		case v[booking.VarCompanyName] != "Salon Bench" || v[booking.VarOpeningHoursToday] == "":
			return "no company or opening hours"
		case k < 0 && v[booking.VarCustomerName] != "":
			return "unknown caller got a customer name"
		case k >= 0 && v[booking.VarCustomerName] != customerName(k):
			return "customer name missing or wrong"
		case k >= 0 && (v[booking.VarNextAppointment] != "") != (k%2 == 0):
			return "next appointment missing or unexpected"
		}
		return ""
	}}
}

// plan assigns the function calls their slots, days and callers: every
// booking its own free slot and caller, every reschedule its own free slot
// of the same service, every check_availability of scenario 1 its own
// service and day (so that the slot cache misses).
type plan struct {
	days  []time.Time // Mon-Sat, from the day after tomorrow, midnight in the branch's zone
	calls int
	r0    int // first slot index of the reschedule targets
	a0    int // first day index of check_availability
}

func newPlan(now time.Time, calls, rounds int) *plan {
	p := &plan{calls: calls}
	perDay := len(services) * slotsPerDay
	books := rounds * 2 * calls
	p.r0 = (books + perDay - 1) / perDay * perDay
	p.a0 = 2*p.r0/perDay + 1
	need := p.a0 + 2 + 2*((calls+len(services)-1)/len(services)) + 400
	for d := now.AddDate(0, 0, 2); len(p.days) < need; d = d.AddDate(0, 0, 1) {
		if d.Weekday() != time.Sunday {
			p.days = append(p.days, time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, now.Location()))
		}
	}
	return p
}

// slot returns the service and start of slot index i.
func (p *plan) slot(i int) (string, time.Time) {
	n := len(services)
	d := p.days[i/(n*slotsPerDay)]
	m := 9*60 + slotMinutes*((i/n)%slotsPerDay)
	return services[i%n], time.Date(d.Year(), d.Month(), d.Day(), m/60, m%60, 0, 0, d.Location())
}

func callerPhone(b int) string { return fmt.Sprintf("+49151%08d", b) }

func (p *plan) body(run, fn string, r, i int, from string, args map[string]any) []byte {
	return p.bodyAs(run, fn, fn, r, i, from, args)
}

// bodyAs is body with the call id named after scenario.
func (p *plan) bodyAs(run, fn, scenario string, r, i int, from string, args map[string]any) []byte {
	b, _ := json.Marshal(map[string]any{"name": fn, "args": args, "call": map[string]any{
		"call_type": "phone_call", "call_id": fmt.Sprintf("call_fbench_%s_%s_r%d_%d", run, scenario, r, i), "from_number": from,
		"to_number": branchTel, "direction": "inbound", "agent_id": "agent_bench", "call_status": "ongoing", "transcript": transcript}})
	return b
}

// transcript is what a call carries after a minute of talk.
var transcript = strings.Repeat("Agent: Salon Bench, guten Tag! Wie kann ich Ihnen helfen?\nUser: Ich hätte gern einen Termin für einen Haarschnitt.\n", 12)

func okAnswer(status int, b []byte) string {
	if status != http.StatusOK {
		return fmt.Sprintf("status %d", status)
	}
	var a booking.Answer
	if err := json.Unmarshal(b, &a); err != nil {
		return "body: " + err.Error()
	}
	if a.Status != booking.StatusOK {
		return "answer " + a.Status + ": " + a.Result
	}
	return ""
}

// availability asks for service i mod 4 on its own day (round r < 0: the
// warm-up's days).
func (p *plan) availability(run string, r, i int) request {
	day := p.a0 + 1 + i/len(services)
	if r < 0 {
		day += 2 * ((p.calls + len(services) - 1) / len(services))
	}
	d := p.days[day]
	return request{path: "/retell/functions/" + booking.FuncCheckAvailability, check: okAnswer,
		body: p.body(run, booking.FuncCheckAvailability, r, i, callerPhone(9_000_000+i), map[string]any{
			"service": services[i%len(services)], "date": d.Format("2006-01-02"), "time": "11:00"})}
}

// cached asks for the first service on the day a0, the day warmed first.
func (p *plan) cached(run string, r, i int) request {
	return request{path: "/retell/functions/" + booking.FuncCheckAvailability, check: okAnswer,
		body: p.bodyAs(run, booking.FuncCheckAvailability, "cached", r, i, callerPhone(9_500_000+i%1000), map[string]any{
			"service": services[0], "date": p.days[p.a0].Format("2006-01-02"), "time": "11:00"})}
}

// book books slot r*2*calls + i for its own caller.
func (p *plan) book(run string, r, i int) request {
	b := r*2*p.calls + i
	svc, start := p.slot(b)
	return request{path: "/retell/functions/" + booking.FuncBookAppointment, check: okAnswer,
		body: p.body(run, booking.FuncBookAppointment, r, i, callerPhone(b), map[string]any{
			"service": svc, "start_time": start.Format(time.RFC3339), "customer_name": fmt.Sprintf("Anrufer %d", b)})}
}

// cancel cancels the appointment of the round's i-th booking's caller.
func (p *plan) cancel(run string, r, i int) request {
	return request{path: "/retell/functions/" + booking.FuncCancelAppointment, check: okAnswer,
		body: p.body(run, booking.FuncCancelAppointment, r, i, callerPhone(r*2*p.calls+i), map[string]any{"reason": "Bench"})}
}

// reschedule moves the appointment of the round's (calls+i)-th booking's
// caller to a free slot of the same service.
func (p *plan) reschedule(run string, r, i int) request {
	b := r*2*p.calls + p.calls + i
	_, to := p.slot(p.r0 + b)
	return request{path: "/retell/functions/" + booking.FuncRescheduleAppointment, check: okAnswer,
		body: p.body(run, booking.FuncRescheduleAppointment, r, i, callerPhone(b), map[string]any{"new_start_time": to.Format(time.RFC3339)})}
}
