package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/askproai/askpro/pkg/pool"
)

// Function call states (function_calls.status). A row is 'running' while
// one request acts on it, then 'done' or 'failed' with its first answer;
// that answer never changes.
const (
	FunctionCallRunning = "running"
	FunctionCallDone    = "done"
	FunctionCallFailed  = "failed"
)

// FunctionCallKey names one distinct Retell custom-function call: Retell's
// call id, the function's name and the SHA-256 (64 lower-case hex digits)
// of its arguments in canonical form. It is the UNIQUE key of
// function_calls.
type FunctionCallKey struct {
	CallID   string
	Name     string
	ArgsHash string
}

// FunctionCall is one row of function_calls.
type FunctionCall struct {
	ID        int64  `json:"id"`
	CompanyID int64  `json:"company_id"`
	CallID    string `json:"call_id"`
	Name      string `json:"name"`
	ArgsHash  string `json:"args_hash"`
	// Status is FunctionCallRunning, FunctionCallDone or FunctionCallFailed.
	Status string `json:"status"`
	// Result is the first answer (JSON), nil while running.
	Result json.RawMessage `json:"result,omitempty"`
	// LockedUntil is when the running request's lease ends; nil once the
	// row is done or failed.
	LockedUntil *time.Time `json:"locked_until,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
}

// Expired reports whether the row is running under a lease that ended
// before now: its request died, and [FunctionCalls.Claim] takes it over.
func (f FunctionCall) Expired(now time.Time) bool {
	return f.Status == FunctionCallRunning && (f.LockedUntil == nil || f.LockedUntil.Before(now))
}

// FunctionCalls is the repository of function_calls, the exactly-once
// record of the agent's function calls (DESIGN "What processing does"),
// scoped by the context's company. It is safe for concurrent use, also
// across processes sharing one database: the UNIQUE key and conditional
// updates decide, not the process.
type FunctionCalls struct{ s *Store }

const functionCallCols = "id, company_id, call_id, name, args_hash, status, result, locked_until, created_at, updated_at"

func scanFunctionCall(row scanner) (FunctionCall, error) {
	var f FunctionCall
	var result sql.NullString
	var locked sql.NullTime
	err := row.Scan(&f.ID, &f.CompanyID, &f.CallID, &f.Name, &f.ArgsHash, &f.Status, &result, &locked, &f.CreatedAt, &f.UpdatedAt)
	if result.Valid {
		f.Result = json.RawMessage(result.String)
	}
	f.LockedUntil = ptrTime(locked)
	f.CreatedAt, f.UpdatedAt = f.CreatedAt.UTC(), f.UpdatedAt.UTC()
	return f, err
}

func checkFunctionCallKey(k FunctionCallKey) error {
	switch {
	case k.CallID == "" || len(k.CallID) > 128:
		return invalid("call_id", "must be 1 to 128 bytes")
	case k.Name == "" || len(k.Name) > 64:
		return invalid("name", "must be 1 to 64 bytes")
	case len(k.ArgsHash) != 64:
		return invalid("args_hash", "must be 64 lower-case hex digits")
	}
	for _, c := range []byte(k.ArgsHash) {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return invalid("args_hash", "must be 64 lower-case hex digits")
		}
	}
	return nil
}

// Claim records the start of a function call for the context's company
// and says whether the caller now owns it. The first caller of a key
// inserts a 'running' row whose lease ends after lease, and gets
// claimed=true: it must act and then [FunctionCalls.Complete] or
// [FunctionCalls.Release] the row. Every later caller gets the existing row
// and claimed=false: it waits for the row's answer (re-reading it with
// [FunctionCalls.Get]) instead of acting. A 'running' row whose lease has
// expired (its request or process died) is taken over: exactly one of the
// callers racing for it gets claimed=true and a new lease.
//
// The UNIQUE key does not name the company, so a key another company holds
// is refused with ErrConflict, never answered with that company's row.
// Errors: *ValidationError (a malformed key or a lease <= 0), ErrConflict,
// tenant.ErrNoTenant, database errors.
func (r *FunctionCalls) Claim(ctx context.Context, key FunctionCallKey, lease time.Duration) (FunctionCall, bool, error) {
	cid, err := companyID(ctx)
	if err != nil {
		return FunctionCall{}, false, err
	}
	if err := checkFunctionCallKey(key); err != nil {
		return FunctionCall{}, false, err
	}
	if lease <= 0 {
		return FunctionCall{}, false, invalid("lease", "must be positive, got %v", lease)
	}
	var f FunctionCall
	for attempt := 0; ; attempt++ {
		var claimed bool
		f, claimed, err = r.insert(ctx, cid, key, lease)
		if err != nil || claimed {
			return f, claimed, err
		}
		if f.ID != 0 || attempt == 2 {
			break
		}
		// The row was released between our insert and our read: again.
	}
	if f.ID == 0 {
		return FunctionCall{}, false, fmt.Errorf("claim function call: the row keeps being released")
	}
	now := r.s.nowUTC()
	if f.CompanyID != cid {
		return FunctionCall{}, false, fmt.Errorf("claim function call: %w: the call id belongs to another company", ErrConflict)
	}
	if !f.Expired(now) {
		return f, false, nil
	}
	// Take the expired lease over, fenced by the lease it had, so that only
	// one of the racing takers wins.
	var old any
	where := "locked_until = ?"
	if f.LockedUntil == nil {
		where = "locked_until IS NULL"
	} else {
		old = f.LockedUntil.UTC()
	}
	args := []any{now.Add(lease), now, f.ID, cid, FunctionCallRunning}
	if old != nil {
		args = append(args, old)
	}
	res, err := r.s.w.ExecContext(ctx,
		"UPDATE function_calls SET locked_until = ?, updated_at = ? WHERE id = ? AND company_id = ? AND status = ? AND "+where, args...)
	if err != nil {
		return FunctionCall{}, false, fmt.Errorf("take over function call %d: %w", f.ID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return FunctionCall{}, false, fmt.Errorf("take over function call %d: %w", f.ID, err)
	}
	f, err = r.Get(ctx, f.ID)
	if err != nil {
		return FunctionCall{}, false, err
	}
	return f, n == 1, nil
}

// Complete records the answer of a claimed call: status FunctionCallDone
// or FunctionCallFailed, result (valid JSON), no lease. Only a running row
// is changed: when another request took the lease over and completed
// first, its answer stays. Complete returns the stored answer: the row's
// ID, CompanyID, Status and Result (the one answer every repeat gets), and
// the other fields only when it had to read the row back. When this call
// wrote the answer on a server that keeps JSON text as written (SQLite,
// MariaDB), that is one round trip and Result is result itself; else
// (MySQL's JSON type re-renders it) the row is read back. Errors: *ValidationError (a status
// other than done or failed, a result that is not JSON), ErrNotFound (also
// for another company's row, or a released one), tenant.ErrNoTenant.
func (r *FunctionCalls) Complete(ctx context.Context, id int64, status string, result json.RawMessage) (FunctionCall, error) {
	cid, err := companyID(ctx)
	if err != nil {
		return FunctionCall{}, err
	}
	if status != FunctionCallDone && status != FunctionCallFailed {
		return FunctionCall{}, invalid("status", "must be %s or %s, got %q", FunctionCallDone, FunctionCallFailed, status)
	}
	if !json.Valid(result) {
		return FunctionCall{}, invalid("result", "is not JSON")
	}
	now := r.s.nowUTC()
	res, err := r.s.w.ExecContext(ctx,
		"UPDATE function_calls SET status = ?, result = ?, locked_until = NULL, updated_at = ? WHERE id = ? AND company_id = ? AND status = ?",
		status, string(result), now, id, cid, FunctionCallRunning)
	if err != nil {
		return FunctionCall{}, fmt.Errorf("complete function call %d: %w", id, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 1 && r.s.storesJSONVerbatim(ctx) {
		// This request's answer is the one stored, byte for byte: no read
		// back. The row's other fields are not known here; Result and
		// Status are what callers use.
		return FunctionCall{ID: id, CompanyID: cid, Status: status, Result: result, UpdatedAt: now}, nil
	}
	return r.Get(ctx, id)
}

// Find returns the row of key for the context's company: a read, no lock.
// Errors: ErrNotFound, ErrConflict (the key is another company's),
// *ValidationError, tenant.ErrNoTenant.
func (r *FunctionCalls) Find(ctx context.Context, key FunctionCallKey) (FunctionCall, error) {
	cid, err := companyID(ctx)
	if err != nil {
		return FunctionCall{}, err
	}
	if err := checkFunctionCallKey(key); err != nil {
		return FunctionCall{}, err
	}
	f, err := r.byKey(ctx, key)
	if err != nil {
		return FunctionCall{}, err
	}
	if f.CompanyID != cid {
		return FunctionCall{}, fmt.Errorf("find function call: %w: the call id belongs to another company", ErrConflict)
	}
	return f, nil
}

// Record stores the finished answer of a call that needed no claim (a
// function that changes nothing, whose repeats may run it again): a row
// with status done or failed and result, in one statement. When the key
// is already recorded, the first answer stays and is returned with
// recorded=false. Errors: *ValidationError, ErrConflict (the key is
// another company's), tenant.ErrNoTenant, database errors.
func (r *FunctionCalls) Record(ctx context.Context, key FunctionCallKey, status string, result json.RawMessage) (_ FunctionCall, recorded bool, _ error) {
	cid, err := companyID(ctx)
	if err != nil {
		return FunctionCall{}, false, err
	}
	if err := checkFunctionCallKey(key); err != nil {
		return FunctionCall{}, false, err
	}
	if status != FunctionCallDone && status != FunctionCallFailed {
		return FunctionCall{}, false, invalid("status", "must be %s or %s, got %q", FunctionCallDone, FunctionCallFailed, status)
	}
	if !json.Valid(result) {
		return FunctionCall{}, false, invalid("result", "is not JSON")
	}
	now := r.s.nowUTC()
	res, err := r.s.w.ExecContext(ctx,
		"INSERT INTO function_calls (company_id, call_id, name, args_hash, status, result, created_at, updated_at) "+
			"VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		cid, key.CallID, key.Name, key.ArgsHash, status, string(result), now, now)
	if err == nil {
		id, err := res.LastInsertId()
		if err != nil {
			return FunctionCall{}, false, fmt.Errorf("record function call: %w", err)
		}
		return FunctionCall{ID: id, CompanyID: cid, CallID: key.CallID, Name: key.Name, ArgsHash: key.ArgsHash,
			Status: status, Result: result, CreatedAt: now, UpdatedAt: now}, true, nil
	}
	if !pool.IsUniqueViolation(err) {
		return FunctionCall{}, false, fmt.Errorf("record function call: %w", err)
	}
	f, err := r.Find(ctx, key)
	return f, false, err
}

// Release deletes a running row of the context's company, so that the
// next repeat of the call acts again: for a claimed call whose answer must
// not be kept (it ran out of time, or nothing was done and trying again is
// safe). A row that is done or failed is kept. Errors: tenant.ErrNoTenant,
// database errors; a row that is gone or not running is not an error.
func (r *FunctionCalls) Release(ctx context.Context, id int64) error {
	cid, err := companyID(ctx)
	if err != nil {
		return err
	}
	if _, err := r.s.w.ExecContext(ctx, "DELETE FROM function_calls WHERE id = ? AND company_id = ? AND status = ?",
		id, cid, FunctionCallRunning); err != nil {
		return fmt.Errorf("release function call %d: %w", id, err)
	}
	return nil
}

// Get returns a function call of the context's company. Errors:
// ErrNotFound (also for another company's), tenant.ErrNoTenant.
func (r *FunctionCalls) Get(ctx context.Context, id int64) (FunctionCall, error) {
	cid, err := companyID(ctx)
	if err != nil {
		return FunctionCall{}, err
	}
	return r.one(ctx, "id = ? AND company_id = ?", id, cid)
}

// insert adds the running row of key: claimed=true with the new row, or,
// when the key exists, claimed=false with the existing row (ID 0 when it
// was released before it could be read).
func (r *FunctionCalls) insert(ctx context.Context, cid int64, key FunctionCallKey, lease time.Duration) (FunctionCall, bool, error) {
	now := r.s.nowUTC()
	res, err := r.s.w.ExecContext(ctx,
		"INSERT INTO function_calls (company_id, call_id, name, args_hash, status, locked_until, created_at, updated_at) "+
			"VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		cid, key.CallID, key.Name, key.ArgsHash, FunctionCallRunning, now.Add(lease), now, now)
	if err == nil {
		id, err := res.LastInsertId()
		if err != nil {
			return FunctionCall{}, false, fmt.Errorf("claim function call: %w", err)
		}
		// The row is what was written (times are already at the columns'
		// microsecond precision): no read back, one round trip.
		until := now.Add(lease)
		return FunctionCall{ID: id, CompanyID: cid, CallID: key.CallID, Name: key.Name, ArgsHash: key.ArgsHash,
			Status: FunctionCallRunning, LockedUntil: &until, CreatedAt: now, UpdatedAt: now}, true, nil
	}
	if !pool.IsUniqueViolation(err) {
		return FunctionCall{}, false, fmt.Errorf("claim function call: %w", err)
	}
	f, err := r.byKey(ctx, key)
	if errors.Is(err, ErrNotFound) {
		return FunctionCall{}, false, nil
	}
	return f, false, err
}

// byKey reads the row of a key whatever its company (Claim checks it).
func (r *FunctionCalls) byKey(ctx context.Context, k FunctionCallKey) (FunctionCall, error) {
	return r.one(ctx, "call_id = ? AND name = ? AND args_hash = ?", k.CallID, k.Name, k.ArgsHash)
}

func (r *FunctionCalls) one(ctx context.Context, where string, args ...any) (FunctionCall, error) {
	f, err := scanFunctionCall(r.s.db.QueryRowContext(ctx, "SELECT "+functionCallCols+" FROM function_calls WHERE "+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return FunctionCall{}, ErrNotFound
	}
	if err != nil {
		return FunctionCall{}, fmt.Errorf("get function call: %w", err)
	}
	return f, nil
}
