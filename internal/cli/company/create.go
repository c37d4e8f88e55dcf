package company

import (
	"context"

	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/internal/iostreams"
	"github.com/askproai/askpro/pkg/store"
	"github.com/askproai/askpro/pkg/tenant"
	"github.com/spf13/cobra"
)

// companyCreator is the store method `company create` calls.
type companyCreator interface {
	Create(ctx context.Context, in store.NewCompany) (store.Company, error)
}

// CreateOptions holds what `askpro company create` needs.
type CreateOptions struct {
	IO        *iostreams.IOStreams
	Companies func(ctx context.Context) (companyCreator, error)
	Exporter  cmdutil.Exporter

	Name      string
	Subdomain string
	// Industry is one of store.Industries.
	Industry string
}

// NewCmdCreate builds `askpro company create --name N --subdomain S
// [--industry I]`. An industry outside the choices is a usage error found
// before the database is opened.
func NewCmdCreate(f *cmdutil.Factory, runF func(*CreateOptions) error) *cobra.Command {
	opts := &CreateOptions{
		IO:        f.IO,
		Companies: func(ctx context.Context) (companyCreator, error) { return f.Companies(ctx) },
	}
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Create a company",
		Args:  cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := cmdutil.CheckChoice("industry", opts.Industry, store.Industries); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return createRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Name, "name", "", "company name, at most 255 characters (required)")
	fl.StringVar(&opts.Subdomain, "subdomain", "", "unique subdomain, a-z 0-9 and dashes (required)")
	fl.StringVar(&opts.Industry, "industry", "general", "one of beauty, medical, automotive, general")
	_ = cmd.MarkFlagRequired("name")
	_ = cmd.MarkFlagRequired("subdomain")
	cmdutil.AddOutputFlag(cmd, &opts.Exporter)
	return cmd
}

func createRun(ctx context.Context, opts *CreateOptions) error {
	companies, err := opts.Companies(ctx)
	if err != nil {
		return err
	}
	c, err := companies.Create(tenant.System(ctx), store.NewCompany{Name: opts.Name, Subdomain: opts.Subdomain, Industry: opts.Industry})
	if err != nil {
		return cmdutil.InputError(err)
	}
	if opts.Exporter != nil {
		return opts.Exporter.Write(opts.IO, c)
	}
	return render(opts.IO, []store.Company{c})
}
