package cmdutil_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/internal/cmdutil/cmdutiltest"
	"github.com/askproai/askpro/internal/iostreams"
	"github.com/askproai/askpro/internal/testenv"
	"github.com/askproai/askpro/pkg/provision"
	"github.com/askproai/askpro/pkg/store"
	"github.com/askproai/askpro/pkg/tenant"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func readyBranch() provision.BranchData {
	et := int64(4711)
	return provision.BranchData{
		Company: store.Company{ID: 7, IsActive: true},
		Branch: store.Branch{ID: 3, CompanyID: 7, Name: "Mitte", PhoneNumber: "+493012345678", Address: "Torstraße 1",
			Language: "de-DE", TransferNumber: "+4915112345678", IsActive: true},
		Services: []store.Service{{ID: 1, Name: "Schnitt", Type: "haircut", CalcomEventTypeID: &et, IsActive: true}},
		Hours:    []store.Hours{{Weekday: 1, Opens: "09:00", Closes: "18:00"}},
	}
}

func errorCodes(r provision.Report) []provision.Code {
	var out []provision.Code
	for _, is := range r.Errors {
		out = append(out, is.Code)
	}
	return out
}

func TestFactoryValidator(t *testing.T) {
	t.Parallel()
	newFactory := func(env ...string) *cmdutil.Factory {
		ios, _, _, _ := iostreams.Test()
		f := cmdutil.New(ios, "test")
		f.Environ = env
		return f
	}
	ctx := context.Background()

	// Without retell.api_key the default Retell hook says "not
	// configured" (an untyped nil); no Cal.com hook is set.
	f := newFactory("ASKPRO_HTTP_PUBLIC_URL=https://askpro.example.com")
	p, err := f.RetellPinger()
	require.NoError(t, err)
	assert.Nil(t, p)
	f.Calendar = nil
	v, err := f.Validator(ctx)
	require.NoError(t, err)
	assert.Equal(t, []provision.Code{provision.CodeRetellUnreachable, provision.CodeCalcomUnreachable}, errorCodes(v.Validate(ctx, readyBranch())),
		"http.public_url comes from the configuration")

	// Hooks set after New are used.
	calendarFor := int64(0)
	f.RetellPinger = func() (provision.Pinger, error) {
		return provision.PingerFunc(func(context.Context) error { return nil }), nil
	}
	f.Calendar = func(_ context.Context, c store.Company) (provision.Calendar, error) {
		calendarFor = c.ID
		return provision.CalendarFunc(func(context.Context) ([]int64, error) { return []int64{4711}, nil }), nil
	}
	v, err = f.Validator(ctx)
	require.NoError(t, err)
	r := v.Validate(ctx, readyBranch())
	assert.True(t, r.Ready, "errors: %v", r.Errors)
	assert.Equal(t, int64(7), calendarFor)

	// A Retell hook that fails fails the build.
	boom := errors.New("retell: bad base url")
	f.RetellPinger = func() (provision.Pinger, error) { return nil, boom }
	_, err = f.Validator(ctx)
	assert.ErrorIs(t, err, boom)

	// Without a public URL the report says so; a bad one is a configuration error.
	v, err = newFactory().Validator(ctx)
	require.NoError(t, err)
	assert.Contains(t, errorCodes(v.Validate(ctx, readyBranch())), provision.CodePublicURLMissing)
	_, err = newFactory("ASKPRO_HTTP_PUBLIC_URL=askpro.example.com").Validator(ctx)
	assert.Equal(t, cmdutil.ExitUsage, cmdutil.ExitCode(err))
}

func TestInvalidatePhone(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	// Without Redis there is no shared cache, and nothing is opened.
	ios, _, _, _ := iostreams.Test()
	f := cmdutil.New(ios, "test")
	f.Environ = []string{}
	f.Store = func(context.Context) (*store.Store, error) {
		t.Error("the store was opened")
		return nil, errors.New("no store")
	}
	require.NoError(t, f.InvalidatePhone(ctx, "+493012345678"))

	// With Redis the number's mapping is dropped for every process.
	url := testenv.RedisURL(t)
	b := cmdutiltest.SQLite(t)
	b.Factory.Environ = append(b.Factory.Environ, "ASKPRO_REDIS_URL="+url)
	st, err := b.Factory.Store(ctx)
	require.NoError(t, err)
	sys := tenant.System(ctx)
	c, err := st.Companies.Create(sys, store.NewCompany{Name: "Salon", Subdomain: "salon-invalidate"})
	require.NoError(t, err)
	// A number of its own, so no earlier run's cache entry answers for it.
	number := fmt.Sprintf("+49309%07d", rand.IntN(10_000_000))
	_, err = st.Branches.Create(tenant.WithCompany(ctx, c.ID), store.NewBranch{Name: "Mitte", PhoneNumber: number})
	require.NoError(t, err)

	opts, err := redis.ParseURL(url)
	require.NoError(t, err)
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { _ = rdb.Close() })
	loads := 0
	cache, err := tenant.NewCache(tenant.CacheConfig{Companies: st.Companies, Redis: rdb,
		Phones: tenant.PhoneSourceFunc(func(ctx context.Context, n string) (int64, error) {
			loads++
			return st.Branches.CompanyByPhone(ctx, n)
		})})
	require.NoError(t, err)
	for range 2 {
		id, err := cache.CompanyByPhone(sys, number)
		require.NoError(t, err)
		assert.Equal(t, c.ID, id)
	}
	require.Equal(t, 1, loads, "the second lookup is cached")
	require.NoError(t, b.Factory.InvalidatePhone(ctx, number))
	_, err = cache.CompanyByPhone(sys, number)
	require.NoError(t, err)
	assert.Equal(t, 2, loads, "after the invalidation the number is looked up again")
}
