package branch

import (
	"context"
	"time"

	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/internal/iostreams"
	"github.com/askproai/askpro/pkg/store"
	"github.com/spf13/cobra"
)

// branchCreator is the store method `branch create` calls.
type branchCreator interface {
	Create(ctx context.Context, in store.NewBranch) (store.Branch, error)
}

// CreateOptions holds what `askpro branch create` needs.
type CreateOptions struct {
	IO        *iostreams.IOStreams
	Companies func(ctx context.Context) (cmdutil.CompanyGetter, error)
	Branches  func(ctx context.Context) (branchCreator, error)
	Exporter  cmdutil.Exporter

	CompanyID int64
	Name      string
	// Phone is the number as typed; the store normalizes it to E.164.
	Phone   string
	Address string
	// Timezone is an IANA zone name such as Europe/Berlin.
	Timezone string
	// Language is one of [Languages].
	Language string
}

// NewCmdCreate builds `askpro branch create --company ID --name N --phone P
// [--address A] [--timezone Z] [--language L]`. A language outside
// [Languages] or a time zone that does not load is a usage error, found
// before the database is opened.
func NewCmdCreate(f *cmdutil.Factory, runF func(*CreateOptions) error) *cobra.Command {
	opts := &CreateOptions{
		IO:        f.IO,
		Companies: companies(f),
		Branches:  func(ctx context.Context) (branchCreator, error) { return f.Branches(ctx) },
	}
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Create a branch",
		Args:  cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.CompanyID <= 0 {
				return cmdutil.FlagErrorf("--company must be a company id")
			}
			if err := CheckTimezone(opts.Timezone); err != nil {
				return err
			}
			if err := cmdutil.CheckChoice("language", opts.Language, Languages); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return createRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.Int64Var(&opts.CompanyID, "company", 0, "company id (required)")
	fl.StringVar(&opts.Name, "name", "", "branch name, at most 255 characters (required)")
	fl.StringVar(&opts.Phone, "phone", "", "the branch's phone number; stored as E.164 (required)")
	fl.StringVar(&opts.Address, "address", "", "street address")
	fl.StringVar(&opts.Timezone, "timezone", "Europe/Berlin", "IANA time zone, e.g. Europe/Vienna")
	fl.StringVar(&opts.Language, "language", "de-DE", "language of the phone agent: de-DE, de-AT, de-CH, en-US or en-GB")
	for _, n := range []string{"company", "name", "phone"} {
		_ = cmd.MarkFlagRequired(n)
	}
	cmdutil.AddOutputFlag(cmd, &opts.Exporter)
	return cmd
}

// CheckTimezone returns a usage error unless tz is an IANA zone name this
// machine can load ("Local", which means whatever the host is set to, is
// refused).
func CheckTimezone(tz string) error {
	if _, err := time.LoadLocation(tz); err != nil || tz == "" || tz == "Local" {
		return cmdutil.FlagErrorf("invalid --timezone %q: want an IANA time zone such as Europe/Berlin, Europe/Vienna or Europe/Zurich", tz)
	}
	return nil
}

func createRun(ctx context.Context, opts *CreateOptions) error {
	companies, err := opts.Companies(ctx)
	if err != nil {
		return err
	}
	branches, err := opts.Branches(ctx)
	if err != nil {
		return err
	}
	if ctx, err = cmdutil.AsCompany(ctx, companies, opts.CompanyID); err != nil {
		return err
	}
	b, err := branches.Create(ctx, store.NewBranch{Name: opts.Name, PhoneNumber: opts.Phone, Address: opts.Address,
		Timezone: opts.Timezone, Language: opts.Language})
	if err != nil {
		return cmdutil.InputError(err)
	}
	if opts.Exporter != nil {
		return opts.Exporter.Write(opts.IO, b)
	}
	return render(opts.IO, []store.Branch{b})
}
