package cli

import (
	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/internal/tableprinter"
	"github.com/askproai/askpro/pkg/store"
	"github.com/spf13/cobra"
)

// BranchOptions holds what the `askpro branch` commands need.
type BranchOptions struct {
	f         *cmdutil.Factory
	Action    string
	ID        int64
	CompanyID int64
	Name      string
	Phone     string
	Address   string
	Timezone  string
	Language  string
	Output    string
}

// NewCmdBranch builds `askpro branch create | list | show`.
func NewCmdBranch(f *cmdutil.Factory, runF func(*BranchOptions) error) *cobra.Command {
	opts := &BranchOptions{f: f}
	run := func(action string) func(*cobra.Command, []string) error {
		return verb(&opts.Action, action, &opts.Output, &opts.ID, func(cmd *cobra.Command) error {
			if action != "show" && opts.CompanyID <= 0 {
				return cmdutil.FlagErrorf("--company must be a company id")
			}
			if runF != nil {
				return runF(opts)
			}
			return branchRun(cmd, opts)
		})
	}
	cmd := &cobra.Command{Use: "branch", Short: "Create and inspect branches (a location with its phone line)"}
	cmd.PersistentFlags().StringVarP(&opts.Output, "output", "o", cmdutil.OutputTable, "output format: table or json")
	create := &cobra.Command{Use: "create", Short: "Create a branch", Args: noArgs, RunE: run("create")}
	create.Flags().Int64Var(&opts.CompanyID, "company", 0, "company id (required)")
	create.Flags().StringVar(&opts.Name, "name", "", "branch name (required)")
	create.Flags().StringVar(&opts.Phone, "phone", "", "the branch's phone number; stored as E.164 (required)")
	create.Flags().StringVar(&opts.Address, "address", "", "street address")
	create.Flags().StringVar(&opts.Timezone, "timezone", "Europe/Berlin", "IANA time zone")
	create.Flags().StringVar(&opts.Language, "language", "de-DE", "language of the phone agent")
	for _, n := range []string{"company", "name", "phone"} {
		_ = create.MarkFlagRequired(n)
	}
	list := &cobra.Command{Use: "list", Short: "List a company's branches", Args: noArgs, RunE: run("list")}
	list.Flags().Int64Var(&opts.CompanyID, "company", 0, "company id (required)")
	_ = list.MarkFlagRequired("company")
	cmd.AddCommand(create, list, &cobra.Command{Use: "show ID", Short: "Show one branch", Args: exactArgs(1), RunE: run("show")})
	return cmd
}

func branchRun(cmd *cobra.Command, opts *BranchOptions) error {
	ctx := cmd.Context()
	st, err := opts.f.Store(ctx)
	if err != nil {
		return err
	}
	if opts.Action == "show" {
		ctx, err = companyOfBranch(ctx, st, opts.ID)
	} else {
		ctx, err = asCompany(ctx, st, opts.CompanyID)
	}
	if err != nil {
		return err
	}
	var rows []store.Branch
	switch opts.Action {
	case "create":
		b, err := st.Branches.Create(ctx, store.NewBranch{Name: opts.Name, PhoneNumber: opts.Phone, Address: opts.Address,
			Timezone: opts.Timezone, Language: opts.Language})
		if err != nil {
			return inputErr(err)
		}
		if opts.Output == cmdutil.OutputJSON {
			return cmdutil.WriteJSON(opts.f.IO.Out, b)
		}
		rows = []store.Branch{b}
	case "show":
		b, err := st.Branches.Get(ctx, opts.ID)
		if err != nil {
			return notFound(err, "branch", opts.ID)
		}
		if opts.Output == cmdutil.OutputJSON {
			return cmdutil.WriteJSON(opts.f.IO.Out, b)
		}
		rows = []store.Branch{b}
	case "list":
		if rows, err = st.Branches.List(ctx, store.Page{Limit: 1000}); err != nil {
			return err
		}
		if opts.Output == cmdutil.OutputJSON {
			return cmdutil.WriteJSON(opts.f.IO.Out, rows)
		}
	}
	tp := tableprinter.New(opts.f.IO.Out, opts.f.IO.ColorEnabled(), "ID", "COMPANY", "NAME", "PHONE", "TIMEZONE", "LANGUAGE", "PROVISIONING", "ACTIVE")
	for _, b := range rows {
		tp.AddRow(b.ID, b.CompanyID, b.Name, string(b.PhoneNumber), b.Timezone, b.Language, b.ProvisioningStatus, b.IsActive)
	}
	return tp.Render()
}
