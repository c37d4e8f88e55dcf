package branch

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/internal/iostreams"
	"github.com/askproai/askpro/pkg/phone"
	"github.com/askproai/askpro/pkg/store"
	"github.com/spf13/cobra"
)

// branchUpdater is what `branch update` calls: the branch's company, the
// branch as it was, and the change.
type branchUpdater interface {
	cmdutil.BranchCompany
	Get(ctx context.Context, id int64) (store.Branch, error)
	Update(ctx context.Context, id int64, p store.BranchPatch) (store.Branch, error)
}

// UpdateOptions holds what `askpro branch update` needs.
type UpdateOptions struct {
	IO       *iostreams.IOStreams
	Branches func(ctx context.Context) (branchUpdater, error)
	AuditLog func(ctx context.Context) (cmdutil.Auditor, error)
	// InvalidatePhone drops a called number from the tenant cache after
	// the branch answering it changed; nil means there is no cache.
	InvalidatePhone func(ctx context.Context, number string) error
	Exporter        cmdutil.Exporter
	// Actor names who changed the branch in the audit log.
	Actor string

	ID int64
	// The changes asked for; nil leaves a field alone. Address "" clears
	// the address; TransferNumber "" removes the transfer number
	// (--clear-transfer-number). Phone and TransferNumber are as typed:
	// the store normalizes them to E.164.
	Name, Phone, Address, Timezone, Language, TransferNumber *string
	Active                                                   *bool
}

// UpdateResult is what `branch update -o json` prints: the branch as it is
// now and the fields that were changed.
type UpdateResult struct {
	Branch  store.Branch `json:"branch"`
	Changed []string     `json:"changed"`
}

// NewCmdUpdate builds `askpro branch update ID [--name N] [--phone P]
// [--address A] [--timezone Z] [--language L] [--transfer-number N |
// --clear-transfer-number] [--inactive | --active]`. Only the flags given
// change the branch, at least one is required, and every usage problem
// (a time zone or language outside the choices included) is found before
// the database is opened.
func NewCmdUpdate(f *cmdutil.Factory, runF func(*UpdateOptions) error) *cobra.Command {
	opts := &UpdateOptions{
		IO:              f.IO,
		Branches:        func(ctx context.Context) (branchUpdater, error) { return f.Branches(ctx) },
		AuditLog:        func(ctx context.Context) (cmdutil.Auditor, error) { return f.AuditLog(ctx) },
		InvalidatePhone: f.InvalidatePhone,
	}
	var name, phoneNum, address, timezone, language, transfer string
	var clearTransfer, inactive, active bool
	cmd := &cobra.Command{
		Use:   "update ID",
		Short: "Change a branch: name, numbers, address, time zone, language, active or not",
		Long: `Change the given fields of a branch and record the change in the audit log.

Phone numbers are normalized to E.164 (an invalid one changes nothing). --address ""
clears the address. --transfer-number is the person the agent may hand a caller to;
--clear-transfer-number removes it. --inactive switches the branch off: calls to its
number no longer reach the company; --active undoes that.

A provisioned branch's agent keeps what it was provisioned with until
askpro provision --branch ID runs again.`,
		Example: `  askpro branch update 3 --address "Torstraße 12, 10119 Berlin"
  askpro branch update 3 --transfer-number "0151 12345678" --language de-AT --timezone Europe/Vienna
  askpro branch update 3 --inactive -o json`,
		Args: cmdutil.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := cmdutil.ParseID(args[0])
			if err != nil {
				return err
			}
			opts.ID = id
			fl := cmd.Flags()
			set := func(flag string, v *string) *string {
				if fl.Changed(flag) {
					return v
				}
				return nil
			}
			opts.Name, opts.Phone, opts.Address = set("name", &name), set("phone", &phoneNum), set("address", &address)
			opts.Timezone, opts.Language, opts.TransferNumber = set("timezone", &timezone), set("language", &language), set("transfer-number", &transfer)
			if opts.Timezone != nil {
				if err := CheckTimezone(timezone); err != nil {
					return err
				}
			}
			if opts.Language != nil {
				if err := cmdutil.CheckChoice("language", language, Languages); err != nil {
					return err
				}
			}
			if opts.TransferNumber != nil && strings.TrimSpace(transfer) == "" {
				return cmdutil.FlagErrorf("--transfer-number needs a number; --clear-transfer-number removes it")
			}
			if clearTransfer {
				empty := ""
				opts.TransferNumber = &empty
			}
			switch {
			case inactive:
				v := false
				opts.Active = &v
			case active:
				v := true
				opts.Active = &v
			}
			if opts.Name == nil && opts.Phone == nil && opts.Address == nil && opts.Timezone == nil && opts.Language == nil &&
				opts.TransferNumber == nil && opts.Active == nil {
				return cmdutil.FlagErrorf("nothing to change: give --name, --phone, --address, --timezone, --language, " +
					"--transfer-number, --clear-transfer-number, --inactive or --active")
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
	fl.StringVar(&name, "name", "", "new branch name, at most 255 characters")
	fl.StringVar(&phoneNum, "phone", "", "the branch's phone number; stored as E.164")
	fl.StringVar(&address, "address", "", `street address ("" clears it)`)
	fl.StringVar(&timezone, "timezone", "", "IANA time zone, e.g. Europe/Vienna")
	fl.StringVar(&language, "language", "", "language of the phone agent: de-DE, de-AT, de-CH, en-US or en-GB")
	fl.StringVar(&transfer, "transfer-number", "", "number of a person the agent may hand callers to; stored as E.164")
	fl.BoolVar(&clearTransfer, "clear-transfer-number", false, "remove the transfer number")
	fl.BoolVar(&inactive, "inactive", false, "switch the branch off")
	fl.BoolVar(&active, "active", false, "switch the branch on again")
	cmd.MarkFlagsMutuallyExclusive("transfer-number", "clear-transfer-number")
	cmd.MarkFlagsMutuallyExclusive("inactive", "active")
	cmdutil.AddOutputFlag(cmd, &opts.Exporter)
	return cmd
}

func updateRun(ctx context.Context, opts *UpdateOptions) error {
	branches, err := opts.Branches(ctx)
	if err != nil {
		return err
	}
	if ctx, err = cmdutil.CompanyOfBranch(ctx, branches, opts.ID); err != nil {
		return err
	}
	before, err := branches.Get(ctx, opts.ID)
	if err != nil {
		return cmdutil.NotFound(err, "branch", opts.ID)
	}
	b, err := branches.Update(ctx, opts.ID, store.BranchPatch{Name: opts.Name, PhoneNumber: opts.Phone, Address: opts.Address,
		Timezone: opts.Timezone, Language: opts.Language, TransferNumber: opts.TransferNumber, IsActive: opts.Active})
	if err != nil {
		return cmdutil.InputError(err)
	}

	// What changed, for the audit log: numbers masked, as in logs.
	var changed []string
	details := map[string]any{}
	note := func(field string, given bool, v any) {
		if given {
			changed = append(changed, field)
			details[field] = v
		}
	}
	note("name", opts.Name != nil, b.Name)
	note("phone_number", opts.Phone != nil, b.PhoneNumber.Masked())
	note("address", opts.Address != nil, b.Address)
	note("timezone", opts.Timezone != nil, b.Timezone)
	note("language", opts.Language != nil, b.Language)
	transfer := b.TransferNumber.Masked()
	if transfer == "" {
		transfer = "removed"
	}
	note("transfer_number", opts.TransferNumber != nil, transfer)
	note("is_active", opts.Active != nil, b.IsActive)
	details["changed"] = changed

	audit, err := opts.AuditLog(ctx)
	if err != nil {
		return err
	}
	cid := b.CompanyID
	if err := cmdutil.Audit(ctx, audit, store.AuditEntry{CompanyID: &cid, Actor: opts.Actor, Action: "branch.update",
		Target: "branch:" + strconv.FormatInt(b.ID, 10)}, details); err != nil {
		return fmt.Errorf("branch %d was updated (%s) but the audit log was not written: %w", b.ID, strings.Join(changed, ", "), err)
	}

	// The tenant cache maps called numbers to companies: a number that
	// moved, or a branch switched off or on, must not answer from it.
	var stale []phone.Number
	if before.PhoneNumber != b.PhoneNumber {
		stale = append(stale, before.PhoneNumber, b.PhoneNumber)
	} else if before.IsActive != b.IsActive {
		stale = append(stale, b.PhoneNumber)
	}
	var invalidateErr error
	if opts.InvalidatePhone != nil {
		for _, n := range stale {
			if n == "" {
				continue
			}
			if err := opts.InvalidatePhone(ctx, string(n)); err != nil {
				invalidateErr = &cmdutil.ExitError{Code: cmdutil.ExitBad, Err: fmt.Errorf(
					"branch %d was updated, but the tenant cache was not told (running servers see the change within 5 minutes): %w", b.ID, err)}
				break
			}
		}
	}

	if opts.Exporter != nil {
		if err := opts.Exporter.Write(opts.IO, UpdateResult{Branch: b, Changed: changed}); err != nil {
			return err
		}
		return invalidateErr
	}
	fmt.Fprintf(opts.IO.ErrOut, "updated branch %d: %s\n", b.ID, strings.Join(changed, ", "))
	if b.ProvisioningStatus == store.ProvisioningCompleted && slices.ContainsFunc(changed, func(f string) bool { return f != "is_active" }) {
		fmt.Fprintf(opts.IO.ErrOut, "its agent still has the old values: run `askpro provision --branch %d` to update it\n", b.ID)
	}
	if err := renderDetail(opts.IO, b); err != nil {
		return err
	}
	return invalidateErr
}
