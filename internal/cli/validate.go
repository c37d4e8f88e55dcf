package cli

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/internal/iostreams"
	"github.com/askproai/askpro/pkg/provision"
	"github.com/charmbracelet/lipgloss"
	"github.com/spf13/cobra"
)

// ValidateOptions holds what `askpro validate` needs.
type ValidateOptions struct {
	IO *iostreams.IOStreams
	// Load reads the branch's data (store.ErrNotFound for an unknown id).
	Load func(ctx context.Context, branchID int64) (provision.BranchData, error)
	// Validator builds the validator from the configuration.
	Validator func(ctx context.Context) (*provision.Validator, error)
	// Exporter is set by -o json: the provision.Report is printed as is.
	Exporter cmdutil.Exporter

	BranchID int64
}

// NewCmdValidate builds `askpro validate --branch ID [-o json]`.
func NewCmdValidate(f *cmdutil.Factory, runF func(*ValidateOptions) error) *cobra.Command {
	opts := &ValidateOptions{
		IO: f.IO,
		Load: func(ctx context.Context, id int64) (provision.BranchData, error) {
			st, err := f.Store(ctx)
			if err != nil {
				return provision.BranchData{}, err
			}
			return provision.Load(ctx, st, id)
		},
		Validator: func(ctx context.Context) (*provision.Validator, error) { return f.Validator(ctx) },
	}
	cmd := &cobra.Command{
		Use:   "validate --branch ID",
		Short: "Check whether a branch is ready to be provisioned",
		Long: `Check a branch before its phone agent is provisioned: its name, number and address, its
services and their Cal.com event types, its opening hours, http.public_url, and whether the
Retell and Cal.com APIs answer. Errors keep the branch from being provisioned; warnings do not.
Each finding comes with the askpro command (or the setting) that fixes it; docs/provisioning.md
lists every code.

Exit status: 0 when the branch is ready, 1 when it is not (or does not exist), 2 on a usage or
configuration error.`,
		Example: `  askpro validate --branch 3
  askpro validate --branch 3 -o json | jq '.errors[].code'`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.BranchID <= 0 {
				return cmdutil.FlagErrorf("--branch must be a branch id")
			}
			if runF != nil {
				return runF(opts)
			}
			return validateRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().Int64Var(&opts.BranchID, "branch", 0, "branch id (required)")
	_ = cmd.MarkFlagRequired("branch")
	cmdutil.AddOutputFlag(cmd, &opts.Exporter)
	return cmd
}

func validateRun(ctx context.Context, opts *ValidateOptions) error {
	v, err := opts.Validator(ctx) // configuration problems first, before the database
	if err != nil {
		return err
	}
	d, err := opts.Load(ctx, opts.BranchID)
	if err != nil {
		return cmdutil.NotFound(err, "branch", opts.BranchID)
	}
	if opts.IO.IsStderrTTY() {
		fmt.Fprintf(opts.IO.ErrOut, "validating branch %d: asking Retell and Cal.com ...", d.Branch.ID)
	}
	r := v.Validate(ctx, d)
	if opts.IO.IsStderrTTY() {
		fmt.Fprint(opts.IO.ErrOut, "\r\033[K")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if opts.Exporter != nil {
		err = opts.Exporter.Write(opts.IO, r)
	} else {
		err = renderReport(opts.IO.Out, opts.IO.ColorEnabled(), d, r)
	}
	if err != nil {
		return err
	}
	if !r.Ready {
		return &cmdutil.ExitError{Code: cmdutil.ExitBad} // the report said why
	}
	return nil
}

// renderReport writes the report for a person: a header saying ready or
// not, the errors, the warnings, and the recommended steps. Colour only
// when color is true (a colour terminal).
func renderReport(w io.Writer, color bool, d provision.BranchData, r provision.Report) error {
	bold, red, yellow, green, faint := plain, plain, plain, plain, plain
	if color { // lipgloss's renderer detects the terminal's colours (as tableprinter's does)
		b := lipgloss.NewStyle().Bold(true)
		bold, faint = b.Render, lipgloss.NewStyle().Faint(true).Render
		red, yellow, green = b.Foreground(lipgloss.Color("9")).Render, b.Foreground(lipgloss.Color("11")).Render,
			b.Foreground(lipgloss.Color("10")).Render
	}

	var b strings.Builder
	name := d.Branch.Name
	if strings.TrimSpace(name) == "" {
		name = "(no name)"
	}
	fmt.Fprintf(&b, "%s %s\n", bold(fmt.Sprintf("Branch %d %q", r.BranchID, name)),
		faint(fmt.Sprintf("of %s (company %d)", d.Company.Name, r.CompanyID)))
	counts := fmt.Sprintf("%s, %s", plural(len(r.Errors), "error"), plural(len(r.Warnings), "warning"))
	if r.Ready {
		fmt.Fprintf(&b, "%s %s\n", green("✓ READY for provisioning"), faint("("+counts+")"))
	} else {
		fmt.Fprintf(&b, "%s %s\n", red("✗ NOT READY"), faint("("+counts+")"))
	}
	fmt.Fprintf(&b, "%s\n", faint("checked "+cmdutil.FormatTime(r.CheckedAt)))

	issues := func(title string, mark style, sym string, list []provision.Issue) {
		if len(list) == 0 {
			return
		}
		fmt.Fprintf(&b, "\n%s\n", bold(title))
		for _, is := range list {
			fmt.Fprintf(&b, "  %s %s %s\n", mark(sym), mark(string(is.Code)), faint(is.Field))
			fmt.Fprintf(&b, "    %s\n", is.Message)
		}
	}
	issues("Errors", red, "✗", r.Errors)
	issues("Warnings", yellow, "!", r.Warnings)

	if len(r.Recommendations) > 0 {
		fmt.Fprintf(&b, "\n%s\n", bold("Next steps"))
		for i, rec := range r.Recommendations {
			mark := faint
			switch rec.Priority {
			case provision.PriorityHigh:
				mark = red
			case provision.PriorityMedium:
				mark = yellow
			case provision.PriorityLow:
				mark = green
			}
			fmt.Fprintf(&b, "  %d. %s %s\n", i+1, mark(fmt.Sprintf("[%s]", rec.Priority)), rec.Action.Label)
			switch rec.Action.Type {
			case provision.ActionConfig:
				fmt.Fprintf(&b, "     set %s (env %s) in every askpro process\n", bold(rec.Action.Key), rec.Action.Env)
			default:
				fmt.Fprintf(&b, "     %s\n", bold(rec.Action.Command))
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// style renders text for the terminal.
type style func(strs ...string) string

// plain is the style of output without colour.
func plain(strs ...string) string { return strings.Join(strs, " ") }

// plural formats "1 error", "2 errors".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
