package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/askproai/askpro/pkg/pool"
	"github.com/askproai/askpro/pkg/tenant"
)

var (
	// ErrNotFound is returned when a row does not exist or belongs to another
	// company: the two are indistinguishable on purpose.
	ErrNotFound = errors.New("store: not found")
	// ErrConflict is returned when a write would break a UNIQUE key (a
	// subdomain, branch phone number or customer number already in use).
	ErrConflict = errors.New("store: already exists")
	// ErrNotSystem is returned by platform-level methods called without a
	// context marked with tenant.System.
	ErrNotSystem = errors.New("store: platform operation needs a system context")
	// ErrProvisioningBusy is returned by [Branches.BeginProvisioning] while
	// another run holds the branch's unexpired lease.
	ErrProvisioningBusy = errors.New("store: branch is being provisioned by another run")
	// ErrLeaseLost is returned when a provisioning run records a step after
	// its lease expired and another run took the branch over.
	ErrLeaseLost = errors.New("store: provisioning lease lost to another run")
)

// ValidationError reports an input field the store refuses.
type ValidationError struct {
	Field string
	Msg   string
	Err   error // the underlying cause, e.g. a phone package error; may be nil
}

func (e *ValidationError) Error() string {
	return fmt.Sprintf("store: invalid %s: %s", e.Field, e.Msg)
}

func (e *ValidationError) Unwrap() error { return e.Err }

// Config configures a [Store].
type Config struct {
	// DB serves reads. Required.
	DB *sql.DB
	// Writer serves writes and read-modify-write transactions. Nil means DB.
	// On SQLite pass the pool's single-writer handle.
	Writer *sql.DB
	// Dialect is "mysql" or "sqlite". Required.
	Dialect string
	// PhoneRegion is the default region for numbers written without a
	// country code. Defaults to "DE".
	PhoneRegion string
	// Now returns the current time. Defaults to time.Now.
	Now func() time.Time
}

// Store is the entry point to the repositories. It is safe for concurrent use.
type Store struct {
	db, w querier
	// wdb is the writer handle and wstmts its prepared statements: where
	// inTx begins transactions, and what WithTx's transaction runs on.
	wdb     *sql.DB
	wstmts  *stmts
	dialect string
	region  string
	now     func() time.Time
	// json says whether the server keeps JSON columns' text as written.
	json *jsonText

	Companies    *Companies
	Branches     *Branches
	Services     *Services
	WorkingHours *WorkingHours
	Customers    *Customers
	Calls        *Calls
	Appointments *Appointments
	Payments     *Payments
	AuditLog     *AuditLog
	APIKeys      *APIKeys
	// FunctionCalls is the exactly-once record of the agent's function calls.
	FunctionCalls *FunctionCalls
}

// querier is what *sql.DB and *sql.Tx have in common: the repositories read
// and write through it.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// New validates cfg and returns a Store.
func New(cfg Config) (*Store, error) {
	if cfg.DB == nil {
		return nil, errors.New("store: Config.DB is required")
	}
	if cfg.Dialect != "mysql" && cfg.Dialect != "sqlite" {
		return nil, fmt.Errorf("store: unknown dialect %q (want mysql or sqlite)", cfg.Dialect)
	}
	s := &Store{dialect: cfg.Dialect, region: cfg.PhoneRegion, now: cfg.Now, json: &jsonText{}}
	rs := newStmts(cfg.DB)
	s.db = dbQuerier{db: cfg.DB, c: rs}
	s.wdb, s.wstmts, s.w = cfg.DB, rs, s.db
	if cfg.Writer != nil && cfg.Writer != cfg.DB {
		s.wdb, s.wstmts = cfg.Writer, newStmts(cfg.Writer)
		s.w = dbQuerier{db: cfg.Writer, c: s.wstmts}
	}
	if s.region == "" {
		s.region = "DE"
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.wire()
	return s, nil
}

func (s *Store) wire() {
	s.Companies = &Companies{s}
	s.Branches = &Branches{s}
	s.Services = &Services{s}
	s.WorkingHours = &WorkingHours{s}
	s.Customers = &Customers{s}
	s.Calls = &Calls{s}
	s.Appointments = &Appointments{s}
	s.Payments = &Payments{s}
	s.AuditLog = &AuditLog{s}
	s.APIKeys = &APIKeys{s}
	s.FunctionCalls = &FunctionCalls{s}
}

// WithTx returns a Store whose repositories read and write through tx, so
// that their effects commit or roll back with it (a queue handler writes
// through the transaction that records the job's outcome). It shares the
// receiver's dialect, region and clock. The returned Store is as safe for
// concurrent use as tx is, which is to say not: use it from the goroutine
// that owns tx, and not after tx ends. tx must be a transaction of the
// Store's writer handle (Config.Writer, or DB without one): the Store's
// prepared statements are reused on it.
func (s *Store) WithTx(tx *sql.Tx) *Store {
	q := txQuerier{tx: tx, c: s.wstmts}
	c := &Store{db: q, w: q, wdb: s.wdb, wstmts: s.wstmts, dialect: s.dialect, region: s.region, now: s.now, json: s.json}
	c.wire()
	return c
}

// Tx runs fn with a Store whose repositories read and write through one
// transaction on the writer, and commits it when fn returns nil (else rolls
// it back and returns fn's error): several writes that belong together
// (a booking's customer, call and appointment) then commit together, in
// one commit. A deadlock, a lock wait timeout or SQLite BUSY
// ([pool.IsTransient]) rolls back and runs fn again, at most twice more,
// so fn must be safe to run again and keep no state of a failed attempt.
// On a Store made by [Store.WithTx], fn runs in the caller's transaction.
func (s *Store) Tx(ctx context.Context, fn func(st *Store) error) error {
	if _, ok := s.w.(txQuerier); ok {
		return fn(s)
	}
	return pool.WithRetry(ctx, pool.Config{RetryAttempts: 2, RetryDelay: 10 * time.Millisecond}, func(ctx context.Context) error {
		tx, err := s.wdb.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback() //nolint:errcheck // after Commit this is a no-op
		if err := fn(s.WithTx(tx)); err != nil {
			return err
		}
		return tx.Commit()
	})
}

// inTx runs fn in a transaction on the writer: a new one that commits when
// fn succeeds, or, for a Store made by WithTx, the caller's.
func (s *Store) inTx(ctx context.Context, fn func(tx querier) error) error {
	if _, ok := s.w.(txQuerier); ok {
		return fn(s.w)
	}
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit this is a no-op
	if err := fn(txQuerier{tx: tx, c: s.wstmts}); err != nil {
		return err
	}
	return tx.Commit()
}

// jsonText remembers, once per Store, whether the server stores a JSON
// column's text byte for byte: SQLite and MariaDB (whose JSON is LONGTEXT)
// do; MySQL's binary JSON type re-renders it.
type jsonText struct {
	state atomic.Int32 // 0 not known yet, 1 verbatim, 2 re-rendered
}

// storesJSONVerbatim reports whether a JSON value read back equals the
// bytes written. While it cannot tell (the version query failed), it says
// no, and callers read back.
func (s *Store) storesJSONVerbatim(ctx context.Context) bool {
	if s.dialect == "sqlite" {
		return true
	}
	switch s.json.state.Load() {
	case 1:
		return true
	case 2:
		return false
	}
	var v string
	if err := s.wdb.QueryRowContext(ctx, "SELECT VERSION()").Scan(&v); err != nil {
		return false
	}
	if strings.Contains(strings.ToLower(v), "mariadb") {
		s.json.state.Store(1)
		return true
	}
	s.json.state.Store(2)
	return false
}

// Dialect returns "mysql" or "sqlite".
func (s *Store) Dialect() string { return s.dialect }

func (s *Store) nowUTC() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// companyID returns the tenant of ctx or tenant.ErrNoTenant.
func companyID(ctx context.Context) (int64, error) {
	id, err := tenant.CompanyID(ctx)
	if err != nil {
		return 0, fmt.Errorf("store: %w", err)
	}
	return id, nil
}

// mapWriteErr turns a UNIQUE violation into ErrConflict naming what clashed.
func mapWriteErr(err error, what string) error {
	if err == nil {
		return nil
	}
	if pool.IsUniqueViolation(err) {
		return fmt.Errorf("%w: %s", ErrConflict, what)
	}
	return err
}

func nullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

func nullInt64(p *int64) sql.NullInt64 {
	if p == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: *p, Valid: true}
}

func ptrInt64(n sql.NullInt64) *int64 {
	if !n.Valid {
		return nil
	}
	v := n.Int64
	return &v
}

func ptrTime(n sql.NullTime) *time.Time {
	if !n.Valid {
		return nil
	}
	v := n.Time.UTC()
	return &v
}

// Page bounds a list query. Zero values mean the defaults.
type Page struct {
	Limit  int // defaults to 100, at most 1000
	Offset int
}

func (p Page) sql() string {
	limit := p.Limit
	if limit <= 0 {
		limit = 100
	}
	if limit > 1000 {
		limit = 1000
	}
	off := p.Offset
	if off < 0 {
		off = 0
	}
	return fmt.Sprintf(" LIMIT %d OFFSET %d", limit, off)
}

// setClause builds "a = ?, b = ?" from column names.
func setClause(cols []string) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = c + " = ?"
	}
	return strings.Join(parts, ", ")
}

// scanner is what *sql.Row and *sql.Rows have in common.
type scanner interface{ Scan(...any) error }

// queryList runs a query and scans every row with scan. what names the
// operation in errors. The result is never nil, so JSON shows [] for none.
func queryList[T any](ctx context.Context, db querier, what string, scan func(scanner) (T, error), q string, args ...any) ([]T, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}
