package company

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/internal/iostreams"
	"github.com/askproai/askpro/pkg/secrets"
	"github.com/askproai/askpro/pkg/store"
	"github.com/askproai/askpro/pkg/tenant"
	"github.com/spf13/cobra"
)

// companyUpdater is the store methods `company update` calls.
type companyUpdater interface {
	Get(ctx context.Context, id int64) (store.Company, error)
	Update(ctx context.Context, id int64, p store.CompanyPatch) (store.Company, error)
	SetCalcomAPIKey(ctx context.Context, id int64, sealed string) error
}

// auditor is the audit log method `company create` and `company update` call.
type auditor = cmdutil.Auditor

// maxKeyFile bounds what --calcom-api-key-file reads: a Cal.com key is a
// few dozen bytes, so more is the wrong file.
const maxKeyFile = 4 << 10

// UpdateOptions holds what `askpro company update` needs.
type UpdateOptions struct {
	IO        *iostreams.IOStreams
	Companies func(ctx context.Context) (companyUpdater, error)
	AuditLog  func(ctx context.Context) (auditor, error)
	// Keyring returns the keys of security.encryption_key; it is asked
	// only when a Cal.com key is to be sealed.
	Keyring func() (*secrets.Keyring, error)
	// InvalidateCompany drops the company from the tenant cache after a
	// change; nil means there is none.
	InvalidateCompany func(ctx context.Context, id int64) error
	Exporter          cmdutil.Exporter
	// Actor names who changed the company in the audit log.
	Actor string

	ID int64
	// Name, Industry, CalcomBaseURL and Active are the changes asked for;
	// nil leaves a field alone. CalcomBaseURL "" resets it to
	// calcom.base_url.
	Name, Industry, CalcomBaseURL *string
	Active                        *bool
	// APIKeyFile is the file the company's Cal.com API key is read from,
	// "-" for standard input, "" for no change.
	APIKeyFile string
	// ClearAPIKey removes the company's own Cal.com key (it then uses
	// calcom.api_key).
	ClearAPIKey bool
}

// UpdateResult is what `company update -o json` prints: the company as it
// is now and the fields that were changed (never the key itself).
type UpdateResult struct {
	Company store.Company `json:"company"`
	Changed []string      `json:"changed"`
}

// NewCmdUpdate builds `askpro company update ID [--name N] [--industry I]
// [--calcom-base-url URL] [--calcom-api-key-file F|-]
// [--clear-calcom-api-key] [--inactive | --active]`. At least one change
// is required; every usage problem is found before anything is opened.
func NewCmdUpdate(f *cmdutil.Factory, runF func(*UpdateOptions) error) *cobra.Command {
	opts := &UpdateOptions{
		IO:        f.IO,
		Companies: func(ctx context.Context) (companyUpdater, error) { return f.Companies(ctx) },
		AuditLog:  func(ctx context.Context) (auditor, error) { return f.AuditLog(ctx) },
		Keyring: func() (*secrets.Keyring, error) {
			cfg, err := f.Config()
			if err != nil {
				return nil, err
			}
			return cfg.Security.Keyring()
		},
		InvalidateCompany: f.InvalidateCompany,
	}
	var name, industry, baseURL string
	var inactive, active bool
	cmd := &cobra.Command{
		Use:   "update ID",
		Short: "Change a company: name, industry, its own Cal.com account, active or not",
		Long: `Change the given fields of a company and record the change in the audit log.

A company's own Cal.com API key is read from a file, or from standard input with
--calcom-api-key-file -, never from a flag value that ps would show. It is sealed
under security.encryption_key (AES-256-GCM) before it is stored; without that key
the command refuses (exit 2) before it changes anything. --calcom-base-url sets the
company's Cal.com API host (https://api.cal.eu for the EU instance); "" resets it to
calcom.base_url. --inactive deactivates the company: its API keys, numbers and
webhooks stop resolving to it; --active undoes that.`,
		Example: `  askpro company update 7 --name "Salon Müller & Söhne"
  askpro company update 7 --calcom-api-key-file ./cal.key --calcom-base-url https://api.cal.eu
  printf %s "$CAL_KEY" | askpro company update 7 --calcom-api-key-file -
  askpro company update 7 --inactive -o json`,
		Args: cmdutil.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := cmdutil.ParseID(args[0])
			if err != nil {
				return err
			}
			opts.ID = id
			fl := cmd.Flags()
			if fl.Changed("name") {
				opts.Name = &name
			}
			if fl.Changed("industry") {
				if err := cmdutil.CheckChoice("industry", industry, store.Industries); err != nil {
					return err
				}
				opts.Industry = &industry
			}
			if fl.Changed("calcom-base-url") {
				opts.CalcomBaseURL = &baseURL
			}
			if fl.Changed("calcom-api-key-file") && opts.APIKeyFile == "" {
				return cmdutil.FlagErrorf("--calcom-api-key-file needs a file name, or - for standard input")
			}
			switch {
			case inactive:
				v := false
				opts.Active = &v
			case active:
				v := true
				opts.Active = &v
			}
			if opts.Name == nil && opts.Industry == nil && opts.CalcomBaseURL == nil && opts.Active == nil &&
				opts.APIKeyFile == "" && !opts.ClearAPIKey {
				return cmdutil.FlagErrorf("nothing to change: give --name, --industry, --calcom-base-url, --calcom-api-key-file, --clear-calcom-api-key, --inactive or --active")
			}
			if opts.Actor == "" {
				opts.Actor = cmdutil.Actor()
			}
			if runF != nil {
				return runF(opts)
			}
			return updateRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&name, "name", "", "new company name, at most 255 characters")
	fl.StringVar(&industry, "industry", "", "one of beauty, medical, automotive, general")
	fl.StringVar(&baseURL, "calcom-base-url", "", `the company's Cal.com API host, such as https://api.cal.eu ("" = calcom.base_url)`)
	fl.StringVar(&opts.APIKeyFile, "calcom-api-key-file", "", "read the company's Cal.com API key from this file (- = standard input)")
	fl.BoolVar(&opts.ClearAPIKey, "clear-calcom-api-key", false, "remove the company's own Cal.com key (it then uses calcom.api_key)")
	fl.BoolVar(&inactive, "inactive", false, "deactivate the company")
	fl.BoolVar(&active, "active", false, "activate the company again")
	cmd.MarkFlagsMutuallyExclusive("inactive", "active")
	cmd.MarkFlagsMutuallyExclusive("calcom-api-key-file", "clear-calcom-api-key")
	cmdutil.AddOutputFlag(cmd, &opts.Exporter)
	return cmd
}

func updateRun(ctx context.Context, opts *UpdateOptions) error {
	// 1. What can be refused without the database: the keyring, the key.
	var ring *secrets.Keyring
	var apiKey []byte
	if opts.APIKeyFile != "" {
		var err error
		if ring, err = opts.Keyring(); err != nil {
			var ee *cmdutil.ExitError
			if errors.As(err, &ee) {
				return err
			}
			return &cmdutil.ExitError{Code: cmdutil.ExitUsage, Err: err}
		}
		if !ring.HasKey() {
			return &cmdutil.ExitError{Code: cmdutil.ExitUsage, Err: errors.New(
				"security.encryption_key is not set: a company's Cal.com key is stored sealed under it " +
					"(generate one with `openssl rand -base64 32`, see docs/secrets.md); nothing was changed")}
		}
		if apiKey, err = readKey(opts.IO, opts.APIKeyFile); err != nil {
			return &cmdutil.ExitError{Code: cmdutil.ExitUsage, Err: err}
		}
		defer clear(apiKey)
	}

	// 2. The company, then the changes.
	companies, err := opts.Companies(ctx)
	if err != nil {
		return err
	}
	sys := tenant.System(ctx)
	if _, err := companies.Get(sys, opts.ID); err != nil {
		return cmdutil.NotFound(err, "company", opts.ID)
	}
	var changed []string
	details := map[string]any{}
	patch := store.CompanyPatch{Name: opts.Name, Industry: opts.Industry, CalcomBaseURL: opts.CalcomBaseURL, IsActive: opts.Active}
	note := func(field string, v *string) {
		if v != nil {
			changed = append(changed, field)
			details[field] = *v
		}
	}
	note("name", opts.Name)
	note("industry", opts.Industry)
	note("calcom_base_url", opts.CalcomBaseURL)
	if opts.Active != nil {
		changed = append(changed, "is_active")
		details["is_active"] = *opts.Active
	}
	c, err := companies.Update(sys, opts.ID, patch) // validates every field before it writes
	if err != nil {
		return cmdutil.InputError(err)
	}
	if apiKey != nil || opts.ClearAPIKey {
		sealed := ""
		if apiKey != nil {
			if sealed, err = ring.Seal(apiKey, store.CalcomKeyAAD(opts.ID)); err != nil {
				return err
			}
			details["calcom_api_key"] = "set, sealed under key id " + ring.CurrentID()
		} else {
			details["calcom_api_key"] = "removed"
		}
		if err := companies.SetCalcomAPIKey(sys, opts.ID, sealed); err != nil {
			return cmdutil.InputError(err)
		}
		changed = append(changed, "calcom_api_key")
		if c, err = companies.Get(sys, opts.ID); err != nil {
			return err
		}
	}
	details["changed"] = changed

	// 3. The audit row and the tenant cache.
	audit, err := opts.AuditLog(ctx)
	if err != nil {
		return err
	}
	id := opts.ID
	if err := cmdutil.Audit(sys, audit, store.AuditEntry{CompanyID: &id, Actor: opts.Actor, Action: "company.update",
		Target: "company:" + strconv.FormatInt(id, 10)}, details); err != nil {
		return fmt.Errorf("company %d was updated (%s) but the audit log was not written: %w", id, strings.Join(changed, ", "), err)
	}
	var invalidateErr error
	if opts.InvalidateCompany != nil {
		if err := opts.InvalidateCompany(ctx, id); err != nil {
			invalidateErr = &cmdutil.ExitError{Code: cmdutil.ExitBad, Err: fmt.Errorf(
				"company %d was updated, but the tenant cache was not told (running servers see the change within 5 minutes): %w", id, err)}
		}
	}

	if opts.Exporter != nil {
		if err := opts.Exporter.Write(opts.IO, UpdateResult{Company: c, Changed: changed}); err != nil {
			return err
		}
		return invalidateErr
	}
	fmt.Fprintf(opts.IO.ErrOut, "updated company %d: %s\n", id, strings.Join(changed, ", "))
	if err := render(opts.IO, []store.Company{c}); err != nil {
		return err
	}
	return invalidateErr
}

// readKey reads a secret from the file name, or standard input for "-",
// trimmed of surrounding white space. An empty key, one of several lines,
// or a file that is too large is refused; the error never repeats the
// content.
func readKey(ios *iostreams.IOStreams, name string) ([]byte, error) {
	var r io.Reader
	what := name
	if name == "-" {
		if ios.In == nil {
			return nil, errors.New("--calcom-api-key-file -: no standard input")
		}
		r, what = ios.In, "standard input"
	} else {
		f, err := os.Open(name)
		if err != nil {
			return nil, fmt.Errorf("--calcom-api-key-file: %w", err)
		}
		defer f.Close()
		r = f
	}
	raw, err := io.ReadAll(io.LimitReader(r, maxKeyFile+1))
	if err != nil {
		return nil, fmt.Errorf("--calcom-api-key-file: read %s: %w", what, err)
	}
	defer clear(raw)
	if len(raw) > maxKeyFile {
		return nil, fmt.Errorf("--calcom-api-key-file: %s holds more than %d bytes: not an API key", what, maxKeyFile)
	}
	key := bytes.TrimSpace(raw)
	switch {
	case len(key) == 0:
		return nil, fmt.Errorf("--calcom-api-key-file: %s is empty: no key to store (--clear-calcom-api-key removes one)", what)
	case bytes.ContainsAny(key, " \t\r\n\x00"):
		return nil, fmt.Errorf("--calcom-api-key-file: %s holds more than one word or line: want the key alone", what)
	}
	return bytes.Clone(key), nil
}
