package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/askproai/askpro/pkg/config"
	"github.com/askproai/askpro/pkg/secrets"
	"github.com/askproai/askpro/pkg/store"
	"github.com/askproai/askpro/pkg/tenant"
)

// calcomKeys is a [secrets.Source] of every company's sealed Cal.com key,
// read a page at a time.
type calcomKeys struct{ companies *store.Companies }

// EachSealed calls fn with each company's sealed Cal.com key, by id.
func (s calcomKeys) EachSealed(ctx context.Context, fn func(secrets.Value) error) error {
	ctx = tenant.System(ctx)
	for after := int64(0); ; {
		page, err := s.companies.SealedCalcomKeys(ctx, after, 500)
		if err != nil {
			return err
		}
		for _, k := range page {
			after = k.CompanyID
			if err := fn(secrets.Value{Owner: fmt.Sprintf("company %d", k.CompanyID), Sealed: k.Sealed, AAD: store.CalcomKeyAAD(k.CompanyID)}); err != nil {
				return err
			}
		}
		if len(page) < 500 {
			return nil
		}
	}
}

// secretsError is a startup check failure: a configuration error (it
// unwraps to a *config.KeyError, so serve exits 2) whose message says what
// is wrong in the operator's terms.
type secretsError struct {
	msg string
	key *config.KeyError
}

func (e *secretsError) Error() string { return e.msg }
func (e *secretsError) Unwrap() error { return e.key }

// checkSecrets opens every sealed Cal.com key with ring, so that a missing
// or wrong security.encryption_key stops the process at startup instead of
// failing bookings later. It returns ring, to be the App's. Values under a
// previous key are logged as a reminder to rotate.
func checkSecrets(ctx context.Context, ring *secrets.Keyring, st *store.Store, log *slog.Logger) (*secrets.Keyring, error) {
	res, err := secrets.Check(ctx, ring, calcomKeys{st.Companies})
	var ce *secrets.CheckError
	switch {
	case errors.As(err, &ce) && errors.Is(err, secrets.ErrNoKey):
		msg := "companies have sealed Cal.com keys but security.encryption_key is not set"
		return nil, &secretsError{msg: msg + " (set it to the key they were sealed under; see docs/secrets.md)",
			key: &config.KeyError{Key: "security.encryption_key", Err: errors.New(msg)}}
	case errors.As(err, &ce):
		msg := fmt.Sprintf("security.encryption_key does not open the sealed Cal.com key of %s", ce.Owner)
		if ce.KeyID != "" {
			msg += fmt.Sprintf(" (sealed under key id %s)", ce.KeyID)
		}
		if ce.Failed > 1 {
			msg += fmt.Sprintf(", nor %d more", ce.Failed-1)
		}
		hint := "; keys in use: " + fmt.Sprint(ring.IDs()) + ". Put the key that sealed it in security.previous_encryption_keys," +
			" or set the company's key again with `askpro company update ID --calcom-api-key-file F` (see docs/secrets.md)"
		if !errors.Is(err, secrets.ErrWrongKey) {
			hint = ": " + ce.Err.Error()
		}
		return nil, &secretsError{msg: msg + hint, key: &config.KeyError{Key: "security.encryption_key", Err: errors.New(msg)}}
	case err != nil:
		return nil, fmt.Errorf("check sealed Cal.com keys: %w", err)
	}
	if res.NeedRotation > 0 {
		log.WarnContext(ctx, "secrets: sealed Cal.com keys under a previous key; run `askpro secrets rotate`, then drop the old key",
			"values", res.Values, "need_rotation", res.NeedRotation, "current_key_id", ring.CurrentID())
	} else if res.Values > 0 {
		log.InfoContext(ctx, "secrets: every sealed Cal.com key opens", "values", res.Values, "current_key_id", ring.CurrentID())
	}
	return ring, nil
}
