// Package cmdutiltest gives command tests a real [cmdutil.Factory] on a
// migrated SQLite database, so that each command can be run end to end
// against the store it uses in production.
package cmdutiltest

import (
	"bytes"
	"context"
	"log/slog"
	"testing"

	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/internal/dbtest"
	"github.com/askproai/askpro/internal/iostreams"
	"github.com/askproai/askpro/pkg/pool"
)

// Bundle is a factory on a fresh database with the buffers its streams
// write to.
type Bundle struct {
	Factory     *cmdutil.Factory
	IO          *iostreams.IOStreams
	Out, ErrOut *bytes.Buffer
	// URL is the database's URL (sqlite://...).
	URL string
}

// SQLite returns a factory whose configuration names a migrated SQLite
// database in t.TempDir() and nothing else from the environment. The
// factory is closed when the test ends.
func SQLite(t testing.TB) Bundle {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	url := dbtest.SQLite(t)
	f := cmdutil.New(ios, "test")
	f.Environ = []string{"ASKPRO_DATABASE_URL=" + url}
	t.Cleanup(func() { _ = f.Close() })
	return Bundle{Factory: f, IO: ios, Out: out, ErrOut: errOut, URL: url}
}

// Pool opens a second pool on the bundle's database for the test's own
// setup and checks, closed when the test ends.
func (b Bundle) Pool(t testing.TB) *pool.Pool {
	t.Helper()
	p, err := pool.Open(context.Background(), b.URL, pool.Config{MinConns: -1, HealthInterval: -1, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("cmdutiltest: open pool: %v", err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p
}
