package booking

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"time"

	"github.com/askproai/askpro/internal/logging"
	"github.com/askproai/askpro/pkg/phone"
	"github.com/askproai/askpro/pkg/queue"
	"github.com/askproai/askpro/pkg/store"
	"github.com/askproai/askpro/pkg/tenant"
)

// retellEvent is the part of a Retell webhook body the handler reads.
type retellEvent struct {
	Event               string          `json:"event"`
	Call                retellCall      `json:"call"`
	TransferDestination json.RawMessage `json:"transfer_destination"`
}

type retellCall struct {
	CallID              string          `json:"call_id"`
	AgentID             string          `json:"agent_id"`
	FromNumber          string          `json:"from_number"`
	ToNumber            string          `json:"to_number"`
	Direction           string          `json:"direction"`
	CallStatus          string          `json:"call_status"`
	StartTimestamp      *int64          `json:"start_timestamp"`
	EndTimestamp        *int64          `json:"end_timestamp"`
	DurationMS          *int64          `json:"duration_ms"`
	DisconnectionReason string          `json:"disconnection_reason"`
	Transcript          string          `json:"transcript"`
	CallAnalysis        json.RawMessage `json:"call_analysis"`
}

type retellAnalysis struct {
	CallSummary    string `json:"call_summary"`
	UserSentiment  string `json:"user_sentiment"`
	CallSuccessful *bool  `json:"call_successful"`
}

// retellUtterances is read only when a transcript_updated event carries no
// transcript text: the utterances are rendered as Retell renders
// call.transcript ("Agent: ...\nUser: ...\n").
type retellUtterances struct {
	Call struct {
		WithTools []retellUtterance `json:"transcript_with_tool_calls"`
		Object    []retellUtterance `json:"transcript_object"`
	} `json:"call"`
}

type retellUtterance struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

var lifecycleRank = map[string]int{"call_started": store.RankStarted, "call_ended": store.RankEnded, "call_analyzed": store.RankAnalyzed}

var transferStage = map[string]struct {
	rank    int
	outcome string
}{
	"transfer_started":   {store.TransferStarted, "started"},
	"transfer_bridged":   {store.TransferBridged, "bridged"},
	"transfer_cancelled": {store.TransferDone, "cancelled"},
	"transfer_ended":     {store.TransferDone, "ended"},
}

// Retell processes a Retell call event (call_started, call_ended,
// call_analyzed, transcript_updated, transfer_*): the call is merged into
// calls by its call id (see [store.Calls.Merge]), under the company of the
// branch whose number is the call's to_number (from_number for an outbound
// call), with the caller (from_number inbound, to_number outbound) as the
// company's customer, found or created. The branch's company becomes the
// event's ([queue.Job.SetCompany]) as soon as it is found, so that a later
// failure is the company's to see too. Errors: PAYLOAD_INVALID (not JSON,
// no call id, no number), TENANT_UNRESOLVED (no active branch has the
// number); database errors are returned as they are, to be retried.
func (h *Handlers) Retell(ctx context.Context, tx *sql.Tx, job *queue.Job) error {
	var ev retellEvent
	if err := json.Unmarshal(job.Payload, &ev); err != nil {
		return h.permanent(ctx, job, CodePayloadInvalid, "retell %s: body: %w", job.EventType, err)
	}
	c := &ev.Call
	if c.CallID == "" {
		return h.permanent(ctx, job, CodePayloadInvalid, "retell %s: call.call_id is missing", job.EventType)
	}
	own, caller := c.ToNumber, c.FromNumber
	if strings.EqualFold(c.Direction, "outbound") {
		own, caller = c.FromNumber, c.ToNumber
	}
	if strings.TrimSpace(own) == "" {
		return h.permanent(ctx, job, CodePayloadInvalid, "retell %s: call %s has no branch number (to_number inbound, from_number outbound)", job.EventType, c.CallID)
	}
	ownE164 := h.normalize(own)
	if ownE164 == "" {
		return h.permanent(ctx, job, CodeTenantUnresolved, "retell %s: call %s: %s is not a valid phone number", job.EventType, c.CallID, phone.Mask(own))
	}
	st := h.txStore(tx)
	br, ok, err := h.branchFor(ctx, st, ownE164)
	if err != nil {
		return h.storeErr(ctx, job, "find branch", err)
	}
	if !ok {
		return h.permanent(ctx, job, CodeTenantUnresolved, "retell %s: call %s: no active branch has the number %s", job.EventType, c.CallID, phone.Mask(ownE164))
	}
	job.SetCompany(br.companyID) // the event is the company's, whatever happens next
	ctx = tenant.WithCompany(ctx, br.companyID)
	h.log.DebugContext(ctx, "booking: call's branch", "call_id", c.CallID, "event_type", job.EventType, "company_id", br.companyID, "branch_id", br.id)

	in := store.CallEvent{
		RetellCallID:        c.CallID,
		BranchID:            &br.id,
		AgentID:             c.AgentID,
		Direction:           c.Direction,
		Status:              c.CallStatus,
		StartedAt:           msTime(c.StartTimestamp),
		EndedAt:             msTime(c.EndTimestamp),
		DurationMS:          c.DurationMS,
		DisconnectionReason: c.DisconnectionReason,
		LifecycleRank:       lifecycleRank[job.EventType],
	}
	if in.DurationMS != nil && *in.DurationMS < 0 {
		in.DurationMS = nil
	}
	from, to := h.normalize(c.FromNumber), h.normalize(c.ToNumber)
	in.FromNumber, in.ToNumber = from, to
	callerE164 := from
	if strings.EqualFold(c.Direction, "outbound") {
		callerE164 = to
	}
	if callerE164 != "" {
		id, err := st.Customers.Ensure(ctx, callerE164, "", "")
		if err != nil {
			return h.storeErr(ctx, job, "ensure customer", err)
		}
		in.CustomerID = &id
		h.log.DebugContext(ctx, "booking: call's customer", "call_id", c.CallID, "customer_id", id)
	} else {
		h.log.InfoContext(ctx, "booking: call without a valid caller number, no customer", "call_id", c.CallID, logging.Phone("caller", caller))
	}
	if in.Status == "" {
		in.Status = "ongoing"
		if in.LifecycleRank >= store.RankEnded {
			in.Status = "ended"
		}
	}
	switch {
	case in.LifecycleRank >= store.RankEnded && c.Transcript != "":
		in.Transcript, in.TranscriptRank = c.Transcript, store.TranscriptFinal+int64(in.LifecycleRank)
	case job.EventType == "transcript_updated":
		in.Transcript = c.Transcript
		if in.Transcript == "" {
			in.Transcript = renderTranscript(job.Payload)
		}
		in.TranscriptRank = min(int64(len(in.Transcript)), store.TranscriptFinal-1)
	}
	if len(c.CallAnalysis) > 0 && !bytes.Equal(c.CallAnalysis, []byte("null")) {
		var a retellAnalysis
		if err := json.Unmarshal(c.CallAnalysis, &a); err == nil {
			in.Summary, in.Sentiment, in.Successful = a.CallSummary, a.UserSentiment, a.CallSuccessful
			in.Analysis = c.CallAnalysis
		}
	}
	if stage, ok := transferStage[job.EventType]; ok {
		in.TransferRank, in.TransferOutcome = stage.rank, stage.outcome
		if d := transferNumber(ev.TransferDestination); d != "" {
			if in.TransferDestination = h.normalize(d); in.TransferDestination == "" {
				h.log.InfoContext(ctx, "booking: transfer destination is not a phone number, not recorded", "call_id", c.CallID)
			}
		}
	}
	if err := st.Calls.Merge(ctx, in); err != nil {
		return h.storeErr(ctx, job, "merge call", err)
	}
	h.log.InfoContext(ctx, "booking: call merged", "call_id", c.CallID, "event_type", job.EventType, "company_id", br.companyID,
		"branch_id", br.id, "status", in.Status, logging.Phone("from", from), logging.Phone("to", to))
	return nil
}

func msTime(ms *int64) *time.Time {
	if ms == nil || *ms <= 0 {
		return nil
	}
	t := time.UnixMilli(*ms).UTC()
	return &t
}

// transferNumber reads transfer_destination: {"number": "..."} as Retell's
// docs show it, or a plain string.
func transferNumber(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return ""
	}
	var s string
	if raw[0] == '"' {
		if json.Unmarshal(raw, &s) == nil {
			return s
		}
		return ""
	}
	var d struct {
		Number string `json:"number"`
	}
	if json.Unmarshal(raw, &d) == nil {
		return d.Number
	}
	return ""
}

// renderTranscript builds the transcript text from the utterances of a
// transcript_updated body, keeping the agent's and the caller's lines.
func renderTranscript(body []byte) string {
	var u retellUtterances
	if json.Unmarshal(body, &u) != nil {
		return ""
	}
	list := u.Call.WithTools
	if len(list) == 0 {
		list = u.Call.Object
	}
	var b strings.Builder
	for _, x := range list {
		switch x.Role {
		case "agent":
			b.WriteString("Agent: ")
		case "user":
			b.WriteString("User: ")
		default:
			continue
		}
		b.WriteString(x.Content)
		b.WriteByte('\n')
	}
	return b.String()
}
