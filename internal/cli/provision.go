package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/internal/iostreams"
	"github.com/askproai/askpro/pkg/provision"
	"github.com/askproai/askpro/pkg/store"
	"github.com/askproai/askpro/pkg/tenant"
	"github.com/charmbracelet/lipgloss"
	"github.com/spf13/cobra"
)

// ProvisionOptions holds what `askpro provision` needs.
type ProvisionOptions struct {
	IO *iostreams.IOStreams
	// Provisioner builds the provisioner from the configuration.
	Provisioner func(ctx context.Context) (*provision.Provisioner, error)
	// AuditLog records a real run.
	AuditLog func(ctx context.Context) (cmdutil.Auditor, error)
	// Exporter is set by -o json: the provision.Result is printed at the end.
	Exporter cmdutil.Exporter

	BranchID int64
	DryRun   bool
	// Actor names who provisioned in the audit log.
	Actor string
}

// NewCmdProvision builds `askpro provision --branch ID [--dry-run] [-o json]`.
func NewCmdProvision(f *cmdutil.Factory, runF func(*ProvisionOptions) error) *cobra.Command {
	opts := &ProvisionOptions{
		IO:          f.IO,
		Provisioner: func(ctx context.Context) (*provision.Provisioner, error) { return f.Provisioner(ctx) },
		AuditLog:    func(ctx context.Context) (cmdutil.Auditor, error) { return f.AuditLog(ctx) },
	}
	cmd := &cobra.Command{
		Use:   "provision --branch ID",
		Short: "Create or update a branch's Retell phone agent and bind its number",
		Long: `Provision the phone agent of a branch: validate it (as askpro validate does), create or
update its Retell LLM (the German prompt and greeting built from the company, branch, services and
opening hours) and agent, publish the agent version, bind the branch's number to that version, and
record the ids on the branch. Each step is shown as it ends.

Provisioning again updates the same LLM and agent and publishes a new version; it never creates a
second agent. When a step fails, what this run created in Retell is deleted again and the branch is
marked failed with the error. Two runs on one branch never overlap.

--dry-run prints the exact requests a run would send and changes nothing: the branch's existing
agent is read from Retell, nothing is written there or to the database.

Exit status: 0 when the branch is provisioned (or the dry run planned it), 1 when it is not ready,
a step failed or another run holds the branch, 2 on a usage or configuration error.`,
		Example: `  askpro provision --branch 3 --dry-run
  askpro provision --branch 3
  askpro provision --branch 3 -o json | jq .agent_version`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.BranchID <= 0 {
				return cmdutil.FlagErrorf("--branch must be a branch id")
			}
			if opts.Actor == "" {
				opts.Actor = cmdutil.Actor()
			}
			if runF != nil {
				return runF(opts)
			}
			return provisionRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().Int64Var(&opts.BranchID, "branch", 0, "branch id (required)")
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "print the requests a run would send; change nothing")
	_ = cmd.MarkFlagRequired("branch")
	cmdutil.AddOutputFlag(cmd, &opts.Exporter)
	return cmd
}

func provisionRun(ctx context.Context, opts *ProvisionOptions) error {
	p, err := opts.Provisioner(ctx) // configuration problems first
	if err != nil {
		return err
	}
	human := opts.Exporter == nil
	st := newStepStyles(opts.IO.ColorEnabled())
	if human {
		what := "Provisioning"
		if opts.DryRun {
			what = "Dry run of provisioning"
		}
		fmt.Fprintf(opts.IO.Out, "%s branch %d\n", st.bold(what), opts.BranchID)
	}
	runOpts := &provision.Options{DryRun: opts.DryRun}
	if human {
		runOpts.Progress = func(s provision.Step) { fmt.Fprint(opts.IO.Out, st.line(s)) }
	}
	res, runErr := p.Provision(ctx, opts.BranchID, runOpts)
	if errors.Is(runErr, store.ErrNotFound) {
		return cmdutil.NotFound(runErr, "branch", opts.BranchID)
	}
	if !opts.DryRun && res.CompanyID != 0 && !errors.Is(runErr, provision.ErrNotReady) && !errors.Is(runErr, store.ErrProvisioningBusy) {
		if err := auditProvision(ctx, opts, res); err != nil {
			return err
		}
	}
	if opts.Exporter != nil {
		if err := opts.Exporter.Write(opts.IO, res); err != nil {
			return err
		}
	} else if err := renderProvision(opts.IO.Out, st, res, runErr); err != nil {
		return err
	}
	if runErr != nil {
		return &cmdutil.ExitError{Code: cmdutil.ExitBad, Err: runErr}
	}
	return nil
}

// auditProvision records a run that reached Retell.
func auditProvision(ctx context.Context, opts *ProvisionOptions, res provision.Result) error {
	audit, err := opts.AuditLog(ctx)
	if err != nil {
		return err
	}
	target := fmt.Sprintf("branch:%d", res.BranchID)
	details := map[string]any{"status": res.Status, "llm_id": res.LLMID, "agent_id": res.AgentID,
		"agent_version": res.AgentVersion, "language": res.Language}
	if res.Error != "" {
		details["error"] = res.Error
	}
	cid := res.CompanyID
	return cmdutil.Audit(tenant.WithCompany(ctx, cid), audit, store.AuditEntry{CompanyID: &cid, Actor: opts.Actor, Action: "branch.provision", Target: target}, details)
}

// stepStyles renders steps, in colour on a colour terminal.
type stepStyles struct {
	color                           bool
	bold, red, green, yellow, faint style
}

func newStepStyles(color bool) stepStyles {
	s := stepStyles{color, plain, plain, plain, plain, plain}
	if color {
		b := lipgloss.NewStyle().Bold(true)
		s.bold, s.faint = b.Render, lipgloss.NewStyle().Faint(true).Render
		s.red, s.green, s.yellow = b.Foreground(lipgloss.Color("9")).Render, b.Foreground(lipgloss.Color("10")).Render,
			b.Foreground(lipgloss.Color("11")).Render
	}
	return s
}

// line is one finished step: "  ✓ llm        created llm_… (312ms)".
func (s stepStyles) line(step provision.Step) string {
	mark := s.green("✓")
	switch step.Status {
	case provision.StatusFailed:
		mark = s.red("✗")
	case provision.StatusSkipped:
		mark = s.faint("-")
	}
	text := step.Detail
	if step.Error != "" {
		text = strings.TrimSpace(text + " " + s.red(step.Error))
	}
	return fmt.Sprintf("  %s %-10s %s %s\n", mark, step.Name, text, s.faint("("+step.Duration.Round(time.Millisecond).String()+")"))
}

// renderProvision writes the outcome for a person: the planned requests of
// a dry run, the validation report of a branch that is not ready, or the
// result of a run.
func renderProvision(w io.Writer, st stepStyles, res provision.Result, runErr error) error {
	var b strings.Builder
	switch {
	case errors.Is(runErr, provision.ErrNotReady):
		if _, err := io.WriteString(w, "\n"); err != nil {
			return err
		}
		d := provision.BranchData{Company: store.Company{Name: res.CompanyName}, Branch: store.Branch{Name: res.BranchName}}
		return renderReport(w, st.color, d, res.Validation)
	case res.DryRun:
		fmt.Fprintf(&b, "\n%s\n", st.bold(fmt.Sprintf("%d requests a run would send to Retell (nothing was sent or changed):", len(res.Requests))))
		for i, r := range res.Requests {
			fmt.Fprintf(&b, "\n%d. %s %s\n", i+1, st.bold(r.Method), r.Path)
			if len(r.Body) > 0 {
				var pretty bytes.Buffer
				if json.Indent(&pretty, r.Body, "   ", "  ") == nil {
					fmt.Fprintf(&b, "   %s\n", pretty.String())
				} else {
					fmt.Fprintf(&b, "   %s\n", r.Body)
				}
			}
		}
	case runErr != nil:
		fmt.Fprintf(&b, "\n%s %s\n", st.red("✗ FAILED"), runErr.Error())
		if res.Status == store.ProvisioningFailed {
			fmt.Fprintf(&b, "%s\n", st.faint("What this run created in Retell was deleted; the branch is marked failed. Fix the cause and run askpro provision again."))
		}
	default:
		v := 0
		if res.AgentVersion != nil {
			v = *res.AgentVersion
		}
		fmt.Fprintf(&b, "\n%s agent %s version %d (%s), LLM %s\n", st.green("✓ PROVISIONED"), res.AgentID, v, res.Language, res.LLMID)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
