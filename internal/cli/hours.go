package cli

import (
	"context"

	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/internal/iostreams"
	"github.com/askproai/askpro/internal/tableprinter"
	"github.com/askproai/askpro/pkg/store"
	"github.com/spf13/cobra"
)

// hoursSetter is the store method `hours set` calls.
type hoursSetter interface {
	Set(ctx context.Context, branchID int64, weekday int, opens, closes string) (store.Hours, error)
}

// HoursSetOptions holds what `askpro hours set` needs.
type HoursSetOptions struct {
	IO       *iostreams.IOStreams
	Branches func(ctx context.Context) (cmdutil.BranchCompany, error)
	Hours    func(ctx context.Context) (hoursSetter, error)
	Exporter cmdutil.Exporter

	BranchID int64
	Weekday  int // 1 = Monday ... 7 = Sunday
	Opens    string
	Closes   string
}

// NewCmdHours builds `askpro hours set`. A missing or unknown verb is a
// usage error.
func NewCmdHours(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{Use: "hours", Short: "Manage a branch's opening hours"}
	cmd.AddCommand(NewCmdHoursSet(f, nil))
	return cmdutil.RequireSubcommand(cmd)
}

// NewCmdHoursSet builds `askpro hours set --branch ID --weekday 1-7 --opens
// HH:MM --closes HH:MM`.
func NewCmdHoursSet(f *cmdutil.Factory, runF func(*HoursSetOptions) error) *cobra.Command {
	opts := &HoursSetOptions{
		IO:       f.IO,
		Branches: func(ctx context.Context) (cmdutil.BranchCompany, error) { return f.Branches(ctx) },
		Hours:    func(ctx context.Context) (hoursSetter, error) { return f.WorkingHours(ctx) },
	}
	cmd := &cobra.Command{
		Use:   "set",
		Short: "Set a branch's opening hours for one weekday (replaces that day's hours)",
		Args:  cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.BranchID <= 0 {
				return cmdutil.FlagErrorf("--branch must be a branch id")
			}
			if opts.Weekday < 1 || opts.Weekday > 7 {
				return cmdutil.FlagErrorf("--weekday must be 1 (Monday) to 7 (Sunday)")
			}
			if runF != nil {
				return runF(opts)
			}
			return hoursSetRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.Int64Var(&opts.BranchID, "branch", 0, "branch id (required)")
	fl.IntVar(&opts.Weekday, "weekday", 0, "1 = Monday ... 7 = Sunday (required)")
	fl.StringVar(&opts.Opens, "opens", "", "opening time HH:MM (required)")
	fl.StringVar(&opts.Closes, "closes", "", "closing time HH:MM, up to 24:00 (required)")
	for _, n := range []string{"branch", "weekday", "opens", "closes"} {
		_ = cmd.MarkFlagRequired(n)
	}
	cmdutil.AddOutputFlag(cmd, &opts.Exporter)
	return cmd
}

func hoursSetRun(ctx context.Context, opts *HoursSetOptions) error {
	branches, err := opts.Branches(ctx)
	if err != nil {
		return err
	}
	hours, err := opts.Hours(ctx)
	if err != nil {
		return err
	}
	if ctx, err = cmdutil.CompanyOfBranch(ctx, branches, opts.BranchID); err != nil {
		return err
	}
	h, err := hours.Set(ctx, opts.BranchID, opts.Weekday, opts.Opens, opts.Closes)
	if err != nil {
		return cmdutil.InputError(err)
	}
	if opts.Exporter != nil {
		return opts.Exporter.Write(opts.IO, h)
	}
	tp := tableprinter.New(opts.IO.Out, opts.IO.ColorEnabled(), "BRANCH", "WEEKDAY", "OPENS", "CLOSES")
	tp.AddRow(h.BranchID, h.Weekday, h.Opens, h.Closes)
	return tp.Render()
}
