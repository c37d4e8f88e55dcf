package queue

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// The SQL of the worker side. The claim differs by dialect (see
// mysqlDriver.claim and sqliteDriver.claim); every other transition is one
// UPDATE shared by both, guarded by the status it expects and, for a job in
// processing, by the lease owner (locked_by), so that a worker that lost its
// lease changes nothing.

// claimCols are the columns a claim reads: the Job's, and its payload and
// headers.
const claimCols = jobCols + ", payload, headers"

// claimWhere selects the jobs a worker may take. Workers take them in strict
// priority (critical 0, high 1, normal 2), then the oldest available_at,
// then id. On MySQL
// idx_webhook_events_ready (claimable, priority, available_at) serves
// WHERE claimable = 1 ... ORDER BY priority, available_at without a sort;
// the id tie-break is the index's own order (InnoDB secondary indexes end
// with the primary key).
const claimWhere = "claimable = 1 AND available_at <= ?"

// scanClaimed scans one claimed row and fills its payload and headers.
func scanClaimed(row scanner) (Job, error) {
	var payload []byte
	var headers sql.NullString
	j, err := scanJob(row, &payload, &headers)
	if err != nil {
		return j, err
	}
	j.Payload = json.RawMessage(payload)
	if headers.Valid && headers.String != "" {
		if err := json.Unmarshal([]byte(headers.String), &j.Headers); err != nil {
			// Headers are informational: a job is never refused for them.
			j.Headers = nil
		}
	}
	return j, nil
}

// sortClaimed puts claimed jobs in claim order.
func sortClaimed(jobs []Job) {
	slices.SortFunc(jobs, func(a, b Job) int {
		return cmp.Or(cmp.Compare(a.Queue.Priority(), b.Queue.Priority()), a.AvailableAt.Compare(b.AvailableAt), cmp.Compare(a.ID, b.ID))
	})
}

// claimArgs is what a driver needs to take up to n jobs for lease owner
// token until the lease's end.
type claimArgs struct {
	token string
	now   time.Time
	until time.Time
	n     int
}

// claimMySQL takes jobs with SELECT ... FOR UPDATE SKIP LOCKED in a READ
// COMMITTED transaction (rows that do not match are not kept locked), then
// marks them in one UPDATE: two statements and a commit per batch, however
// many workers and processes claim at once.
func claimMySQL(ctx context.Context, db *sql.DB, a claimArgs) (_ []Job, err error) {
	tx, err := db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	rows, err := tx.QueryContext(ctx, "SELECT "+claimCols+" FROM webhook_events WHERE "+claimWhere+
		" ORDER BY priority, available_at LIMIT ? FOR UPDATE SKIP LOCKED", a.now, a.n)
	if err != nil {
		return nil, err
	}
	jobs, err := collect(rows, scanClaimed)
	if err != nil || len(jobs) == 0 {
		if err == nil {
			err = tx.Commit()
		}
		return nil, err
	}
	ids := make([]any, 0, len(jobs)+3)
	ids = append(ids, a.token, a.until, a.now)
	for _, j := range jobs {
		ids = append(ids, j.ID)
	}
	if _, err := tx.ExecContext(ctx, "UPDATE webhook_events SET status = 'processing', attempts = attempts + 1, locked_by = ?, locked_until = ?, updated_at = ? "+
		"WHERE id IN ("+placeholders(len(jobs))+")", ids...); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return claimed(jobs, a), nil
}

// claimSQLite takes jobs in one UPDATE ... RETURNING, which is its own
// write transaction on SQLite's single writer: no two claims interleave.
func claimSQLite(ctx context.Context, db *sql.DB, a claimArgs) ([]Job, error) {
	rows, err := db.QueryContext(ctx, "UPDATE webhook_events SET status = 'processing', attempts = attempts + 1, locked_by = ?, locked_until = ?, updated_at = ? "+
		"WHERE id IN (SELECT id FROM webhook_events WHERE "+claimWhere+" ORDER BY priority, available_at, id LIMIT ?) "+
		"RETURNING "+claimCols, a.token, a.until, a.now, a.now, a.n)
	if err != nil {
		return nil, err
	}
	jobs, err := collect(rows, scanClaimed)
	if err != nil {
		return nil, err
	}
	// RETURNING gives the rows as the UPDATE left them, in no particular
	// order.
	sortClaimed(jobs)
	return jobs, nil
}

// claimed sets on the jobs read before the claim's UPDATE what it wrote.
func claimed(jobs []Job, a claimArgs) []Job {
	for i := range jobs {
		j := &jobs[i]
		j.Status = Processing
		j.Attempts++
		j.LockedBy = a.token
		until := a.until
		j.LockedUntil = &until
		j.UpdatedAt = a.now
	}
	return jobs
}

func collect(rows *sql.Rows, scan func(scanner) (Job, error)) ([]Job, error) {
	defer rows.Close()
	var out []Job
	for rows.Next() {
		j, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, j)
	}
	return out, rows.Err()
}

// placeholders returns "?, ?, ..." for n values.
func placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?, ", n-1) + "?"
}

// execer is what *sql.DB and *sql.Tx have in common for the transitions.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// complete marks the jobs processed, each with its processing time, if they
// are still leased to token; it returns how many rows it changed. Run inside
// the transaction of the jobs' effects, a count below len(jobs) means a lease
// was lost and the transaction must be rolled back.
//
// The jobs whose handler resolved a company (Job.SetCompany) get it in the
// same statement, where the row has none:
//
//	company_id = COALESCE(company_id, CASE id WHEN ? THEN ? ... END)
//
// one WHEN per such job (the CASE is NULL for the others, which COALESCE
// leaves as they are), so a batch is still one UPDATE however many jobs and
// companies it holds; without any, the clause is left out.
func complete(ctx context.Context, db execer, token string, now time.Time, jobs []*running) (int64, error) {
	var b strings.Builder
	args := make([]any, 0, 5*len(jobs)+3)
	b.WriteString("UPDATE webhook_events SET status = 'processed', locked_by = NULL, locked_until = NULL, last_error = NULL, processed_at = ?, updated_at = ?, processing_time_ms = CASE id")
	args = append(args, now, now)
	for _, r := range jobs {
		b.WriteString(" WHEN ? THEN ?")
		args = append(args, r.job.ID, r.took.Milliseconds())
	}
	b.WriteString(" END")
	companies := false
	for _, r := range jobs {
		if r.job.resolved <= 0 {
			continue
		}
		if !companies {
			b.WriteString(", company_id = COALESCE(company_id, CASE id")
			companies = true
		}
		b.WriteString(" WHEN ? THEN ?")
		args = append(args, r.job.ID, r.job.resolved)
	}
	if companies {
		b.WriteString(" END)")
	}
	b.WriteString(" WHERE status = 'processing' AND locked_by = ? AND id IN (")
	args = append(args, token)
	for i, r := range jobs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("?")
		args = append(args, r.job.ID)
	}
	b.WriteString(")")
	res, err := db.ExecContext(ctx, b.String(), args...)
	if err != nil {
		return 0, fmt.Errorf("complete jobs: %w", err)
	}
	return res.RowsAffected()
}

// fail moves one leased job to retrying (available again at next) or, with
// dead set, to dead_letter, storing the reason and, where the row has none,
// the company its handler resolved (Job.SetCompany). It reports whether the
// job was still leased to token.
func fail(ctx context.Context, db execer, j *Job, token string, now time.Time, dead bool, next time.Time, reason string, took time.Duration) (bool, error) {
	status := Retrying
	if dead {
		status = DeadLetter
		next = j.AvailableAt
	}
	var company any // NULL: COALESCE keeps what is stored
	if j.resolved > 0 {
		company = j.resolved
	}
	res, err := db.ExecContext(ctx, "UPDATE webhook_events SET status = ?, available_at = ?, last_error = ?, locked_by = NULL, locked_until = NULL, "+
		"processing_time_ms = ?, updated_at = ?, company_id = COALESCE(company_id, ?) WHERE id = ? AND status = 'processing' AND locked_by = ?",
		string(status), next, reason, took.Milliseconds(), now, company, j.ID, token)
	if err != nil {
		return false, fmt.Errorf("record failure of job %d: %w", j.ID, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// release gives back leased jobs that were never started (a worker
// stopping): the claim's attempt is undone and they wait again, retrying
// when they had failed before, pending otherwise.
func release(ctx context.Context, db execer, token string, now time.Time, ids []int64) (int64, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	args := make([]any, 0, len(ids)+2)
	args = append(args, now, token)
	for _, id := range ids {
		args = append(args, id)
	}
	res, err := db.ExecContext(ctx, "UPDATE webhook_events SET status = CASE WHEN attempts > 1 THEN 'retrying' ELSE 'pending' END, "+
		"attempts = attempts - 1, locked_by = NULL, locked_until = NULL, updated_at = ? "+
		"WHERE status = 'processing' AND locked_by = ? AND id IN ("+placeholders(len(ids))+")", args...)
	if err != nil {
		return 0, fmt.Errorf("release jobs: %w", err)
	}
	return res.RowsAffected()
}

// extend renews the lease of the jobs still leased to token.
func extend(ctx context.Context, db execer, token string, until, now time.Time, ids []int64) (int64, error) {
	args := make([]any, 0, len(ids)+3)
	args = append(args, until, now, token)
	for _, id := range ids {
		args = append(args, id)
	}
	res, err := db.ExecContext(ctx, "UPDATE webhook_events SET locked_until = ?, updated_at = ? WHERE status = 'processing' AND locked_by = ? AND id IN ("+
		placeholders(len(ids))+")", args...)
	if err != nil {
		return 0, fmt.Errorf("extend leases: %w", err)
	}
	return res.RowsAffected()
}

// reapReason is the last_error of a job whose lease expired.
const reapReason = "LEASE_EXPIRED: the worker holding the job stopped renewing its lease (killed or stalled)"

// reap takes back the jobs whose lease expired before now: the attempt
// counts, so a job with no attempts left goes to dead_letter, the others
// are available again at once. It returns the jobs dead-lettered and
// retried.
//
// It looks first with a plain read, which takes no locks: in the common
// case there is nothing to take back, and a locking scan of the lease index
// would only contend with the claims and completions of live workers. The
// UPDATEs name the ids found and repeat the guard, so a job completed or
// renewed in between is left alone.
func reap(ctx context.Context, db *sql.DB, now time.Time) (dead, retried int64, err error) {
	ids, err := queryIDs(ctx, db, "SELECT id FROM webhook_events WHERE status = 'processing' AND locked_until < ? ORDER BY id LIMIT 1000", now)
	if err != nil {
		return 0, 0, fmt.Errorf("reap expired leases: %w", err)
	}
	if len(ids) == 0 {
		return 0, 0, nil
	}
	in := placeholders(len(ids))
	idArgs := make([]any, len(ids))
	for i, id := range ids {
		idArgs[i] = id
	}
	res, err := db.ExecContext(ctx, "UPDATE webhook_events SET status = 'dead_letter', last_error = ?, locked_by = NULL, locked_until = NULL, updated_at = ? "+
		"WHERE status = 'processing' AND locked_until < ? AND attempts >= max_attempts AND id IN ("+in+")", append([]any{reapReason, now, now}, idArgs...)...)
	if err != nil {
		return 0, 0, fmt.Errorf("reap expired leases: %w", err)
	}
	if dead, err = res.RowsAffected(); err != nil {
		return 0, 0, err
	}
	res, err = db.ExecContext(ctx, "UPDATE webhook_events SET status = 'retrying', available_at = ?, last_error = ?, locked_by = NULL, locked_until = NULL, updated_at = ? "+
		"WHERE status = 'processing' AND locked_until < ? AND id IN ("+in+")", append([]any{now, reapReason, now, now}, idArgs...)...)
	if err != nil {
		return dead, 0, fmt.Errorf("reap expired leases: %w", err)
	}
	retried, err = res.RowsAffected()
	return dead, retried, err
}

// leased returns which of the jobs are still leased to token.
func leased(ctx context.Context, db *sql.DB, token string, ids []int64) (map[int64]bool, error) {
	args := make([]any, 0, len(ids)+1)
	args = append(args, token)
	for _, id := range ids {
		args = append(args, id)
	}
	found, err := queryIDs(ctx, db, "SELECT id FROM webhook_events WHERE status = 'processing' AND locked_by = ? AND id IN ("+placeholders(len(ids))+")", args...)
	if err != nil {
		return nil, fmt.Errorf("check leases: %w", err)
	}
	out := make(map[int64]bool, len(found))
	for _, id := range found {
		out[id] = true
	}
	return out, nil
}

// queryIDs runs a query of one id column and returns the ids.
func queryIDs(ctx context.Context, db *sql.DB, q string, args ...any) ([]int64, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
