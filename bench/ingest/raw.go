package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/askproai/askpro/pkg/pool"
	"github.com/google/uuid"
)

// rawInsertSQL is the single-row form of the INSERT queue.Inbox issues,
// with the same columns, values and duplicate handling.
const rawInsertSQL = "INSERT INTO webhook_events (provider, event_type, idempotency_key, company_id, payload, headers, " +
	"correlation_id, ip_address, user_agent, status, queue, priority, attempts, max_attempts, available_at, created_at, updated_at) " +
	"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, 0, ?, ?, ?, ?)"

// RawResult is the outcome of the raw single-row INSERT phase.
type RawResult struct {
	Concurrency int       `json:"concurrency"`
	DurationS   float64   `json:"duration_s"`
	Rows        int64     `json:"rows"`
	Errors      int64     `json:"errors"`
	RowsPerSec  float64   `json:"rows_per_s"`
	Latency     Latencies `json:"latency_ms"`
	FirstErr    string    `json:"first_error,omitempty"`
	Cleaned     int64     `json:"rows_cleaned"`

	samples []time.Duration // sorted INSERT latencies
}

// combineRaw sums the rounds of the raw phase into one result.
func combineRaw(rs []RawResult) RawResult {
	if len(rs) == 1 {
		return rs[0]
	}
	out := RawResult{Concurrency: rs[0].Concurrency}
	var parts [][]time.Duration
	for _, r := range rs {
		out.DurationS += r.DurationS
		out.Rows += r.Rows
		out.Errors += r.Errors
		out.Cleaned += r.Cleaned
		if out.FirstErr == "" {
			out.FirstErr = r.FirstErr
		}
		parts = append(parts, r.samples)
	}
	if out.DurationS > 0 {
		out.RowsPerSec = float64(out.Rows) / out.DurationS
	}
	out.samples = merge(parts)
	out.Latency = percentiles(out.samples)
	return out
}

// rawKeyPrefix starts the idempotency key of every raw-phase row of run.
func rawKeyPrefix(run string) string { return "rawbench:" + run + ":" }

// writeHandle is the handle a row-per-request writer would use: the pool on
// MySQL, the single writer connection on SQLite (as serve's Inbox).
func writeHandle(p *pool.Pool) *sql.DB { return p.Writer() }

// runRaw runs conc goroutines of single-row autocommit INSERTs for d (or
// until maxRows rows); cleanRaw deletes them. seq numbers the rows across
// the rounds of a run.
func runRaw(ctx context.Context, p *pool.Pool, templates []*template, run string, seq *atomic.Int64, conc int, d time.Duration, maxRows int64) (RawResult, error) {
	db := writeHandle(p)
	stmt, err := db.PrepareContext(ctx, rawInsertSQL)
	if err != nil {
		return RawResult{}, fmt.Errorf("prepare raw insert: %w", err)
	}
	defer stmt.Close()

	// Pre-build the per-template constant columns.
	headers := make([]string, len(templates))
	for i, t := range templates {
		h := map[string]string{"content-type": "application/json", "user-agent": t.userAgent}
		if t.provider == "calcom" {
			h["x-cal-webhook-version"] = "2021-10-20"
		}
		b, _ := json.Marshal(h)
		headers[i] = string(b)
	}

	var rows, errs atomic.Int64
	first := seq.Load()
	var firstErr atomic.Value
	lats := make([][]time.Duration, conc)
	rctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < conc; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			mine := make([]time.Duration, 0, 4096)
			for rctx.Err() == nil {
				n := seq.Add(1) - 1
				if n-first >= maxRows {
					break
				}
				ti := int(n % int64(len(templates)))
				t := templates[ti]
				body := t.body(t.idPrefix + "raw" + run + "y" + strconv.FormatInt(n, 36))
				now := time.Now().UTC().Truncate(time.Microsecond)
				key := rawKeyPrefix(run) + t.eventType + ":" + strconv.FormatInt(n, 36)
				t0 := time.Now()
				// Each INSERT gets its own timeout, not the phase deadline,
				// so the phase end does not abort a statement mid-way.
				ictx, icancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
				_, err := stmt.ExecContext(ictx, t.provider, t.eventType, []byte(key), nil, body, headers[ti],
					uuid.NewString(), "127.0.0.1", t.userAgent, string(t.route.Queue), t.route.Priority, 3,
					now.Add(t.route.Delay), now, now)
				icancel()
				if err != nil {
					errs.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				rows.Add(1)
				mine = append(mine, time.Since(t0))
			}
			lats[w] = mine
		}(w)
	}
	wg.Wait()
	elapsed := time.Since(start)
	all := merge(lats)
	res := RawResult{
		samples:     all,
		Concurrency: conc,
		DurationS:   elapsed.Seconds(),
		Rows:        rows.Load(),
		Errors:      errs.Load(),
		RowsPerSec:  float64(rows.Load()) / elapsed.Seconds(),
		Latency:     percentiles(all),
	}
	if v, ok := firstErr.Load().(string); ok {
		res.FirstErr = v
	}
	return res, nil
}

// keyLike is the condition "idempotency_key LIKE ?". The key is a BLOB on
// SQLite, where LIKE matches only text: it is cast there. On MySQL the
// VARBINARY key is matched as it is, so the UNIQUE index serves the prefix.
func keyLike(p *pool.Pool) string {
	if p.Dialect() == pool.SQLite {
		return "CAST(idempotency_key AS TEXT) LIKE ?"
	}
	return "idempotency_key LIKE ?"
}

// cleanRaw deletes the raw phase's rows, in chunks on MySQL.
func cleanRaw(ctx context.Context, p *pool.Pool, run string) (int64, error) {
	db := writeHandle(p)
	like := rawKeyPrefix(run) + "%"
	var total int64
	for _, prov := range []string{"retell", "calcom", "stripe"} {
		for {
			q := "DELETE FROM webhook_events WHERE provider = ? AND " + keyLike(p)
			if p.Dialect() == pool.MySQL {
				q += " LIMIT 5000"
			}
			res, err := db.ExecContext(ctx, q, prov, like)
			if err != nil {
				return total, fmt.Errorf("delete raw rows: %w", err)
			}
			n, _ := res.RowsAffected()
			total += n
			if n == 0 || p.Dialect() != pool.MySQL {
				break
			}
		}
	}
	var left int64
	if err := p.DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM webhook_events WHERE "+keyLike(p), like).Scan(&left); err != nil {
		return total, fmt.Errorf("count raw rows left: %w", err)
	}
	if left != 0 {
		return total, fmt.Errorf("%d raw rows left after cleanup", left)
	}
	return total, nil
}

// countRun counts the rows of the load phase of run.
func countRun(ctx context.Context, p *pool.Pool, run string) (int64, error) {
	var n int64
	err := p.DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM webhook_events WHERE "+keyLike(p), runPattern(run)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count rows of run %s: %w", run, err)
	}
	return n, nil
}

// dbVersion returns the server version (MySQL) or the SQLite library
// version.
func dbVersion(ctx context.Context, p *pool.Pool) string {
	q := "SELECT VERSION()"
	if p.Dialect() == pool.SQLite {
		q = "SELECT sqlite_version()"
	}
	var v string
	if err := p.DB().QueryRowContext(ctx, q).Scan(&v); err != nil {
		return "unknown"
	}
	return v
}
