// Package branch holds `askpro branch create | list | show`: one Options
// struct and one run function per verb.
package branch

import (
	"context"

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
	cmd.AddCommand(NewCmdCreate(f, nil), NewCmdList(f, nil), NewCmdShow(f, nil))
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
