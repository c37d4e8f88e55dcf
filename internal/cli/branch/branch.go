// Package branch holds `askpro branch create | list | show | update`: one
// Options struct and one run function per verb.
package branch

import (
	"context"
	"strconv"

	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/internal/iostreams"
	"github.com/askproai/askpro/internal/tableprinter"
	"github.com/askproai/askpro/pkg/store"
	"github.com/spf13/cobra"
)

// Languages are the phone agent languages a branch may have: the German of
// the three countries askpro serves, and English for callers who need it.
// Each is a language Retell's voice agents speak (docs/decisions.md).
var Languages = []string{"de-DE", "de-AT", "de-CH", "en-US", "en-GB"}

// NewCmdBranch builds `askpro branch` and its verbs. A missing or unknown
// verb is a usage error.
func NewCmdBranch(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{Use: "branch", Short: "Create and inspect branches (a location with its phone line)"}
	cmd.AddCommand(NewCmdCreate(f, nil), NewCmdList(f, nil), NewCmdShow(f, nil), NewCmdUpdate(f, nil))
	return cmdutil.RequireSubcommand(cmd)
}

// companies adapts the factory's company repository to the one method the
// verbs need.
func companies(f *cmdutil.Factory) func(ctx context.Context) (cmdutil.CompanyGetter, error) {
	return func(ctx context.Context) (cmdutil.CompanyGetter, error) { return f.Companies(ctx) }
}

// render prints branches as a table (or TSV when piped).
func render(ios *iostreams.IOStreams, rows []store.Branch) error {
	tp := tableprinter.New(ios.Out, ios.ColorEnabled(), "ID", "COMPANY", "NAME", "PHONE", "TIMEZONE", "LANGUAGE", "PROVISIONING", "ACTIVE")
	for _, b := range rows {
		tp.AddRow(b.ID, b.CompanyID, b.Name, string(b.PhoneNumber), b.Timezone, b.Language, b.ProvisioningStatus, b.IsActive)
	}
	return tp.Render()
}

// renderDetail prints one branch field by field, the provisioning state
// included: `branch show` and `branch update`. Field names are the JSON
// keys; times are RFC 3339 in UTC.
func renderDetail(ios *iostreams.IOStreams, b store.Branch) error {
	tp := tableprinter.New(ios.Out, ios.ColorEnabled(), "FIELD", "VALUE")
	version := ""
	if b.RetellAgentVersion != nil {
		version = strconv.Itoa(*b.RetellAgentVersion)
	}
	for _, row := range [][2]string{
		{"id", strconv.FormatInt(b.ID, 10)},
		{"company_id", strconv.FormatInt(b.CompanyID, 10)},
		{"name", b.Name},
		{"phone_number", string(b.PhoneNumber)},
		{"address", b.Address},
		{"timezone", b.Timezone},
		{"language", b.Language},
		{"transfer_number", string(b.TransferNumber)},
		{"is_active", strconv.FormatBool(b.IsActive)},
		{"provisioning_status", b.ProvisioningStatus},
		{"provisioning_error", b.ProvisioningError},
		{"provisioning_started_at", cmdutil.FormatOptionalTime(b.ProvisioningStartedAt)},
		{"provisioned_at", cmdutil.FormatOptionalTime(b.ProvisionedAt)},
		{"retell_agent_id", b.RetellAgentID},
		{"retell_agent_version", version},
		{"retell_llm_id", b.RetellLLMID},
		{"created_at", cmdutil.FormatTime(b.CreatedAt)},
		{"updated_at", cmdutil.FormatTime(b.UpdatedAt)},
	} {
		tp.AddRow(row[0], row[1])
	}
	return tp.Render()
}
