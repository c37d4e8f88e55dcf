// Package configcmd holds `askpro config show`.
package configcmd

import (
	"fmt"

	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/internal/iostreams"
	"github.com/askproai/askpro/internal/tableprinter"
	"github.com/askproai/askpro/pkg/config"
	"github.com/spf13/cobra"
)

// NewCmdConfig builds `askpro config` and its verbs. A missing or unknown
// verb is a usage error.
func NewCmdConfig(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{Use: "config", Short: "Inspect the effective configuration"}
	cmd.AddCommand(NewCmdShow(f, nil))
	return cmdutil.RequireSubcommand(cmd)
}

// ShowOptions holds what `askpro config show` needs.
type ShowOptions struct {
	IO       *iostreams.IOStreams
	Config   func() (*config.Config, error)
	Exporter cmdutil.Exporter
}

// NewCmdShow builds `askpro config show`.
func NewCmdShow(f *cmdutil.Factory, runF func(*ShowOptions) error) *cobra.Command {
	opts := &ShowOptions{IO: f.IO, Config: f.Config}
	cmd := &cobra.Command{
		Use:   "show",
		Short: "Print the effective config (defaults < file < ASKPRO_* env < flags), secrets masked",
		Args:  cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return showRun(opts)
		},
	}
	cmdutil.AddOutputFlag(cmd, &opts.Exporter)
	return cmd
}

func showRun(opts *ShowOptions) error {
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	if opts.Exporter != nil {
		return opts.Exporter.Write(opts.IO, cfg.Masked())
	}
	tp := tableprinter.New(opts.IO.Out, opts.IO.ColorEnabled(), "KEY", "VALUE")
	for _, s := range cfg.Settings() {
		tp.AddRow(s.Key, fmt.Sprint(s.Value))
	}
	return tp.Render()
}
