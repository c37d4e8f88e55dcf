package apikey

import (
	"context"
	"errors"
	"fmt"

	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/internal/iostreams"
	"github.com/askproai/askpro/pkg/apikey"
	"github.com/askproai/askpro/pkg/store"
	"github.com/askproai/askpro/pkg/tenant"
	"github.com/spf13/cobra"
)

// keyRevoker is the store method `apikey revoke` calls.
type keyRevoker interface {
	Revoke(ctx context.Context, id int64) (store.APIKey, error)
}

// RevokeOptions holds what `askpro apikey revoke` needs.
type RevokeOptions struct {
	IO       *iostreams.IOStreams
	Keys     func(ctx context.Context) (keyRevoker, error)
	Audit    func(ctx context.Context) (auditor, error)
	Exporter cmdutil.Exporter
	// Actor names who revokes the key in the audit log.
	Actor string

	ID int64
}

// NewCmdRevoke builds `askpro apikey revoke ID`.
func NewCmdRevoke(f *cmdutil.Factory, runF func(*RevokeOptions) error) *cobra.Command {
	opts := &RevokeOptions{
		IO:    f.IO,
		Keys:  func(ctx context.Context) (keyRevoker, error) { return f.APIKeys(ctx) },
		Audit: func(ctx context.Context) (auditor, error) { return f.AuditLog(ctx) },
		Actor: cmdutil.Actor(),
	}
	cmd := &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke an API key for good",
		Long: fmt.Sprintf(`Revoke an API key for good. Running servers stop accepting it within their
key cache's TTL (%s by default). Revoking a revoked key changes nothing and
succeeds; each revocation that changed something is written to the audit log.`, apikey.DefaultCacheTTL),
		Args: cmdutil.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := cmdutil.ParseID(args[0])
			if err != nil {
				return err
			}
			opts.ID = id
			if runF != nil {
				return runF(opts)
			}
			return revokeRun(cmd.Context(), opts)
		},
	}
	cmdutil.AddOutputFlag(cmd, &opts.Exporter)
	return cmd
}

func revokeRun(ctx context.Context, opts *RevokeOptions) error {
	repo, err := opts.Keys(ctx)
	if err != nil {
		return err
	}
	audit, err := opts.Audit(ctx)
	if err != nil {
		return err
	}
	sys := tenant.System(ctx)
	k, err := repo.Revoke(sys, opts.ID)
	already := errors.Is(err, store.ErrAlreadyRevoked)
	if err != nil && !already {
		return cmdutil.NotFound(err, "api key", opts.ID)
	}
	if already {
		fmt.Fprintf(opts.IO.ErrOut, "API key %d was already revoked at %s; nothing changed.\n", k.ID, cmdutil.FormatOptionalTime(k.RevokedAt))
	} else if err := record(sys, audit, opts.Actor, "apikey.revoke", k); err != nil {
		return fmt.Errorf("api key %d is revoked, but the audit log was not written: %w", k.ID, err)
	}
	if opts.Exporter != nil {
		return opts.Exporter.Write(opts.IO, k)
	}
	if !already {
		fmt.Fprintf(opts.IO.ErrOut, "Revoked API key %d %q (%s). Servers refuse it within %s.\n", k.ID, k.Name, k.Prefix, apikey.DefaultCacheTTL)
	}
	return render(opts.IO, []store.APIKey{k})
}
