// Package provision onboards a branch onto the phone: it checks that the
// branch can be provisioned (the [Validator]), then creates and publishes
// its Retell agent (the Provisioner, DESIGN.md "Provisioning"). A branch
// that is not ready is not provisioned.
//
// # Loading
//
// [Load] reads a branch's [BranchData] (branch, company, services, opening
// hours) from the store: the company is found as system work, the rest
// inside that company's tenant.
//
// # Validation
//
// [Validator.Validate] is the spec's ProvisioningValidator (section 5.1)
// with the checks it lacks: opening hours, the Cal.com event types of the
// services, http.public_url, and whether Retell and Cal.com answer. It
// returns a [Report]: errors (the branch is not ready), warnings (it is,
// but something is worth fixing) and recommendations, each an askpro
// command or a config key that fixes an issue.
//
//	v, err := provision.NewValidator(provision.ValidatorConfig{
//		PublicURL: cfg.HTTP.PublicURL,
//		Retell:    retellClient, // a Pinger; nil reports RETELL_UNREACHABLE
//		Calendar:  calendarOf,   // a company's Cal.com account
//	})
//	d, err := provision.Load(ctx, st, branchID)
//	r := v.Validate(ctx, d)
//	if !r.Ready { ... r.Errors ... }
//
// The remote checks run concurrently, each bounded by
// ValidatorConfig.Timeout (5 s by default), and neither needs the
// concrete HTTP clients: [Pinger] and [Calendar] are the one method each
// the validator calls.
//
// [Codes] lists every code. Errors: BRANCH_NAME_MISSING,
// PHONE_NUMBER_MISSING, BRANCH_INACTIVE, COMPANY_INACTIVE, NO_SERVICES,
// NO_WORKING_HOURS, CALENDAR_NOT_CONFIGURED, PUBLIC_URL_MISSING,
// PUBLIC_URL_INVALID, RETELL_UNREACHABLE, CALCOM_UNREACHABLE. Warnings:
// ADDRESS_MISSING, NO_ACTIVE_SERVICES, INDUSTRY_SERVICES_MISSING,
// INACTIVE_SERVICE_CALENDAR_MISSING, PUBLIC_URL_INSECURE,
// PUBLIC_URL_NOT_PUBLIC, TRANSFER_NUMBER_MISSING, TRANSFER_NUMBER_LOOP,
// LANGUAGE_REGION_MISMATCH, PROVISIONING_FAILED. docs/provisioning.md
// explains each and its fix.
//
// Where it departs from the spec: an inactive branch or company is an
// error (its calls would reach no tenant); the industry table compares
// service types ignoring case; actions are askpro commands instead of
// admin URLs; and the spec's single "ready" note is the low-priority
// recommendation to run `askpro provision --branch ID`.
package provision
