// Package appointments holds `askpro appointments list`: one Options struct
// and one run function per verb.
package appointments

import (
	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/internal/iostreams"
	"github.com/askproai/askpro/internal/tableprinter"
	"github.com/askproai/askpro/pkg/store"
	"github.com/spf13/cobra"
)

// NewCmdAppointments builds `askpro appointments` and its verbs. A missing
// or unknown verb is a usage error.
func NewCmdAppointments(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{Use: "appointments", Short: "Look at a company's appointments (Cal.com bookings)"}
	cmd.AddCommand(NewCmdList(f, nil))
	return cmdutil.RequireSubcommand(cmd)
}

// render prints appointments as a table (or TSV when piped).
func render(ios *iostreams.IOStreams, rows []store.Appointment) error {
	tp := tableprinter.New(ios.Out, ios.ColorEnabled(),
		"ID", "BOOKING UID", "STARTS", "ENDS", "STATUS", "SOURCE", "BRANCH", "SERVICE", "CUSTOMER", "CALL")
	for _, a := range rows {
		tp.AddRow(a.ID, a.CalcomBookingUID, cmdutil.FormatTime(a.StartsAt), cmdutil.FormatTime(a.EndsAt), a.Status, a.Source,
			cmdutil.Optional(a.BranchID), cmdutil.Optional(a.ServiceID), cmdutil.Optional(a.CustomerID), cmdutil.Optional(a.CallID))
	}
	return tp.Render()
}
