package provision

import "time"

// Severity says whether an [Issue] stops provisioning.
type Severity string

// The two severities. A branch with any SeverityError issue is not ready.
const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
)

// Priority orders the [Recommendation]s of a report.
type Priority string

// Priorities of recommendations: high fixes an error, medium a warning,
// low is the spec's "ready" note.
const (
	PriorityHigh   Priority = "high"
	PriorityMedium Priority = "medium"
	PriorityLow    Priority = "low"
)

// ActionType says what an [Action] asks a person to do.
type ActionType string

// Action types. The spec's "navigate" to an admin URL becomes a command of
// the askpro CLI; a setting that only configuration can change is named as
// a config key and its environment variable.
const (
	// ActionCommand is an askpro command to run (Action.Command). Words in
	// capitals (NAME, PHONE, EVENT_TYPE_ID) are placeholders to fill in.
	ActionCommand ActionType = "command"
	// ActionConfig is a configuration key to set (Action.Key, Action.Env),
	// in askpro.yaml or the environment, for every askpro process.
	ActionConfig ActionType = "config"
)

// Action is one concrete step that fixes an issue.
type Action struct {
	Type ActionType `json:"type"`
	// Command is the command line to run, for ActionCommand.
	Command string `json:"command,omitempty"`
	// Key and Env name the setting, for ActionConfig: its config key
	// ("http.public_url") and environment variable
	// ("ASKPRO_HTTP_PUBLIC_URL").
	Key string `json:"key,omitempty"`
	Env string `json:"env,omitempty"`
	// Label says in a few words what the action does.
	Label string `json:"label"`
}

// Issue is one finding of the validator: an error that keeps the branch
// from being provisioned, or a warning that does not.
type Issue struct {
	Code Code `json:"code"`
	// Field names what is wrong: a branch column ("phone_number"), a
	// collection ("services", "working_hours") or a config key
	// ("http.public_url").
	Field    string   `json:"field"`
	Message  string   `json:"message"`
	Severity Severity `json:"severity"`
	// Action is the first step that fixes the issue; nil when no askpro
	// command or setting fixes it. The report's recommendations list every
	// step.
	Action *Action `json:"action,omitempty"`
	// Industry is the company's industry, for INDUSTRY_SERVICES_MISSING.
	Industry string `json:"industry,omitempty"`
	// MissingTypes are the service types the industry table recommends and
	// the branch lacks, for INDUSTRY_SERVICES_MISSING.
	MissingTypes []string `json:"missing_types,omitempty"`
	// ServiceIDs are the services an issue is about (CALENDAR_NOT_CONFIGURED
	// and INACTIVE_SERVICE_CALENDAR_MISSING); the message names them.
	ServiceIDs []int64 `json:"service_ids,omitempty"`
	// EventTypeIDs are the Cal.com event types Cal.com did not list, for
	// CALENDAR_NOT_CONFIGURED.
	EventTypeIDs []int64 `json:"event_type_ids,omitempty"`

	// actions are every step that fixes the issue (Action is the first).
	actions []Action
}

// Recommendation is a step worth taking, most urgent first: the spec's quick
// fixes for errors (high) and warnings (medium), and, when nothing is wrong,
// the low-priority pointer to `askpro provision`.
type Recommendation struct {
	Priority Priority `json:"priority"`
	Action   Action   `json:"action"`
	// Reason is the message of the issue the action fixes.
	Reason string `json:"reason"`
}

// Report is the result of [Validator.Validate]. Its JSON form is stable:
// snake_case keys, errors, warnings and recommendations always arrays
// (never null), checked_at in RFC 3339.
type Report struct {
	BranchID  int64 `json:"branch_id"`
	CompanyID int64 `json:"company_id"`
	// Ready is true when there are no errors: the branch may be
	// provisioned.
	Ready           bool             `json:"ready"`
	Errors          []Issue          `json:"errors"`
	Warnings        []Issue          `json:"warnings"`
	Recommendations []Recommendation `json:"recommendations"`
	// CheckedAt is when the validation ran (UTC).
	CheckedAt time.Time `json:"checked_at"`
}

// Has reports whether the report holds an issue (error or warning) with
// code c.
func (r Report) Has(c Code) bool {
	return r.Issue(c) != nil
}

// Issue returns the first issue (errors before warnings) with code c, or
// nil.
func (r Report) Issue(c Code) *Issue {
	for _, list := range [][]Issue{r.Errors, r.Warnings} {
		for i := range list {
			if list[i].Code == c {
				return &list[i]
			}
		}
	}
	return nil
}
