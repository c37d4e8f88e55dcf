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
type auditLister interface {
	List(ctx context.Context, page store.Page) ([]store.AuditEntry, error)
}

// ListOptions holds what `askpro audit list` needs.
type ListOptions struct {
	IO        *iostreams.IOStreams
	Companies func(ctx context.Context) (cmdutil.CompanyGetter, error)
	AuditLog  func(ctx context.Context) (auditLister, error)
	Exporter  cmdutil.Exporter

	// CompanyID, when set, lists only that company's entries; 0 lists
	// every entry, platform-level ones included.
	CompanyID int64
	// Page is --limit (1-1000) and --offset.
	Page store.Page
}

// NewCmdList builds `askpro audit list [--company ID] [--limit N] [--offset N]`.
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{
		IO:        f.IO,
		Companies: func(ctx context.Context) (cmdutil.CompanyGetter, error) { return f.Companies(ctx) },
		AuditLog:  func(ctx context.Context) (auditLister, error) { return f.AuditLog(ctx) },
	}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List audit log entries, newest first",
		Args:  cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := cmdutil.CheckOptionalCompanyListFlags(cmd, opts.CompanyID, opts.Page); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return listRun(cmd.Context(), opts)
		},
	}
	cmdutil.AddOptionalCompanyListFlags(cmd, &opts.CompanyID, &opts.Page, "entries")
	cmdutil.AddOutputFlag(cmd, &opts.Exporter)
	return cmd
}

func listRun(ctx context.Context, opts *ListOptions) error {
	log, err := opts.AuditLog(ctx)
	if err != nil {
		return err
	}
	scoped, err := cmdutil.ScopeOptionalCompany(ctx, opts.Companies, opts.CompanyID)
	if err != nil {
		return err
	}
	rows, err := log.List(scoped, opts.Page)
	if err != nil {
		return err
	}
	if opts.Exporter != nil {
		return opts.Exporter.Write(opts.IO, rows)
	}
	tp := tableprinter.New(opts.IO.Out, opts.IO.ColorEnabled(), "ID", "CREATED", "COMPANY", "ACTOR", "ACTION", "TARGET", "DETAILS")
	for _, e := range rows {
		tp.AddRow(e.ID, cmdutil.FormatTime(e.CreatedAt), cmdutil.Optional(e.CompanyID), e.Actor, e.Action, e.Target, string(e.Details))
	}
	return tp.Render()
}
