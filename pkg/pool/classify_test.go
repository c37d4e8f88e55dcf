package pool_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/askproai/askpro/pkg/pool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestIsUniqueViolation classifies the real drivers' errors: a duplicate
// key is a unique violation, a NOT NULL violation is not.
func TestIsUniqueViolation(t *testing.T) {
	t.Parallel()
	urls := map[string]func(t *testing.T) string{
		"sqlite": func(t *testing.T) string { return "sqlite://" + filepath.Join(t.TempDir(), "u.db") },
		"mysql":  func(t *testing.T) string { u, _ := mysqlURL(t); return u },
	}
	for name, url := range urls {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			p, err := pool.Open(ctx, url(t), pool.Config{MinConns: -1, HealthInterval: -1})
			require.NoError(t, err)
			t.Cleanup(func() { _ = p.Close() })
			w := p.Writer()
			_, err = w.ExecContext(ctx, "CREATE TABLE u (id INTEGER NOT NULL PRIMARY KEY, k VARCHAR(10) NOT NULL UNIQUE)")
			require.NoError(t, err)
			_, err = w.ExecContext(ctx, "INSERT INTO u (id, k) VALUES (1, 'a')")
			require.NoError(t, err)

			_, err = w.ExecContext(ctx, "INSERT INTO u (id, k) VALUES (2, 'a')")
			assert.True(t, pool.IsUniqueViolation(err), "duplicate unique key: %v", err)
			_, err = w.ExecContext(ctx, "INSERT INTO u (id, k) VALUES (1, 'b')")
			assert.True(t, pool.IsUniqueViolation(err), "duplicate primary key: %v", err)
			_, err = w.ExecContext(ctx, "INSERT INTO u (id, k) VALUES (3, NULL)")
			require.Error(t, err)
			assert.False(t, pool.IsUniqueViolation(err), "NOT NULL is not a unique violation: %v", err)
			assert.False(t, pool.IsUniqueViolation(nil))
			assert.False(t, pool.IsTooManyPreparedStatements(err))
		})
	}
}
