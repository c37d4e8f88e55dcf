// Package cli builds the askpro command tree. Each command is wiring (flags
// into an Options struct) plus a run function; the work itself happens in
// the pkg/ libraries.
package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

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

// Run executes the command line args with the given factory and maps the
// outcome to an exit code in one place (DESIGN.md "CLI conventions").
func Run(ctx context.Context, f *cmdutil.Factory, args []string) int {
	defer f.Close()
	root := NewCmdRoot(f)
	root.SetArgs(args)
	root.SetIn(f.IO.In)
	root.SetOut(f.IO.Out)
	root.SetErr(f.IO.ErrOut)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return cmdutil.ExitOK
	}
	var flagErr *cmdutil.FlagError
	var exitErr *cmdutil.ExitError
	if flagErr == nil && isCobraUsageError(err) {
		err = &cmdutil.FlagError{Err: err}
	}
	switch {
	case errors.As(err, &flagErr):
		fmt.Fprintf(f.IO.ErrOut, "error: %v\n\n%s", err, cmd.UsageString())
		return cmdutil.ExitUsage
	case errors.As(err, &exitErr):
		if exitErr.Err != nil {
			fmt.Fprintf(f.IO.ErrOut, "error: %v\n", exitErr.Err)
		}
		return exitErr.Code
	case errors.Is(err, context.Canceled):
		fmt.Fprintln(f.IO.ErrOut, "cancelled")
		return cmdutil.ExitBad
	default:
		fmt.Fprintf(f.IO.ErrOut, "error: %v\n", err)
		return cmdutil.ExitBad
	}
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
		NewCmdConfig(f),
		NewCmdServe(f, nil),
		NewCmdMigrate(f, nil),
		NewCmdDemo(f, nil),
		NewCmdCompany(f, nil),
		NewCmdBranch(f, nil),
		NewCmdService(f, nil),
		NewCmdHours(f, nil),
		NewCmdWebhooks(f, nil),
		NewCmdValidatePhone(f, nil),
	)
	return root
}

// isCobraUsageError recognises the usage errors cobra builds itself
// (unknown command, unknown flag), which carry no type of their own.
func isCobraUsageError(err error) bool {
	msg := err.Error()
	return strings.HasPrefix(msg, "unknown command") || strings.HasPrefix(msg, "unknown flag") ||
		strings.HasPrefix(msg, "unknown shorthand flag") || strings.HasPrefix(msg, "required flag")
}

// exactArgs is cobra.ExactArgs returning a usage error.
func exactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := cobra.ExactArgs(n)(cmd, args); err != nil {
			return &cmdutil.FlagError{Err: err}
		}
		return nil
	}
}

// noArgs is cobra.NoArgs returning a usage error.
func noArgs(cmd *cobra.Command, args []string) error {
	if err := cobra.NoArgs(cmd, args); err != nil {
		return &cmdutil.FlagError{Err: err}
	}
	return nil
}
