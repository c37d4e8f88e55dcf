package cmdutil

import (
	"context"

	"github.com/askproai/askpro/internal/iostreams"
	"github.com/askproai/askpro/pkg/store"
	"github.com/spf13/cobra"
)

// Lister is what a tenant-scoped repository offers a `NOUN list` command:
// one page of the context's company's rows.
type Lister[T any] interface {
	List(ctx context.Context, page store.Page) ([]T, error)
}

// CompanyListOptions holds what a `NOUN list --company ID [--limit N]
// [--offset N]` command needs (calls, appointments, customers), and a
// platform-wide `NOUN list [--company ID]` (audit log, API keys), where a
// CompanyID of 0 lists every company's rows.
type CompanyListOptions[T any] struct {
	IO        *iostreams.IOStreams
	Companies func(ctx context.Context) (CompanyGetter, error)
	Lister    func(ctx context.Context) (Lister[T], error)
	Exporter  Exporter

	CompanyID int64
	// Page is --limit (1-1000) and --offset.
	Page store.Page
}

// NewCmdCompanyList builds a `list` verb on opts: it checks the flags (a
// usage error before anything is opened), then calls runF when set (tests)
// or run.
func NewCmdCompanyList[T any](opts *CompanyListOptions[T], short string, runF, run func(context.Context, *CompanyListOptions[T]) error) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "list",
		Short: short,
		Args:  NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := CheckListFlags(opts.CompanyID, opts.Page); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return run(cmd.Context(), opts)
		},
	}
	AddListFlags(cmd, &opts.CompanyID, &opts.Page)
	AddOutputFlag(cmd, &opts.Exporter)
	return cmd
}

// RunCompanyList lists one page of the company's rows: as JSON with -o
// json, else with render. The company must exist (NotFound otherwise).
func RunCompanyList[T any](ctx context.Context, opts *CompanyListOptions[T], render func(*iostreams.IOStreams, []T) error) error {
	companies, err := opts.Companies(ctx)
	if err != nil {
		return err
	}
	lister, err := opts.Lister(ctx)
	if err != nil {
		return err
	}
	if ctx, err = AsCompany(ctx, companies, opts.CompanyID); err != nil {
		return err
	}
	rows, err := lister.List(ctx, opts.Page)
	if err != nil {
		return err
	}
	if opts.Exporter != nil {
		return opts.Exporter.Write(opts.IO, rows)
	}
	return render(opts.IO, rows)
}

// NewCmdOptionalCompanyList is [NewCmdCompanyList] for a platform-wide list
// whose --company is optional; noun names the rows in the flags' help.
func NewCmdOptionalCompanyList[T any](opts *CompanyListOptions[T], short, noun string, runF, run func(context.Context, *CompanyListOptions[T]) error) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "list",
		Short: short,
		Args:  NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := CheckOptionalCompanyListFlags(cmd, opts.CompanyID, opts.Page); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return run(cmd.Context(), opts)
		},
	}
	AddOptionalCompanyListFlags(cmd, &opts.CompanyID, &opts.Page, noun)
	AddOutputFlag(cmd, &opts.Exporter)
	return cmd
}

// RunOptionalCompanyList lists one page of one company's rows, or with a
// CompanyID of 0 of everyone's (a system context): as JSON with -o json,
// else with render. A company given must exist (NotFound otherwise).
func RunOptionalCompanyList[T any](ctx context.Context, opts *CompanyListOptions[T], render func(*iostreams.IOStreams, []T) error) error {
	lister, err := opts.Lister(ctx)
	if err != nil {
		return err
	}
	if ctx, err = ScopeOptionalCompany(ctx, opts.Companies, opts.CompanyID); err != nil {
		return err
	}
	rows, err := lister.List(ctx, opts.Page)
	if err != nil {
		return err
	}
	if opts.Exporter != nil {
		return opts.Exporter.Write(opts.IO, rows)
	}
	return render(opts.IO, rows)
}
