package secrets

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/internal/iostreams"
	"github.com/askproai/askpro/internal/tableprinter"
	"github.com/askproai/askpro/pkg/secrets"
	"github.com/askproai/askpro/pkg/store"
	"github.com/askproai/askpro/pkg/tenant"
	"github.com/spf13/cobra"
)

// sealedKeys is the store methods `secrets rotate` calls.
type sealedKeys interface {
	SealedCalcomKeys(ctx context.Context, after int64, limit int) ([]store.SealedCalcomKey, error)
	ResealCalcomAPIKey(ctx context.Context, id int64, old, resealed string) error
}

// auditor is the audit log method `secrets rotate` calls.
type auditor = cmdutil.Auditor

// RotateOptions holds what `askpro secrets rotate` needs.
type RotateOptions struct {
	IO        *iostreams.IOStreams
	Companies func(ctx context.Context) (sealedKeys, error)
	AuditLog  func(ctx context.Context) (auditor, error)
	// Keyring returns security.encryption_key and
	// security.previous_encryption_keys as a keyring.
	Keyring  func() (*secrets.Keyring, error)
	Exporter cmdutil.Exporter
	// Actor names who rotated in the audit log.
	Actor string

	// DryRun counts what would be re-sealed, writes nothing and no audit
	// row.
	DryRun bool
	// PageSize is how many values are read at once (1-1000).
	PageSize int
}

// RotateResult is what `secrets rotate` reports (-o json prints it).
type RotateResult struct {
	// CurrentKeyID is the id of security.encryption_key.
	CurrentKeyID string `json:"current_key_id"`
	DryRun       bool   `json:"dry_run"`
	// Checked is the number of sealed values read.
	Checked int `json:"checked"`
	// Current were already sealed under the current key.
	Current int `json:"current"`
	// Rotated were re-sealed under the current key (with DryRun: would be).
	Rotated int `json:"rotated"`
	// Stale changed while the command ran (a `company update` set a new
	// key): the newer value was left as it is.
	Stale int `json:"stale"`
	// ByKeyID counts the values read per key id, as they were before.
	ByKeyID map[string]int `json:"by_key_id"`
	// Failed lists the values no key of the ring opens: they keep their
	// value, and the key that sealed them must not be dropped.
	Failed []RotateFailure `json:"failed"`
}

// RotateFailure is one value that did not open.
type RotateFailure struct {
	CompanyID int64  `json:"company_id"`
	KeyID     string `json:"key_id,omitempty"`
	Error     string `json:"error"`
}

// NewCmdRotate builds `askpro secrets rotate [--dry-run] [-o json]`.
func NewCmdRotate(f *cmdutil.Factory, runF func(*RotateOptions) error) *cobra.Command {
	opts := &RotateOptions{
		IO:        f.IO,
		Companies: func(ctx context.Context) (sealedKeys, error) { return f.Companies(ctx) },
		AuditLog:  func(ctx context.Context) (auditor, error) { return f.AuditLog(ctx) },
		Keyring: func() (*secrets.Keyring, error) {
			cfg, err := f.Config()
			if err != nil {
				return nil, err
			}
			return cfg.Security.Keyring()
		},
	}
	cmd := &cobra.Command{
		Use:   "rotate",
		Short: "Re-seal every sealed value under the current security.encryption_key",
		Long: `Re-seal every company's Cal.com key that is not sealed under the current
security.encryption_key, so that the keys in security.previous_encryption_keys can be
dropped. Each value is replaced with an UPDATE guarded by the value read, so a key set
meanwhile is left alone. Values that no key opens are listed and keep their value;
then the command exits 1. Every run except --dry-run writes one audit_log row.
See docs/secrets.md for the whole rotation.`,
		Example: `  askpro secrets rotate --dry-run
  askpro secrets rotate -o json`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.PageSize < 1 || opts.PageSize > 1000 {
				return cmdutil.FlagErrorf("--page-size must be between 1 and 1000")
			}
			if opts.Actor == "" {
				opts.Actor = cmdutil.Actor()
			}
			if runF != nil {
				return runF(opts)
			}
			return rotateRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "count what would be re-sealed, change nothing")
	cmd.Flags().IntVar(&opts.PageSize, "page-size", 500, "values read at once (1-1000)")
	cmdutil.AddOutputFlag(cmd, &opts.Exporter)
	return cmd
}

func rotateRun(ctx context.Context, opts *RotateOptions) error {
	ring, err := opts.Keyring()
	if err != nil {
		var ee *cmdutil.ExitError
		if errors.As(err, &ee) {
			return err
		}
		return &cmdutil.ExitError{Code: cmdutil.ExitUsage, Err: err}
	}
	if !ring.HasKey() {
		return &cmdutil.ExitError{Code: cmdutil.ExitUsage, Err: errors.New(
			"security.encryption_key is not set: there is no key to re-seal under (see docs/secrets.md)")}
	}
	companies, err := opts.Companies(ctx)
	if err != nil {
		return err
	}
	sys := tenant.System(ctx)
	res := RotateResult{CurrentKeyID: ring.CurrentID(), DryRun: opts.DryRun, ByKeyID: map[string]int{}, Failed: []RotateFailure{}}
	var runErr error
	for after := int64(0); runErr == nil; {
		page, err := companies.SealedCalcomKeys(sys, after, opts.PageSize)
		if err != nil {
			runErr = err
			break
		}
		for _, k := range page {
			after = k.CompanyID
			if err := rotateOne(sys, companies, ring, k, &res, opts.DryRun); err != nil {
				runErr = err
				break
			}
		}
		if len(page) < opts.PageSize {
			break
		}
	}
	if !opts.DryRun {
		if err := record(sys, opts, res, runErr); err != nil && runErr == nil {
			runErr = fmt.Errorf("write the audit log: %w", err)
		}
	}
	if runErr != nil {
		return fmt.Errorf("rotate sealed values (after %d re-sealed): %w", res.Rotated, runErr)
	}
	if err := write(opts, res); err != nil {
		return err
	}
	if len(res.Failed) > 0 {
		return &cmdutil.ExitError{Code: cmdutil.ExitBad, Err: fmt.Errorf(
			"%d sealed value(s) open with no key of the ring: keep the keys that sealed them", len(res.Failed))}
	}
	return nil
}

// rotateOne re-seals one value when it needs it, counting the outcome in
// res. Only a database error is returned.
func rotateOne(ctx context.Context, companies sealedKeys, ring *secrets.Keyring, k store.SealedCalcomKey, res *RotateResult, dryRun bool) error {
	res.Checked++
	id, _ := secrets.KeyIDOf(k.Sealed)
	res.ByKeyID[keyLabel(id)]++
	resealed, changed, err := ring.Reseal(k.Sealed, store.CalcomKeyAAD(k.CompanyID))
	switch {
	case err != nil:
		res.Failed = append(res.Failed, RotateFailure{CompanyID: k.CompanyID, KeyID: id, Error: err.Error()})
		return nil
	case !changed:
		res.Current++
		return nil
	case dryRun:
		res.Rotated++
		return nil
	}
	err = companies.ResealCalcomAPIKey(ctx, k.CompanyID, k.Sealed, resealed)
	switch {
	case errors.Is(err, store.ErrStale):
		res.Stale++
		return nil
	case err != nil:
		return err
	}
	res.Rotated++
	return nil
}

func keyLabel(id string) string {
	if id == "" {
		return "malformed"
	}
	return id
}

// record writes the run's one audit_log row: counts, never values.
func record(ctx context.Context, opts *RotateOptions, res RotateResult, runErr error) error {
	audit, err := opts.AuditLog(ctx)
	if err != nil {
		return err
	}
	details := struct {
		RotateResult
		Error string `json:"error,omitempty"`
	}{RotateResult: res}
	if runErr != nil {
		details.Error = runErr.Error()
	}
	return cmdutil.Audit(ctx, audit, store.AuditEntry{Actor: opts.Actor, Action: "secrets.rotate", Target: "companies.calcom_api_key"}, details)
}

// write prints the result: JSON, or a summary line and the failures.
func write(opts *RotateOptions, res RotateResult) error {
	if opts.Exporter != nil {
		return opts.Exporter.Write(opts.IO, res)
	}
	verb := "re-sealed"
	if res.DryRun {
		verb = "would re-seal"
	}
	ids := make([]string, 0, len(res.ByKeyID))
	for id, n := range res.ByKeyID {
		ids = append(ids, fmt.Sprintf("%s: %d", id, n))
	}
	slices.Sort(ids)
	fmt.Fprintf(opts.IO.Out, "%s %d of %d sealed value(s) under key id %s; %d already current, %d changed meanwhile, %d failed\n",
		verb, res.Rotated, res.Checked, res.CurrentKeyID, res.Current, res.Stale, len(res.Failed))
	if len(ids) > 0 {
		fmt.Fprintf(opts.IO.Out, "values per key id before: %s\n", strings.Join(ids, ", "))
	}
	if len(res.Failed) == 0 {
		return nil
	}
	tp := tableprinter.New(opts.IO.Out, opts.IO.ColorEnabled(), "COMPANY", "KEY ID", "ERROR")
	for _, f := range res.Failed {
		tp.AddRow(f.CompanyID, f.KeyID, f.Error)
	}
	return tp.Render()
}
