// Package webhooks holds `askpro webhooks list | show | stats | send`: one Options
// struct and one run function per verb.
package webhooks

import (
	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/pkg/queue"
	"github.com/spf13/cobra"
)

// Providers are the webhook providers askpro serves.
var Providers = []string{"retell", "calcom", "stripe"}

// Statuses are queue.Statuses as strings, for --status.
var Statuses = func() []string {
	out := make([]string, len(queue.Statuses))
	for i, s := range queue.Statuses {
		out[i] = string(s)
	}
	return out
}()

// NewCmdWebhooks builds `askpro webhooks` and its verbs. A missing or
// unknown verb is a usage error.
func NewCmdWebhooks(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{Use: "webhooks", Short: "Look into the webhook inbox (webhook_events) and send signed sample events"}
	cmd.AddCommand(NewCmdList(f, nil), NewCmdShow(f, nil), NewCmdStats(f, nil), NewCmdSend(f, nil))
	return cmdutil.RequireSubcommand(cmd)
}
