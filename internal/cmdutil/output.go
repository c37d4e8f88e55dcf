package cmdutil

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// Output formats of -o/--output.
const (
	OutputTable = "table"
	OutputJSON  = "json"
)

// AddOutputFlag adds -o/--output to cmd, filling *target ("table" or "json").
func AddOutputFlag(cmd *cobra.Command, target *string) {
	cmd.Flags().StringVarP(target, "output", "o", OutputTable, "output format: table or json")
}

// CheckOutput validates the value of -o.
func CheckOutput(v string) error {
	if v != OutputTable && v != OutputJSON {
		return FlagErrorf("invalid value %q for --output: want table or json", v)
	}
	return nil
}

// WriteJSON writes v as indented JSON followed by a newline. Commands print
// the same structs with -o json that they build their tables from, so the
// JSON schema is stable.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	return nil
}
