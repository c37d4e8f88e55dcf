package appointments

import (
	"context"

	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/pkg/store"
	"github.com/spf13/cobra"
)

// appointmentLister is the store method `appointments list` calls.
type appointmentLister = cmdutil.Lister[store.Appointment]

// ListOptions holds what `askpro appointments list` needs.
type ListOptions = cmdutil.CompanyListOptions[store.Appointment]

// NewCmdList builds `askpro appointments list --company ID [--limit N] [--offset N]`.
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{
		IO:        f.IO,
		Companies: func(ctx context.Context) (cmdutil.CompanyGetter, error) { return f.Companies(ctx) },
		Lister:    func(ctx context.Context) (appointmentLister, error) { return f.Appointments(ctx) },
	}
	var test func(context.Context, *ListOptions) error
	if runF != nil {
		test = func(_ context.Context, o *ListOptions) error { return runF(o) }
	}
	return cmdutil.NewCmdCompanyList(opts, "List a company's appointments by start time", test, listRun)
}

func listRun(ctx context.Context, opts *ListOptions) error {
	return cmdutil.RunCompanyList(ctx, opts, render)
}
