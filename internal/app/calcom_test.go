package app_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/askproai/askpro/internal/app"
	"github.com/askproai/askpro/internal/dbtest"
	"github.com/askproai/askpro/pkg/calcom/calcomtest"
	"github.com/askproai/askpro/pkg/pool"
	"github.com/askproai/askpro/pkg/secrets"
	"github.com/askproai/askpro/pkg/store"
	"github.com/askproai/askpro/pkg/tenant"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCalcomAccounts checks whose Cal.com account each company uses: its
// own sealed key and base URL (cal.eu, say), else the platform's; a key
// change takes effect on the next call.
func TestCalcomAccounts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p, err := pool.Open(ctx, dbtest.SQLite(t), pool.Config{MinConns: -1, HealthInterval: -1, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	t.Cleanup(func() { _ = p.Close() })
	st, err := store.New(store.Config{DB: p.DB(), Writer: p.Writer(), Dialect: string(p.Dialect())})
	require.NoError(t, err)
	sys := tenant.System(ctx)

	platform := calcomtest.NewServer(calcomtest.Config{})
	t.Cleanup(platform.Close)
	platform.AddAPIKey("cal_live_platform")
	platform.AddEventType(calcomtest.EventType{ID: 100, OwnerKey: "cal_live_platform"})
	eu := calcomtest.NewServer(calcomtest.Config{})
	t.Cleanup(eu.Close)
	eu.AddAPIKey("cal_live_own")
	eu.AddAPIKey("cal_live_rotated")
	eu.AddEventType(calcomtest.EventType{ID: 200, OwnerKey: "cal_live_own"})
	eu.AddEventType(calcomtest.EventType{ID: 300, OwnerKey: "cal_live_rotated"})

	own, err := st.Companies.Create(sys, store.NewCompany{Name: "Eigene", Subdomain: "eigene"})
	require.NoError(t, err)
	shared, err := st.Companies.Create(sys, store.NewCompany{Name: "Geteilt", Subdomain: "geteilt"})
	require.NoError(t, err)
	ring, err := secrets.NewKeyring(fixedKey(7))
	require.NoError(t, err)
	seal := func(id int64, key string) {
		sealed, err := ring.Seal([]byte(key), store.CalcomKeyAAD(id))
		require.NoError(t, err)
		require.NoError(t, st.Companies.SetCalcomAPIKey(sys, id, sealed))
	}
	seal(own.ID, "cal_live_own")
	base := eu.URL
	_, err = st.Companies.Update(sys, own.ID, store.CompanyPatch{CalcomBaseURL: &base})
	require.NoError(t, err)

	cfg := testConfig(t)
	cfg.Calcom.BaseURL, cfg.Calcom.APIKey = platform.URL, "cal_live_platform"
	accounts, err := app.NewCalcomAccounts(cfg, st.Companies, ring, nil, nil)
	require.NoError(t, err)
	clock := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	app.SetAccountsClock(accounts, func() time.Time { return clock })

	ids, err := accounts.EventTypeIDs(ctx, own.ID)
	require.NoError(t, err)
	assert.Equal(t, []int64{200}, ids, "its own key, on its own host")
	ids, err = accounts.EventTypeIDs(ctx, shared.ID)
	require.NoError(t, err)
	assert.Equal(t, []int64{100}, ids, "the platform account")

	seal(own.ID, "cal_live_rotated")
	clock = clock.Add(app.AccountRecheck - time.Millisecond)
	ids, err = accounts.EventTypeIDs(ctx, own.ID)
	require.NoError(t, err)
	assert.Equal(t, []int64{200}, ids, "the account is not read again within AccountRecheck")
	clock = clock.Add(time.Millisecond)
	ids, err = accounts.EventTypeIDs(ctx, own.ID)
	require.NoError(t, err)
	assert.Equal(t, []int64{300}, ids, "a new key is used once AccountRecheck has passed")

	cfg.Calcom.APIKey = ""
	none, err := app.NewCalcomAccounts(cfg, st.Companies, ring, nil, nil)
	require.NoError(t, err)
	_, err = none.For(ctx, shared.ID)
	require.ErrorIs(t, err, app.ErrNoCalcomAccount)
	noRing, err := app.NewCalcomAccounts(cfg, st.Companies, nil, nil, nil)
	require.NoError(t, err)
	_, err = noRing.For(ctx, own.ID)
	require.ErrorContains(t, err, "security.encryption_key is not set")
}
