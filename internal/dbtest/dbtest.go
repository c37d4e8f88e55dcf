// Package dbtest gives tests a database with askpro's schema: a migrated
// SQLite file in t.TempDir(), or a fresh migrated database on the test
// MySQL/MariaDB server (see internal/testenv).
//
// Both return a database URL in askpro's format; opening connections (with
// pkg/pool or database/sql) is the caller's business.
//
//	url := dbtest.SQLite(t) // sqlite:///tmp/.../askpro.db, migrated to migrations.Latest
//	url := dbtest.MySQL(t)  // skips (fails under CI=true) without ASKPRO_TEST_MYSQL_URL
package dbtest

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/askproai/askpro/internal/testenv"
	"github.com/askproai/askpro/migrations"
)

// migrateTimeout bounds one migration run of a test database.
const migrateTimeout = 2 * time.Minute

// SQLite creates a SQLite database file in t.TempDir(), applies every
// embedded migration and returns its URL (sqlite:///abs/path/askpro.db).
// It fails the test if migrating fails.
func SQLite(t testing.TB) string {
	t.Helper()
	url := "sqlite://" + filepath.ToSlash(filepath.Join(t.TempDir(), "askpro.db"))
	Migrate(t, url)
	return url
}

// MySQL creates a fresh database on the test server with [testenv.MySQL]
// (dropped when the test ends), applies every embedded migration and returns
// its URL (mysql://user:pass@tcp(host:port)/name?params). Without
// ASKPRO_TEST_MYSQL_URL it skips the test, or fails it under CI=true. It fails
// the test if migrating fails.
func MySQL(t testing.TB) string {
	t.Helper()
	url := testenv.MySQL(t)
	Migrate(t, url)
	return url
}

// Migrate applies every embedded migration to the database at url, failing
// the test on error. Migration log lines are discarded.
func Migrate(t testing.TB, url string) {
	t.Helper()
	m, err := migrations.New(url, migrations.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("dbtest: open migrator: %v", err)
	}
	defer func() {
		if err := m.Close(); err != nil {
			t.Errorf("dbtest: close migrator: %v", err)
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), migrateTimeout)
	defer cancel()
	if err := m.Up(ctx); err != nil {
		t.Fatalf("dbtest: migrate up: %v", err)
	}
}
