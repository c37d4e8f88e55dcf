// Package secrets holds `askpro secrets rotate`: re-sealing every sealed
// value (per-company Cal.com keys) under the current
// security.encryption_key, so that a previous key can be dropped.
package secrets

import (
	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/spf13/cobra"
)

// NewCmdSecrets builds `askpro secrets` and its verbs. A missing or unknown
// verb is a usage error.
func NewCmdSecrets(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{Use: "secrets", Short: "Manage the secrets sealed at rest (per-company Cal.com keys)"}
	cmd.AddCommand(NewCmdRotate(f, nil))
	return cmdutil.RequireSubcommand(cmd)
}
