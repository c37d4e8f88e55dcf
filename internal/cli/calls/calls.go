// Package calls holds `askpro calls list`: one Options struct and one run
// function per verb.
package calls

import (
	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/internal/iostreams"
	"github.com/askproai/askpro/internal/tableprinter"
	"github.com/askproai/askpro/pkg/store"
	"github.com/spf13/cobra"
)

// NewCmdCalls builds `askpro calls` and its verbs. A missing or unknown
// verb is a usage error.
func NewCmdCalls(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{Use: "calls", Short: "Look at a company's phone calls, as processing recorded them"}
	cmd.AddCommand(NewCmdList(f, nil))
	return cmdutil.RequireSubcommand(cmd)
}

// render prints calls as a table (or TSV when piped).
func render(ios *iostreams.IOStreams, rows []store.Call) error {
	tp := tableprinter.New(ios.Out, ios.ColorEnabled(),
		"ID", "RETELL CALL", "BRANCH", "CUSTOMER", "FROM", "TO", "DIRECTION", "STATUS", "STARTED", "DURATION", "DISCONNECTION", "SENTIMENT")
	for _, c := range rows {
		duration := ""
		if c.DurationMS != nil {
			duration = cmdutil.FormatMillis(*c.DurationMS)
		}
		tp.AddRow(c.ID, c.RetellCallID, cmdutil.Optional(c.BranchID), cmdutil.Optional(c.CustomerID), string(c.FromNumber), string(c.ToNumber),
			c.Direction, c.Status, cmdutil.FormatOptionalTime(c.StartedAt), duration, c.DisconnectionReason, c.Sentiment)
	}
	return tp.Render()
}
