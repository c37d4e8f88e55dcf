package apikey_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/askproai/askpro/internal/dbtest"
	"github.com/askproai/askpro/pkg/apikey"
	"github.com/askproai/askpro/pkg/pool"
	"github.com/askproai/askpro/pkg/store"
	"github.com/askproai/askpro/pkg/tenant"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// clock is an injected clock tests move by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// testBundle holds the real store under an Authenticator and counters of
// the calls that reach it.
type testBundle struct {
	st      *store.Store
	pool    *pool.Pool
	sys     context.Context
	clock   *clock
	lookups atomic.Int64 // ByHash calls
	touches atomic.Int64 // Touch calls (one statement each, for fewer than 500 keys)
	logs    *syncBuffer
	company store.Company
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// eachDialect runs fn on a fresh migrated SQLite and MariaDB database.
func eachDialect(t *testing.T, fn func(t *testing.T, url string)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { t.Parallel(); fn(t, dbtest.SQLite(t)) })
	t.Run("mysql", func(t *testing.T) { t.Parallel(); fn(t, dbtest.MySQL(t)) })
}

// setup opens a store at url with one company and returns an Authenticator
// on it configured by cfg (Keys, Toucher, Now and Logger are filled in when
// unset), closed when the test ends.
func setup(t *testing.T, url string, cfg apikey.Config) (*apikey.Authenticator, *testBundle) {
	t.Helper()
	p, err := pool.Open(context.Background(), url, pool.Config{MinConns: -1, MaxConns: 8, HealthInterval: -1,
		Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	t.Cleanup(func() { _ = p.Close() })
	st, err := store.New(store.Config{DB: p.DB(), Writer: p.Writer(), Dialect: string(p.Dialect())})
	require.NoError(t, err)
	b := &testBundle{st: st, pool: p, sys: tenant.System(context.Background()),
		clock: &clock{now: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)}, logs: &syncBuffer{}}
	b.company, err = st.Companies.Create(b.sys, store.NewCompany{Name: "Salon", Subdomain: "salon"})
	require.NoError(t, err)
	if cfg.Keys == nil {
		cfg.Keys = apikey.KeysFunc(func(ctx context.Context, hash string) (apikey.Key, error) {
			b.lookups.Add(1)
			return st.APIKeys.ByHash(ctx, hash)
		})
	}
	if cfg.Toucher == nil {
		cfg.Toucher = apikey.ToucherFunc(func(ctx context.Context, uses map[int64]time.Time) error {
			b.touches.Add(1)
			return st.APIKeys.Touch(ctx, uses)
		})
	}
	if cfg.Now == nil {
		cfg.Now = b.clock.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(b.logs, nil))
	}
	a, err := apikey.New(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = a.Close(context.Background()) })
	return a, b
}

func (b *testBundle) key(t *testing.T, companyID int64, name string) (store.APIKey, apikey.Secret) {
	t.Helper()
	k, s, err := b.st.APIKeys.Create(b.sys, store.NewAPIKey{CompanyID: companyID, Name: name})
	require.NoError(t, err)
	return k, s
}

func TestNewConfig(t *testing.T) {
	t.Parallel()
	_, err := apikey.New(apikey.Config{})
	assert.EqualError(t, err, "apikey: Config.Keys is required")
}

func TestAuthenticate(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, url string) {
		a, b := setup(t, url, apikey.Config{})
		ctx := context.Background()
		k, secret := b.key(t, b.company.ID, "Praxis-Software")
		adm, adminSecret := b.key(t, 0, "ops")
		revoked, revokedSecret := b.key(t, b.company.ID, "old")
		_, err := b.st.APIKeys.Revoke(b.sys, revoked.ID)
		require.NoError(t, err)
		unknown, err := apikey.Generate()
		require.NoError(t, err)

		p, err := a.Authenticate(ctx, secret.Reveal())
		require.NoError(t, err)
		assert.Equal(t, tenant.Principal{KeyID: k.ID, Name: "Praxis-Software", Prefix: secret.Prefix(), CompanyID: b.company.ID}, p)
		assert.False(t, p.Admin())

		p, err = a.Authenticate(ctx, adminSecret.Reveal())
		require.NoError(t, err)
		assert.Equal(t, tenant.Principal{KeyID: adm.ID, Name: "ops", Prefix: adminSecret.Prefix()}, p)
		assert.True(t, p.Admin(), "an admin key has no company")

		_, err = a.Authenticate(ctx, revokedSecret.Reveal())
		assert.ErrorIs(t, err, apikey.ErrRevoked)
		_, err = a.Authenticate(ctx, unknown.Reveal())
		assert.ErrorIs(t, err, apikey.ErrUnknown)
		require.Equal(t, int64(4), b.lookups.Load())

		// The key with its last character changed (to one it is not: a
		// key that already ends in "0" would otherwise stay valid).
		lastChanged := secret.Reveal()[:apikey.Len-1] + "0"
		if lastChanged == secret.Reveal() {
			lastChanged = secret.Reveal()[:apikey.Len-1] + "1"
		}
		for _, s := range []string{"", "nope", secret.Reveal() + "x", lastChanged, "Bearer " + secret.Reveal()} {
			_, err = a.Authenticate(ctx, s)
			assert.ErrorIs(t, err, apikey.ErrMalformed, "%q", s)
		}
		assert.Equal(t, int64(4), b.lookups.Load(), "a malformed key is never looked up")
	})
}

// TestCache counts the lookups that reach the real store.
func TestCache(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, url string) {
		a, b := setup(t, url, apikey.Config{CacheTTL: 30 * time.Second, NegativeTTL: 5 * time.Second})
		ctx := context.Background()
		k, secret := b.key(t, b.company.ID, "a")
		for range 100 {
			_, err := a.Authenticate(ctx, secret.Reveal())
			require.NoError(t, err)
		}
		assert.Equal(t, int64(1), b.lookups.Load(), "100 requests, one lookup")

		// A revocation takes effect within CacheTTL.
		_, err := b.st.APIKeys.Revoke(b.sys, k.ID)
		require.NoError(t, err)
		b.clock.Add(29 * time.Second)
		_, err = a.Authenticate(ctx, secret.Reveal())
		assert.NoError(t, err, "still cached")
		b.clock.Add(time.Second)
		_, err = a.Authenticate(ctx, secret.Reveal())
		assert.ErrorIs(t, err, apikey.ErrRevoked, "looked up again after the TTL")
		_, err = a.Authenticate(ctx, secret.Reveal())
		assert.ErrorIs(t, err, apikey.ErrRevoked)
		assert.Equal(t, int64(2), b.lookups.Load(), "the revoked answer is cached too")

		// Unknown keys are remembered briefly.
		unknown, err := apikey.Generate()
		require.NoError(t, err)
		for range 50 {
			_, err = a.Authenticate(ctx, unknown.Reveal())
			require.ErrorIs(t, err, apikey.ErrUnknown)
		}
		assert.Equal(t, int64(3), b.lookups.Load(), "a retried wrong key reaches the database once")
		b.clock.Add(5 * time.Second)
		_, err = a.Authenticate(ctx, unknown.Reveal())
		require.ErrorIs(t, err, apikey.ErrUnknown)
		assert.Equal(t, int64(4), b.lookups.Load(), "until NegativeTTL")

		// Purge forgets everything.
		_, fresh := b.key(t, b.company.ID, "fresh")
		_, err = a.Authenticate(ctx, fresh.Reveal())
		require.NoError(t, err)
		a.Purge()
		_, err = a.Authenticate(ctx, fresh.Reveal())
		require.NoError(t, err)
		assert.Equal(t, int64(6), b.lookups.Load())
	})
}

func TestCacheOptions(t *testing.T) {
	t.Parallel()
	var lookups atomic.Int64
	keys := map[string]apikey.Key{}
	var secrets []apikey.Secret
	for i := range 3 {
		s, err := apikey.Generate()
		require.NoError(t, err)
		keys[s.Hash()] = apikey.Key{ID: int64(i + 1), Name: "k", Prefix: s.Prefix()}
		secrets = append(secrets, s)
	}
	failing := errors.New("database down")
	var fail atomic.Bool
	inMemory := apikey.KeysFunc(func(_ context.Context, hash string) (apikey.Key, error) {
		lookups.Add(1)
		if fail.Load() {
			return apikey.Key{}, failing
		}
		if k, ok := keys[hash]; ok {
			return k, nil
		}
		return apikey.Key{}, apikey.ErrUnknown
	})
	ctx := context.Background()

	t.Run("a failed lookup is not cached", func(t *testing.T) {
		lookups.Store(0)
		a, err := apikey.New(apikey.Config{Keys: inMemory})
		require.NoError(t, err)
		fail.Store(true)
		_, err = a.Authenticate(ctx, secrets[0].Reveal())
		assert.ErrorIs(t, err, failing)
		assert.NotErrorIs(t, err, apikey.ErrUnknown)
		fail.Store(false)
		_, err = a.Authenticate(ctx, secrets[0].Reveal())
		assert.NoError(t, err)
		assert.Equal(t, int64(2), lookups.Load())
	})
	t.Run("CacheSize bounds the cache", func(t *testing.T) {
		lookups.Store(0)
		a, err := apikey.New(apikey.Config{Keys: inMemory, CacheSize: 2})
		require.NoError(t, err)
		for range 3 {
			for _, s := range secrets {
				_, err := a.Authenticate(ctx, s.Reveal())
				require.NoError(t, err)
			}
		}
		assert.Greater(t, lookups.Load(), int64(3), "three keys do not fit in two entries")
		assert.LessOrEqual(t, lookups.Load(), int64(9))
	})
	t.Run("a negative CacheTTL disables the cache", func(t *testing.T) {
		lookups.Store(0)
		a, err := apikey.New(apikey.Config{Keys: inMemory, CacheTTL: -1})
		require.NoError(t, err)
		for range 3 {
			_, err := a.Authenticate(ctx, secrets[0].Reveal())
			require.NoError(t, err)
		}
		assert.Equal(t, int64(3), lookups.Load())
	})
	t.Run("a negative NegativeTTL disables negative caching only", func(t *testing.T) {
		lookups.Store(0)
		a, err := apikey.New(apikey.Config{Keys: inMemory, NegativeTTL: -1})
		require.NoError(t, err)
		unknown, err := apikey.Generate()
		require.NoError(t, err)
		for range 3 {
			_, err := a.Authenticate(ctx, unknown.Reveal())
			require.ErrorIs(t, err, apikey.ErrUnknown)
			_, err = a.Authenticate(ctx, secrets[1].Reveal())
			require.NoError(t, err)
		}
		assert.Equal(t, int64(4), lookups.Load(), "3 for the unknown key, 1 for the good one")
	})
}

// TestTouch checks that uses become one write per flush, on a real
// database, and that last_used_at gets the latest use.
func TestTouch(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, url string) {
		a, b := setup(t, url, apikey.Config{TouchInterval: time.Hour})
		ctx := context.Background()
		k1, s1 := b.key(t, b.company.ID, "busy")
		k2, s2 := b.key(t, 0, "ops")
		lastUsed := func(id int64) *time.Time {
			t.Helper()
			k, err := b.st.APIKeys.Get(b.sys, id)
			require.NoError(t, err)
			return k.LastUsedAt
		}

		require.NoError(t, a.Flush(ctx))
		assert.Equal(t, int64(0), b.touches.Load(), "no use, no write")

		for i := range 1000 {
			if i == 500 {
				_, err := a.Authenticate(ctx, s2.Reveal())
				require.NoError(t, err)
			}
			b.clock.Add(50 * time.Millisecond)
			_, err := a.Authenticate(ctx, s1.Reveal())
			require.NoError(t, err)
		}
		assert.Nil(t, lastUsed(k1.ID), "nothing is written per request")
		require.NoError(t, a.Flush(ctx))
		assert.Equal(t, int64(1), b.touches.Load(), "1,001 uses of two keys, one write")
		assert.Equal(t, b.clock.Now(), *lastUsed(k1.ID), "the latest use")
		assert.Equal(t, time.Date(2026, 3, 2, 10, 0, 25, 0, time.UTC), *lastUsed(k2.ID))

		require.NoError(t, a.Flush(ctx))
		assert.Equal(t, int64(1), b.touches.Load(), "nothing new, no write")

		// A failed use (revoked, unknown) is not recorded.
		_, err := b.st.APIKeys.Revoke(b.sys, k2.ID)
		require.NoError(t, err)
		a.Purge()
		_, err = a.Authenticate(ctx, s2.Reveal())
		require.ErrorIs(t, err, apikey.ErrRevoked)
		require.NoError(t, a.Flush(ctx))
		assert.Equal(t, int64(1), b.touches.Load())

		// Close writes what is left.
		b.clock.Add(time.Minute)
		_, err = a.Authenticate(ctx, s1.Reveal())
		require.NoError(t, err)
		require.NoError(t, a.Close(ctx))
		assert.Equal(t, int64(2), b.touches.Load())
		assert.Equal(t, b.clock.Now(), *lastUsed(k1.ID))
	})
}

func TestTouchFailureKeepsUses(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, url string) {
		var fail atomic.Bool
		var st *store.Store
		a, b := setup(t, url, apikey.Config{TouchInterval: time.Hour,
			Toucher: apikey.ToucherFunc(func(ctx context.Context, uses map[int64]time.Time) error {
				if fail.Load() {
					return errors.New("database down")
				}
				return st.APIKeys.Touch(ctx, uses)
			})})
		st = b.st
		ctx := context.Background()
		k, s := b.key(t, b.company.ID, "a")
		_, err := a.Authenticate(ctx, s.Reveal())
		require.NoError(t, err)
		fail.Store(true)
		assert.ErrorContains(t, a.Flush(ctx), "database down")
		fail.Store(false)
		require.NoError(t, a.Flush(ctx))
		got, err := b.st.APIKeys.Get(b.sys, k.ID)
		require.NoError(t, err)
		require.NotNil(t, got.LastUsedAt, "the use survived the failed flush")
		assert.Equal(t, b.clock.Now(), *got.LastUsedAt)
	})
}

// TestTouchInterval lets the background flush write the uses.
func TestTouchInterval(t *testing.T) {
	t.Parallel()
	a, b := setup(t, dbtest.SQLite(t), apikey.Config{TouchInterval: 20 * time.Millisecond})
	k, s := b.key(t, b.company.ID, "a")
	_, err := a.Authenticate(context.Background(), s.Reveal())
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		got, err := b.st.APIKeys.Get(b.sys, k.ID)
		return err == nil && got.LastUsedAt != nil
	}, 10*time.Second, 10*time.Millisecond)
	require.NoError(t, a.Close(context.Background()))
	assert.Equal(t, int64(1), b.touches.Load(), "one use, one write, however many ticks")
}

func TestMiddleware(t *testing.T) {
	t.Parallel()
	eachDialect(t, func(t *testing.T, url string) {
		a, b := setup(t, url, apikey.Config{})
		k, secret := b.key(t, b.company.ID, "a")
		revoked, revokedSecret := b.key(t, b.company.ID, "old")
		_, err := b.st.APIKeys.Revoke(b.sys, revoked.ID)
		require.NoError(t, err)
		unknown, err := apikey.Generate()
		require.NoError(t, err)

		var got tenant.Principal
		h := a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			p, ok := tenant.PrincipalFrom(r.Context())
			require.True(t, ok)
			_, hasTenant := tenant.FromContext(r.Context())
			assert.False(t, hasTenant, "the middleware sets no tenant; the resolver chain does")
			got = p
			w.WriteHeader(http.StatusNoContent)
		}))
		serve := func(auth string) *httptest.ResponseRecorder {
			r := httptest.NewRequest(http.MethodGet, "/api/v1/calls", nil)
			if auth != "" {
				r.Header.Set("Authorization", auth)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			return w
		}

		w := serve("Bearer " + secret.Reveal())
		assert.Equal(t, http.StatusNoContent, w.Code)
		assert.Equal(t, k.ID, got.KeyID)
		assert.Equal(t, b.company.ID, got.CompanyID)
		assert.Equal(t, http.StatusNoContent, serve("bearer  "+secret.Reveal()).Code, "the scheme is case-insensitive")

		tests := []struct {
			name, auth, msg, challenge string
		}{
			{"missing", "", "an API key is required: Authorization: Bearer <key>", `Bearer realm="askpro"`},
			{"another scheme", "Basic dXNlcjpwYXNz", "an API key is required: Authorization: Bearer <key>", `Bearer realm="askpro"`},
			{"empty token", "Bearer ", "malformed API key", `Bearer realm="askpro", error="invalid_token"`},
			{"malformed", "Bearer sk_live_123", "malformed API key", `Bearer realm="askpro", error="invalid_token"`},
			{"two tokens", "Bearer " + secret.Reveal() + " x", "malformed API key", `Bearer realm="askpro", error="invalid_token"`},
			{"unknown", "Bearer " + unknown.Reveal(), "invalid API key", `Bearer realm="askpro", error="invalid_token"`},
			{"revoked", "Bearer " + revokedSecret.Reveal(), "API key revoked", `Bearer realm="askpro", error="invalid_token"`},
		}
		for _, tt := range tests {
			w := serve(tt.auth)
			assert.Equal(t, http.StatusUnauthorized, w.Code, tt.name)
			assert.Equal(t, tt.challenge, w.Header().Get("WWW-Authenticate"), tt.name)
			assert.Equal(t, "application/json; charset=utf-8", w.Header().Get("Content-Type"), tt.name)
			var body struct {
				Error struct{ Code, Message string } `json:"error"`
			}
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &body), tt.name)
			assert.Equal(t, "unauthorized", body.Error.Code, tt.name)
			assert.Equal(t, tt.msg, body.Error.Message, tt.name)
		}
		logs := b.logs.String()
		assert.Contains(t, logs, "security: API key refused")
		assert.Contains(t, logs, unknown.Prefix(), "a refused key is logged by its prefix")
		for _, s := range []apikey.Secret{secret, unknown, revokedSecret} {
			assert.NotContains(t, logs, s.Reveal()[apikey.PrefixLen+1:], "never the key")
		}
		assert.NotContains(t, logs, "sk_live_123", "a malformed token is not logged at all")
	})
}

func TestMiddlewareOnErrorAndOutage(t *testing.T) {
	t.Parallel()
	type refusal struct {
		status    int
		code, msg string
	}
	var seen []refusal
	a, err := apikey.New(apikey.Config{
		Keys: apikey.KeysFunc(func(context.Context, string) (apikey.Key, error) {
			return apikey.Key{}, errors.New("connection refused")
		}),
		OnError: func(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
			seen = append(seen, refusal{status, code, msg})
			w.WriteHeader(status)
		},
	})
	require.NoError(t, err)
	h := a.Middleware(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { t.Error("next reached") }))
	r := httptest.NewRequest(http.MethodGet, "/api/v1/calls", nil)
	r.Header.Set("Authorization", "Bearer "+exampleKey)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	assert.Equal(t, http.StatusServiceUnavailable, w.Code, "an outage is not a bad key")
	assert.Empty(t, w.Header().Get("WWW-Authenticate"))
	assert.Equal(t, []refusal{{503, "unavailable", "authentication is unavailable; try again"}}, seen)
}

// BenchmarkAuthenticate measures the hot path: a cached, valid key.
func BenchmarkAuthenticate(b *testing.B) {
	s, err := apikey.Generate()
	if err != nil {
		b.Fatal(err)
	}
	key := apikey.Key{ID: 1, Name: "bench", Prefix: s.Prefix()}
	a, err := apikey.New(apikey.Config{
		Keys:    apikey.KeysFunc(func(context.Context, string) (apikey.Key, error) { return key, nil }),
		Toucher: apikey.ToucherFunc(func(context.Context, map[int64]time.Time) error { return nil }),
	})
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close(context.Background())
	ctx, token := context.Background(), s.Reveal()
	if _, err := a.Authenticate(ctx, token); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := a.Authenticate(ctx, token); err != nil {
				b.Fatal(err)
			}
		}
	})
}
