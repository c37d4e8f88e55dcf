package cli

import (
	"fmt"
	"runtime"

	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/spf13/cobra"
)

// VersionOptions holds what `askpro version` needs.
type VersionOptions struct {
	f      *cmdutil.Factory
	Output string
}

// VersionInfo is what `askpro version -o json` prints.
type VersionInfo struct {
	Version   string `json:"version"`
	GoVersion string `json:"go_version"`
	Platform  string `json:"platform"`
}

// NewCmdVersion builds `askpro version`.
func NewCmdVersion(f *cmdutil.Factory, runF func(*VersionOptions) error) *cobra.Command {
	opts := &VersionOptions{f: f}
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the askpro version",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := cmdutil.CheckOutput(opts.Output); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return versionRun(opts)
		},
	}
	cmdutil.AddOutputFlag(cmd, &opts.Output)
	return cmd
}

func versionRun(opts *VersionOptions) error {
	info := VersionInfo{Version: opts.f.Version, GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if opts.Output == cmdutil.OutputJSON {
		return cmdutil.WriteJSON(opts.f.IO.Out, info)
	}
	_, err := fmt.Fprintf(opts.f.IO.Out, "askpro %s (%s, %s)\n", info.Version, info.GoVersion, info.Platform)
	return err
}
