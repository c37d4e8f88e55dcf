package cli

import (
	"context"
	"strconv"

	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/internal/iostreams"
	"github.com/askproai/askpro/internal/tableprinter"
	"github.com/askproai/askpro/pkg/store"
	"github.com/spf13/cobra"
)

// serviceCreator is the store method `service add` calls.
type serviceCreator interface {
	Create(ctx context.Context, in store.NewService) (store.Service, error)
}

// ServiceAddOptions holds what `askpro service add` needs.
type ServiceAddOptions struct {
	IO       *iostreams.IOStreams
	Branches func(ctx context.Context) (cmdutil.BranchCompany, error)
	Services func(ctx context.Context) (serviceCreator, error)
	Exporter cmdutil.Exporter

	BranchID    int64
	Name        string
	Type        string
	Duration    int
	EventTypeID int64 // 0 = none
	Inactive    bool
}

// NewCmdService builds `askpro service add`. A missing or unknown verb is a
// usage error.
func NewCmdService(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{Use: "service", Short: "Manage the services a branch offers"}
	cmd.AddCommand(NewCmdServiceAdd(f, nil))
	return cmdutil.RequireSubcommand(cmd)
}

// NewCmdServiceAdd builds `askpro service add --branch ID --name N --type T
// --duration MIN [--event-type-id E] [--inactive]`.
func NewCmdServiceAdd(f *cmdutil.Factory, runF func(*ServiceAddOptions) error) *cobra.Command {
	opts := &ServiceAddOptions{
		IO:       f.IO,
		Branches: func(ctx context.Context) (cmdutil.BranchCompany, error) { return f.Branches(ctx) },
		Services: func(ctx context.Context) (serviceCreator, error) { return f.Services(ctx) },
	}
	cmd := &cobra.Command{
		Use:   "add",
		Short: "Add a bookable service to a branch",
		Args:  cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.BranchID <= 0 {
				return cmdutil.FlagErrorf("--branch must be a branch id")
			}
			if opts.Duration <= 0 {
				return cmdutil.FlagErrorf("--duration must be a positive number of minutes")
			}
			if opts.EventTypeID < 0 {
				return cmdutil.FlagErrorf("--event-type-id must be a Cal.com event type id")
			}
			if runF != nil {
				return runF(opts)
			}
			return serviceAddRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.Int64Var(&opts.BranchID, "branch", 0, "branch id (required)")
	fl.StringVar(&opts.Name, "name", "", "service name, e.g. Damenhaarschnitt (required)")
	fl.StringVar(&opts.Type, "type", "", "service type, e.g. haircut (required)")
	fl.IntVar(&opts.Duration, "duration", 0, "duration in minutes (required)")
	fl.Int64Var(&opts.EventTypeID, "event-type-id", 0, "Cal.com event type id")
	fl.BoolVar(&opts.Inactive, "inactive", false, "add the service switched off")
	for _, n := range []string{"branch", "name", "type", "duration"} {
		_ = cmd.MarkFlagRequired(n)
	}
	cmdutil.AddOutputFlag(cmd, &opts.Exporter)
	return cmd
}

func serviceAddRun(ctx context.Context, opts *ServiceAddOptions) error {
	branches, err := opts.Branches(ctx)
	if err != nil {
		return err
	}
	services, err := opts.Services(ctx)
	if err != nil {
		return err
	}
	if ctx, err = cmdutil.CompanyOfBranch(ctx, branches, opts.BranchID); err != nil {
		return err
	}
	in := store.NewService{BranchID: opts.BranchID, Name: opts.Name, Type: opts.Type, DurationMinutes: opts.Duration, Inactive: opts.Inactive}
	if opts.EventTypeID != 0 {
		in.CalcomEventTypeID = &opts.EventTypeID
	}
	s, err := services.Create(ctx, in)
	if err != nil {
		return cmdutil.InputError(err)
	}
	if opts.Exporter != nil {
		return opts.Exporter.Write(opts.IO, s)
	}
	tp := tableprinter.New(opts.IO.Out, opts.IO.ColorEnabled(), "ID", "BRANCH", "NAME", "TYPE", "MINUTES", "EVENT TYPE", "ACTIVE")
	et := ""
	if s.CalcomEventTypeID != nil {
		et = strconv.FormatInt(*s.CalcomEventTypeID, 10)
	}
	tp.AddRow(s.ID, s.BranchID, s.Name, s.Type, s.DurationMinutes, et, s.IsActive)
	return tp.Render()
}
