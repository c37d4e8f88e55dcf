package apikey

import (
	"context"

	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/internal/iostreams"
	"github.com/askproai/askpro/internal/tableprinter"
	"github.com/askproai/askpro/pkg/store"
	"github.com/spf13/cobra"
)

// keyLister is the store method `apikey list` calls.
type keyLister interface {
	List(ctx context.Context, page store.Page) ([]store.APIKey, error)
}

// ListOptions holds what `askpro apikey list` needs.
type ListOptions struct {
	IO        *iostreams.IOStreams
	Companies func(ctx context.Context) (cmdutil.CompanyGetter, error)
	Keys      func(ctx context.Context) (keyLister, error)
	Exporter  cmdutil.Exporter

	// CompanyID, when set, lists only that company's keys; 0 lists every
	// key, platform-admin keys included.
	CompanyID int64
	// Page is --limit (1-1000) and --offset.
	Page store.Page
}

// NewCmdList builds `askpro apikey list [--company ID] [--limit N]
// [--offset N]`. Revoked keys are listed too; hashes never are.
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{
		IO:        f.IO,
		Companies: func(ctx context.Context) (cmdutil.CompanyGetter, error) { return f.Companies(ctx) },
		Keys:      func(ctx context.Context) (keyLister, error) { return f.APIKeys(ctx) },
	}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List API keys (prefix, company, last use, revocation; never the key)",
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
	cmdutil.AddOptionalCompanyListFlags(cmd, &opts.CompanyID, &opts.Page, "keys")
	cmdutil.AddOutputFlag(cmd, &opts.Exporter)
	return cmd
}

func listRun(ctx context.Context, opts *ListOptions) error {
	repo, err := opts.Keys(ctx)
	if err != nil {
		return err
	}
	scoped, err := cmdutil.ScopeOptionalCompany(ctx, opts.Companies, opts.CompanyID)
	if err != nil {
		return err
	}
	rows, err := repo.List(scoped, opts.Page)
	if err != nil {
		return err
	}
	if opts.Exporter != nil {
		return opts.Exporter.Write(opts.IO, rows)
	}
	return render(opts.IO, rows)
}

// render prints keys as a table (or TSV when piped).
func render(ios *iostreams.IOStreams, rows []store.APIKey) error {
	tp := tableprinter.New(ios.Out, ios.ColorEnabled(), "ID", "COMPANY", "NAME", "PREFIX", "CREATED", "LAST USED", "REVOKED")
	for _, k := range rows {
		tp.AddRow(k.ID, owner(k), k.Name, k.Prefix, cmdutil.FormatTime(k.CreatedAt),
			cmdutil.FormatOptionalTime(k.LastUsedAt), cmdutil.FormatOptionalTime(k.RevokedAt))
	}
	return tp.Render()
}
