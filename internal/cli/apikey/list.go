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
type keyLister = cmdutil.Lister[store.APIKey]

// ListOptions holds what `askpro apikey list` needs. A CompanyID of 0
// lists every key, platform-admin keys included.
type ListOptions = cmdutil.CompanyListOptions[store.APIKey]

// NewCmdList builds `askpro apikey list [--company ID] [--limit N]
// [--offset N]`. Revoked keys are listed too; hashes never are.
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{
		IO:        f.IO,
		Companies: func(ctx context.Context) (cmdutil.CompanyGetter, error) { return f.Companies(ctx) },
		Lister:    func(ctx context.Context) (keyLister, error) { return f.APIKeys(ctx) },
	}
	var test func(context.Context, *ListOptions) error
	if runF != nil {
		test = func(_ context.Context, o *ListOptions) error { return runF(o) }
	}
	return cmdutil.NewCmdOptionalCompanyList(opts, "List API keys (prefix, company, last use, revocation; never the key)", "keys", test, listRun)
}

func listRun(ctx context.Context, opts *ListOptions) error {
	return cmdutil.RunOptionalCompanyList(ctx, opts, render)
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
