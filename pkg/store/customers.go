package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/askproai/askpro/pkg/phone"
)

// Customer is a caller of a company, known by phone number.
type Customer struct {
	ID          int64        `json:"id"`
	CompanyID   int64        `json:"company_id"`
	Name        string       `json:"name,omitempty"`
	PhoneNumber phone.Number `json:"phone_number"`
	Email       string       `json:"email,omitempty"`
	CreatedAt   time.Time    `json:"created_at"`
	UpdatedAt   time.Time    `json:"updated_at"`
}

// NewCustomer is the input of [Customers.Create] and [Customers.FindOrCreate].
type NewCustomer struct {
	Name        string
	PhoneNumber string // any form pkg/phone accepts; stored as E.164
	Email       string
}

// CustomerPatch changes the non-nil fields of a customer.
type CustomerPatch struct {
	Name        *string
	PhoneNumber *string
	Email       *string
}

// Customers is the repository of customers, scoped by the context's company.
type Customers struct{ s *Store }

const customerCols = "id, company_id, name, phone_number, email, created_at, updated_at"

func scanCustomer(row scanner) (Customer, error) {
	var c Customer
	var name, email sql.NullString
	var num string
	err := row.Scan(&c.ID, &c.CompanyID, &name, &num, &email, &c.CreatedAt, &c.UpdatedAt)
	c.Name, c.Email, c.PhoneNumber = name.String, email.String, phone.Number(num)
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	return c, err
}

func checkEmail(v string) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", nil
	}
	a, err := mail.ParseAddress(v)
	if err != nil || a.Address != v {
		return "", invalid("email", "%q is not an e-mail address", v)
	}
	return v, nil
}

func (r *Customers) check(in NewCustomer) (NewCustomer, error) {
	num, err := r.s.normalizePhone("phone_number", in.PhoneNumber)
	if err != nil {
		return in, err
	}
	in.PhoneNumber = num
	in.Name = strings.TrimSpace(in.Name)
	if len(in.Name) > 255 {
		return in, invalid("name", "longer than 255 characters")
	}
	if in.Email, err = checkEmail(in.Email); err != nil {
		return in, err
	}
	return in, nil
}

// Create adds a customer to the context's company. The number is normalized
// to E.164; an invalid one refuses the write and nothing is written. Errors:
// *ValidationError, ErrConflict (the company has a customer with that
// number), tenant.ErrNoTenant.
func (r *Customers) Create(ctx context.Context, in NewCustomer) (Customer, error) {
	cid, err := companyID(ctx)
	if err != nil {
		return Customer{}, err
	}
	if in, err = r.check(in); err != nil {
		return Customer{}, err
	}
	now := r.s.nowUTC()
	res, err := r.s.w.ExecContext(ctx,
		"INSERT INTO customers (company_id, name, phone_number, email, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
		cid, nullString(in.Name), in.PhoneNumber, nullString(in.Email), now, now)
	if err != nil {
		return Customer{}, fmt.Errorf("create customer: %w", mapWriteErr(err, "a customer with number "+phone.Mask(in.PhoneNumber)+" exists"))
	}
	id, err := res.LastInsertId()
	if err != nil {
		return Customer{}, fmt.Errorf("create customer: %w", err)
	}
	return r.Get(ctx, id)
}

// FindOrCreate returns the company's customer with the given number, creating
// it when there is none. Concurrent calls for one number return one customer.
func (r *Customers) FindOrCreate(ctx context.Context, in NewCustomer) (Customer, error) {
	if _, err := companyID(ctx); err != nil {
		return Customer{}, err
	}
	in, err := r.check(in)
	if err != nil {
		return Customer{}, err
	}
	c, err := r.GetByPhone(ctx, in.PhoneNumber)
	if err == nil || !errors.Is(err, ErrNotFound) {
		return c, err
	}
	c, err = r.Create(ctx, in)
	if errors.Is(err, ErrConflict) {
		return r.GetByPhone(ctx, in.PhoneNumber)
	}
	return c, err
}

// Get returns a customer of the context's company.
func (r *Customers) Get(ctx context.Context, id int64) (Customer, error) {
	cid, err := companyID(ctx)
	if err != nil {
		return Customer{}, err
	}
	return r.one(ctx, "id = ? AND company_id = ?", id, cid)
}

// GetByPhone returns the context's company's customer with that number
// (normalized first).
func (r *Customers) GetByPhone(ctx context.Context, number string) (Customer, error) {
	cid, err := companyID(ctx)
	if err != nil {
		return Customer{}, err
	}
	num, err := r.s.normalizePhone("phone_number", number)
	if err != nil {
		return Customer{}, err
	}
	return r.one(ctx, "company_id = ? AND phone_number = ?", cid, num)
}

func (r *Customers) one(ctx context.Context, where string, args ...any) (Customer, error) {
	c, err := scanCustomer(r.s.db.QueryRowContext(ctx, "SELECT "+customerCols+" FROM customers WHERE "+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return Customer{}, ErrNotFound
	}
	if err != nil {
		return Customer{}, fmt.Errorf("get customer: %w", err)
	}
	return c, nil
}

// List returns the context's company's customers ordered by id.
func (r *Customers) List(ctx context.Context, page Page) ([]Customer, error) {
	cid, err := companyID(ctx)
	if err != nil {
		return nil, err
	}
	return queryList(ctx, r.s.db, "list customers", scanCustomer,
		"SELECT "+customerCols+" FROM customers WHERE company_id = ? ORDER BY id"+page.sql(), cid)
}

// Update changes the patch's non-nil fields of a customer of the context's
// company. A new number is normalized like in Create.
func (r *Customers) Update(ctx context.Context, id int64, p CustomerPatch) (Customer, error) {
	cid, err := companyID(ctx)
	if err != nil {
		return Customer{}, err
	}
	var cols []string
	var args []any
	add := func(c string, v any) { cols, args = append(cols, c), append(args, v) }
	if p.Name != nil {
		add("name", nullString(strings.TrimSpace(*p.Name)))
	}
	if p.PhoneNumber != nil {
		num, err := r.s.normalizePhone("phone_number", *p.PhoneNumber)
		if err != nil {
			return Customer{}, err
		}
		add("phone_number", num)
	}
	if p.Email != nil {
		e, err := checkEmail(*p.Email)
		if err != nil {
			return Customer{}, err
		}
		add("email", nullString(e))
	}
	if _, err := r.Get(ctx, id); err != nil {
		return Customer{}, err
	}
	if len(cols) > 0 {
		add("updated_at", r.s.nowUTC())
		if _, err := r.s.w.ExecContext(ctx, "UPDATE customers SET "+setClause(cols)+" WHERE id = ? AND company_id = ?", append(args, id, cid)...); err != nil {
			return Customer{}, fmt.Errorf("update customer %d: %w", id, mapWriteErr(err, "another customer has that number"))
		}
	}
	return r.Get(ctx, id)
}

// Ensure returns the id of the context's company's customer with the given
// number, creating the customer when there is none, in one statement. A name
// or e-mail given fills the stored one when that is empty and never
// replaces it; an e-mail that is not an address is ignored (the number is
// what identifies a caller). Concurrent calls for one number get one
// customer. Errors: *ValidationError (an invalid number), tenant.ErrNoTenant.
func (r *Customers) Ensure(ctx context.Context, number, name, email string) (int64, error) {
	cid, err := companyID(ctx)
	if err != nil {
		return 0, err
	}
	num, err := r.s.normalizePhone("phone_number", number)
	if err != nil {
		return 0, err
	}
	name = strings.TrimSpace(name)
	if utf8.RuneCountInString(name) > 255 {
		name = string([]rune(name)[:255])
	}
	if email, err = checkEmail(email); err != nil || len(email) > 255 {
		email = ""
	}
	now := r.s.nowUTC()
	args := []any{cid, nullString(name), num, nullString(email), now, now}
	const insert = "INSERT INTO customers (company_id, name, phone_number, email, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) "
	var id int64
	if r.s.dialect == "mysql" {
		res, err := r.s.w.ExecContext(ctx, insert+
			"ON DUPLICATE KEY UPDATE name = COALESCE(name, VALUES(name)), email = COALESCE(email, VALUES(email)), id = LAST_INSERT_ID(id)", args...)
		if err == nil {
			id, err = res.LastInsertId()
		}
		if err != nil {
			return 0, fmt.Errorf("ensure customer: %w", err)
		}
		return id, nil
	}
	err = r.s.w.QueryRowContext(ctx, insert+"ON CONFLICT (company_id, phone_number) DO UPDATE SET "+
		"name = COALESCE(customers.name, excluded.name), email = COALESCE(customers.email, excluded.email) RETURNING id", args...).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("ensure customer: %w", err)
	}
	return id, nil
}
