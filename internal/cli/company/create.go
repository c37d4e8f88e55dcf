package company

import (
	"context"
	"fmt"
	"strconv"

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
	// AuditLog is where the creation is recorded (action company.create).
	AuditLog func(ctx context.Context) (auditor, error)
	Exporter cmdutil.Exporter
	// Actor names who created the company in the audit log. The command
	// sets cmdutil.Actor().
	Actor string

	Name      string
	Subdomain string
	// Industry is one of store.Industries.
	Industry string
}

// NewCmdCreate builds `askpro company create --name N --subdomain S
// [--industry I]`. An industry outside the choices is a usage error found
// before the database is opened. The creation is recorded in the audit log.
func NewCmdCreate(f *cmdutil.Factory, runF func(*CreateOptions) error) *cobra.Command {
	opts := &CreateOptions{
		IO:        f.IO,
		Companies: func(ctx context.Context) (companyCreator, error) { return f.Companies(ctx) },
		AuditLog:  func(ctx context.Context) (auditor, error) { return f.AuditLog(ctx) },
	}
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Create a company",
		Args:  cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := cmdutil.CheckChoice("industry", opts.Industry, store.Industries); err != nil {
				return err
			}
			if opts.Actor == "" {
				opts.Actor = cmdutil.Actor()
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
	sys := tenant.System(ctx)
	c, err := companies.Create(sys, store.NewCompany{Name: opts.Name, Subdomain: opts.Subdomain, Industry: opts.Industry})
	if err != nil {
		return cmdutil.InputError(err)
	}
	if err := recordCreate(sys, opts, c); err != nil {
		return fmt.Errorf("company %d (%s) was created but the audit log was not written: %w", c.ID, c.Subdomain, err)
	}
	if opts.Exporter != nil {
		return opts.Exporter.Write(opts.IO, c)
	}
	return render(opts.IO, []store.Company{c})
}

// recordCreate writes the audit row of a created company: action
// company.create on target company:ID, under the new company, with its
// name, subdomain and industry as stored.
func recordCreate(ctx context.Context, opts *CreateOptions, c store.Company) error {
	audit, err := opts.AuditLog(ctx)
	if err != nil {
		return err
	}
	id := c.ID
	return cmdutil.Audit(ctx, audit, store.AuditEntry{CompanyID: &id, Actor: opts.Actor, Action: "company.create",
		Target: "company:" + strconv.FormatInt(id, 10)},
		map[string]string{"name": c.Name, "subdomain": c.Subdomain, "industry": c.Industry})
}
