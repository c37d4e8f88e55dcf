package cmdutiltest

import (
	"context"

	"github.com/askproai/askpro/pkg/store"
	"github.com/askproai/askpro/pkg/tenant"
)

// OnlyCompany is a [cmdutil.CompanyGetter] that knows one company, this
// id, and answers ErrNotFound for any other. Like the store's
// command-side lookup it must be asked under a system context; otherwise
// it panics, so a test catches a command that looks a company up as a
// tenant.
type OnlyCompany int64

// Get returns store.Company{ID: id} for the known id.
func (c OnlyCompany) Get(ctx context.Context, id int64) (store.Company, error) {
	if !tenant.IsSystem(ctx) {
		panic("company lookup outside a system context")
	}
	if id == int64(c) {
		return store.Company{ID: id}, nil
	}
	return store.Company{}, store.ErrNotFound
}

// Lister fakes a repository's List (calls, appointments, customers, the
// audit log): List runs Fn, and panics when Fn is unset, so a test states
// every call it expects.
type Lister[T any] struct {
	Fn func(ctx context.Context, page store.Page) ([]T, error)
}

// List calls l.Fn.
func (l Lister[T]) List(ctx context.Context, page store.Page) ([]T, error) {
	if l.Fn == nil {
		panic("List called")
	}
	return l.Fn(ctx, page)
}
