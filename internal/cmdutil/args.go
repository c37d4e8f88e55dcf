package cmdutil

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/askproai/askpro/pkg/store"
	"github.com/askproai/askpro/pkg/tenant"
	"github.com/spf13/cobra"
)

// NoArgs is cobra.NoArgs returning a usage error.
func NoArgs(cmd *cobra.Command, args []string) error {
	if err := cobra.NoArgs(cmd, args); err != nil {
		return &FlagError{Err: err}
	}
	return nil
}

// ExactArgs is cobra.ExactArgs returning a usage error.
func ExactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := cobra.ExactArgs(n)(cmd, args); err != nil {
			return &FlagError{Err: err}
		}
		return nil
	}
}

// RangeArgs is cobra.RangeArgs returning a usage error.
func RangeArgs(min, max int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := cobra.RangeArgs(min, max)(cmd, args); err != nil {
			return &FlagError{Err: err}
		}
		return nil
	}
}

// RequireSubcommand makes a command that only groups subcommands (a noun
// such as `askpro company`) refuse to run without one: a missing or unknown
// subcommand is a usage error (exit 2), not help and exit 0. `--help` still
// prints the help.
func RequireSubcommand(cmd *cobra.Command) *cobra.Command {
	cmd.Args = cobra.ArbitraryArgs
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		var names []string
		for _, c := range cmd.Commands() {
			if c.IsAvailableCommand() {
				names = append(names, c.Name())
			}
		}
		if len(args) == 0 {
			return FlagErrorf("%s needs a subcommand: %s", cmd.CommandPath(), strings.Join(names, ", "))
		}
		msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
		if cmd.SuggestionsMinimumDistance <= 0 {
			cmd.SuggestionsMinimumDistance = 2
		}
		if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
			msg += fmt.Sprintf(": did you mean %s?", strings.Join(s, " or "))
		} else {
			msg += ": want one of " + strings.Join(names, ", ")
		}
		return FlagErrorf("%s", msg)
	}
	return cmd
}

// ParseID parses a positive integer id; anything else is a usage error.
func ParseID(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, FlagErrorf("%q is not an id (a positive number)", s)
	}
	return id, nil
}

// CheckChoice returns a usage error naming flag and the choices when v is
// not one of them.
func CheckChoice(flag, v string, choices []string) error {
	if !slices.Contains(choices, v) {
		return FlagErrorf("invalid --%s %q: want one of %s", flag, v, strings.Join(choices, ", "))
	}
	return nil
}

// AddListFlags adds what a tenant-scoped list takes: --company ID
// (required), --limit N (default 100) and --offset N. Check them with
// [CheckListFlags].
func AddListFlags(cmd *cobra.Command, companyID *int64, page *store.Page) {
	fl := cmd.Flags()
	fl.Int64Var(companyID, "company", 0, "company id (required)")
	fl.IntVar(&page.Limit, "limit", 100, "at most this many rows (1-1000)")
	fl.IntVar(&page.Offset, "offset", 0, "skip this many rows first")
	_ = cmd.MarkFlagRequired("company")
}

// CheckListFlags returns a usage error for a company id below 1, a limit
// outside 1-1000 or a negative offset.
func CheckListFlags(companyID int64, page store.Page) error {
	switch {
	case companyID <= 0:
		return FlagErrorf("--company must be a company id")
	case page.Limit < 1 || page.Limit > 1000:
		return FlagErrorf("--limit must be between 1 and 1000")
	case page.Offset < 0:
		return FlagErrorf("--offset must not be negative")
	}
	return nil
}

// AddOptionalCompanyListFlags registers --company (optional: 0 lists every
// company's rows), --limit and --offset of a platform-wide list such as
// `audit list` or `apikey list`; noun names the rows in the help.
func AddOptionalCompanyListFlags(cmd *cobra.Command, companyID *int64, page *store.Page, noun string) {
	fl := cmd.Flags()
	fl.Int64Var(companyID, "company", 0, "only this company's "+noun+" (default: all, platform-wide ones included)")
	fl.IntVar(&page.Limit, "limit", 100, "at most this many "+noun+" (1-1000)")
	fl.IntVar(&page.Offset, "offset", 0, "skip this many "+noun+" first")
}

// CheckOptionalCompanyListFlags is [CheckListFlags] for
// [AddOptionalCompanyListFlags]: --company may be left out, but when given
// it must be a company id.
func CheckOptionalCompanyListFlags(cmd *cobra.Command, companyID int64, page store.Page) error {
	if cmd.Flags().Changed("company") && companyID <= 0 {
		return FlagErrorf("--company must be a company id")
	}
	return CheckListFlags(1, page)
}

// ScopeOptionalCompany returns ctx scoped to companyID (which must exist:
// NotFound otherwise), or a system context for 0: how a platform-wide
// list reads one company's rows or everyone's.
func ScopeOptionalCompany(ctx context.Context, companies func(context.Context) (CompanyGetter, error), companyID int64) (context.Context, error) {
	if companyID <= 0 {
		return tenant.System(ctx), nil
	}
	getter, err := companies(ctx)
	if err != nil {
		return nil, err
	}
	return AsCompany(ctx, getter, companyID)
}
