package cli

import (
	"fmt"
	"runtime"

	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/internal/iostreams"
	"github.com/spf13/cobra"
)

// VersionOptions holds what `askpro version` needs.
type VersionOptions struct {
	IO       *iostreams.IOStreams
	Exporter cmdutil.Exporter

	// Version is the build version.
	Version string
}

// VersionInfo is what `askpro version -o json` prints.
type VersionInfo struct {
	Version   string `json:"version"`
	GoVersion string `json:"go_version"`
	Platform  string `json:"platform"`
}

// NewCmdVersion builds `askpro version`.
func NewCmdVersion(f *cmdutil.Factory, runF func(*VersionOptions) error) *cobra.Command {
	opts := &VersionOptions{IO: f.IO, Version: f.Version}
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the askpro version",
		Args:  cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return versionRun(opts)
		},
	}
	cmdutil.AddOutputFlag(cmd, &opts.Exporter)
	return cmd
}

func versionRun(opts *VersionOptions) error {
	info := VersionInfo{Version: opts.Version, GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if opts.Exporter != nil {
		return opts.Exporter.Write(opts.IO, info)
	}
	_, err := fmt.Fprintf(opts.IO.Out, "askpro %s (%s, %s)\n", info.Version, info.GoVersion, info.Platform)
	return err
}
