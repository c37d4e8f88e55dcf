// Package cli builds the askpro command tree. Each command is wiring (flags
// into an Options struct) plus a run function; the work itself happens in
// the pkg/ libraries. Nouns have a package of their own (company, branch,
// migrate, webhooks, configcmd, calls, appointments, customers, audit) with
// one file per verb; single commands (serve, worker, demo, replay, service
// add, hours set, validate, validate-phone, version) are one file each here.
package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/askproai/askpro/internal/cli/apikey"
	"github.com/askproai/askpro/internal/cli/appointments"
	"github.com/askproai/askpro/internal/cli/audit"
	"github.com/askproai/askpro/internal/cli/branch"
	"github.com/askproai/askpro/internal/cli/calls"
	"github.com/askproai/askpro/internal/cli/company"
	"github.com/askproai/askpro/internal/cli/configcmd"
	"github.com/askproai/askpro/internal/cli/customers"
	"github.com/askproai/askpro/internal/cli/migrate"
	"github.com/askproai/askpro/internal/cli/secrets"
	"github.com/askproai/askpro/internal/cli/webhooks"
	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/internal/iostreams"
	"github.com/spf13/cobra"
)

// Version is the build version, set with -ldflags "-X github.com/askproai/askpro/internal/cli.Version=v1.2.3".
var Version = "dev"

// Main runs askpro with os.Args and returns the process exit code.
func Main() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	f := cmdutil.New(iostreams.System(), Version)
	return Run(ctx, f, os.Args[1:])
}

// Run executes the command line args with the given factory, prints the
// error a command returned, and returns the exit code [cmdutil.ExitCode]
// maps it to (DESIGN.md "CLI conventions").
func Run(ctx context.Context, f *cmdutil.Factory, args []string) int {
	defer f.Close()
	root := NewCmdRoot(f)
	root.SetArgs(args)
	root.SetIn(f.IO.In)
	root.SetOut(f.IO.Out)
	root.SetErr(f.IO.ErrOut)
	cmd, err := root.ExecuteContextC(ctx)
	code := cmdutil.ExitCode(err)
	var exitErr *cmdutil.ExitError
	switch {
	case err == nil:
	case code == cmdutil.ExitUsage && cmdutil.IsUsageError(err):
		fmt.Fprintf(f.IO.ErrOut, "error: %v\n\n%s", err, cmd.UsageString())
	case errors.As(err, &exitErr) && exitErr.Err == nil:
		// the command already said what it had to say
	case errors.Is(err, context.Canceled):
		fmt.Fprintln(f.IO.ErrOut, "cancelled")
	default:
		fmt.Fprintf(f.IO.ErrOut, "error: %v\n", err)
	}
	return code
}

// NewCmdRoot builds the askpro root command with every subcommand.
func NewCmdRoot(f *cmdutil.Factory) *cobra.Command {
	root := &cobra.Command{
		Use:           "askpro",
		Short:         "Backend of the askpro AI phone receptionist",
		Long:          "askpro receives Retell, Cal.com and Stripe webhooks, answers the Retell agent's function calls\nand keeps calls, customers and appointments per company.",
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       Version,
	}
	root.PersistentFlags().StringVar(&f.ConfigFile, "config", "", "config file (default ./askpro.yaml if present)")
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &cmdutil.FlagError{Err: err} })
	root.CompletionOptions.HiddenDefaultCmd = true

	root.AddCommand(
		NewCmdVersion(f, nil),
		configcmd.NewCmdConfig(f),
		NewCmdServe(f, nil),
		NewCmdWorker(f, nil),
		migrate.NewCmdMigrate(f),
		NewCmdDemo(f, nil),
		company.NewCmdCompany(f),
		branch.NewCmdBranch(f),
		NewCmdService(f),
		NewCmdHours(f),
		webhooks.NewCmdWebhooks(f),
		NewCmdReplay(f, nil),
		calls.NewCmdCalls(f),
		appointments.NewCmdAppointments(f),
		customers.NewCmdCustomers(f),
		audit.NewCmdAudit(f),
		apikey.NewCmdAPIKey(f),
		secrets.NewCmdSecrets(f),
		NewCmdValidatePhone(f, nil),
		NewCmdValidate(f, nil),
		NewCmdProvision(f, nil),
		NewCmdHealth(f, nil),
	)
	return cmdutil.RequireSubcommand(root)
}
