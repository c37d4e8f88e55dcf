package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/askproai/askpro/pkg/apikey"
	"github.com/askproai/askpro/pkg/tenant"
)

// APIKey is one row of api_keys without its hash: see [apikey.Key]. A nil
// CompanyID marks a platform-admin key.
type APIKey = apikey.Key

// NewAPIKey is the input of [APIKeys.Create].
type NewAPIKey struct {
	// CompanyID is the company the key acts for; 0 makes a platform-admin
	// key.
	CompanyID int64
	// Name says what the key is for ("Praxis-Software", "ops laptop"), at
	// most 255 characters. Required.
	Name string
}

// ErrAlreadyRevoked is returned by [APIKeys.Revoke] for a key that was
// revoked before; the key returned with it is valid and keeps its first
// revocation time.
var ErrAlreadyRevoked = errors.New("store: api key already revoked")

// errKeyUnknown is what ByHash returns for a hash no key has: both
// ErrNotFound and apikey.ErrUnknown, so store users and the authenticator
// each recognise it.
var errKeyUnknown = fmt.Errorf("%w: %w", ErrNotFound, apikey.ErrUnknown)

// touchBatch bounds the keys one Touch statement updates.
const touchBatch = 500

// APIKeys is the repository of API keys. Only the SHA-256 of a key and its
// public prefix are stored; the key itself is returned once, by Create.
// Creating keys and looking them up by hash are platform work (a system
// context); a company's context lists and revokes only its own keys. It
// implements [apikey.Keys] and [apikey.Toucher].
type APIKeys struct{ s *Store }

var (
	_ apikey.Keys    = (*APIKeys)(nil)
	_ apikey.Toucher = (*APIKeys)(nil)
)

const apiKeyCols = "id, company_id, name, prefix, created_at, last_used_at, revoked_at"

func scanAPIKey(row scanner) (APIKey, error) {
	var k APIKey
	var cid sql.NullInt64
	var used, revoked sql.NullTime
	err := row.Scan(&k.ID, &cid, &k.Name, &k.Prefix, &k.CreatedAt, &used, &revoked)
	k.CompanyID, k.LastUsedAt, k.RevokedAt = ptrInt64(cid), ptrTime(used), ptrTime(revoked)
	k.CreatedAt = k.CreatedAt.UTC()
	return k, err
}

// Create makes a key for in.CompanyID (0: a platform-admin key) and returns
// its row and the key itself, which is not stored and cannot be read again.
// It needs a system context. Errors: ErrNotSystem, *ValidationError (name,
// or a negative company id), ErrNotFound (no such company).
func (r *APIKeys) Create(ctx context.Context, in NewAPIKey) (APIKey, apikey.Secret, error) {
	if err := requireSystem(ctx); err != nil {
		return APIKey{}, apikey.Secret{}, err
	}
	name, err := checkName("name", in.Name, 255)
	if err != nil {
		return APIKey{}, apikey.Secret{}, err
	}
	if in.CompanyID < 0 {
		return APIKey{}, apikey.Secret{}, invalid("company_id", "%d is not a company id", in.CompanyID)
	}
	var company *int64
	if in.CompanyID > 0 {
		company = &in.CompanyID
	}
	secret, err := apikey.Generate()
	if err != nil {
		return APIKey{}, apikey.Secret{}, err
	}
	now := r.s.nowUTC()
	var id int64
	err = r.s.inTx(ctx, func(tx querier) error {
		if company != nil {
			var one int
			err := tx.QueryRowContext(ctx, "SELECT 1 FROM companies WHERE id = ?", in.CompanyID).Scan(&one)
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("company %d: %w", in.CompanyID, ErrNotFound)
			}
			if err != nil {
				return err
			}
		}
		res, err := tx.ExecContext(ctx,
			"INSERT INTO api_keys (company_id, name, prefix, key_hash, created_at) VALUES (?, ?, ?, ?, ?)",
			nullInt64(company), name, secret.Prefix(), secret.Hash(), now)
		if err != nil {
			return err
		}
		id, err = res.LastInsertId()
		return err
	})
	if err != nil {
		return APIKey{}, apikey.Secret{}, fmt.Errorf("create api key: %w", err)
	}
	return APIKey{ID: id, CompanyID: company, Name: name, Prefix: secret.Prefix(), CreatedAt: now}, secret, nil
}

// List returns keys ordered by id, revoked ones included: every key
// (platform-admin keys too) for a system context, the company's own for a
// company's context. The hash is never read. Errors: tenant.ErrNoTenant.
func (r *APIKeys) List(ctx context.Context, page Page) ([]APIKey, error) {
	if tenant.IsSystem(ctx) {
		return queryList(ctx, r.s.db, "list api keys", scanAPIKey,
			"SELECT "+apiKeyCols+" FROM api_keys ORDER BY id"+page.sql())
	}
	cid, err := companyID(ctx)
	if err != nil {
		return nil, err
	}
	return queryList(ctx, r.s.db, "list api keys", scanAPIKey,
		"SELECT "+apiKeyCols+" FROM api_keys WHERE company_id = ? ORDER BY id"+page.sql(), cid)
}

// Get returns one key: any for a system context, only its own for a
// company's context (another company's key, or an admin key, is
// ErrNotFound). Errors: ErrNotFound, tenant.ErrNoTenant.
func (r *APIKeys) Get(ctx context.Context, id int64) (APIKey, error) {
	return r.get(ctx, r.s.db, id)
}

func (r *APIKeys) get(ctx context.Context, db querier, id int64) (APIKey, error) {
	q, args := "SELECT "+apiKeyCols+" FROM api_keys WHERE id = ?", []any{id}
	if !tenant.IsSystem(ctx) {
		cid, err := companyID(ctx)
		if err != nil {
			return APIKey{}, err
		}
		q, args = q+" AND company_id = ?", append(args, cid)
	}
	k, err := scanAPIKey(db.QueryRowContext(ctx, q, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return APIKey{}, ErrNotFound
	}
	if err != nil {
		return APIKey{}, fmt.Errorf("get api key %d: %w", id, err)
	}
	return k, nil
}

// Revoke revokes key id at once and for good, and returns it. A system
// context may revoke any key, a company's context only its own. Revoking
// a revoked key changes nothing: it returns the key, with its first
// revocation time, and ErrAlreadyRevoked. An authenticator that cached the
// key honours the revocation within its cache TTL. Errors: ErrNotFound,
// ErrAlreadyRevoked, tenant.ErrNoTenant.
func (r *APIKeys) Revoke(ctx context.Context, id int64) (APIKey, error) {
	q, args := "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", []any{r.s.nowUTC(), id}
	if !tenant.IsSystem(ctx) {
		cid, err := companyID(ctx)
		if err != nil {
			return APIKey{}, err
		}
		q, args = q+" AND company_id = ?", append(args, cid)
	}
	res, err := r.s.w.ExecContext(ctx, q, args...)
	if err != nil {
		return APIKey{}, fmt.Errorf("revoke api key %d: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return APIKey{}, fmt.Errorf("revoke api key %d: %w", id, err)
	}
	k, err := r.get(ctx, r.s.w, id)
	if err != nil {
		return APIKey{}, err
	}
	if n == 0 {
		return k, ErrAlreadyRevoked
	}
	return k, nil
}

// ByHash returns the key whose hash is hash (lowercase hex SHA-256, as
// [apikey.Secret.Hash] gives), revoked or not, so that the caller can tell
// a revoked key from an unknown one. It needs a system context: the key
// decides the tenant. Errors: ErrNotSystem, ErrNotFound (which also matches
// apikey.ErrUnknown) for an unknown hash or one that is not 64 lowercase
// hex digits.
func (r *APIKeys) ByHash(ctx context.Context, hash string) (APIKey, error) {
	if err := requireSystem(ctx); err != nil {
		return APIKey{}, err
	}
	if !isSHA256Hex(hash) {
		return APIKey{}, errKeyUnknown
	}
	k, err := scanAPIKey(r.s.db.QueryRowContext(ctx, "SELECT "+apiKeyCols+" FROM api_keys WHERE key_hash = ?", hash))
	if errors.Is(err, sql.ErrNoRows) {
		return APIKey{}, errKeyUnknown
	}
	if err != nil {
		return APIKey{}, fmt.Errorf("look up api key: %w", err)
	}
	return k, nil
}

func isSHA256Hex(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// Touch sets last_used_at of each key in uses to its time, only forward:
// a key whose stored time is the same or later is left alone, so flushes
// from several processes, in any order, keep the latest. It writes one
// UPDATE per 500 keys (one for every realistic flush); unknown ids are
// ignored. It needs a system context. Errors: ErrNotSystem.
func (r *APIKeys) Touch(ctx context.Context, uses map[int64]time.Time) error {
	if err := requireSystem(ctx); err != nil {
		return err
	}
	ids := make([]int64, 0, len(uses))
	for id := range uses {
		ids = append(ids, id)
	}
	for len(ids) > 0 {
		n := min(len(ids), touchBatch)
		q, args := touchSQL(ids[:n], uses)
		if _, err := r.s.w.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("touch %d api keys: %w", n, err)
		}
		ids = ids[n:]
	}
	return nil
}

// touchSQL builds
//
//	UPDATE api_keys SET last_used_at = CASE id WHEN ? THEN ? ... END
//	WHERE id IN (?, ...) AND (last_used_at IS NULL OR last_used_at < CASE id WHEN ? THEN ? ... END)
//
// The times are UTC to the microsecond: on SQLite they are text in one
// fixed layout, which orders like the times it names.
func touchSQL(ids []int64, uses map[int64]time.Time) (string, []any) {
	var cs strings.Builder
	cs.WriteString("CASE id")
	caseArgs := make([]any, 0, 2*len(ids))
	for _, id := range ids {
		cs.WriteString(" WHEN ? THEN ?")
		caseArgs = append(caseArgs, id, uses[id].UTC().Truncate(time.Microsecond))
	}
	cs.WriteString(" END")
	args := make([]any, 0, 5*len(ids))
	args = append(args, caseArgs...)
	for _, id := range ids {
		args = append(args, id)
	}
	args = append(args, caseArgs...)
	q := "UPDATE api_keys SET last_used_at = " + cs.String() +
		" WHERE id IN (?" + strings.Repeat(", ?", len(ids)-1) + ")" +
		" AND (last_used_at IS NULL OR last_used_at < " + cs.String() + ")"
	return q, args
}
