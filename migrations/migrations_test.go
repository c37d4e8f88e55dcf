package migrations_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/askproai/askpro/internal/dbtest"
	"github.com/askproai/askpro/internal/testenv"
	"github.com/askproai/askpro/migrations"
	"github.com/askproai/askpro/pkg/pool"
)

// upFiles counts the embedded up migrations of dialect, read from disk.
func upFiles(t testing.TB, dialect string) int {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dialect, "*.up.sql"))
	require.NoError(t, err)
	return len(names)
}

func TestLatest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		dialect string
		want    uint
	}{
		{migrations.DialectMySQL, uint(upFiles(t, "mysql"))},
		{migrations.DialectSQLite, uint(upFiles(t, "sqlite"))},
		{"postgres", 0},
		{"", 0},
	}
	for _, tt := range tests {
		t.Run(tt.dialect, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, migrations.Latest(tt.dialect))
		})
	}
	assert.Equal(t, uint(10), migrations.Latest(migrations.DialectSQLite), "update this test when adding a migration")
}

// TestRoundTrip migrates up, down one step at a time, up, down all at once
// and up again, and checks that every up leaves the same schema.
func TestRoundTrip(t *testing.T) {
	t.Parallel()
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			url := d.newURL(t)
			m := newMigrator(t, url)
			db := openDB(t, url)
			latest := migrations.Latest(d.name)

			requireVersion := func(want uint) {
				t.Helper()
				v, dirty, err := m.Version(ctx)
				require.NoError(t, err)
				require.False(t, dirty)
				require.Equal(t, want, v)
			}

			requireVersion(0)
			require.NoError(t, m.Up(ctx))
			requireVersion(latest)
			require.Equal(t, allTables, tableNames(t, db, d.name))
			first := takeSnapshot(t, db, d.name)
			require.Len(t, first.Desc, len(allTables))

			require.NoError(t, m.Up(ctx), "up to date is no error")
			requireVersion(latest)

			for want := int(latest) - 1; want >= 0; want-- {
				require.NoError(t, m.Down(ctx, 1))
				requireVersion(uint(want))
			}
			require.Empty(t, tableNames(t, db, d.name), "tables left after the last down")
			require.NoError(t, m.Down(ctx, 1), "down at version 0 is no error")
			require.NoError(t, m.Down(ctx, 0), "down at version 0 is no error")

			require.NoError(t, m.Up(ctx))
			requireVersion(latest)
			if diff := cmp.Diff(first, takeSnapshot(t, db, d.name)); diff != "" {
				t.Errorf("schema after up, step-wise down, up differs from the first up (-first +second):\n%s", diff)
			}

			require.NoError(t, m.Down(ctx, 0))
			requireVersion(0)
			require.Empty(t, tableNames(t, db, d.name))
			require.NoError(t, m.Up(ctx))
			if diff := cmp.Diff(first, takeSnapshot(t, db, d.name)); diff != "" {
				t.Errorf("schema after up, down all, up differs from the first up (-first +second):\n%s", diff)
			}

			require.NoError(t, m.Down(ctx, 100), "down past version 0 stops at 0")
			requireVersion(0)
		})
	}
}

func TestStatusAndForce(t *testing.T) {
	t.Parallel()
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			m := newMigrator(t, d.newURL(t))
			latest := migrations.Latest(d.name)

			st, err := m.Status(ctx)
			require.NoError(t, err)
			require.Len(t, st, upFiles(t, d.name))
			for i, s := range st {
				assert.Equal(t, uint(i+1), s.Version)
				assert.NotEmpty(t, s.Name)
				assert.False(t, s.Applied || s.Current || s.Dirty, "fresh database: %+v", s)
			}
			assert.Equal(t, "tenancy", st[0].Name)

			require.NoError(t, m.Up(ctx))
			st, err = m.Status(ctx)
			require.NoError(t, err)
			for _, s := range st {
				assert.True(t, s.Applied, "%+v", s)
				assert.Equal(t, s.Version == latest, s.Current, "%+v", s)
				assert.False(t, s.Dirty)
			}

			require.NoError(t, m.Force(ctx, 2))
			v, dirty, err := m.Version(ctx)
			require.NoError(t, err)
			assert.Equal(t, uint(2), v)
			assert.False(t, dirty)
			st, err = m.Status(ctx)
			require.NoError(t, err)
			want := []migrations.MigrationStatus{
				{Version: 1, Name: "tenancy", Applied: true},
				{Version: 2, Name: "calls_appointments_payments", Applied: true, Current: true},
				{Version: 3, Name: "webhook_events"},
				{Version: 4, Name: "api_keys_audit_log"},
				{Version: 5, Name: "webhook_events_bytes"},
				{Version: 6, Name: "webhook_events_claim"},
				{Version: 7, Name: "processing_merge"},
				{Version: 8, Name: "tenancy_api"},
				{Version: 9, Name: "provisioning"},
				{Version: 10, Name: "function_calls"},
			}
			if diff := cmp.Diff(want, st); diff != "" {
				t.Errorf("Status after Force(2) (-want +got):\n%s", diff)
			}

			require.NoError(t, m.Force(ctx, 0))
			v, _, err = m.Version(ctx)
			require.NoError(t, err)
			assert.Equal(t, uint(0), v)

			for _, bad := range []int{99, -2, int(latest) + 1} {
				err := m.Force(ctx, bad)
				assert.ErrorIs(t, err, migrations.ErrUnknownVersion, "Force(%d)", bad)
			}

			// Back to the truth, then a full down proves the schema is intact.
			require.NoError(t, m.Force(ctx, int(latest)))
			require.NoError(t, m.Down(ctx, 0))
			v, _, err = m.Version(ctx)
			require.NoError(t, err)
			assert.Equal(t, uint(0), v)
		})
	}
}

// TestFailedMigrationRepair makes migration 2 fail on a conflicting table,
// then walks the documented repair: the database is dirty, Up refuses, the
// operator removes the cause, forces the last good version and migrates up.
func TestFailedMigrationRepair(t *testing.T) {
	t.Parallel()
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			url := d.newURL(t)
			m := newMigrator(t, url)
			db := openDB(t, url)

			require.NoError(t, m.Up(ctx))
			require.NoError(t, m.Down(ctx, int(migrations.Latest(d.name))-1))
			_, err := db.ExecContext(ctx, "CREATE TABLE calls (x INTEGER)")
			require.NoError(t, err)

			err = m.Up(ctx)
			require.Error(t, err)
			assert.NotErrorIs(t, err, migrations.ErrDirty, "the failing run reports the SQL error")
			v, dirty, err := m.Version(ctx)
			require.NoError(t, err)
			assert.Equal(t, uint(2), v)
			assert.True(t, dirty)

			st, err := m.Status(ctx)
			require.NoError(t, err)
			assert.True(t, st[1].Current && st[1].Dirty, "status marks version 2 dirty: %+v", st[1])

			require.ErrorIs(t, m.Up(ctx), migrations.ErrDirty)
			require.ErrorIs(t, m.Down(ctx, 1), migrations.ErrDirty)

			_, err = db.ExecContext(ctx, "DROP TABLE calls")
			require.NoError(t, err)
			require.NoError(t, m.Force(ctx, 1))
			require.NoError(t, m.Up(ctx))
			v, dirty, err = m.Version(ctx)
			require.NoError(t, err)
			assert.Equal(t, migrations.Latest(d.name), v)
			assert.False(t, dirty)
			assert.Equal(t, allTables, tableNames(t, db, d.name))
		})
	}
}

// TestUnknownVersion covers a database migrated by a newer askpro.
func TestUnknownVersion(t *testing.T) {
	t.Parallel()
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			url := d.newURL(t)
			m := newMigrator(t, url)
			require.NoError(t, m.Up(ctx))
			db := openDB(t, url)
			_, err := db.ExecContext(ctx, "UPDATE schema_migrations SET version = 99")
			require.NoError(t, err)

			v, _, err := m.Version(ctx)
			require.NoError(t, err)
			assert.Equal(t, uint(99), v)
			assert.ErrorIs(t, m.Up(ctx), migrations.ErrUnknownVersion)
			assert.ErrorIs(t, m.Down(ctx, 1), migrations.ErrUnknownVersion)
			st, err := m.Status(ctx)
			assert.ErrorIs(t, err, migrations.ErrUnknownVersion)
			require.Len(t, st, int(migrations.Latest(d.name)))
			for _, s := range st {
				assert.True(t, s.Applied && !s.Current, "%+v", s)
			}
		})
	}
}

func TestNewErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		url  string
		want error
	}{
		{"postgres", "postgres://u:p@localhost/db", migrations.ErrUnsupportedURL},
		{"no scheme", "askpro.db", migrations.ErrUnsupportedURL},
		{"sqlite without path", "sqlite://", migrations.ErrUnsupportedURL},
		{"mysql empty", "mysql://", migrations.ErrUnsupportedURL},
		{"mysql unreachable", "mysql://root:s3cret-pw@tcp(127.0.0.1:1)/askpro?timeout=2s", nil},
		// Reported as pool.Open reports it, not as SQLite's "unable to open
		// database file (14)".
		{"sqlite in a missing directory", "sqlite:///nonexistent-askpro-dir/askpro.db", pool.ErrNoDirectory},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m, err := migrations.New(tt.url, migrations.Config{})
			require.Error(t, err)
			assert.Nil(t, m)
			if tt.want != nil {
				assert.ErrorIs(t, err, tt.want)
			}
			assert.NotContains(t, err.Error(), "s3cret-pw", "error leaks the password")
		})
	}
}

func TestSQLite3Alias(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "alias.db")
	m := newMigrator(t, "sqlite3://"+filepath.ToSlash(path))
	require.NoError(t, m.Up(ctx))
	v, _, err := m.Version(ctx)
	require.NoError(t, err)
	assert.Equal(t, migrations.Latest(migrations.DialectSQLite), v)
	assert.Equal(t, allTables, tableNames(t, openDB(t, "sqlite://"+path), migrations.DialectSQLite))
}

func TestCancelledContext(t *testing.T) {
	t.Parallel()
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			m := newMigrator(t, d.newURL(t))
			cancelled, cancel := context.WithCancel(context.Background())
			cancel()
			assert.ErrorIs(t, m.Up(cancelled), context.Canceled)
			assert.ErrorIs(t, m.Down(cancelled, 0), context.Canceled)
			assert.ErrorIs(t, m.Force(cancelled, 1), context.Canceled)
			_, err := m.Status(cancelled)
			assert.ErrorIs(t, err, context.Canceled)

			v, _, err := m.Version(context.Background())
			require.NoError(t, err)
			assert.Equal(t, uint(0), v, "a cancelled Up applies nothing")
		})
	}
}

func TestClose(t *testing.T) {
	t.Parallel()
	m, err := migrations.New("sqlite://"+filepath.ToSlash(filepath.Join(t.TempDir(), "c.db")), migrations.Config{})
	require.NoError(t, err)
	require.NoError(t, m.Close())
	require.NoError(t, m.Close(), "second Close")
	assert.ErrorIs(t, m.Up(context.Background()), migrations.ErrClosed)
	_, _, err = m.Version(context.Background())
	assert.ErrorIs(t, err, migrations.ErrClosed)
}

// TestLogger checks that applied migrations are logged through Config.Logger.
func TestLogger(t *testing.T) {
	t.Parallel()
	var buf syncBuffer
	m, err := migrations.New("sqlite://"+filepath.ToSlash(filepath.Join(t.TempDir(), "l.db")),
		migrations.Config{Logger: slog.New(slog.NewTextHandler(&buf, nil))})
	require.NoError(t, err)
	defer m.Close()
	require.NoError(t, m.Up(context.Background()))
	out := buf.String()
	assert.Contains(t, out, "1/u tenancy")
	assert.Contains(t, out, "dialect=sqlite")
	assert.Contains(t, out, fmt.Sprintf("to=%d", migrations.Latest(migrations.DialectSQLite)))
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
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

// TestConcurrentUpMySQL runs two migrators on one MySQL database at once, as
// two replicas starting together would: the advisory lock serializes them.
func TestConcurrentUpMySQL(t *testing.T) {
	t.Parallel()
	url := testenv.MySQL(t)
	ctx := context.Background()
	const n = 3
	errs := make([]error, n)
	ms := make([]*migrations.Migrator, n)
	for i := range ms {
		ms[i] = newMigrator(t, url)
	}
	var wg sync.WaitGroup
	for i := range ms {
		wg.Go(func() { errs[i] = ms[i].Up(ctx) })
	}
	wg.Wait()
	succeeded := 0
	for i, err := range errs {
		if err == nil {
			succeeded++
			continue
		}
		// A migrator that waited longer than the lock timeout on a slow
		// machine gives up cleanly; anything else is a bug.
		assert.ErrorIs(t, err, migrations.ErrLocked, "migrator %d", i)
	}
	assert.Positive(t, succeeded)
	v, dirty, err := ms[0].Version(ctx)
	require.NoError(t, err)
	assert.Equal(t, migrations.Latest(migrations.DialectMySQL), v)
	assert.False(t, dirty)
	assert.Equal(t, allTables, tableNames(t, openDB(t, url), migrations.DialectMySQL))
}

// TestDBTest checks the helpers other packages' tests use.
func TestDBTest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		dialect string
		url     func(testing.TB) string
	}{
		{migrations.DialectSQLite, dbtest.SQLite},
		{migrations.DialectMySQL, dbtest.MySQL},
	}
	for _, tt := range tests {
		t.Run(tt.dialect, func(t *testing.T) {
			t.Parallel()
			url := tt.url(t)
			require.True(t, strings.HasPrefix(url, tt.dialect+"://"), url)
			m := newMigrator(t, url)
			v, dirty, err := m.Version(context.Background())
			require.NoError(t, err)
			assert.Equal(t, migrations.Latest(tt.dialect), v)
			assert.False(t, dirty)
			assert.Equal(t, allTables, tableNames(t, openDB(t, url), tt.dialect))
			if tt.dialect == migrations.DialectSQLite {
				path := strings.TrimPrefix(url, "sqlite://")
				_, err := os.Stat(path)
				assert.NoError(t, err, "database file")
			}
		})
	}
}

func BenchmarkUp(b *testing.B) {
	for _, d := range dialects {
		b.Run(d.name, func(b *testing.B) {
			ctx := context.Background()
			for b.Loop() {
				b.StopTimer()
				url := d.newURL(b)
				b.StartTimer()
				m, err := migrations.New(url, migrations.Config{Logger: slog.New(slog.DiscardHandler)})
				if err != nil {
					b.Fatal(err)
				}
				if err := m.Up(ctx); err != nil {
					b.Fatal(err)
				}
				if err := m.Close(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
