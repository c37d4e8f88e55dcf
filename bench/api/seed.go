package main

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// callStatuses is the mix of seeded call statuses, by weight out of 100.
var callStatuses = []struct {
	status string
	weight int
}{{"ended", 80}, {"error", 12}, {"ongoing", 3}, {"registered", 5}}

// seedEpoch is the newest seeded call's start; calls go back one per
// seedStep from there.
var seedEpoch = time.Date(2026, 11, 30, 18, 0, 0, 0, time.UTC)

const seedStep = 2 * time.Minute

// seed makes the bench companies ("bench-1" ... "bench-N", one branch each)
// and calls calls per company, with multi-row INSERTs straight into the
// tables (the store's one-row merges would take an hour for a million
// rows). It keeps what an earlier run seeded when the counts match, so
// rounds can be rerun on one database. It returns the company ids.
func seed(ctx context.Context, db *sql.DB, companies, calls int) ([]int64, error) {
	ids := make([]int64, 0, companies)
	for i := 1; i <= companies; i++ {
		sub := fmt.Sprintf("bench-%d", i)
		var id int64
		err := db.QueryRowContext(ctx, "SELECT id FROM companies WHERE subdomain = ?", sub).Scan(&id)
		if err == sql.ErrNoRows {
			now := time.Now().UTC()
			res, err := db.ExecContext(ctx, "INSERT INTO companies (name, subdomain, industry, is_active, created_at, updated_at) VALUES (?, ?, 'beauty', 1, ?, ?)",
				"Bench Salon "+sub, sub, now, now)
			if err != nil {
				return nil, fmt.Errorf("create company %s: %w", sub, err)
			}
			if id, err = res.LastInsertId(); err != nil {
				return nil, err
			}
			if _, err := db.ExecContext(ctx, "INSERT INTO branches (company_id, name, phone_number, timezone, language, provisioning_status, is_active, created_at, updated_at) VALUES (?, 'Mitte', ?, 'Europe/Berlin', 'de-DE', 'pending', 1, ?, ?)",
				id, fmt.Sprintf("+49309018%04d", i), now, now); err != nil {
				return nil, fmt.Errorf("create branch of %s: %w", sub, err)
			}
		} else if err != nil {
			return nil, fmt.Errorf("find company %s: %w", sub, err)
		}
		ids = append(ids, id)
	}
	for i, id := range ids {
		var have int
		if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM calls WHERE company_id = ?", id).Scan(&have); err != nil {
			return nil, err
		}
		if have == calls {
			continue
		}
		if _, err := db.ExecContext(ctx, "DELETE FROM calls WHERE company_id = ?", id); err != nil {
			return nil, err
		}
		var branch int64
		if err := db.QueryRowContext(ctx, "SELECT id FROM branches WHERE company_id = ?", id).Scan(&branch); err != nil {
			return nil, err
		}
		start := time.Now()
		if err := seedCalls(ctx, db, i+1, id, branch, calls); err != nil {
			return nil, err
		}
		logf("seeded %d calls of company %d in %s", calls, id, time.Since(start).Round(time.Millisecond))
	}
	if _, err := db.ExecContext(ctx, "ANALYZE TABLE calls"); err != nil {
		return nil, fmt.Errorf("analyze calls: %w", err)
	}
	return ids, nil
}

// seedCalls inserts n calls of one company, 1,000 rows per statement.
func seedCalls(ctx context.Context, db *sql.DB, nth int, company, branch int64, n int) error {
	const cols = "company_id, branch_id, retell_call_id, from_number, to_number, direction, status, started_at, ended_at, duration_ms, " +
		"disconnection_reason, transcript, summary, lifecycle_rank, transcript_rank, created_at, updated_at"
	const per = 1000
	rnd := rand.New(rand.NewPCG(uint64(company), 42))
	transcript := strings.Repeat("Agent: Guten Tag, Salon Mitte, Sie sprechen mit einem digitalen Assistenten. User: Ich möchte einen Termin. ", 2)
	to := fmt.Sprintf("+49309018%04d", nth)
	for off := 0; off < n; off += per {
		m := min(per, n-off)
		var b strings.Builder
		b.WriteString("INSERT INTO calls (" + cols + ") VALUES ")
		args := make([]any, 0, m*17)
		for j := range m {
			k := off + j
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(?, ?, ?, ?, ?, 'inbound', ?, ?, ?, ?, ?, ?, ?, 2, ?, ?, ?)")
			status := pickStatus(rnd.IntN(100))
			started := seedEpoch.Add(-time.Duration(k) * seedStep)
			dur := int64(30_000 + rnd.IntN(300_000))
			ended := started.Add(time.Duration(dur) * time.Millisecond)
			args = append(args, company, branch, fmt.Sprintf("call_bench_%d_%d", company, k),
				fmt.Sprintf("+49151%08d", rnd.IntN(100_000_000)), to, status, started, ended, dur,
				"user_hangup", transcript, "Termin gebucht", int64(len(transcript)), started, ended)
		}
		if _, err := db.ExecContext(ctx, b.String(), args...); err != nil {
			return fmt.Errorf("insert calls of company %d: %w", company, err)
		}
	}
	return nil
}

func pickStatus(r int) string {
	for _, s := range callStatuses {
		if r < s.weight {
			return s.status
		}
		r -= s.weight
	}
	return callStatuses[0].status
}
