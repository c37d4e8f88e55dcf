package apikey

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/internal/iostreams"
	"github.com/askproai/askpro/pkg/apikey"
	"github.com/askproai/askpro/pkg/store"
	"github.com/askproai/askpro/pkg/tenant"
	"github.com/spf13/cobra"
)

// keyCreator is what `apikey create` calls on the key repository: Create,
// and Revoke to take back a key whose creation could not be audited.
type keyCreator interface {
	Create(ctx context.Context, in store.NewAPIKey) (store.APIKey, apikey.Secret, error)
	Revoke(ctx context.Context, id int64) (store.APIKey, error)
}

// CreateOptions holds what `askpro apikey create` needs.
type CreateOptions struct {
	IO       *iostreams.IOStreams
	Keys     func(ctx context.Context) (keyCreator, error)
	Audit    func(ctx context.Context) (auditor, error)
	Exporter cmdutil.Exporter
	// Actor names who creates the key in the audit log.
	Actor string

	// CompanyID is --company; 0 with Admin set.
	CompanyID int64
	// Admin is --admin: a platform-admin key, no company.
	Admin bool
	Name  string
}

// Created is what `apikey create -o json` prints: the key's row and, this
// once, the key itself.
type Created struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Prefix    string    `json:"prefix"`
	CompanyID *int64    `json:"company_id"` // null: a platform-admin key
	Key       string    `json:"key"`
	CreatedAt time.Time `json:"created_at"`
}

// NewCmdCreate builds `askpro apikey create --company ID --name N` and
// `askpro apikey create --admin --name N`. Exactly one of --company and
// --admin is a usage error otherwise, found before the database is opened.
func NewCmdCreate(f *cmdutil.Factory, runF func(*CreateOptions) error) *cobra.Command {
	opts := &CreateOptions{
		IO:    f.IO,
		Keys:  func(ctx context.Context) (keyCreator, error) { return f.APIKeys(ctx) },
		Audit: func(ctx context.Context) (auditor, error) { return f.AuditLog(ctx) },
		Actor: cmdutil.Actor(),
	}
	cmd := &cobra.Command{
		Use:   "create (--company ID | --admin) --name N",
		Short: "Create an API key and print it once",
		Long: `Create an API key for a company (--company ID) or a platform-admin key
(--admin, no company; it may name a company per request with X-Company-ID).

The key is printed once, alone on standard output, so that
KEY=$(askpro apikey create ...) captures it; only its prefix and SHA-256
are stored, and it cannot be shown again. Each key created is written to
the audit log (without the key).`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			company := cmd.Flags().Changed("company")
			switch {
			case company && opts.Admin:
				return cmdutil.FlagErrorf("--company and --admin exclude each other: a key is a company's or a platform admin's")
			case !company && !opts.Admin:
				return cmdutil.FlagErrorf("give --company ID for a company's key, or --admin for a platform-admin key")
			case company && opts.CompanyID <= 0:
				return cmdutil.FlagErrorf("--company must be a company id")
			}
			if runF != nil {
				return runF(opts)
			}
			return createRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.Int64Var(&opts.CompanyID, "company", 0, "the company the key acts for")
	fl.BoolVar(&opts.Admin, "admin", false, "a platform-admin key (no company)")
	fl.StringVar(&opts.Name, "name", "", "what the key is for, at most 255 characters (required)")
	_ = cmd.MarkFlagRequired("name")
	cmdutil.AddOutputFlag(cmd, &opts.Exporter)
	return cmd
}

func createRun(ctx context.Context, opts *CreateOptions) error {
	repo, err := opts.Keys(ctx)
	if err != nil {
		return err
	}
	// Opened first: a key that could not be audited must not be made.
	audit, err := opts.Audit(ctx)
	if err != nil {
		return err
	}
	sys := tenant.System(ctx)
	k, secret, err := repo.Create(sys, store.NewAPIKey{CompanyID: opts.CompanyID, Name: opts.Name})
	if errors.Is(err, store.ErrNotFound) {
		return &cmdutil.ExitError{Code: cmdutil.ExitBad, Err: fmt.Errorf("company %d not found", opts.CompanyID)}
	}
	if err != nil {
		return cmdutil.InputError(err)
	}
	if err := record(sys, audit, opts.Actor, "apikey.create", k); err != nil {
		// Never hand out a key the audit log does not know of.
		if _, rerr := repo.Revoke(context.WithoutCancel(sys), k.ID); rerr != nil {
			return fmt.Errorf("api key %d was created but not audited, and revoking it failed too: revoke it by hand: %w",
				k.ID, errors.Join(err, rerr))
		}
		return fmt.Errorf("api key not created (the audit log was not written; key %d is revoked): %w", k.ID, err)
	}
	if opts.Exporter != nil {
		return opts.Exporter.Write(opts.IO, Created{ID: k.ID, Name: k.Name, Prefix: k.Prefix, CompanyID: k.CompanyID,
			Key: secret.Reveal(), CreatedAt: k.CreatedAt})
	}
	who := "platform admin"
	if k.CompanyID != nil {
		who = fmt.Sprintf("company %d", *k.CompanyID)
	}
	fmt.Fprintf(opts.IO.ErrOut, "Created API key %d %q for %s (prefix %s).\n", k.ID, k.Name, who, k.Prefix)
	fmt.Fprintln(opts.IO.Out, secret.Reveal())
	fmt.Fprintln(opts.IO.ErrOut, "Store this key now: it is not shown again.")
	return nil
}
