package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/askproai/askpro/pkg/tenant"
)

// Payment outcomes, as the Stripe events tell them.
const (
	PaymentSucceeded = "succeeded"
	PaymentFailed    = "failed"
)

// Payment is one Stripe object (a payment intent, a charge, an invoice) as
// its webhook events describe it.
type Payment struct {
	ID             int64     `json:"id"`
	CompanyID      *int64    `json:"company_id"` // nil: the event named no company
	StripeObjectID string    `json:"stripe_object_id"`
	StripeEventID  string    `json:"stripe_event_id,omitempty"` // the event the row's status came from
	Kind           string    `json:"kind"`                      // the object's type: payment_intent, charge, invoice
	AmountCents    int64     `json:"amount_cents"`
	Currency       string    `json:"currency"`
	Status         string    `json:"status"` // PaymentSucceeded or PaymentFailed
	FailureCode    string    `json:"failure_code,omitempty"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// Payments is the repository of payments. A company's context sees its own;
// a system context sees all, those with no company included.
type Payments struct{ s *Store }

const paymentCols = "id, company_id, stripe_object_id, stripe_event_id, kind, amount_cents, currency, status, failure_code, created_at, updated_at"

func scanPayment(row scanner) (Payment, error) {
	var p Payment
	var cid sql.NullInt64
	var evt, code sql.NullString
	err := row.Scan(&p.ID, &cid, &p.StripeObjectID, &evt, &p.Kind, &p.AmountCents, &p.Currency, &p.Status, &code, &p.CreatedAt, &p.UpdatedAt)
	p.CompanyID, p.StripeEventID, p.FailureCode = ptrInt64(cid), evt.String, code.String
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	return p, err
}

// GetByObjectID returns the payment of a Stripe object. A company's context
// finds only its own. Errors: ErrNotFound, tenant.ErrNoTenant.
func (r *Payments) GetByObjectID(ctx context.Context, objectID string) (Payment, error) {
	q, args := "SELECT "+paymentCols+" FROM payments WHERE stripe_object_id = ?", []any{objectID}
	if !tenant.IsSystem(ctx) {
		cid, err := companyID(ctx)
		if err != nil {
			return Payment{}, err
		}
		q, args = q+" AND company_id = ?", append(args, cid)
	}
	p, err := scanPayment(r.s.db.QueryRowContext(ctx, q, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return Payment{}, ErrNotFound
	}
	if err != nil {
		return Payment{}, fmt.Errorf("get payment: %w", err)
	}
	return p, nil
}

// List returns payments, newest first: the company's own for a company's
// context, all of them for a system context. Errors: tenant.ErrNoTenant.
func (r *Payments) List(ctx context.Context, page Page) ([]Payment, error) {
	if tenant.IsSystem(ctx) {
		return queryList(ctx, r.s.db, "list payments", scanPayment,
			"SELECT "+paymentCols+" FROM payments ORDER BY id DESC"+page.sql())
	}
	cid, err := companyID(ctx)
	if err != nil {
		return nil, err
	}
	return queryList(ctx, r.s.db, "list payments", scanPayment,
		"SELECT "+paymentCols+" FROM payments WHERE company_id = ? ORDER BY id DESC"+page.sql(), cid)
}
