package tenant_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/askproai/askpro/pkg/tenant"
)

func TestSubdomainOf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, host, base string
		want             string
		ok               bool
	}{
		{"label", "salon-x.askpro.example", baseDomain, "salon-x", true},
		{"port and case", "Salon-X.AskPro.example:8443", baseDomain, "salon-x", true},
		{"trailing dot", "salon-x.askpro.example.", baseDomain, "salon-x", true},
		{"base with dots", "salon-x.askpro.example", ".askpro.example.", "salon-x", true},
		{"base itself", "askpro.example", baseDomain, "", false},
		{"outside", "salon-x.evil.example", baseDomain, "", false},
		{"suffix trick", "salon-xaskpro.example", baseDomain, "", false},
		{"look-alike base", "salon-x.askpro.example.evil.example", baseDomain, "", false},
		{"two labels", "a.salon-x.askpro.example", baseDomain, "", false},
		{"ipv4", "192.0.2.1:8080", baseDomain, "", false},
		{"ipv6", "[2001:db8::1]:443", baseDomain, "", false},
		{"empty", "", baseDomain, "", false},
		{"no base", "salon-x.askpro.example", "", "", false},
		{"bad label", "sa_lon.askpro.example", baseDomain, "", false},
		{"leading dash", "-salon.askpro.example", baseDomain, "", false},
		{"too long", strings.Repeat("a", 64) + ".askpro.example", baseDomain, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := tenant.SubdomainOf(tt.host, tt.base)
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestExplicitAndAPIKey(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	id, err := tenant.Explicit{}.Resolve(ctx, tenant.Input{})
	require.NoError(t, err)
	assert.Zero(t, id, "no company in the context: no opinion")
	id, _ = tenant.Explicit{}.Resolve(tenant.WithCompany(ctx, 5), tenant.Input{})
	assert.Equal(t, int64(5), id)

	id, _ = tenant.APIKey{}.Resolve(ctx, tenant.Input{})
	assert.Zero(t, id, "no principal")
	id, _ = tenant.APIKey{}.Resolve(tenant.WithPrincipal(ctx, tenant.Principal{KeyID: 1}), tenant.Input{})
	assert.Zero(t, id, "an admin key has no company")
	id, _ = tenant.APIKey{}.Resolve(tenant.WithPrincipal(ctx, tenant.Principal{KeyID: 1, CompanyID: 8}), tenant.Input{})
	assert.Equal(t, int64(8), id)
}

func TestAdminHeader(t *testing.T) {
	t.Parallel()
	admin := tenant.WithPrincipal(context.Background(), tenant.Principal{KeyID: 1, Name: "ops", Prefix: "ak_adm"})
	own := tenant.WithPrincipal(context.Background(), tenant.Principal{KeyID: 2, Name: "salon", Prefix: "ak_sal", CompanyID: 3})
	tests := []struct {
		name    string
		ctx     context.Context
		values  []string
		want    int64
		wantErr error
		logged  bool
	}{
		{"no header", own, nil, 0, nil, false},
		{"admin", admin, []string{"42"}, 42, nil, false},
		{"admin spaces", admin, []string{" 42 "}, 42, nil, false},
		{"admin zero", admin, []string{"0"}, 0, tenant.ErrInvalidHeader, false},
		{"admin negative", admin, []string{"-4"}, 0, tenant.ErrInvalidHeader, false},
		{"admin plus", admin, []string{"+4"}, 0, tenant.ErrInvalidHeader, false},
		{"admin text", admin, []string{"4 OR 1=1"}, 0, tenant.ErrInvalidHeader, false},
		{"admin overflow", admin, []string{"99999999999999999999"}, 0, tenant.ErrInvalidHeader, false},
		{"admin twice", admin, []string{"4", "5"}, 0, tenant.ErrInvalidHeader, false},
		{"admin empty", admin, []string{""}, 0, tenant.ErrInvalidHeader, false},
		{"company key", own, []string{"42"}, 0, tenant.ErrForbidden, true},
		{"company key own id", own, []string{"3"}, 0, tenant.ErrForbidden, true},
		{"company key junk", own, []string{"x"}, 0, tenant.ErrForbidden, true},
		{"no key", context.Background(), []string{"42"}, 0, tenant.ErrForbidden, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var logs logBuffer
			h := tenant.AdminHeader{Logger: logs.logger()}
			r := request("api.askpro.example")
			for _, v := range tt.values {
				r.Header.Add("X-Company-ID", v)
			}
			id, err := h.Resolve(tt.ctx, tenant.Input{Request: r})
			assert.ErrorIs(t, err, tt.wantErr)
			if tt.wantErr == nil {
				require.NoError(t, err)
			}
			assert.Equal(t, tt.want, id)
			assert.Equal(t, tt.logged, len(logs.lines(t)) == 1, "a refusal, and only a refusal, is logged once")
		})
	}
}

func TestAdminHeaderSecurityEvent(t *testing.T) {
	t.Parallel()
	var logs logBuffer
	h := tenant.AdminHeader{Logger: logs.logger()}
	ctx := tenant.WithPrincipal(context.Background(), tenant.Principal{KeyID: 17, Name: "salon", Prefix: "ak_live_ab12", CompanyID: 3})
	r := request("api.askpro.example", "X-Company-ID", "4", "Authorization", "Bearer ak_live_ab12SECRETSECRET")
	require.ErrorIs(t, h.Check(ctx, tenant.Input{Request: r}), tenant.ErrForbidden)

	lines := logs.lines(t)
	require.Len(t, lines, 1)
	l := lines[0]
	assert.Equal(t, "WARN", l["level"])
	assert.Equal(t, "security", l["event"])
	assert.Equal(t, float64(17), l["key_id"])
	assert.Equal(t, "ak_live_ab12", l["key_prefix"])
	assert.Equal(t, "4", l["header_value"])
	assert.Equal(t, "203.0.113.9", l["ip"], "the fields of every security event (logging.LogSecurity)")
	assert.Equal(t, "X-Company-ID without platform admin", l["reason"])
	assert.Contains(t, l, "user_agent")
	assert.Equal(t, "/api/v1/calls", l["path"])
	assert.NotContains(t, logs.buf.String(), "SECRET", "the key is never logged")

	t.Run("client ip hook and bounded value", func(t *testing.T) {
		t.Parallel()
		var logs logBuffer
		h := tenant.AdminHeader{Logger: logs.logger(), ClientIP: func(*http.Request) string { return "198.51.100.7" }}
		r := request("api.askpro.example", "X-Company-ID", strings.Repeat("9", 500)+"\xff")
		require.ErrorIs(t, h.Check(context.Background(), tenant.Input{Request: r}), tenant.ErrForbidden)
		l := logs.lines(t)[0]
		assert.Equal(t, "198.51.100.7", l["ip"])
		assert.Equal(t, "none", l["key_id"])
		assert.LessOrEqual(t, len(l["header_value"].(string)), 64)
	})
}

func TestSubdomainAndCalledNumber(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, b *testBundle) {
		salon := b.company(t, "salon-x", "+493012345678")
		cache, err := tenant.NewCache(b.sources())
		require.NoError(t, err)
		ctx := context.Background()

		sub := tenant.Subdomain{BaseDomain: baseDomain, Source: cache}
		id, err := sub.Resolve(ctx, tenant.Input{Request: request("salon-x.askpro.example")})
		require.NoError(t, err)
		assert.Equal(t, salon, id)
		for _, host := range []string{"www.askpro.example", "api.askpro.example", "askpro.example", "salon-x.other.example", "127.0.0.1"} {
			id, err := sub.Resolve(ctx, tenant.Input{Request: request(host)})
			require.NoError(t, err, host)
			assert.Zero(t, id, host)
		}
		id, err = sub.Resolve(ctx, tenant.Input{})
		require.NoError(t, err)
		assert.Zero(t, id, "no request")
		_, err = sub.Resolve(ctx, tenant.Input{Request: request("salon-y.askpro.example")})
		assert.ErrorIs(t, err, tenant.ErrUnknownCompany)
		_, err = tenant.Subdomain{BaseDomain: baseDomain}.Resolve(ctx, tenant.Input{Request: request("salon-x.askpro.example")})
		assert.Error(t, err, "no Source is a configuration error")

		num := tenant.CalledNumber{Source: cache}
		id, err = num.Resolve(ctx, tenant.Input{CalledNumber: "+493012345678"})
		require.NoError(t, err)
		assert.Equal(t, salon, id)
		id, err = num.Resolve(ctx, tenant.Input{})
		require.NoError(t, err)
		assert.Zero(t, id)
		_, err = num.Resolve(ctx, tenant.Input{CalledNumber: "+493099999999"})
		assert.ErrorIs(t, err, tenant.ErrUnknownCompany)
		assert.NotContains(t, err.Error(), "3099999999", "the number is masked in the error")
		_, err = num.Resolve(ctx, tenant.Input{CalledNumber: "not a number"})
		assert.ErrorIs(t, err, tenant.ErrUnknownCompany)
	})
}

func TestChainOrder(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, b *testBundle) {
		explicit := b.company(t, "explicit", "")
		keyCo := b.company(t, "keyco", "")
		headerCo := b.company(t, "headerco", "")
		subCo := b.company(t, "subco", "")
		phoneCo := b.company(t, "phoneco", "+493012345678")
		cache, err := tenant.NewCache(b.sources())
		require.NoError(t, err)
		chain, err := tenant.NewChain(tenant.ChainConfig{Companies: cache, BaseDomain: baseDomain,
			Subdomains: cache, Phones: cache})
		require.NoError(t, err)
		require.Equal(t, []string{"explicit", "apikey", "header", "subdomain", "phone"}, chain.Names())

		companyKey := tenant.Principal{KeyID: 1, Prefix: "ak_co", CompanyID: keyCo}
		adminKey := tenant.Principal{KeyID: 2, Prefix: "ak_adm"}
		tests := []struct {
			name      string
			explicit  int64
			principal *tenant.Principal
			header    bool
			want      int64
			tried     int
		}{
			{"explicit wins", explicit, &companyKey, false, explicit, 1},
			{"explicit wins over admin header", explicit, &adminKey, true, explicit, 1},
			{"api key wins", 0, &companyKey, false, keyCo, 2},
			{"admin header wins", 0, &adminKey, true, headerCo, 3},
			{"subdomain wins", 0, &adminKey, false, subCo, 4},
			{"subdomain wins without key", 0, nil, false, subCo, 4},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				ctx := context.Background()
				if tt.explicit != 0 {
					ctx = tenant.WithCompany(ctx, tt.explicit)
				}
				if tt.principal != nil {
					ctx = tenant.WithPrincipal(ctx, *tt.principal)
				}
				r := request("subco.askpro.example")
				if tt.header {
					r.Header.Set("X-Company-ID", fmt.Sprint(headerCo))
				}
				got, err := chain.Resolve(ctx, tenant.Input{Request: r, CalledNumber: "+493012345678"})
				require.NoError(t, err)
				id, err := tenant.CompanyID(got)
				require.NoError(t, err)
				assert.Equal(t, tt.want, id)
			})
		}
		t.Run("phone last", func(t *testing.T) {
			got, err := chain.Resolve(context.Background(), tenant.Input{Request: request("api.askpro.example"),
				CalledNumber: "+493012345678"})
			require.NoError(t, err)
			id, _ := tenant.CompanyID(got)
			assert.Equal(t, phoneCo, id)
			got, err = chain.Resolve(context.Background(), tenant.Input{CalledNumber: "+493012345678"})
			require.NoError(t, err, "no request at all: a worker resolving a call")
			id, _ = tenant.CompanyID(got)
			assert.Equal(t, phoneCo, id)
		})
		t.Run("unresolved says what was tried", func(t *testing.T) {
			ctx := context.Background()
			got, err := chain.Resolve(ctx, tenant.Input{Request: request("api.askpro.example")})
			require.ErrorIs(t, err, tenant.ErrUnresolved)
			assert.Equal(t, ctx, got, "the context is returned unchanged")
			var re *tenant.ResolutionError
			require.True(t, errors.As(err, &re))
			require.Len(t, re.Tried, 5)
			for i, name := range chain.Names() {
				assert.Equal(t, name, re.Tried[i].Resolver)
				assert.Equal(t, "no opinion", re.Tried[i].Outcome())
			}
			assert.Contains(t, err.Error(), "subdomain: no opinion")
		})
		t.Run("a library user reorders and adds", func(t *testing.T) {
			custom := tenant.Named("fixed", tenant.ResolverFunc(func(context.Context, tenant.Input) (int64, error) {
				return phoneCo, nil
			}))
			c, err := tenant.NewChain(tenant.ChainConfig{Companies: cache, Resolvers: []tenant.Resolver{
				tenant.Subdomain{BaseDomain: baseDomain, Source: cache}, custom, tenant.APIKey{}}})
			require.NoError(t, err)
			assert.Equal(t, []string{"subdomain", "fixed", "apikey"}, c.Names())
			ctx := tenant.WithPrincipal(context.Background(), companyKey)
			got, err := c.Resolve(ctx, tenant.Input{Request: request("subco.askpro.example")})
			require.NoError(t, err)
			id, _ := tenant.CompanyID(got)
			assert.Equal(t, subCo, id, "subdomain first now")
			got, err = c.Resolve(ctx, tenant.Input{Request: request("api.askpro.example")})
			require.NoError(t, err)
			id, _ = tenant.CompanyID(got)
			assert.Equal(t, phoneCo, id, "the custom resolver wins over the key")
		})
	})
}

func TestChainRefusals(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, b *testBundle) {
		own := b.company(t, "own", "")
		other := b.company(t, "other", "")
		closed := b.company(t, "closed", "+493055555555")
		b.setActive(t, b.st, closed, false)
		cache, err := tenant.NewCache(b.sources())
		require.NoError(t, err)
		var logs logBuffer
		chain, err := tenant.NewChain(tenant.ChainConfig{Companies: cache, BaseDomain: baseDomain,
			Subdomains: cache, Phones: cache, Logger: logs.logger()})
		require.NoError(t, err)
		companyKey := tenant.WithPrincipal(context.Background(), tenant.Principal{KeyID: 9, Prefix: "ak_own", CompanyID: own})
		adminKey := tenant.WithPrincipal(context.Background(), tenant.Principal{KeyID: 1, Prefix: "ak_adm"})

		t.Run("header from a company key", func(t *testing.T) {
			r := request("own.askpro.example", "X-Company-ID", fmt.Sprint(other))
			got, err := chain.Resolve(companyKey, tenant.Input{Request: r})
			require.ErrorIs(t, err, tenant.ErrForbidden)
			_, ok := tenant.FromContext(got)
			assert.False(t, ok)
			var re *tenant.ResolutionError
			require.True(t, errors.As(err, &re))
			require.Len(t, re.Tried, 1)
			assert.Equal(t, "header", re.Tried[0].Resolver)
			assert.Equal(t, http.StatusForbidden, tenant.StatusCode(err))
			lines := logs.lines(t)
			require.NotEmpty(t, lines)
			last := lines[len(lines)-1]
			assert.Equal(t, "security", last["event"])
			assert.Equal(t, "ak_own", last["key_prefix"])
			assert.Equal(t, fmt.Sprint(other), last["header_value"])
		})
		t.Run("admin may use the header", func(t *testing.T) {
			r := request("own.askpro.example", "X-Company-ID", fmt.Sprint(other))
			got, err := chain.Resolve(adminKey, tenant.Input{Request: r})
			require.NoError(t, err)
			id, _ := tenant.CompanyID(got)
			assert.Equal(t, other, id)
		})
		tests := []struct {
			name    string
			ctx     context.Context
			in      tenant.Input
			wantErr error
			status  int
			company int64
		}{
			{"unknown id from admin", adminKey, tenant.Input{Request: request("api.askpro.example", "X-Company-ID", "999999")},
				tenant.ErrUnknownCompany, 404, 999999},
			{"inactive id from admin", adminKey, tenant.Input{Request: request("api.askpro.example", "X-Company-ID", fmt.Sprint(closed))},
				tenant.ErrInactiveCompany, 403, closed},
			{"invalid header", adminKey, tenant.Input{Request: request("api.askpro.example", "X-Company-ID", "1;DROP")},
				tenant.ErrInvalidHeader, 400, 0},
			{"inactive subdomain", context.Background(), tenant.Input{Request: request("closed.askpro.example")},
				tenant.ErrInactiveCompany, 403, closed},
			{"unknown subdomain", context.Background(), tenant.Input{Request: request("nobody.askpro.example")},
				tenant.ErrUnknownCompany, 404, 0},
			{"inactive number", context.Background(), tenant.Input{CalledNumber: "+493055555555"},
				tenant.ErrInactiveCompany, 403, closed},
			{"key of a deleted company", tenant.WithPrincipal(context.Background(), tenant.Principal{KeyID: 3, CompanyID: 888888}),
				tenant.Input{}, tenant.ErrUnknownCompany, 404, 888888},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := chain.Resolve(tt.ctx, tt.in)
				require.ErrorIs(t, err, tt.wantErr)
				assert.Equal(t, tt.status, tenant.StatusCode(err))
				var re *tenant.ResolutionError
				require.True(t, errors.As(err, &re))
				assert.Equal(t, tt.company, re.CompanyID)
			})
		}
		t.Run("deactivation holds at once after Invalidate", func(t *testing.T) {
			_, err := chain.Resolve(companyKey, tenant.Input{})
			require.NoError(t, err)
			b.setActive(t, b.st, own, false)
			require.NoError(t, cache.Invalidate(context.Background(), own))
			_, err = chain.Resolve(companyKey, tenant.Input{})
			require.ErrorIs(t, err, tenant.ErrInactiveCompany)
			b.setActive(t, b.st, own, true)
			require.NoError(t, cache.Invalidate(context.Background(), own))
			_, err = chain.Resolve(companyKey, tenant.Input{})
			require.NoError(t, err)
		})
	})
}

func TestChainErrors(t *testing.T) {
	t.Parallel()
	_, err := tenant.NewChain(tenant.ChainConfig{})
	assert.Error(t, err, "Companies is required")
	src := tenant.CompanySourceFunc(func(context.Context, int64) (tenant.Status, error) {
		return tenant.Status{}, errors.New("db down")
	})
	_, err = tenant.NewChain(tenant.ChainConfig{Companies: src, Resolvers: []tenant.Resolver{nil}})
	assert.Error(t, err)
	assert.Panics(t, func() { tenant.MustNewChain(tenant.ChainConfig{}) })

	chain := tenant.MustNewChain(tenant.ChainConfig{Companies: src})
	_, err = chain.Resolve(tenant.WithCompany(context.Background(), 4), tenant.Input{})
	require.ErrorContains(t, err, "db down")
	assert.Equal(t, http.StatusInternalServerError, tenant.StatusCode(err))
	assert.Equal(t, "internal error", tenant.Message(err))

	neg := tenant.MustNewChain(tenant.ChainConfig{Companies: src, Resolvers: []tenant.Resolver{
		tenant.ResolverFunc(func(context.Context, tenant.Input) (int64, error) { return -1, nil })}})
	_, err = neg.Resolve(context.Background(), tenant.Input{})
	require.Error(t, err)
	assert.NotErrorIs(t, err, tenant.ErrUnresolved, "a negative id is a resolver bug, not no opinion")
}

func TestMiddleware(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, b *testBundle) {
		own := b.company(t, "own", "")
		cache, err := tenant.NewCache(b.sources())
		require.NoError(t, err)
		var logs logBuffer
		seen := make(chan int64, 1)
		next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			id, _ := tenant.FromContext(r.Context())
			seen <- id
			w.WriteHeader(http.StatusTeapot)
		})
		def := tenant.MustNewChain(tenant.ChainConfig{Companies: cache, BaseDomain: baseDomain, Subdomains: cache,
			Logger: logs.logger()}).Middleware(next)
		custom := tenant.MustNewChain(tenant.ChainConfig{Companies: cache, Logger: logs.logger(),
			OnError: func(w http.ResponseWriter, r *http.Request, err error) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tenant.StatusCode(err))
				fmt.Fprintf(w, `{"error":{"code":"tenant","message":%q}}`, tenant.Message(err))
			}}).Middleware(next)
		key := tenant.Principal{KeyID: 4, Prefix: "ak_own", CompanyID: own}

		serve := func(h http.Handler, r *http.Request, p *tenant.Principal) *httptest.ResponseRecorder {
			if p != nil {
				r = r.WithContext(tenant.WithPrincipal(r.Context(), *p))
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			return w
		}
		w := serve(def, request("api.askpro.example"), &key)
		assert.Equal(t, http.StatusTeapot, w.Code)
		assert.Equal(t, own, <-seen, "the handler sees the key's company")

		w = serve(def, request("api.askpro.example"), nil)
		assert.Equal(t, http.StatusTeapot, w.Code, "unresolved passes through")
		assert.Zero(t, <-seen, "with no tenant")

		w = serve(def, request("own.askpro.example"), nil)
		assert.Equal(t, http.StatusTeapot, w.Code)
		assert.Equal(t, own, <-seen, "the subdomain's company")

		w = serve(def, request("api.askpro.example", "X-Company-ID", "1"), &key)
		assert.Equal(t, http.StatusForbidden, w.Code)
		assert.Contains(t, w.Body.String(), "platform-admin")
		assert.Empty(t, seen, "next does not run")

		w = serve(def, request("nobody.askpro.example"), nil)
		assert.Equal(t, http.StatusNotFound, w.Code)

		w = serve(custom, request("api.askpro.example", "X-Company-ID", "abc"), &tenant.Principal{KeyID: 1})
		assert.Equal(t, http.StatusBadRequest, w.Code)
		assert.JSONEq(t, `{"error":{"code":"tenant","message":"X-Company-ID must be a positive integer"}}`, w.Body.String())
		assert.Empty(t, seen)
	})
}
