package provision

// Code names one finding of the [Validator]. The codes of the spec's
// ProvisioningValidator (section 5.1) keep its names; the others extend it
// (docs/provisioning.md, "Validation", lists each with its fix).
type Code string

// Errors: a branch with any of these is not ready and is not provisioned.
const (
	// CodeBranchNameMissing: the branch has no name (the spec's).
	CodeBranchNameMissing Code = "BRANCH_NAME_MISSING"
	// CodePhoneNumberMissing: the branch has no phone number to route calls
	// from (the spec's).
	CodePhoneNumberMissing Code = "PHONE_NUMBER_MISSING"
	// CodeBranchInactive: the branch is switched off. Calls to an inactive
	// branch's number resolve to no tenant, so an agent bound to it would
	// answer calls askpro cannot serve.
	CodeBranchInactive Code = "BRANCH_INACTIVE"
	// CodeCompanyInactive: the branch's company is switched off; the tenant
	// chain refuses it, so every function call of its agent would fail.
	CodeCompanyInactive Code = "COMPANY_INACTIVE"
	// CodeNoServices: the branch offers nothing to book (the spec's).
	CodeNoServices Code = "NO_SERVICES"
	// CodeNoWorkingHours: the branch has no opening hours; the agent could
	// neither tell callers when it is open nor offer slots.
	CodeNoWorkingHours Code = "NO_WORKING_HOURS"
	// CodeCalendarNotConfigured: an active service has no Cal.com event
	// type, or one Cal.com does not list, so it cannot be booked.
	CodeCalendarNotConfigured Code = "CALENDAR_NOT_CONFIGURED"
	// CodePublicURLMissing: http.public_url is not set; the agent's
	// webhook, inbound webhook and tools are built from it.
	CodePublicURLMissing Code = "PUBLIC_URL_MISSING"
	// CodePublicURLInvalid: http.public_url is not an http(s) URL of a
	// host (with an optional path, no query, fragment or user info).
	CodePublicURLInvalid Code = "PUBLIC_URL_INVALID"
	// CodeRetellUnreachable: retell.api_key is not set, or the Retell API
	// did not answer an authenticated request in time.
	CodeRetellUnreachable Code = "RETELL_UNREACHABLE"
	// CodeCalcomUnreachable: the company has no usable Cal.com account, or
	// Cal.com did not list its event types in time.
	CodeCalcomUnreachable Code = "CALCOM_UNREACHABLE"
)

// Warnings: worth fixing, but the branch may be provisioned with them.
const (
	// CodeAddressMissing: the branch has no address (the spec's).
	CodeAddressMissing Code = "ADDRESS_MISSING"
	// CodeNoActiveServices: every service is switched off, so callers
	// cannot book anything (the spec's; a warning there too).
	CodeNoActiveServices Code = "NO_ACTIVE_SERVICES"
	// CodeIndustryServicesMissing: the branch lacks service types the
	// spec's industry table recommends (medical: consultation, examination;
	// beauty: treatment, consultation; automotive: inspection, repair;
	// general: none).
	CodeIndustryServicesMissing Code = "INDUSTRY_SERVICES_MISSING"
	// CodeInactiveServiceCalendarMissing: a switched-off service has no
	// Cal.com event type (or one Cal.com does not list); switching it on
	// would make it unbookable.
	CodeInactiveServiceCalendarMissing Code = "INACTIVE_SERVICE_CALENDAR_MISSING"
	// CodePublicURLInsecure: http.public_url is plain http; Retell calls it
	// over the internet, with the call's data.
	CodePublicURLInsecure Code = "PUBLIC_URL_INSECURE"
	// CodePublicURLNotPublic: http.public_url names a host Retell cannot
	// reach from the internet (localhost, a private or loopback address, a
	// name without a dot). Fine against fakes, wrong in production.
	CodePublicURLNotPublic Code = "PUBLIC_URL_NOT_PUBLIC"
	// CodeTransferNumberMissing: the branch has no transfer number, so the
	// agent cannot hand a caller to a person.
	CodeTransferNumberMissing Code = "TRANSFER_NUMBER_MISSING"
	// CodeTransferNumberLoop: the transfer number is the branch's own
	// number: a transfer would ring the agent again.
	CodeTransferNumberLoop Code = "TRANSFER_NUMBER_LOOP"
	// CodeLanguageRegionMismatch: the agent's German (de-DE, de-AT, de-CH)
	// is not the one of the country of the branch's number.
	CodeLanguageRegionMismatch Code = "LANGUAGE_REGION_MISMATCH"
	// CodeProvisioningFailed: the last provisioning run failed; the message
	// carries its error.
	CodeProvisioningFailed Code = "PROVISIONING_FAILED"
)

// codeInfo is what every issue of a code shares.
type codeInfo struct {
	severity Severity
	field    string
}

// codes lists every code in the order a report shows them.
var codes = []struct {
	code Code
	codeInfo
}{
	{CodeBranchNameMissing, codeInfo{SeverityError, "name"}},
	{CodePhoneNumberMissing, codeInfo{SeverityError, "phone_number"}},
	{CodeBranchInactive, codeInfo{SeverityError, "is_active"}},
	{CodeCompanyInactive, codeInfo{SeverityError, "company.is_active"}},
	{CodeNoServices, codeInfo{SeverityError, "services"}},
	{CodeNoWorkingHours, codeInfo{SeverityError, "working_hours"}},
	{CodeCalendarNotConfigured, codeInfo{SeverityError, "services.calcom_event_type_id"}},
	{CodePublicURLMissing, codeInfo{SeverityError, "http.public_url"}},
	{CodePublicURLInvalid, codeInfo{SeverityError, "http.public_url"}},
	{CodeRetellUnreachable, codeInfo{SeverityError, "retell.api_key"}},
	{CodeCalcomUnreachable, codeInfo{SeverityError, "company.calcom_api_key"}},

	{CodeAddressMissing, codeInfo{SeverityWarning, "address"}},
	{CodeNoActiveServices, codeInfo{SeverityWarning, "services"}},
	{CodeIndustryServicesMissing, codeInfo{SeverityWarning, "services"}},
	{CodeInactiveServiceCalendarMissing, codeInfo{SeverityWarning, "services.calcom_event_type_id"}},
	{CodePublicURLInsecure, codeInfo{SeverityWarning, "http.public_url"}},
	{CodePublicURLNotPublic, codeInfo{SeverityWarning, "http.public_url"}},
	{CodeTransferNumberMissing, codeInfo{SeverityWarning, "transfer_number"}},
	{CodeTransferNumberLoop, codeInfo{SeverityWarning, "transfer_number"}},
	{CodeLanguageRegionMismatch, codeInfo{SeverityWarning, "language"}},
	{CodeProvisioningFailed, codeInfo{SeverityWarning, "provisioning_status"}},
}

// Codes returns every code the validator reports, errors first, in the
// order a report lists them.
func Codes() []Code {
	out := make([]Code, len(codes))
	for i, c := range codes {
		out[i] = c.code
	}
	return out
}

// Severity returns the severity of c's issues, or "" for an unknown code.
func (c Code) Severity() Severity { return c.info().severity }

// Field returns the field c's issues name, or "" for an unknown code.
func (c Code) Field() string { return c.info().field }

func (c Code) info() codeInfo {
	for _, k := range codes {
		if k.code == c {
			return k.codeInfo
		}
	}
	return codeInfo{}
}
