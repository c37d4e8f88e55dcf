package cli

import (
	"strconv"

	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/internal/tableprinter"
	"github.com/spf13/cobra"
)

// HoursSetOptions holds what `askpro hours set` needs.
type HoursSetOptions struct {
	f        *cmdutil.Factory
	BranchID int64
	Weekday  int
	Opens    string
	Closes   string
	Output   string
}

// NewCmdHours builds `askpro hours set`.
func NewCmdHours(f *cmdutil.Factory, runF func(*HoursSetOptions) error) *cobra.Command {
	opts := &HoursSetOptions{f: f}
	cmd := &cobra.Command{Use: "hours", Short: "Manage a branch's opening hours"}
	set := &cobra.Command{
		Use:   "set",
		Short: "Set a branch's opening hours for one weekday (replaces that day's hours)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := cmdutil.CheckOutput(opts.Output); err != nil {
				return err
			}
			if opts.BranchID <= 0 {
				return cmdutil.FlagErrorf("--branch must be a branch id")
			}
			if opts.Weekday < 1 || opts.Weekday > 7 {
				return cmdutil.FlagErrorf("--weekday must be 1 (Monday) to 7 (Sunday)")
			}
			if runF != nil {
				return runF(opts)
			}
			return hoursSetRun(cmd, opts)
		},
	}
	set.Flags().Int64Var(&opts.BranchID, "branch", 0, "branch id (required)")
	set.Flags().IntVar(&opts.Weekday, "weekday", 0, "1 = Monday ... 7 = Sunday (required)")
	set.Flags().StringVar(&opts.Opens, "opens", "", "opening time HH:MM (required)")
	set.Flags().StringVar(&opts.Closes, "closes", "", "closing time HH:MM (required)")
	cmdutil.AddOutputFlag(set, &opts.Output)
	for _, n := range []string{"branch", "weekday", "opens", "closes"} {
		_ = set.MarkFlagRequired(n)
	}
	cmd.AddCommand(set)
	return cmd
}

func hoursSetRun(cmd *cobra.Command, opts *HoursSetOptions) error {
	ctx := cmd.Context()
	st, err := opts.f.Store(ctx)
	if err != nil {
		return err
	}
	if ctx, err = companyOfBranch(ctx, st, opts.BranchID); err != nil {
		return err
	}
	h, err := st.WorkingHours.Set(ctx, opts.BranchID, opts.Weekday, opts.Opens, opts.Closes)
	if err != nil {
		return inputErr(err)
	}
	if opts.Output == cmdutil.OutputJSON {
		return cmdutil.WriteJSON(opts.f.IO.Out, h)
	}
	tp := tableprinter.New(opts.f.IO.Out, opts.f.IO.ColorEnabled(), "BRANCH", "WEEKDAY", "OPENS", "CLOSES")
	tp.AddRow(h.BranchID, h.Weekday, h.Opens, h.Closes)
	return tp.Render()
}

func formatInt(n int64) string { return strconv.FormatInt(n, 10) }
