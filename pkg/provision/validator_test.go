package provision_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/askproai/askpro/pkg/phone"
	"github.com/askproai/askpro/pkg/provision"
	"github.com/askproai/askpro/pkg/store"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var checkedAt = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

func ptr[T any](v T) *T { return &v }

// readyData is a branch with nothing to complain about: named, numbered,
// addressed, active, with a transfer number, two calendared services of
// the beauty table's types and opening hours.
func readyData() provision.BranchData {
	return provision.BranchData{
		Company: store.Company{ID: 7, Name: "Salon Haarmonie", Subdomain: "haarmonie", Industry: "beauty", IsActive: true},
		Branch: store.Branch{ID: 3, CompanyID: 7, Name: "Mitte", PhoneNumber: phone.Number("+493012345678"), Address: "Torstraße 1, 10119 Berlin",
			Timezone: "Europe/Berlin", Language: "de-DE", TransferNumber: phone.Number("+4915112345678"),
			ProvisioningStatus: store.ProvisioningPending, IsActive: true},
		Services: []store.Service{
			{ID: 12, CompanyID: 7, BranchID: 3, Name: "Beratung", Type: "consultation", DurationMinutes: 30, CalcomEventTypeID: ptr(int64(4712)), IsActive: true},
			{ID: 13, CompanyID: 7, BranchID: 3, Name: "Färben", Type: "treatment", DurationMinutes: 90, CalcomEventTypeID: ptr(int64(4713)), IsActive: true},
		},
		Hours: []store.Hours{{ID: 1, CompanyID: 7, BranchID: 3, Weekday: 1, Opens: "09:00", Closes: "18:00"}},
	}
}

// fakeCalendar lists ids; a nil ids func panics when called.
type fakeCalendar struct {
	ids func(ctx context.Context) ([]int64, error)
}

func (f fakeCalendar) EventTypeIDs(ctx context.Context) ([]int64, error) {
	if f.ids == nil {
		panic("EventTypeIDs called")
	}
	return f.ids(ctx)
}

func listing(ids ...int64) func(context.Context, store.Company) (provision.Calendar, error) {
	return func(_ context.Context, c store.Company) (provision.Calendar, error) {
		if c.ID != 7 {
			panic("calendar asked for the wrong company")
		}
		return fakeCalendar{ids: func(context.Context) ([]int64, error) { return ids, nil }}, nil
	}
}

// readyConfig reaches both remote sides and has an https public URL.
func readyConfig() provision.ValidatorConfig {
	return provision.ValidatorConfig{
		PublicURL: "https://askpro.example.com",
		Retell:    provision.PingerFunc(func(context.Context) error { return nil }),
		Calendar:  listing(4712, 4713, 5000),
		Now:       func() time.Time { return checkedAt },
	}
}

func validate(t *testing.T, cfg provision.ValidatorConfig, d provision.BranchData) provision.Report {
	t.Helper()
	v, err := provision.NewValidator(cfg)
	require.NoError(t, err)
	return v.Validate(context.Background(), d)
}

func TestReadyBranch(t *testing.T) {
	t.Parallel()
	r := validate(t, readyConfig(), readyData())
	assert.True(t, r.Ready)
	assert.Empty(t, r.Errors)
	assert.Empty(t, r.Warnings)
	assert.Equal(t, int64(3), r.BranchID)
	assert.Equal(t, int64(7), r.CompanyID)
	assert.Equal(t, checkedAt, r.CheckedAt)
	assert.Equal(t, []provision.Recommendation{{Priority: provision.PriorityLow,
		Action: provision.Action{Type: provision.ActionCommand, Command: "askpro provision --branch 3", Label: "Provision the branch"},
		Reason: "Branch is ready for provisioning!"}}, r.Recommendations)
}

// codeCase makes one change to the ready branch or config and expects one
// code from it.
type codeCase struct {
	name   string
	code   provision.Code
	data   func(d *provision.BranchData)
	config func(c *provision.ValidatorConfig)
	// check asserts more about the issue.
	check func(t *testing.T, is provision.Issue, r provision.Report)
}

func hasCommand(want string) func(t *testing.T, is provision.Issue, r provision.Report) {
	return func(t *testing.T, is provision.Issue, _ provision.Report) {
		require.NotNil(t, is.Action)
		assert.Equal(t, provision.ActionCommand, is.Action.Type)
		assert.Equal(t, want, is.Action.Command)
		assert.NotEmpty(t, is.Action.Label)
	}
}

func hasSetting(key, env string) func(t *testing.T, is provision.Issue, r provision.Report) {
	return func(t *testing.T, is provision.Issue, _ provision.Report) {
		require.NotNil(t, is.Action)
		assert.Equal(t, provision.Action{Type: provision.ActionConfig, Key: key, Env: env, Label: is.Action.Label}, *is.Action)
		assert.NotEmpty(t, is.Action.Label)
	}
}

func hasMessage(parts ...string) func(t *testing.T, is provision.Issue, r provision.Report) {
	return func(t *testing.T, is provision.Issue, _ provision.Report) {
		for _, p := range parts {
			assert.Contains(t, is.Message, p)
		}
	}
}

func noAction(t *testing.T, is provision.Issue, _ provision.Report) {
	assert.Nil(t, is.Action)
}

var codeCases = []codeCase{
	{name: "no name", code: provision.CodeBranchNameMissing, data: func(d *provision.BranchData) { d.Branch.Name = "  " },
		check: hasCommand("askpro branch update 3 --name NAME")},
	{name: "no phone number", code: provision.CodePhoneNumberMissing, data: func(d *provision.BranchData) { d.Branch.PhoneNumber = "" },
		check: hasCommand("askpro branch update 3 --phone PHONE")},
	{name: "branch inactive", code: provision.CodeBranchInactive, data: func(d *provision.BranchData) { d.Branch.IsActive = false },
		check: hasCommand("askpro branch update 3 --active")},
	{name: "company inactive", code: provision.CodeCompanyInactive, data: func(d *provision.BranchData) { d.Company.IsActive = false },
		check: hasCommand("askpro company update 7 --active")},
	{name: "no services", code: provision.CodeNoServices, data: func(d *provision.BranchData) { d.Services = nil },
		check: func(t *testing.T, is provision.Issue, r provision.Report) {
			hasCommand("askpro service add --branch 3 --name Behandlung --type treatment --duration 60 --event-type-id EVENT_TYPE_ID")(t, is, r)
			assert.Equal(t, "At least one service must be configured before provisioning", is.Message, "the spec's message")
			assert.False(t, r.Has(provision.CodeIndustryServicesMissing), "the spec checks the industry only when there are services")
			assert.False(t, r.Has(provision.CodeNoActiveServices))
		}},
	{name: "no services, general industry", code: provision.CodeNoServices,
		data:  func(d *provision.BranchData) { d.Services, d.Company.Industry = nil, "general" },
		check: hasCommand("askpro service add --branch 3 --name NAME --type TYPE --duration 30 --event-type-id EVENT_TYPE_ID")},
	{name: "no hours", code: provision.CodeNoWorkingHours, data: func(d *provision.BranchData) { d.Hours = nil },
		check: hasCommand("askpro hours set --branch 3 --weekday 1 --opens 09:00 --closes 18:00")},
	{name: "active service without event type", code: provision.CodeCalendarNotConfigured,
		data: func(d *provision.BranchData) { d.Services[0].CalcomEventTypeID = nil },
		check: func(t *testing.T, is provision.Issue, r provision.Report) {
			hasMessage("without a Cal.com event type", "Beratung (#12)")(t, is, r)
			assert.NotContains(t, is.Message, "Färben")
			assert.Equal(t, []int64{12}, is.ServiceIDs)
			assert.Equal(t, "services.calcom_event_type_id", is.Field)
		}},
	{name: "event type Cal.com does not list", code: provision.CodeCalendarNotConfigured,
		data: func(d *provision.BranchData) { d.Services[1].CalcomEventTypeID = ptr(int64(9999)) },
		check: func(t *testing.T, is provision.Issue, r provision.Report) {
			hasMessage("Cal.com does not list", "Färben (#13, event type 9999)")(t, is, r)
			assert.Equal(t, []int64{13}, is.ServiceIDs)
			assert.Equal(t, []int64{9999}, is.EventTypeIDs)
		}},
	{name: "no public url", code: provision.CodePublicURLMissing, config: func(c *provision.ValidatorConfig) { c.PublicURL = "" },
		check: hasSetting("http.public_url", "ASKPRO_HTTP_PUBLIC_URL")},
	{name: "public url without scheme", code: provision.CodePublicURLInvalid, config: func(c *provision.ValidatorConfig) { c.PublicURL = "askpro.example.com" },
		check: hasSetting("http.public_url", "ASKPRO_HTTP_PUBLIC_URL")},
	{name: "public url ftp", code: provision.CodePublicURLInvalid, config: func(c *provision.ValidatorConfig) { c.PublicURL = "ftp://askpro.example.com" }},
	{name: "public url with a query", code: provision.CodePublicURLInvalid,
		config: func(c *provision.ValidatorConfig) { c.PublicURL = "https://askpro.example.com/?token=x" }},
	{name: "retell key not set", code: provision.CodeRetellUnreachable, config: func(c *provision.ValidatorConfig) { c.Retell = nil },
		check: func(t *testing.T, is provision.Issue, r provision.Report) {
			hasSetting("retell.api_key", "ASKPRO_RETELL_API_KEY")(t, is, r)
			assert.Equal(t, "retell.api_key is not set: askpro cannot create the agent", is.Message)
		}},
	{name: "retell refuses", code: provision.CodeRetellUnreachable,
		config: func(c *provision.ValidatorConfig) {
			c.Retell = provision.PingerFunc(func(context.Context) error { return errors.New("retell: 401 Unauthorized: invalid api key") })
		},
		check: func(t *testing.T, is provision.Issue, r provision.Report) {
			assert.Equal(t, "Retell API did not answer: retell: 401 Unauthorized: invalid api key", is.Message)
			noAction(t, is, r)
		}},
	{name: "no calendar configured", code: provision.CodeCalcomUnreachable, config: func(c *provision.ValidatorConfig) { c.Calendar = nil },
		check: func(t *testing.T, is provision.Issue, r provision.Report) {
			hasCommand("askpro company update 7 --calcom-api-key-file -")(t, is, r)
			assert.False(t, r.Has(provision.CodeCalendarNotConfigured), "event types are not called unknown when nobody could be asked")
		}},
	{name: "calendar nil for the company", code: provision.CodeCalcomUnreachable,
		config: func(c *provision.ValidatorConfig) {
			c.Calendar = func(context.Context, store.Company) (provision.Calendar, error) { return nil, nil }
		},
		check: hasCommand("askpro company update 7 --calcom-api-key-file -")},
	{name: "company key does not open", code: provision.CodeCalcomUnreachable,
		config: func(c *provision.ValidatorConfig) {
			c.Calendar = func(context.Context, store.Company) (provision.Calendar, error) {
				return nil, errors.New("open cal.com key: secrets: key id k2 unknown")
			}
		},
		check: func(t *testing.T, is provision.Issue, r provision.Report) {
			hasMessage("company 7 cannot be used", "secrets: key id k2 unknown")(t, is, r)
			hasCommand("askpro company update 7 --calcom-api-key-file -")(t, is, r)
		}},
	{name: "cal.com listing fails", code: provision.CodeCalcomUnreachable,
		config: func(c *provision.ValidatorConfig) {
			c.Calendar = func(context.Context, store.Company) (provision.Calendar, error) {
				return fakeCalendar{ids: func(context.Context) ([]int64, error) { return nil, errors.New("calcom: 503 Service Unavailable") }}, nil
			}
		},
		check: func(t *testing.T, is provision.Issue, r provision.Report) {
			assert.Equal(t, "Cal.com did not list the event types of company 7: calcom: 503 Service Unavailable", is.Message)
			noAction(t, is, r)
		}},

	{name: "no address", code: provision.CodeAddressMissing, data: func(d *provision.BranchData) { d.Branch.Address = "" },
		check: func(t *testing.T, is provision.Issue, r provision.Report) {
			hasCommand(`askpro branch update 3 --address "ADDRESS"`)(t, is, r)
			assert.Equal(t, "Branch address is recommended for customer communications", is.Message)
		}},
	{name: "no active services", code: provision.CodeNoActiveServices,
		data: func(d *provision.BranchData) { d.Services[0].IsActive, d.Services[1].IsActive = false, false },
		check: func(t *testing.T, is provision.Issue, r provision.Report) {
			assert.Equal(t, "No active services found. Customers won't be able to book appointments.", is.Message)
			assert.True(t, r.Ready, "a warning, as in the spec")
		}},
	{name: "medical branch without examinations", code: provision.CodeIndustryServicesMissing,
		data: func(d *provision.BranchData) { d.Company.Industry = "medical" },
		check: func(t *testing.T, is provision.Issue, r provision.Report) {
			assert.Equal(t, "Recommended service types missing: examination", is.Message)
			assert.Equal(t, "medical", is.Industry)
			assert.Equal(t, []string{"examination"}, is.MissingTypes)
			hasCommand("askpro service add --branch 3 --name Untersuchung --type examination --duration 30 --event-type-id EVENT_TYPE_ID")(t, is, r)
		}},
	{name: "automotive branch with neither", code: provision.CodeIndustryServicesMissing,
		data: func(d *provision.BranchData) { d.Company.Industry = "automotive" },
		check: func(t *testing.T, is provision.Issue, r provision.Report) {
			assert.Equal(t, []string{"inspection", "repair"}, is.MissingTypes)
			var cmds []string
			for _, rec := range r.Recommendations {
				if rec.Priority == provision.PriorityMedium {
					cmds = append(cmds, rec.Action.Command)
				}
			}
			assert.Equal(t, []string{
				"askpro service add --branch 3 --name Inspektion --type inspection --duration 60 --event-type-id EVENT_TYPE_ID",
				"askpro service add --branch 3 --name Reparatur --type repair --duration 120 --event-type-id EVENT_TYPE_ID",
			}, cmds, "one recommendation per missing type")
		}},
	{name: "inactive service without event type", code: provision.CodeInactiveServiceCalendarMissing,
		data: func(d *provision.BranchData) {
			d.Services = append(d.Services,
				store.Service{ID: 14, Name: "Dauerwelle", Type: "treatment", DurationMinutes: 120},
				store.Service{ID: 15, Name: "Glätten", Type: "treatment", DurationMinutes: 60, CalcomEventTypeID: ptr(int64(8888))})
		},
		check: func(t *testing.T, is provision.Issue, r provision.Report) {
			hasMessage("Dauerwelle (#14)", "Glätten (#15, event type 8888)")(t, is, r)
			assert.Equal(t, []int64{14, 15}, is.ServiceIDs)
			assert.Equal(t, []int64{8888}, is.EventTypeIDs)
			assert.True(t, r.Ready)
		}},
	{name: "plain http", code: provision.CodePublicURLInsecure, config: func(c *provision.ValidatorConfig) { c.PublicURL = "http://askpro.example.com" },
		check: func(t *testing.T, is provision.Issue, r provision.Report) {
			hasSetting("http.public_url", "ASKPRO_HTTP_PUBLIC_URL")(t, is, r)
			assert.False(t, r.Has(provision.CodePublicURLNotPublic))
			assert.True(t, r.Ready)
		}},
	{name: "localhost", code: provision.CodePublicURLNotPublic, config: func(c *provision.ValidatorConfig) { c.PublicURL = "https://localhost:8080" }},
	{name: "private address", code: provision.CodePublicURLNotPublic, config: func(c *provision.ValidatorConfig) { c.PublicURL = "https://10.1.2.3/askpro" }},
	{name: "loopback over http", code: provision.CodePublicURLNotPublic, config: func(c *provision.ValidatorConfig) { c.PublicURL = "http://127.0.0.1:8080" },
		check: func(t *testing.T, is provision.Issue, r provision.Report) {
			assert.True(t, r.Has(provision.CodePublicURLInsecure))
			assert.True(t, r.Ready, "fakes on localhost are fine to provision against")
			n := 0
			for _, rec := range r.Recommendations {
				if rec.Action.Key == "http.public_url" {
					n++
					assert.Contains(t, rec.Reason, "plain http", "recommended for the first issue it fixes")
				}
			}
			assert.Equal(t, 1, n, "one step fixing two issues is recommended once")
		}},
	{name: "internal name", code: provision.CodePublicURLNotPublic, config: func(c *provision.ValidatorConfig) { c.PublicURL = "https://askpro.internal" }},
	{name: "no transfer number", code: provision.CodeTransferNumberMissing, data: func(d *provision.BranchData) { d.Branch.TransferNumber = "" },
		check: hasCommand("askpro branch update 3 --transfer-number PHONE")},
	{name: "transfer to itself", code: provision.CodeTransferNumberLoop,
		data:  func(d *provision.BranchData) { d.Branch.TransferNumber = d.Branch.PhoneNumber },
		check: hasCommand("askpro branch update 3 --transfer-number PHONE")},
	{name: "austrian number, german german", code: provision.CodeLanguageRegionMismatch,
		data: func(d *provision.BranchData) { d.Branch.PhoneNumber = "+4319876543" },
		check: func(t *testing.T, is provision.Issue, r provision.Report) {
			hasCommand("askpro branch update 3 --language de-AT")(t, is, r)
			hasMessage("Austrian (+43)", "de-DE")(t, is, r)
		}},
	{name: "last run failed", code: provision.CodeProvisioningFailed,
		data: func(d *provision.BranchData) {
			d.Branch.ProvisioningStatus, d.Branch.ProvisioningError = store.ProvisioningFailed, "create agent: retell: 500 Internal Server Error"
		},
		check: func(t *testing.T, is provision.Issue, r provision.Report) {
			assert.Equal(t, "The last provisioning run failed: create agent: retell: 500 Internal Server Error", is.Message)
			noAction(t, is, r)
		}},
}

func TestEveryCode(t *testing.T) {
	t.Parallel()
	for _, tt := range codeCases {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d, cfg := readyData(), readyConfig()
			if tt.data != nil {
				tt.data(&d)
			}
			if tt.config != nil {
				tt.config(&cfg)
			}
			r := validate(t, cfg, d)
			is := r.Issue(tt.code)
			require.NotNil(t, is, "want %s; got errors %v, warnings %v", tt.code, r.Errors, r.Warnings)
			assert.Equal(t, tt.code.Severity(), is.Severity)
			assert.Equal(t, tt.code.Field(), is.Field)
			assert.NotEmpty(t, is.Message)
			list := r.Warnings
			if is.Severity == provision.SeverityError {
				list = r.Errors
				assert.False(t, r.Ready, "an error makes the branch not ready")
				assert.False(t, slices.ContainsFunc(r.Recommendations, func(rec provision.Recommendation) bool {
					return rec.Priority == provision.PriorityLow
				}), "no ready note with errors")
			}
			assert.True(t, slices.ContainsFunc(list, func(i provision.Issue) bool { return i.Code == tt.code }),
				"%s is listed under its severity", tt.code)
			if is.Action != nil {
				prio := provision.PriorityMedium
				if is.Severity == provision.SeverityError {
					prio = provision.PriorityHigh
				}
				assert.True(t, slices.ContainsFunc(r.Recommendations, func(rec provision.Recommendation) bool {
					return rec.Priority == prio && rec.Action == *is.Action
				}), "the issue's action is recommended at %s priority: %v", prio, r.Recommendations)
			}
			if tt.check != nil {
				tt.check(t, *is, r)
			}
		})
	}
}

// TestEveryCodeHasACase makes TestEveryCode cover every code: each code
// there has a case, and each case asserts its code is produced.
func TestEveryCodeHasACase(t *testing.T) {
	t.Parallel()
	tested := map[provision.Code]bool{}
	for _, c := range codeCases {
		tested[c.code] = true
	}
	all := provision.Codes()
	require.Len(t, all, 21)
	for _, c := range all {
		assert.True(t, tested[c], "no test produces %s", c)
		assert.NotEmpty(t, c.Severity(), c)
		assert.NotEmpty(t, c.Field(), c)
	}
	assert.Empty(t, provision.Code("NOPE").Severity())
}

func TestIndustryTable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		industry string
		types    []string
		missing  []string
	}{
		{"medical", []string{"consultation", "examination"}, nil},
		{"medical", []string{"treatment"}, []string{"consultation", "examination"}},
		{"beauty", []string{"Treatment", " consultation "}, nil},
		{"beauty", []string{"haircut"}, []string{"treatment", "consultation"}},
		{"automotive", []string{"repair"}, []string{"inspection"}},
		{"general", []string{"haircut"}, nil},
		{"", []string{"haircut"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.industry+"/"+tt.types[0], func(t *testing.T) {
			t.Parallel()
			d := readyData()
			d.Company.Industry = tt.industry
			d.Services = nil
			for i, typ := range tt.types {
				d.Services = append(d.Services, store.Service{ID: int64(20 + i), Name: "S" + typ, Type: typ, DurationMinutes: 30,
					CalcomEventTypeID: ptr(int64(4712)), IsActive: i == 0})
			}
			r := validate(t, readyConfig(), d)
			is := r.Issue(provision.CodeIndustryServicesMissing)
			if tt.missing == nil {
				assert.Nil(t, is)
				return
			}
			require.NotNil(t, is)
			assert.Equal(t, tt.missing, is.MissingTypes)
		})
	}
}

func TestRecommendationsOrder(t *testing.T) {
	t.Parallel()
	d := readyData()
	d.Branch.Address = ""
	d.Hours = nil
	d.Branch.TransferNumber = ""
	cfg := readyConfig()
	cfg.Retell = nil
	r := validate(t, cfg, d)
	require.False(t, r.Ready)
	var got []string
	for _, rec := range r.Recommendations {
		got = append(got, string(rec.Priority)+" "+rec.Action.Command+rec.Action.Key)
	}
	assert.Equal(t, []string{
		"high askpro hours set --branch 3 --weekday 1 --opens 09:00 --closes 18:00",
		"high retell.api_key",
		`medium askpro branch update 3 --address "ADDRESS"`,
		"medium askpro branch update 3 --transfer-number PHONE",
	}, got)
	assert.Equal(t, []provision.Code{provision.CodeNoWorkingHours, provision.CodeRetellUnreachable}, codesOf(r.Errors))
	assert.Equal(t, []provision.Code{provision.CodeAddressMissing, provision.CodeTransferNumberMissing}, codesOf(r.Warnings))
}

func codesOf(issues []provision.Issue) []provision.Code {
	var out []provision.Code
	for _, is := range issues {
		out = append(out, is.Code)
	}
	return out
}

func TestReportJSON(t *testing.T) {
	t.Parallel()
	d := readyData()
	d.Company.Industry = "medical"
	d.Services[0].CalcomEventTypeID = nil
	r := validate(t, readyConfig(), d)
	raw, err := json.Marshal(r)
	require.NoError(t, err)

	var got map[string]any
	require.NoError(t, json.Unmarshal(raw, &got))
	keys := make([]string, 0, len(got))
	for k := range got {
		keys = append(keys, k)
	}
	assert.ElementsMatch(t, []string{"branch_id", "company_id", "ready", "errors", "warnings", "recommendations", "checked_at"}, keys)
	assert.Equal(t, 3.0, got["branch_id"])
	assert.Equal(t, 7.0, got["company_id"])
	assert.Equal(t, false, got["ready"])
	assert.Equal(t, "2026-03-02T09:30:00Z", got["checked_at"])

	errs := got["errors"].([]any)
	require.Len(t, errs, 1)
	assert.Equal(t, map[string]any{"code": "CALENDAR_NOT_CONFIGURED", "field": "services.calcom_event_type_id",
		"message": "Active services without a Cal.com event type cannot be booked: Beratung (#12)", "severity": "error",
		"service_ids": []any{12.0}}, errs[0])
	warns := got["warnings"].([]any)
	require.Len(t, warns, 1)
	assert.Equal(t, map[string]any{"code": "INDUSTRY_SERVICES_MISSING", "field": "services", "severity": "warning",
		"message": "Recommended service types missing: examination", "industry": "medical", "missing_types": []any{"examination"},
		"action": map[string]any{"type": "command", "label": "Add a service of type examination",
			"command": "askpro service add --branch 3 --name Untersuchung --type examination --duration 30 --event-type-id EVENT_TYPE_ID"}}, warns[0])
	assert.Equal(t, []any{map[string]any{"priority": "medium", "reason": "Recommended service types missing: examination",
		"action": warns[0].(map[string]any)["action"]}}, got["recommendations"])

	// A ready report has empty arrays, not null.
	raw, err = json.Marshal(validate(t, readyConfig(), readyData()))
	require.NoError(t, err)
	assert.Contains(t, string(raw), `"errors":[]`)
	assert.Contains(t, string(raw), `"warnings":[]`)
	assert.Contains(t, string(raw), `"recommendations":[{"priority":"low","action":{"type":"command","command":"askpro provision --branch 3","label":"Provision the branch"},"reason":"Branch is ready for provisioning!"}]`)
	var back provision.Report
	require.NoError(t, json.Unmarshal(raw, &back))
	assert.True(t, back.Ready)
}

func TestRemoteChecksRunConcurrently(t *testing.T) {
	t.Parallel()
	// Each side waits for the other to have started: run one after the
	// other, the first would time out.
	pingStarted, calStarted := make(chan struct{}), make(chan struct{})
	wait := func(ctx context.Context, other <-chan struct{}) error {
		select {
		case <-other:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	cfg := readyConfig()
	cfg.Timeout = time.Minute
	cfg.Retell = provision.PingerFunc(func(ctx context.Context) error {
		close(pingStarted)
		return wait(ctx, calStarted)
	})
	cfg.Calendar = func(_ context.Context, _ store.Company) (provision.Calendar, error) {
		return fakeCalendar{ids: func(ctx context.Context) ([]int64, error) {
			close(calStarted)
			return []int64{4712, 4713}, wait(ctx, pingStarted)
		}}, nil
	}
	r := validate(t, cfg, readyData())
	assert.True(t, r.Ready, "errors: %v", r.Errors)
}

func TestRemoteTimeout(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	deadlines := make(chan time.Time, 1)
	cfg := readyConfig()
	cfg.Timeout = 20 * time.Millisecond
	// Retell ignores its context: the report must not wait for it.
	cfg.Retell = provision.PingerFunc(func(context.Context) error { <-release; return nil })
	// Cal.com honours it.
	cfg.Calendar = func(ctx context.Context, _ store.Company) (provision.Calendar, error) {
		dl, _ := ctx.Deadline()
		deadlines <- dl
		return fakeCalendar{ids: func(ctx context.Context) ([]int64, error) {
			<-ctx.Done()
			return nil, ctx.Err()
		}}, nil
	}
	start := time.Now()
	r := validate(t, cfg, readyData())
	seenDeadline := <-deadlines
	assert.False(t, seenDeadline.IsZero(), "the calendar is built under the timeout")
	assert.WithinDuration(t, start.Add(cfg.Timeout), seenDeadline, time.Second)
	retell := r.Issue(provision.CodeRetellUnreachable)
	require.NotNil(t, retell)
	assert.Equal(t, "Retell API did not answer: no answer within 20ms", retell.Message)
	cal := r.Issue(provision.CodeCalcomUnreachable)
	require.NotNil(t, cal)
	assert.Contains(t, cal.Message, "Cal.com did not list the event types of company 7: no answer within 20ms")
	assert.Nil(t, cal.Action, "a timeout is not a missing key")
	assert.False(t, r.Has(provision.CodeCalendarNotConfigured), "unknown is not the same as unlisted")
}

func TestCancelledContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	cfg := readyConfig()
	cfg.Retell = provision.PingerFunc(func(ctx context.Context) error { return ctx.Err() })
	v, err := provision.NewValidator(cfg)
	require.NoError(t, err)
	r := v.Validate(ctx, readyData())
	require.NotNil(t, r.Issue(provision.CodeRetellUnreachable))
	assert.Contains(t, r.Issue(provision.CodeRetellUnreachable).Message, "context canceled")
}

func TestRemoteFailureIsLogged(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	cfg := readyConfig()
	cfg.Logger = slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}))
	cfg.Retell = provision.PingerFunc(func(context.Context) error { return errors.New("dial tcp: connection refused") })
	validate(t, cfg, readyData())
	assert.Contains(t, buf.String(), `msg="validate: retell unreachable" branch_id=3 err="dial tcp: connection refused"`)
	assert.NotContains(t, buf.String(), "cal.com", "a check that passed is not logged")
}

func TestRemoteReasonIsBounded(t *testing.T) {
	t.Parallel()
	cfg := readyConfig()
	long := string(bytes.Repeat([]byte("x"), 5000)) + "\xff"
	cfg.Retell = provision.PingerFunc(func(context.Context) error { return errors.New(long) })
	is := validate(t, cfg, readyData()).Issue(provision.CodeRetellUnreachable)
	require.NotNil(t, is)
	assert.Less(t, len(is.Message), 400)
}

func TestNewValidator(t *testing.T) {
	t.Parallel()
	_, err := provision.NewValidator(provision.ValidatorConfig{Timeout: -time.Second})
	assert.ErrorContains(t, err, "Timeout -1s must not be negative")

	// The zero config: nothing configured, every remote check says so.
	v, err := provision.NewValidator(provision.ValidatorConfig{})
	require.NoError(t, err)
	before := time.Now().UTC()
	r := v.Validate(context.Background(), readyData())
	assert.Equal(t, []provision.Code{provision.CodePublicURLMissing, provision.CodeRetellUnreachable, provision.CodeCalcomUnreachable}, codesOf(r.Errors))
	assert.False(t, r.CheckedAt.Before(before.Truncate(time.Second)), "the default clock is the real one")
	assert.Equal(t, time.UTC, r.CheckedAt.Location())
}
