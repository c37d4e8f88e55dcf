package app_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/askproai/askpro/internal/app"
	"github.com/askproai/askpro/pkg/config"
	"github.com/askproai/askpro/pkg/pool"
	"github.com/askproai/askpro/pkg/secrets"
	"github.com/askproai/askpro/pkg/store"
	"github.com/askproai/askpro/pkg/tenant"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func fixedKey(b byte) []byte { return bytes.Repeat([]byte{b}, secrets.KeySize) }

func b64(k []byte) string { return base64.StdEncoding.EncodeToString(k) }

// sealCompanyKey creates a company in the database at url and stores a
// Cal.com key sealed under key for it; it returns the company id.
func sealCompanyKey(t *testing.T, url string, key []byte) int64 {
	t.Helper()
	ctx := context.Background()
	p, err := pool.Open(ctx, url, pool.Config{MinConns: -1, HealthInterval: -1, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	defer p.Close()
	st, err := store.New(store.Config{DB: p.DB(), Writer: p.Writer(), Dialect: string(p.Dialect())})
	require.NoError(t, err)
	sys := tenant.System(ctx)
	c, err := st.Companies.Create(sys, store.NewCompany{Name: "Salon", Subdomain: "salon"})
	require.NoError(t, err)
	ring, err := secrets.NewKeyring(key)
	require.NoError(t, err)
	sealed, err := ring.Seal([]byte("cal_live_startup"), store.CalcomKeyAAD(c.ID))
	require.NoError(t, err)
	require.NoError(t, st.Companies.SetCalcomAPIKey(sys, c.ID, sealed))
	return c.ID
}

func TestStartupCheckOfSealedKeys(t *testing.T) {
	t.Parallel()
	oldKey, newKey := fixedKey(1), fixedKey(2)
	opts := func(logs *bytes.Buffer) app.Options {
		return app.Options{Logger: slog.New(slog.NewTextHandler(logs, nil)), NoProcessCollectors: true}
	}

	t.Run("no sealed values need no key", func(t *testing.T) {
		t.Parallel()
		var logs bytes.Buffer
		a, err := app.New(context.Background(), testConfig(t), opts(&logs))
		require.NoError(t, err)
		t.Cleanup(func() { _ = a.Close() })
		assert.False(t, a.Secrets.HasKey())
	})
	t.Run("sealed values and no key", func(t *testing.T) {
		t.Parallel()
		cfg := testConfig(t)
		sealCompanyKey(t, cfg.Database.URL, oldKey)
		var logs bytes.Buffer
		a, err := app.New(context.Background(), cfg, opts(&logs))
		require.Error(t, err)
		assert.Nil(t, a)
		assert.Contains(t, err.Error(), "companies have sealed Cal.com keys but security.encryption_key is not set")
		var ke *config.KeyError
		require.True(t, errors.As(err, &ke), "a configuration error: serve exits 2")
		assert.Equal(t, "security.encryption_key", ke.Key)
	})
	t.Run("the wrong key", func(t *testing.T) {
		t.Parallel()
		cfg := testConfig(t)
		id := sealCompanyKey(t, cfg.Database.URL, oldKey)
		cfg.Security.EncryptionKey = b64(newKey)
		var logs bytes.Buffer
		_, err := app.New(context.Background(), cfg, opts(&logs))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "security.encryption_key does not open the sealed Cal.com key of company "+
			itoa(id)+" (sealed under key id "+secrets.KeyID(oldKey)+")")
		assert.NotContains(t, err.Error(), "cal_live_startup")
		var ke *config.KeyError
		assert.True(t, errors.As(err, &ke))
	})
	t.Run("the old key as a previous key opens, with a reminder to rotate", func(t *testing.T) {
		t.Parallel()
		cfg := testConfig(t)
		id := sealCompanyKey(t, cfg.Database.URL, oldKey)
		cfg.Security.EncryptionKey = b64(newKey)
		cfg.Security.PreviousEncryptionKeys = []string{b64(oldKey)}
		var logs bytes.Buffer
		a, err := app.New(context.Background(), cfg, opts(&logs))
		require.NoError(t, err)
		t.Cleanup(func() { _ = a.Close() })
		assert.Contains(t, logs.String(), "askpro secrets rotate")
		assert.Contains(t, logs.String(), "need_rotation=1")
		sealed, _, err := a.Store.Companies.CalcomAccount(tenant.WithCompany(context.Background(), id))
		require.NoError(t, err)
		key, err := a.Secrets.OpenSecret(sealed, store.CalcomKeyAAD(id))
		require.NoError(t, err)
		assert.Equal(t, "cal_live_startup", key.Reveal())
		assert.NotContains(t, logs.String(), "cal_live_startup")
		assert.NotContains(t, logs.String(), sealed)
	})
	t.Run("an unparsable key is refused before the database is opened", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		cfg := config.Default()
		cfg.Database.URL = "sqlite://" + filepath.ToSlash(filepath.Join(dir, "askpro.db"))
		cfg.Security.EncryptionKey = "not-a-key"
		_, err := app.New(context.Background(), &cfg, app.Options{Logger: slog.New(slog.DiscardHandler), Migrate: true})
		var ke *config.KeyError
		require.True(t, errors.As(err, &ke), "%v", err)
		assert.Equal(t, "security.encryption_key", ke.Key)
		entries, err := os.ReadDir(dir)
		require.NoError(t, err)
		assert.Empty(t, entries, "no database file was created")
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
