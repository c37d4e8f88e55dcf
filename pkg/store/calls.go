package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/askproai/askpro/pkg/phone"
	"github.com/askproai/askpro/pkg/tenant"
)

// CallOngoing is the status of a call in progress: its call_started is
// processed and its call_ended not yet (Retell's call_status "ongoing").
const CallOngoing = "ongoing"

// Transcript is what was said on a call. It is personal data: it logs as its
// length only, never its text.
type Transcript string

// LogValue implements slog.LogValuer.
func (t Transcript) LogValue() slog.Value {
	return slog.StringValue("[transcript, " + strconv.Itoa(len(t)) + " bytes]")
}

// Call is one phone call handled by a company's Retell agent, as the Retell
// webhooks (call_started, call_ended, call_analyzed, transfer_*,
// transcript_updated) describe it.
type Call struct {
	ID                  int64           `json:"id"`
	CompanyID           int64           `json:"company_id"`
	BranchID            *int64          `json:"branch_id"`
	CustomerID          *int64          `json:"customer_id"`
	RetellCallID        string          `json:"retell_call_id"`
	AgentID             string          `json:"agent_id,omitempty"`
	FromNumber          phone.Number    `json:"from_number,omitempty"`
	ToNumber            phone.Number    `json:"to_number,omitempty"`
	Direction           string          `json:"direction,omitempty"`
	Status              string          `json:"status"`
	StartedAt           *time.Time      `json:"started_at"`
	EndedAt             *time.Time      `json:"ended_at"`
	DurationMS          *int64          `json:"duration_ms"`
	DisconnectionReason string          `json:"disconnection_reason,omitempty"`
	Transcript          Transcript      `json:"transcript,omitempty"`
	Summary             string          `json:"summary,omitempty"`
	Sentiment           string          `json:"sentiment,omitempty"`
	Successful          *bool           `json:"successful"`
	Analysis            json.RawMessage `json:"analysis,omitempty"`
	TransferDestination phone.Number    `json:"transfer_destination,omitempty"`
	TransferOutcome     string          `json:"transfer_outcome,omitempty"`
	CreatedAt           time.Time       `json:"created_at"`
	UpdatedAt           time.Time       `json:"updated_at"`
}

// Calls is the repository of calls, scoped by the context's company.
type Calls struct{ s *Store }

// callCols lists the columns of a Call; transcript is the 15th and
// callListCols replaces it with NULL.
const (
	callColsHead = "id, company_id, branch_id, customer_id, retell_call_id, agent_id, from_number, to_number, direction, status, " +
		"started_at, ended_at, duration_ms, disconnection_reason, "
	callColsTail = ", summary, sentiment, successful, analysis, transfer_destination, transfer_outcome, created_at, updated_at"
	callCols     = callColsHead + "transcript" + callColsTail
	callListCols = callColsHead + "NULL" + callColsTail
)

func scanCall(row scanner) (Call, error) {
	var c Call
	var branch, customer, dur sql.NullInt64
	var agent, from, to, dir, reason, transcript, summary, sentiment, analysis, tdest, tout sql.NullString
	var started, ended sql.NullTime
	var ok sql.NullBool
	err := row.Scan(&c.ID, &c.CompanyID, &branch, &customer, &c.RetellCallID, &agent, &from, &to, &dir, &c.Status,
		&started, &ended, &dur, &reason, &transcript, &summary, &sentiment, &ok, &analysis, &tdest, &tout,
		&c.CreatedAt, &c.UpdatedAt)
	c.BranchID, c.CustomerID, c.DurationMS = ptrInt64(branch), ptrInt64(customer), ptrInt64(dur)
	c.AgentID, c.FromNumber, c.ToNumber, c.Direction = agent.String, phone.Number(from.String), phone.Number(to.String), dir.String
	c.StartedAt, c.EndedAt = ptrTime(started), ptrTime(ended)
	c.DisconnectionReason, c.Transcript, c.Summary, c.Sentiment = reason.String, Transcript(transcript.String), summary.String, sentiment.String
	if ok.Valid {
		v := ok.Bool
		c.Successful = &v
	}
	if analysis.Valid {
		c.Analysis = json.RawMessage(analysis.String)
	}
	c.TransferDestination, c.TransferOutcome = phone.Number(tdest.String), tout.String
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	return c, err
}

// Get returns a call of the context's company, transcript included. Errors:
// ErrNotFound (also for another company's call), tenant.ErrNoTenant.
func (r *Calls) Get(ctx context.Context, id int64) (Call, error) {
	cid, err := companyID(ctx)
	if err != nil {
		return Call{}, err
	}
	return r.one(ctx, "id = ? AND company_id = ?", id, cid)
}

// GetByRetellID returns the context's company's call with that Retell call
// id, transcript included. Errors: ErrNotFound, tenant.ErrNoTenant.
func (r *Calls) GetByRetellID(ctx context.Context, callID string) (Call, error) {
	cid, err := companyID(ctx)
	if err != nil {
		return Call{}, err
	}
	return r.one(ctx, "retell_call_id = ? AND company_id = ?", callID, cid)
}

func (r *Calls) one(ctx context.Context, where string, args ...any) (Call, error) {
	c, err := scanCall(r.s.db.QueryRowContext(ctx, "SELECT "+callCols+" FROM calls WHERE "+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return Call{}, ErrNotFound
	}
	if err != nil {
		return Call{}, fmt.Errorf("get call: %w", err)
	}
	return c, nil
}

// List returns the context's company's calls, newest first (by start time;
// calls that never started last, then by id). The transcripts are left out
// (Transcript is empty): a list is an overview, [Calls.Get] has the text.
// Errors: tenant.ErrNoTenant.
func (r *Calls) List(ctx context.Context, page Page) ([]Call, error) {
	cid, err := companyID(ctx)
	if err != nil {
		return nil, err
	}
	return queryList(ctx, r.s.db, "list calls", scanCall,
		"SELECT "+callListCols+" FROM calls WHERE company_id = ? ORDER BY started_at DESC, id DESC"+page.sql(), cid)
}

// CountActive counts the calls of every company in progress: status
// "ongoing" (call_started processed, call_ended not yet) and started at or
// after since, or with no start time, so that a call whose call_ended was
// lost stops counting once since passes it. It needs a system context; it
// feeds askproai_active_calls. Errors: ErrNotSystem, the database's.
func (r *Calls) CountActive(ctx context.Context, since time.Time) (int64, error) {
	if !tenant.IsSystem(ctx) {
		return 0, ErrNotSystem
	}
	var n int64
	err := r.s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM calls WHERE status = ? AND (started_at IS NULL OR started_at >= ?)",
		CallOngoing, since.UTC().Truncate(time.Microsecond)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count active calls: %w", err)
	}
	return n, nil
}
