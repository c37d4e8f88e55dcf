package provision

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/askproai/askpro/internal/sanitize"
	"github.com/askproai/askpro/pkg/store"
)

// DefaultTimeout bounds each remote check of [Validator.Validate] when
// ValidatorConfig.Timeout is zero.
const DefaultTimeout = 5 * time.Second

// maxReason bounds the remote error text an issue carries, in bytes.
const maxReason = 300

// Pinger checks that the Retell API answers an authenticated request
// (*retell.Client satisfies it). Ping returns nil when it does.
type Pinger interface {
	Ping(ctx context.Context) error
}

// PingerFunc adapts a function to [Pinger].
type PingerFunc func(ctx context.Context) error

// Ping calls f(ctx).
func (f PingerFunc) Ping(ctx context.Context) error { return f(ctx) }

// Calendar lists the event types of one company's Cal.com account (an
// adapter over *calcom.Client's EventTypes).
type Calendar interface {
	EventTypeIDs(ctx context.Context) ([]int64, error)
}

// CalendarFunc adapts a function to [Calendar].
type CalendarFunc func(ctx context.Context) ([]int64, error)

// EventTypeIDs calls f(ctx).
func (f CalendarFunc) EventTypeIDs(ctx context.Context) ([]int64, error) { return f(ctx) }

var (
	_ Pinger   = PingerFunc(nil)
	_ Calendar = CalendarFunc(nil)
)

// ValidatorConfig configures a [Validator].
type ValidatorConfig struct {
	// PublicURL is http.public_url, the base of every URL Retell calls.
	// "" reports PUBLIC_URL_MISSING.
	PublicURL string
	// Retell checks that the Retell API answers. Nil means retell.api_key
	// is not set: RETELL_UNREACHABLE.
	Retell Pinger
	// Calendar returns the Cal.com account of a company (its own key and
	// base URL, or the platform's). Nil, or a nil Calendar or an error from
	// it, reports CALCOM_UNREACHABLE with the reason.
	Calendar func(ctx context.Context, c store.Company) (Calendar, error)
	// Timeout bounds each remote check (the Retell ping; building the
	// Calendar and listing its event types). Defaults to [DefaultTimeout].
	Timeout time.Duration
	// Logger receives a line for each failed remote check (at Info, with
	// branch_id). Defaults to a logger that discards.
	Logger *slog.Logger
	// Now is the clock of Report.CheckedAt. Defaults to time.Now.
	Now func() time.Time
}

// Validator checks whether a branch can be provisioned: the spec's
// ProvisioningValidator (section 5.1) with opening hours, calendar,
// public URL and connectivity checks added. It is safe for concurrent use.
type Validator struct {
	publicURL string
	retell    Pinger
	calendar  func(ctx context.Context, c store.Company) (Calendar, error)
	timeout   time.Duration
	logger    *slog.Logger
	now       func() time.Time
}

// NewValidator fills cfg's defaults and returns a Validator. It returns an
// error for a negative Timeout.
func NewValidator(cfg ValidatorConfig) (*Validator, error) {
	if cfg.Timeout < 0 {
		return nil, fmt.Errorf("provision: ValidatorConfig.Timeout %v must not be negative", cfg.Timeout)
	}
	v := &Validator{publicURL: strings.TrimSpace(cfg.PublicURL), retell: cfg.Retell, calendar: cfg.Calendar,
		timeout: cfg.Timeout, logger: cfg.Logger, now: cfg.Now}
	if v.timeout == 0 {
		v.timeout = DefaultTimeout
	}
	if v.logger == nil {
		v.logger = slog.New(slog.DiscardHandler)
	}
	if v.now == nil {
		v.now = time.Now
	}
	return v, nil
}

// Validate checks d and returns the report; it never fails (a check that
// cannot run is itself an issue). The remote checks (Retell, Cal.com) run
// concurrently, each bounded by the configured Timeout, also when the
// remote side ignores its context. When ctx ends first, the remote checks
// report ctx's error: callers that care check ctx.Err() afterwards.
func (v *Validator) Validate(ctx context.Context, d BranchData) Report {
	var wg sync.WaitGroup
	var retellErr error
	var cal calendarResult
	wg.Go(func() { retellErr = v.pingRetell(ctx) })
	wg.Go(func() { cal = v.listEventTypes(ctx, d.Company) })

	c := &collector{d: d}
	v.checkBranch(c)
	v.checkServices(c)
	v.checkHours(c)
	wg.Wait()
	v.checkCalendar(c, cal)
	v.checkPublicURL(c)
	v.checkRetell(c, retellErr)
	v.checkCalcom(c, cal)
	v.checkTransfer(c)
	v.checkLanguage(c)
	v.checkProvisioning(c)

	if retellErr != nil {
		v.logger.InfoContext(ctx, "validate: retell unreachable", "branch_id", d.Branch.ID, "err", retellErr)
	}
	if cal.err != nil {
		v.logger.InfoContext(ctx, "validate: cal.com unreachable", "branch_id", d.Branch.ID, "company_id", d.Company.ID, "err", cal.err)
	}
	return c.report(v.now().UTC())
}

// errNotConfigured is the reason of a remote check that has nothing to
// call.
var errNotConfigured = errors.New("not configured")

func (v *Validator) pingRetell(ctx context.Context) error {
	if v.retell == nil {
		return errNotConfigured
	}
	_, err := bounded(ctx, v.timeout, func(ctx context.Context) (struct{}, error) { return struct{}{}, v.retell.Ping(ctx) })
	return err
}

// calendarResult is the outcome of the Cal.com check: the event type ids,
// or why there are none. setup is true when the failure was getting the
// company's account (no key, a key that does not open), not the listing.
type calendarResult struct {
	ids   map[int64]bool
	err   error
	setup bool
}

func (v *Validator) listEventTypes(ctx context.Context, c store.Company) calendarResult {
	if v.calendar == nil {
		return calendarResult{err: errNotConfigured, setup: true}
	}
	res, err := bounded(ctx, v.timeout, func(ctx context.Context) (calendarResult, error) {
		cal, err := v.calendar(ctx, c)
		if err != nil {
			return calendarResult{setup: true}, err
		}
		if cal == nil {
			return calendarResult{setup: true}, errNotConfigured
		}
		ids, err := cal.EventTypeIDs(ctx)
		if err != nil {
			return calendarResult{}, err
		}
		res := calendarResult{ids: make(map[int64]bool, len(ids))}
		for _, id := range ids {
			res.ids[id] = true
		}
		return res, nil
	})
	if err != nil {
		return calendarResult{err: err, setup: res.setup}
	}
	return res
}

// bounded runs fn under timeout and returns when fn does or the time is
// up, whichever comes first: a remote side that ignores its context cannot
// hold a report back. After a timeout fn's goroutine finishes on its own
// and its result is dropped; the zero T is returned.
func bounded[T any](ctx context.Context, timeout time.Duration, fn func(ctx context.Context) (T, error)) (T, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := fn(ctx)
		done <- result{v, err}
	}()
	var zero T
	select {
	case r := <-done:
		if r.err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return r.v, fmt.Errorf("no answer within %s: %w", timeout, r.err)
		}
		return r.v, r.err
	case <-ctx.Done():
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return zero, fmt.Errorf("no answer within %s", timeout)
		}
		return zero, ctx.Err()
	}
}

// reason is an error's text for an issue's message: valid UTF-8, bounded.
func reason(err error) string { return sanitize.String(err.Error(), maxReason) }

// collector gathers the issues of one validation.
type collector struct {
	d        BranchData
	errs     []Issue
	warnings []Issue
}

// add records an issue of code with message and the actions that fix it.
func (c *collector) add(code Code, msg string, actions ...Action) *Issue {
	info := code.info()
	is := Issue{Code: code, Field: info.field, Message: msg, Severity: info.severity, actions: actions}
	if len(actions) > 0 {
		a := actions[0]
		is.Action = &a
	}
	if info.severity == SeverityError {
		c.errs = append(c.errs, is)
		return &c.errs[len(c.errs)-1]
	}
	c.warnings = append(c.warnings, is)
	return &c.warnings[len(c.warnings)-1]
}

func (c *collector) report(now time.Time) Report {
	r := Report{BranchID: c.d.Branch.ID, CompanyID: c.d.Company.ID, Ready: len(c.errs) == 0,
		Errors: c.errs, Warnings: c.warnings, CheckedAt: now, Recommendations: []Recommendation{}}
	if r.Errors == nil {
		r.Errors = []Issue{}
	}
	if r.Warnings == nil {
		r.Warnings = []Issue{}
	}
	for _, group := range []struct {
		p      Priority
		issues []Issue
	}{{PriorityHigh, r.Errors}, {PriorityMedium, r.Warnings}} {
		for _, is := range group.issues {
			for _, a := range is.actions {
				// One step may fix several issues (an http URL of localhost):
				// it is recommended once, for the first.
				if !slices.ContainsFunc(r.Recommendations, func(rec Recommendation) bool { return rec.Action == a }) {
					r.Recommendations = append(r.Recommendations, Recommendation{Priority: group.p, Action: a, Reason: is.Message})
				}
			}
		}
	}
	if r.Ready {
		r.Recommendations = append(r.Recommendations, Recommendation{Priority: PriorityLow,
			Action: command("Provision the branch", "askpro provision --branch %d", c.d.Branch.ID),
			Reason: "Branch is ready for provisioning!"})
	}
	return r
}

// command builds an ActionCommand.
func command(label, format string, args ...any) Action {
	return Action{Type: ActionCommand, Command: fmt.Sprintf(format, args...), Label: label}
}

// setting builds an ActionConfig for a config key.
func setting(key, label string) Action {
	return Action{Type: ActionConfig, Key: key, Env: "ASKPRO_" + strings.ToUpper(strings.ReplaceAll(key, ".", "_")), Label: label}
}

func blank(s string) bool { return strings.TrimSpace(s) == "" }

func (v *Validator) checkBranch(c *collector) {
	b, id := c.d.Branch, c.d.Branch.ID
	if blank(b.Name) {
		c.add(CodeBranchNameMissing, "Branch name is required",
			command("Name the branch", "askpro branch update %d --name NAME", id))
	}
	if blank(string(b.PhoneNumber)) {
		c.add(CodePhoneNumberMissing, "Branch phone number is required for call routing",
			command("Give the branch its phone number", "askpro branch update %d --phone PHONE", id))
	}
	if !b.IsActive {
		c.add(CodeBranchInactive, "Branch is inactive: calls to its number reach no company, so its agent could not serve them",
			command("Activate the branch", "askpro branch update %d --active", id))
	}
	if !c.d.Company.IsActive {
		c.add(CodeCompanyInactive, fmt.Sprintf("Company %d is inactive: askpro refuses its calls and function calls", c.d.Company.ID),
			command("Activate the company", "askpro company update %d --active", c.d.Company.ID))
	}
	if blank(b.Address) {
		c.add(CodeAddressMissing, "Branch address is recommended for customer communications",
			command("Set the branch's address", `askpro branch update %d --address "ADDRESS"`, id))
	}
}

// industryServices is the spec's table of the service types each industry
// should offer (validateIndustrySpecificServices); general needs none.
var industryServices = map[string][]string{
	"medical":    {"consultation", "examination"},
	"beauty":     {"treatment", "consultation"},
	"automotive": {"inspection", "repair"},
}

// serviceTemplates name a service of each recommended type, in the German
// a branch's services are usually named in, with a typical duration: the
// `service add` commands the report suggests.
var serviceTemplates = map[string]struct {
	name    string
	minutes int
}{
	"consultation": {"Beratung", 30},
	"examination":  {"Untersuchung", 30},
	"treatment":    {"Behandlung", 60},
	"inspection":   {"Inspektion", 60},
	"repair":       {"Reparatur", 120},
}

// addService is the `service add` command for a service of type typ
// (placeholders for a type the table does not know).
func addService(branchID int64, typ string) Action {
	t, ok := serviceTemplates[typ]
	if !ok {
		return command("Add a service", "askpro service add --branch %d --name NAME --type TYPE --duration 30 --event-type-id EVENT_TYPE_ID", branchID)
	}
	return command("Add a service of type "+typ,
		"askpro service add --branch %d --name %s --type %s --duration %d --event-type-id EVENT_TYPE_ID", branchID, t.name, typ, t.minutes)
}

func industryOf(c store.Company) string {
	if blank(c.Industry) {
		return "general"
	}
	return strings.ToLower(strings.TrimSpace(c.Industry))
}

func (v *Validator) checkServices(c *collector) {
	id, industry := c.d.Branch.ID, industryOf(c.d.Company)
	if len(c.d.Services) == 0 {
		first := ""
		if req := industryServices[industry]; len(req) > 0 {
			first = req[0]
		}
		c.add(CodeNoServices, "At least one service must be configured before provisioning", addService(id, first))
		return
	}
	active := 0
	for _, s := range c.d.Services {
		if s.IsActive {
			active++
		}
	}
	if active == 0 {
		c.add(CodeNoActiveServices, "No active services found. Customers won't be able to book appointments.")
	}
	// The spec compares the types of all services, active or not; types
	// are free text, so the comparison ignores case and surrounding space.
	var missing []string
	for _, want := range industryServices[industry] {
		if !slices.ContainsFunc(c.d.Services, func(s store.Service) bool { return strings.EqualFold(strings.TrimSpace(s.Type), want) }) {
			missing = append(missing, want)
		}
	}
	if len(missing) > 0 {
		actions := make([]Action, len(missing))
		for i, typ := range missing {
			actions[i] = addService(id, typ)
		}
		is := c.add(CodeIndustryServicesMissing, "Recommended service types missing: "+strings.Join(missing, ", "), actions...)
		is.Industry, is.MissingTypes = industry, missing
	}
}

func (v *Validator) checkHours(c *collector) {
	if len(c.d.Hours) == 0 {
		c.add(CodeNoWorkingHours, "Opening hours are required: the agent tells callers when the branch is open and offers appointments only then",
			command("Set the opening hours of each open weekday (1 = Monday)", "askpro hours set --branch %d --weekday 1 --opens 09:00 --closes 18:00", c.d.Branch.ID))
	}
}

// serviceList names services for a message: `Herrenschnitt (#12)`, with
// the event type when asked.
func serviceList(svcs []store.Service, withEventType bool) string {
	parts := make([]string, len(svcs))
	for i, s := range svcs {
		if withEventType && s.CalcomEventTypeID != nil {
			parts[i] = fmt.Sprintf("%s (#%d, event type %d)", s.Name, s.ID, *s.CalcomEventTypeID)
		} else {
			parts[i] = fmt.Sprintf("%s (#%d)", s.Name, s.ID)
		}
	}
	return strings.Join(parts, ", ")
}

func serviceIDs(svcs []store.Service) []int64 {
	ids := make([]int64, len(svcs))
	for i, s := range svcs {
		ids[i] = s.ID
	}
	return ids
}

func eventTypeIDs(svcs []store.Service) []int64 {
	var ids []int64
	for _, s := range svcs {
		if s.CalcomEventTypeID != nil && !slices.Contains(ids, *s.CalcomEventTypeID) {
			ids = append(ids, *s.CalcomEventTypeID)
		}
	}
	return ids
}

func (v *Validator) checkCalendar(c *collector, cal calendarResult) {
	var noType, unknown, inactiveNoType, inactiveUnknown []store.Service
	for _, s := range c.d.Services {
		switch {
		case s.CalcomEventTypeID == nil && s.IsActive:
			noType = append(noType, s)
		case s.CalcomEventTypeID == nil:
			inactiveNoType = append(inactiveNoType, s)
		case cal.ids == nil: // Cal.com not reached: CALCOM_UNREACHABLE says so
		case cal.ids[*s.CalcomEventTypeID]:
		case s.IsActive:
			unknown = append(unknown, s)
		default:
			inactiveUnknown = append(inactiveUnknown, s)
		}
	}
	if len(noType) > 0 {
		is := c.add(CodeCalendarNotConfigured, "Active services without a Cal.com event type cannot be booked: "+serviceList(noType, false))
		is.ServiceIDs = serviceIDs(noType)
	}
	if len(unknown) > 0 {
		is := c.add(CodeCalendarNotConfigured, "Cal.com does not list the event types of these active services: "+serviceList(unknown, true))
		is.ServiceIDs, is.EventTypeIDs = serviceIDs(unknown), eventTypeIDs(unknown)
	}
	if inactive := slices.Concat(inactiveNoType, inactiveUnknown); len(inactive) > 0 {
		msg := "Inactive services without a Cal.com event type cannot be booked once switched on: " + serviceList(inactiveNoType, false)
		if len(inactiveNoType) == 0 {
			msg = "Cal.com does not list the event types of these inactive services: " + serviceList(inactiveUnknown, true)
		} else if len(inactiveUnknown) > 0 {
			msg += "; Cal.com does not list the event types of " + serviceList(inactiveUnknown, true)
		}
		is := c.add(CodeInactiveServiceCalendarMissing, msg)
		is.ServiceIDs, is.EventTypeIDs = serviceIDs(inactive), eventTypeIDs(inactiveUnknown)
	}
}

func (v *Validator) checkPublicURL(c *collector) {
	const label = "Set http.public_url to the https address Retell reaches askpro at"
	raw := v.publicURL
	if raw == "" {
		c.add(CodePublicURLMissing, "http.public_url is not set: the agent's webhooks and tools are addressed with it", setting("http.public_url", label))
		return
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		c.add(CodePublicURLInvalid, fmt.Sprintf("http.public_url %q is not an http(s) URL of a host such as https://askpro.example.com", sanitize.String(raw, maxReason)),
			setting("http.public_url", label))
		return
	}
	if u.Scheme == "http" {
		c.add(CodePublicURLInsecure, "http.public_url is plain http: Retell sends call data to it over the internet; use https",
			setting("http.public_url", label))
	}
	if host := u.Hostname(); !publicHost(host) {
		c.add(CodePublicURLNotPublic, fmt.Sprintf("http.public_url names %s, which Retell cannot reach from the internet", host),
			setting("http.public_url", label))
	}
}

// publicHost reports whether host may be reachable from the internet: not
// localhost or a local-only name, not a loopback, private, link-local or
// unspecified address.
func publicHost(host string) bool {
	h := strings.TrimSuffix(strings.ToLower(host), ".")
	if ip := net.ParseIP(h); ip != nil {
		return !(ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsUnspecified() || ip.IsLinkLocalMulticast())
	}
	if h == "localhost" || !strings.Contains(h, ".") {
		return false
	}
	for _, suffix := range []string{".localhost", ".local", ".internal", ".lan", ".home.arpa"} {
		if strings.HasSuffix(h, suffix) {
			return false
		}
	}
	return true
}

func (v *Validator) checkRetell(c *collector, err error) {
	switch {
	case err == nil:
	case errors.Is(err, errNotConfigured):
		c.add(CodeRetellUnreachable, "retell.api_key is not set: askpro cannot create the agent",
			setting("retell.api_key", "Set retell.api_key to the Retell API key"))
	default:
		c.add(CodeRetellUnreachable, "Retell API did not answer: "+reason(err))
	}
}

func (v *Validator) checkCalcom(c *collector, cal calendarResult) {
	if cal.err == nil {
		return
	}
	cid := c.d.Company.ID
	fix := command("Give the company its Cal.com API key", "askpro company update %d --calcom-api-key-file -", cid)
	switch {
	case errors.Is(cal.err, errNotConfigured):
		c.add(CodeCalcomUnreachable, "Cal.com is not configured: no account to check the services' event types in", fix)
	case cal.setup:
		c.add(CodeCalcomUnreachable, fmt.Sprintf("Cal.com account of company %d cannot be used: %s", cid, reason(cal.err)), fix)
	default:
		c.add(CodeCalcomUnreachable, fmt.Sprintf("Cal.com did not list the event types of company %d: %s", cid, reason(cal.err)))
	}
}

func (v *Validator) checkTransfer(c *collector) {
	b := c.d.Branch
	switch {
	case b.TransferNumber == "":
		c.add(CodeTransferNumberMissing, "No transfer number: the agent cannot hand a caller to a person",
			command("Set the number of a person to hand callers to", "askpro branch update %d --transfer-number PHONE", b.ID))
	case b.TransferNumber == b.PhoneNumber:
		c.add(CodeTransferNumberLoop, "The transfer number is the branch's own number: a transfer would ring the agent again",
			command("Set the number of a person to hand callers to", "askpro branch update %d --transfer-number PHONE", b.ID))
	}
}

// countryLanguages maps the country codes askpro serves to the German the
// agent should speak there.
var countryLanguages = []struct{ prefix, country, language string }{
	{"+49", "German", "de-DE"},
	{"+43", "Austrian", "de-AT"},
	{"+41", "Swiss", "de-CH"},
}

func (v *Validator) checkLanguage(c *collector) {
	b := c.d.Branch
	if !slices.Contains([]string{"de-DE", "de-AT", "de-CH"}, b.Language) {
		return // English, or no language: a deliberate choice
	}
	for _, cl := range countryLanguages {
		if strings.HasPrefix(string(b.PhoneNumber), cl.prefix) && b.Language != cl.language {
			c.add(CodeLanguageRegionMismatch, fmt.Sprintf("The branch's number is %s (%s) but the agent speaks %s", cl.country, cl.prefix, b.Language),
				command("Let the agent speak the German of the branch's country", "askpro branch update %d --language %s", b.ID, cl.language))
		}
	}
}

func (v *Validator) checkProvisioning(c *collector) {
	b := c.d.Branch
	if b.ProvisioningStatus == store.ProvisioningFailed {
		msg := "The last provisioning run failed"
		if b.ProvisioningError != "" {
			msg += ": " + sanitize.String(b.ProvisioningError, maxReason)
		}
		c.add(CodeProvisioningFailed, msg)
	}
}
