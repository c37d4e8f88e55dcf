// Package customers holds `askpro customers list`: one Options struct and
// one run function per verb.
package customers

import (
	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/internal/iostreams"
	"github.com/askproai/askpro/internal/tableprinter"
	"github.com/askproai/askpro/pkg/store"
	"github.com/spf13/cobra"
)

// NewCmdCustomers builds `askpro customers` and its verbs. A missing or
// unknown verb is a usage error.
func NewCmdCustomers(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{Use: "customers", Short: "Look at a company's customers (callers known by number)"}
	cmd.AddCommand(NewCmdList(f, nil))
	return cmdutil.RequireSubcommand(cmd)
}

// render prints customers as a table (or TSV when piped).
func render(ios *iostreams.IOStreams, rows []store.Customer) error {
	tp := tableprinter.New(ios.Out, ios.ColorEnabled(), "ID", "NAME", "PHONE", "EMAIL", "CREATED")
	for _, c := range rows {
		tp.AddRow(c.ID, c.Name, string(c.PhoneNumber), c.Email, cmdutil.FormatTime(c.CreatedAt))
	}
	return tp.Render()
}
