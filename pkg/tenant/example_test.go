package tenant_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/askproai/askpro/pkg/tenant"
)

// In askpro the sources are pkg/store's Companies and Branches; here they
// are functions over a fixed table.
func ExampleChain() {
	companies := tenant.CompanySourceFunc(func(_ context.Context, id int64) (tenant.Status, error) {
		switch id {
		case 1:
			return tenant.Status{Exists: true, Active: true}, nil
		case 2:
			return tenant.Status{Exists: true, Active: false}, nil
		}
		return tenant.Status{}, nil
	})
	subdomains := tenant.SubdomainSourceFunc(func(_ context.Context, label string) (int64, error) {
		if label == "salon-x" {
			return 1, nil
		}
		return 0, nil
	})
	cache, _ := tenant.NewCache(tenant.CacheConfig{Companies: companies, Subdomains: subdomains})
	chain := tenant.MustNewChain(tenant.ChainConfig{Companies: cache, BaseDomain: "askpro.example", Subdomains: cache})
	fmt.Println(chain.Names())

	r := httptest.NewRequest(http.MethodGet, "http://salon-x.askpro.example/", nil)
	ctx, err := chain.Resolve(r.Context(), tenant.Input{Request: r})
	id, _ := tenant.CompanyID(ctx)
	fmt.Println(id, err)

	key := tenant.WithPrincipal(context.Background(), tenant.Principal{KeyID: 7, CompanyID: 2})
	_, err = chain.Resolve(key, tenant.Input{Request: r})
	fmt.Println(errors.Is(err, tenant.ErrInactiveCompany), tenant.StatusCode(err))
	fmt.Println(err)
	// Output:
	// [explicit apikey header subdomain]
	// 1 <nil>
	// true 403
	// tenant: resolve company: company is inactive (tried: explicit: no opinion, apikey: company 2)
}

func ExampleChain_Middleware() {
	companies := tenant.CompanySourceFunc(func(context.Context, int64) (tenant.Status, error) {
		return tenant.Status{Exists: true, Active: true}, nil
	})
	chain := tenant.MustNewChain(tenant.ChainConfig{Companies: companies})
	h := chain.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id, ok := tenant.FromContext(r.Context()); ok {
			fmt.Fprintf(w, "company %d", id)
			return
		}
		http.Error(w, "tenant_required", http.StatusBadRequest) // the handler decides
	}))
	for _, p := range []tenant.Principal{{KeyID: 1, CompanyID: 5}, {KeyID: 2}} {
		r := httptest.NewRequest(http.MethodGet, "/api/v1/calls", nil)
		r = r.WithContext(tenant.WithPrincipal(r.Context(), p))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		fmt.Println(w.Code, w.Body.String())
	}
	// Output:
	// 200 company 5
	// 400 tenant_required
}
