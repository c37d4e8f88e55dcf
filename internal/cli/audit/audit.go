// Package audit holds `askpro audit list`: one Options struct and one run
// function per verb.
package audit

import (
	"context"

	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/internal/iostreams"
	"github.com/askproai/askpro/internal/tableprinter"
	"github.com/askproai/askpro/pkg/store"
	"github.com/spf13/cobra"
)

// NewCmdAudit builds `askpro audit` and its verbs. A missing or unknown
// verb is a usage error.
func NewCmdAudit(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{Use: "audit", Short: "Read the audit log (who replayed, provisioned, changed what)"}
	cmd.AddCommand(NewCmdList(f, nil))
	return cmdutil.RequireSubcommand(cmd)
}

// auditLister is the store method `audit list` calls.
type auditLister = cmdutil.Lister[store.AuditEntry]

// ListOptions holds what `askpro audit list` needs. A CompanyID of 0 lists
// every entry, platform-level ones included.
type ListOptions = cmdutil.CompanyListOptions[store.AuditEntry]

// NewCmdList builds `askpro audit list [--company ID] [--limit N] [--offset N]`.
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{
		IO:        f.IO,
		Companies: func(ctx context.Context) (cmdutil.CompanyGetter, error) { return f.Companies(ctx) },
		Lister:    func(ctx context.Context) (auditLister, error) { return f.AuditLog(ctx) },
	}
	var test func(context.Context, *ListOptions) error
	if runF != nil {
		test = func(_ context.Context, o *ListOptions) error { return runF(o) }
	}
	return cmdutil.NewCmdOptionalCompanyList(opts, "List audit log entries, newest first", "entries", test, listRun)
}

func listRun(ctx context.Context, opts *ListOptions) error {
	return cmdutil.RunOptionalCompanyList(ctx, opts, render)
}

// render prints entries as a table (or TSV when piped).
func render(ios *iostreams.IOStreams, rows []store.AuditEntry) error {
	tp := tableprinter.New(ios.Out, ios.ColorEnabled(), "ID", "CREATED", "COMPANY", "ACTOR", "ACTION", "TARGET", "DETAILS")
	for _, e := range rows {
		tp.AddRow(e.ID, cmdutil.FormatTime(e.CreatedAt), cmdutil.Optional(e.CompanyID), e.Actor, e.Action, e.Target, string(e.Details))
	}
	return tp.Render()
}
