package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/askproai/askpro/pkg/secrets"
)

// ErrStale is returned by [Companies.ResealCalcomAPIKey] when the stored
// value is no longer the one read: someone set or removed the key
// meanwhile, and their value stands.
var ErrStale = errors.New("store: the value changed since it was read")

// CalcomKeyAAD is the additional data a company's Cal.com API key is
// sealed for, "companies.calcom_api_key:<id>": it binds the sealed value
// to its row, so that a value copied to another company does not open.
func CalcomKeyAAD(companyID int64) []byte {
	return strconv.AppendInt([]byte("companies.calcom_api_key:"), companyID, 10)
}

// SealedCalcomKey is one company's sealed Cal.com API key, for rotation
// and the startup check. Sealed is ciphertext, yet it is kept out of JSON
// and of String all the same.
type SealedCalcomKey struct {
	CompanyID int64  `json:"company_id"`
	Sealed    string `json:"-"`
}

// String names the company, not the value.
func (k SealedCalcomKey) String() string {
	return fmt.Sprintf("company %d (sealed Cal.com key)", k.CompanyID)
}

// SetCalcomAPIKey stores sealed as company id's own Cal.com API key; ""
// removes it (the company then uses calcom.api_key). sealed must be a
// value of pkg/secrets sealed for [CalcomKeyAAD](id): the store refuses
// anything else, so a plaintext key cannot be written by mistake. It needs
// a system context. Errors: *ValidationError, ErrNotFound, ErrNotSystem.
func (r *Companies) SetCalcomAPIKey(ctx context.Context, id int64, sealed string) error {
	if err := requireSystem(ctx); err != nil {
		return err
	}
	if sealed != "" {
		if _, err := secrets.KeyIDOf(sealed); err != nil {
			return &ValidationError{Field: "calcom_api_key", Msg: "not a sealed value (seal it with pkg/secrets)", Err: err}
		}
	}
	res, err := r.s.w.ExecContext(ctx, "UPDATE companies SET calcom_api_key = ?, updated_at = ? WHERE id = ?",
		nullString(sealed), r.s.nowUTC(), id)
	if err != nil {
		return fmt.Errorf("set calcom api key of company %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		// MySQL counts changed rows: an unchanged value is 0 too.
		if _, err := r.get(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

// CalcomAccount returns the Cal.com account of the company in ctx: its
// sealed API key (open it with [CalcomKeyAAD]) and its API host. "" for
// either means the company has none of its own: use calcom.api_key or
// calcom.base_url. Errors: tenant.ErrNoTenant, ErrNotFound.
func (r *Companies) CalcomAccount(ctx context.Context) (sealed, baseURL string, err error) {
	id, err := companyID(ctx)
	if err != nil {
		return "", "", err
	}
	var key, base sql.NullString
	err = r.s.db.QueryRowContext(ctx, "SELECT calcom_api_key, calcom_base_url FROM companies WHERE id = ?", id).Scan(&key, &base)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", ErrNotFound
	}
	if err != nil {
		return "", "", fmt.Errorf("get calcom account of company %d: %w", id, err)
	}
	return key.String, base.String, nil
}

// SealedCalcomKeys returns the sealed Cal.com keys of the companies with
// an id above after, by id, at most limit (1-1000; other values mean
// 1000): a page of a walk over every key, for `askpro secrets rotate` and
// the startup check. It needs a system context. Errors: ErrNotSystem.
func (r *Companies) SealedCalcomKeys(ctx context.Context, after int64, limit int) ([]SealedCalcomKey, error) {
	if err := requireSystem(ctx); err != nil {
		return nil, err
	}
	if limit < 1 || limit > 1000 {
		limit = 1000
	}
	return queryList(ctx, r.s.db, "list sealed calcom keys", func(row scanner) (SealedCalcomKey, error) {
		var k SealedCalcomKey
		err := row.Scan(&k.CompanyID, &k.Sealed)
		return k, err
	}, "SELECT id, calcom_api_key FROM companies WHERE id > ? AND calcom_api_key IS NOT NULL ORDER BY id LIMIT "+strconv.Itoa(limit), after)
}

// ResealCalcomAPIKey replaces company id's sealed key old with resealed,
// the same key sealed again (rotation), only while the stored value is
// still old: a key set meanwhile is not overwritten. updated_at is left
// alone, since the key did not change. resealed must be a sealed value. It
// needs a system context. Errors: *ValidationError, ErrStale, ErrNotSystem.
func (r *Companies) ResealCalcomAPIKey(ctx context.Context, id int64, old, resealed string) error {
	if err := requireSystem(ctx); err != nil {
		return err
	}
	if _, err := secrets.KeyIDOf(resealed); err != nil {
		return &ValidationError{Field: "calcom_api_key", Msg: "not a sealed value (seal it with pkg/secrets)", Err: err}
	}
	res, err := r.s.w.ExecContext(ctx, "UPDATE companies SET calcom_api_key = ? WHERE id = ? AND calcom_api_key = ?", resealed, id, old)
	if err != nil {
		return fmt.Errorf("reseal calcom api key of company %d: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("reseal calcom api key of company %d: %w", id, err)
	}
	if n == 0 {
		return fmt.Errorf("reseal calcom api key of company %d: %w", id, ErrStale)
	}
	return nil
}

// checkBaseURL normalizes an API host: an absolute https URL with a host
// and nothing else (a trailing slash is dropped), or http for localhost,
// 127.0.0.1 and ::1 (tests, a local stub). "" stays "" (the default).
func checkBaseURL(field, raw string) (string, error) {
	v := strings.TrimSpace(raw)
	if v == "" {
		return "", nil
	}
	const want = "an https URL of a host only, such as https://api.cal.eu"
	u, err := url.Parse(v)
	if err != nil || u.Opaque != "" || u.Host == "" {
		return "", invalid(field, "%q is not %s", v, want)
	}
	scheme := strings.ToLower(u.Scheme)
	switch host := u.Hostname(); {
	case scheme == "https":
	case scheme == "http" && (host == "localhost" || host == "127.0.0.1" || host == "::1"):
	case scheme == "http":
		return "", invalid(field, "%q: plain http is allowed only for localhost; want %s", v, want)
	default:
		return "", invalid(field, "%q is not %s", v, want)
	}
	switch {
	case u.User != nil:
		return "", invalid(field, "%q carries credentials; want %s", redactUser(u), want)
	case u.Path != "" && u.Path != "/", u.RawQuery != "", u.ForceQuery, u.Fragment != "":
		return "", invalid(field, "%q has a path, query or fragment; want %s (the client adds the paths)", v, want)
	}
	out := scheme + "://" + strings.ToLower(u.Host)
	if len(out) > 255 {
		return "", invalid(field, "longer than 255 characters")
	}
	return out, nil
}

// redactUser prints u without its user information.
func redactUser(u *url.URL) string {
	c := *u
	c.User = url.User("****")
	return c.String()
}
