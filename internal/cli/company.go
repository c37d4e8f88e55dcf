package cli

import (
	"strconv"

	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/internal/tableprinter"
	"github.com/askproai/askpro/pkg/store"
	"github.com/askproai/askpro/pkg/tenant"
	"github.com/spf13/cobra"
)

// CompanyOptions holds what the `askpro company` commands need.
type CompanyOptions struct {
	f         *cmdutil.Factory
	Action    string
	ID        int64
	Name      string
	Subdomain string
	Industry  string
	Output    string
}

// NewCmdCompany builds `askpro company create | list | show`.
func NewCmdCompany(f *cmdutil.Factory, runF func(*CompanyOptions) error) *cobra.Command {
	opts := &CompanyOptions{f: f}
	run := func(action string) func(*cobra.Command, []string) error {
		return verb(&opts.Action, action, &opts.Output, &opts.ID, func(cmd *cobra.Command) error {
			if runF != nil {
				return runF(opts)
			}
			return companyRun(cmd, opts)
		})
	}
	cmd := &cobra.Command{Use: "company", Short: "Create and inspect companies (tenants)"}
	cmd.PersistentFlags().StringVarP(&opts.Output, "output", "o", cmdutil.OutputTable, "output format: table or json")
	create := &cobra.Command{Use: "create", Short: "Create a company", Args: noArgs, RunE: run("create")}
	create.Flags().StringVar(&opts.Name, "name", "", "company name (required)")
	create.Flags().StringVar(&opts.Subdomain, "subdomain", "", "unique subdomain, a-z 0-9 and dashes (required)")
	create.Flags().StringVar(&opts.Industry, "industry", "general", "beauty, medical, automotive or general")
	_ = create.MarkFlagRequired("name")
	_ = create.MarkFlagRequired("subdomain")
	cmd.AddCommand(create,
		&cobra.Command{Use: "list", Short: "List companies", Args: noArgs, RunE: run("list")},
		&cobra.Command{Use: "show ID", Short: "Show one company", Args: exactArgs(1), RunE: run("show")},
	)
	return cmd
}

func companyRun(cmd *cobra.Command, opts *CompanyOptions) error {
	ctx := tenant.AsSystem(cmd.Context())
	st, err := opts.f.Store(ctx)
	if err != nil {
		return err
	}
	var rows []store.Company
	switch opts.Action {
	case "create":
		c, err := st.Companies.Create(ctx, store.NewCompany{Name: opts.Name, Subdomain: opts.Subdomain, Industry: opts.Industry})
		if err != nil {
			return inputErr(err)
		}
		if opts.Output == cmdutil.OutputJSON {
			return cmdutil.WriteJSON(opts.f.IO.Out, c)
		}
		rows = []store.Company{c}
	case "show":
		c, err := st.Companies.Get(ctx, opts.ID)
		if err != nil {
			return notFound(err, "company", opts.ID)
		}
		if opts.Output == cmdutil.OutputJSON {
			return cmdutil.WriteJSON(opts.f.IO.Out, c)
		}
		rows = []store.Company{c}
	case "list":
		rows, err = st.Companies.List(ctx, store.Page{Limit: 1000})
		if err != nil {
			return err
		}
		if opts.Output == cmdutil.OutputJSON {
			return cmdutil.WriteJSON(opts.f.IO.Out, rows)
		}
	}
	tp := tableprinter.New(opts.f.IO.Out, opts.f.IO.ColorEnabled(), "ID", "NAME", "SUBDOMAIN", "INDUSTRY", "ACTIVE", "CREATED")
	for _, c := range rows {
		tp.AddRow(c.ID, c.Name, c.Subdomain, c.Industry, c.IsActive, formatTime(c.CreatedAt))
	}
	return tp.Render()
}

func parseID(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, cmdutil.FlagErrorf("%q is not an id (a positive number)", s)
	}
	return id, nil
}
