package cli

import (
	"fmt"

	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/internal/tableprinter"
	"github.com/spf13/cobra"
)

// ConfigShowOptions holds what `askpro config show` needs.
type ConfigShowOptions struct {
	f      *cmdutil.Factory
	Output string
}

// NewCmdConfig builds `askpro config` and its subcommands.
func NewCmdConfig(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{Use: "config", Short: "Inspect the effective configuration"}
	cmd.AddCommand(NewCmdConfigShow(f, nil))
	return cmd
}

// NewCmdConfigShow builds `askpro config show`.
func NewCmdConfigShow(f *cmdutil.Factory, runF func(*ConfigShowOptions) error) *cobra.Command {
	opts := &ConfigShowOptions{f: f}
	cmd := &cobra.Command{
		Use:   "show",
		Short: "Print the effective config (defaults < file < ASKPRO_* env < flags), secrets masked",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := cmdutil.CheckOutput(opts.Output); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return configShowRun(opts)
		},
	}
	cmdutil.AddOutputFlag(cmd, &opts.Output)
	return cmd
}

func configShowRun(opts *ConfigShowOptions) error {
	cfg, err := opts.f.Config()
	if err != nil {
		return err
	}
	if opts.Output == cmdutil.OutputJSON {
		return cmdutil.WriteJSON(opts.f.IO.Out, cfg.Masked())
	}
	tp := tableprinter.New(opts.f.IO.Out, opts.f.IO.ColorEnabled(), "KEY", "VALUE")
	for _, s := range cfg.Settings() {
		tp.AddRow(s.Key, fmt.Sprint(s.Value))
	}
	return tp.Render()
}
