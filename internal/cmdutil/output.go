package cmdutil

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/askproai/askpro/internal/iostreams"
	"github.com/spf13/cobra"
)

// Exporter writes a reporting command's result for programs (-o json). A
// command's Options hold one; nil means the human rendering:
//
//	if opts.Exporter != nil {
//		return opts.Exporter.Write(opts.IO, rows)
//	}
//
// The data written is the same structs the table is built from, so the JSON
// schema is stable.
type Exporter interface {
	Write(ios *iostreams.IOStreams, data any) error
}

// JSONExporter writes data as indented JSON followed by a newline to IO.Out.
type JSONExporter struct{}

// Write encodes data to ios.Out.
func (JSONExporter) Write(ios *iostreams.IOStreams, data any) error {
	enc := json.NewEncoder(ios.Out)
	enc.SetIndent("", "  ")
	if err := enc.Encode(data); err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	return nil
}

// AddOutputFlag adds -o/--output (table or json) to cmd. "json" sets *target
// to a [JSONExporter], "table" (the default) leaves it nil. Any other value
// is a usage error when the flags are parsed, before the command runs.
func AddOutputFlag(cmd *cobra.Command, target *Exporter) {
	cmd.Flags().VarP(&outputValue{target: target, name: "table"}, "output", "o", "output format: table or json")
}

type outputValue struct {
	target *Exporter
	name   string
}

func (v *outputValue) String() string { return v.name }
func (v *outputValue) Type() string   { return "format" }
func (v *outputValue) Set(s string) error {
	switch s {
	case "table":
		*v.target = nil
	case "json":
		*v.target = JSONExporter{}
	default:
		return fmt.Errorf("want table or json")
	}
	v.name = s
	return nil
}

// Optional returns *p for a table cell, or "" when p is nil.
func Optional[T any](p *T) any {
	if p == nil {
		return ""
	}
	return *p
}

// FormatOptionalTime formats *t like [FormatTime], or "" when t is nil.
func FormatOptionalTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return FormatTime(*t)
}

// FormatMillis formats a duration in milliseconds to the second, as 4m05s
// or 12s.
func FormatMillis(ms int64) string {
	d := (time.Duration(ms) * time.Millisecond).Round(time.Second)
	if d < time.Minute {
		return d.String()
	}
	return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
}
