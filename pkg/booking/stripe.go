package booking

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/askproai/askpro/pkg/queue"
	"github.com/askproai/askpro/pkg/store"
	"github.com/askproai/askpro/pkg/tenant"
)

// stripeEvent is the part of a Stripe event the handler reads.
type stripeEvent struct {
	ID      string `json:"id"`
	Type    string `json:"type"`
	Created int64  `json:"created"`
	Data    struct {
		Object stripeObject `json:"object"`
	} `json:"data"`
}

type stripeObject struct {
	ID               string          `json:"id"`
	Object           string          `json:"object"`
	Amount           *int64          `json:"amount"`
	AmountDue        *int64          `json:"amount_due"`
	Currency         string          `json:"currency"`
	FailureCode      string          `json:"failure_code"`
	LastPaymentError json.RawMessage `json:"last_payment_error"`
	Metadata         json.RawMessage `json:"metadata"`
}

var stripeOutcome = map[string]string{
	"payment_intent.succeeded": store.PaymentSucceeded,
	"charge.failed":            store.PaymentFailed,
	"invoice.payment_failed":   store.PaymentFailed,
}

// Stripe processes a Stripe payment event (payment_intent.succeeded,
// charge.failed, invoice.payment_failed): the object (data.object) is merged
// into payments by its id (see [store.Payments.Merge]) with its amount
// (amount; amount_due for an invoice), currency, the event's outcome as
// status (succeeded or failed) and the failure code (failure_code, else
// last_payment_error.code).
//
// The company is data.object.metadata.company_id (a string or a number),
// which must name an existing company; without it the payment is stored
// with no company (company_id NULL), as the fixtures' payments are: Stripe
// knows nothing of askpro's tenants unless whoever created the object put
// the id there. An existing company named there becomes the event's
// ([queue.Job.SetCompany]); the Inbox usually stored it at ingestion
// already. Errors: PAYLOAD_INVALID (not JSON, no object id, no
// currency), TENANT_UNRESOLVED (metadata.company_id is not a company).
func (h *Handlers) Stripe(ctx context.Context, tx *sql.Tx, job *queue.Job) error {
	var ev stripeEvent
	if err := json.Unmarshal(job.Payload, &ev); err != nil {
		return h.permanent(ctx, job, CodePayloadInvalid, "stripe %s: body: %w", job.EventType, err)
	}
	o := &ev.Data.Object
	if o.ID == "" {
		return h.permanent(ctx, job, CodePayloadInvalid, "stripe %s %s: data.object.id is missing", job.EventType, ev.ID)
	}
	if len(o.Currency) != 3 {
		return h.permanent(ctx, job, CodePayloadInvalid, "stripe %s %s: data.object.currency %q is not a currency", job.EventType, ev.ID, o.Currency)
	}
	status, ok := stripeOutcome[job.EventType]
	if !ok {
		return queue.ErrUnhandled
	}
	st := h.txStore(tx)
	sys := tenant.System(ctx)
	in := store.PaymentEvent{ObjectID: o.ID, EventID: ev.ID, Kind: o.Object, Currency: o.Currency, Status: status, FailureCode: o.FailureCode}
	if in.Kind == "" {
		in.Kind, _, _ = strings.Cut(job.EventType, ".")
	}
	switch {
	case in.Kind == "invoice" && o.AmountDue != nil:
		in.AmountCents = *o.AmountDue
	case o.Amount != nil:
		in.AmountCents = *o.Amount
	case o.AmountDue != nil:
		in.AmountCents = *o.AmountDue
	}
	if in.FailureCode == "" {
		in.FailureCode = errorCode(o.LastPaymentError)
	}
	if ev.Created > 0 {
		in.EventCreatedAt = time.Unix(ev.Created, 0).UTC()
	}
	if named, raw := metadataCompany(o.Metadata); named {
		id, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || id <= 0 {
			return h.permanent(ctx, job, CodeTenantUnresolved, "stripe %s %s: metadata.company_id %q is not a company id", job.EventType, ev.ID, raw)
		}
		exists, err := h.companyExists(ctx, st, id)
		if err != nil {
			return h.storeErr(ctx, job, "find company", err)
		}
		if !exists {
			return h.permanent(ctx, job, CodeTenantUnresolved, "stripe %s %s: metadata.company_id %d names no company", job.EventType, ev.ID, id)
		}
		in.CompanyID = &id
		job.SetCompany(id)
		ctx = tenant.WithCompany(ctx, id)
	}
	if err := st.Payments.Merge(sys, in); err != nil {
		return h.storeErr(ctx, job, "merge payment", err)
	}
	h.log.InfoContext(ctx, "booking: payment merged", "stripe_event_id", ev.ID, "object_id", o.ID, "event_type", job.EventType,
		"status", status, "amount_cents", in.AmountCents, "currency", in.Currency)
	return nil
}

// metadataCompany reads metadata.company_id, a string or a number. named is
// false when metadata is not an object or has no company_id (or an empty
// or null one).
func metadataCompany(raw json.RawMessage) (named bool, id string) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return false, ""
	}
	var m struct {
		CompanyID json.RawMessage `json:"company_id"`
	}
	if json.Unmarshal(raw, &m) != nil {
		return false, ""
	}
	v := bytes.TrimSpace(m.CompanyID)
	if len(v) == 0 || string(v) == "null" || string(v) == `""` {
		return false, ""
	}
	var s string
	if v[0] == '"' {
		if json.Unmarshal(v, &s) != nil {
			return true, string(v)
		}
		return true, strings.TrimSpace(s)
	}
	return true, string(v)
}

func errorCode(raw json.RawMessage) string {
	var e struct {
		Code string `json:"code"`
	}
	if len(raw) == 0 || json.Unmarshal(raw, &e) != nil {
		return ""
	}
	return e.Code
}
