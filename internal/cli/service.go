package cli

import (
	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/internal/tableprinter"
	"github.com/askproai/askpro/pkg/store"
	"github.com/spf13/cobra"
)

// ServiceAddOptions holds what `askpro service add` needs.
type ServiceAddOptions struct {
	f           *cmdutil.Factory
	BranchID    int64
	Name        string
	Type        string
	Duration    int
	EventTypeID int64
	Inactive    bool
	Output      string
}

// NewCmdService builds `askpro service add`.
func NewCmdService(f *cmdutil.Factory, runF func(*ServiceAddOptions) error) *cobra.Command {
	opts := &ServiceAddOptions{f: f}
	cmd := &cobra.Command{Use: "service", Short: "Manage the services a branch offers"}
	add := &cobra.Command{
		Use:   "add",
		Short: "Add a bookable service to a branch",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := cmdutil.CheckOutput(opts.Output); err != nil {
				return err
			}
			if opts.BranchID <= 0 {
				return cmdutil.FlagErrorf("--branch must be a branch id")
			}
			if opts.Duration <= 0 {
				return cmdutil.FlagErrorf("--duration must be a positive number of minutes")
			}
			if runF != nil {
				return runF(opts)
			}
			return serviceAddRun(cmd, opts)
		},
	}
	add.Flags().Int64Var(&opts.BranchID, "branch", 0, "branch id (required)")
	add.Flags().StringVar(&opts.Name, "name", "", "service name, e.g. Damenhaarschnitt (required)")
	add.Flags().StringVar(&opts.Type, "type", "", "service type, e.g. haircut (required)")
	add.Flags().IntVar(&opts.Duration, "duration", 0, "duration in minutes (required)")
	add.Flags().Int64Var(&opts.EventTypeID, "event-type-id", 0, "Cal.com event type id")
	add.Flags().BoolVar(&opts.Inactive, "inactive", false, "add the service switched off")
	cmdutil.AddOutputFlag(add, &opts.Output)
	for _, n := range []string{"branch", "name", "type", "duration"} {
		_ = add.MarkFlagRequired(n)
	}
	cmd.AddCommand(add)
	return cmd
}

func serviceAddRun(cmd *cobra.Command, opts *ServiceAddOptions) error {
	ctx := cmd.Context()
	st, err := opts.f.Store(ctx)
	if err != nil {
		return err
	}
	if ctx, err = companyOfBranch(ctx, st, opts.BranchID); err != nil {
		return err
	}
	in := store.NewService{BranchID: opts.BranchID, Name: opts.Name, Type: opts.Type, DurationMinutes: opts.Duration, Inactive: opts.Inactive}
	if opts.EventTypeID != 0 {
		in.CalcomEventTypeID = &opts.EventTypeID
	}
	s, err := st.Services.Create(ctx, in)
	if err != nil {
		return inputErr(err)
	}
	if opts.Output == cmdutil.OutputJSON {
		return cmdutil.WriteJSON(opts.f.IO.Out, s)
	}
	tp := tableprinter.New(opts.f.IO.Out, opts.f.IO.ColorEnabled(), "ID", "BRANCH", "NAME", "TYPE", "MINUTES", "EVENT TYPE", "ACTIVE")
	et := ""
	if s.CalcomEventTypeID != nil {
		et = formatInt(*s.CalcomEventTypeID)
	}
	tp.AddRow(s.ID, s.BranchID, s.Name, s.Type, s.DurationMinutes, et, s.IsActive)
	return tp.Render()
}
