// Package company holds `askpro company create | list | show | update`: one Options
// struct and one run function per verb.
package company

import (
	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/internal/iostreams"
	"github.com/askproai/askpro/internal/tableprinter"
	"github.com/askproai/askpro/pkg/store"
	"github.com/spf13/cobra"
)

// NewCmdCompany builds `askpro company` and its verbs. A missing or unknown
// verb is a usage error.
func NewCmdCompany(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{Use: "company", Short: "Create and inspect companies (tenants)"}
	cmd.AddCommand(NewCmdCreate(f, nil), NewCmdList(f, nil), NewCmdShow(f, nil), NewCmdUpdate(f, nil))
	return cmdutil.RequireSubcommand(cmd)
}

// render prints companies as a table (or TSV when piped).
func render(ios *iostreams.IOStreams, rows []store.Company) error {
	tp := tableprinter.New(ios.Out, ios.ColorEnabled(), "ID", "NAME", "SUBDOMAIN", "INDUSTRY", "ACTIVE", "CREATED")
	for _, c := range rows {
		tp.AddRow(c.ID, c.Name, c.Subdomain, c.Industry, c.IsActive, cmdutil.FormatTime(c.CreatedAt))
	}
	return tp.Render()
}
