// Package apikey holds `askpro apikey create | list | revoke`: one Options
// struct and one run function per verb. Keys are made, listed and revoked
// through pkg/store's APIKeys; create and revoke each write an audit_log
// row (apikey.create, apikey.revoke) that never holds the key.
package apikey

import (
	"context"
	"fmt"

	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/pkg/store"
	"github.com/spf13/cobra"
)

// NewCmdAPIKey builds `askpro apikey` and its verbs. A missing or unknown
// verb is a usage error.
func NewCmdAPIKey(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{Use: "apikey", Short: "Create, list and revoke REST API keys"}
	cmd.AddCommand(NewCmdCreate(f, nil), NewCmdList(f, nil), NewCmdRevoke(f, nil))
	return cmdutil.RequireSubcommand(cmd)
}

// auditor is the audit log method create and revoke call.
type auditor = cmdutil.Auditor

// record writes one audit row about key k: target "apikey:<id>", the key's
// company, and details naming the key by name and prefix (never the key).
func record(ctx context.Context, audit auditor, actor, action string, k store.APIKey) error {
	return cmdutil.Audit(ctx, audit, store.AuditEntry{CompanyID: k.CompanyID, Actor: actor, Action: action,
		Target: fmt.Sprintf("apikey:%d", k.ID)}, struct {
		Name   string `json:"name"`
		Prefix string `json:"prefix"`
		Admin  bool   `json:"admin"`
	}{k.Name, k.Prefix, k.Admin()})
}

// owner names a key's company for people: the id, or "admin".
func owner(k store.APIKey) string {
	if k.CompanyID == nil {
		return "admin"
	}
	return fmt.Sprint(*k.CompanyID)
}
