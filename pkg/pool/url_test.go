package pool_test

import (
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/askproai/askpro/pkg/pool"
)

const sqlitePragmas = "_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)"

func TestParseURL_MySQL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		url   string
		check func(t *testing.T, c *mysql.Config)
	}{
		{
			name: "spec session settings",
			url:  "mysql://askpro:s3cret@tcp(db.internal:3306)/askpro?parseTime=true",
			check: func(t *testing.T, c *mysql.Config) {
				assert.Equal(t, "askpro", c.User)
				assert.Equal(t, "s3cret", c.Passwd)
				assert.Equal(t, "db.internal:3306", c.Addr)
				assert.Equal(t, "askpro", c.DBName)
				assert.True(t, c.ParseTime)
				assert.Equal(t, time.UTC, c.Loc)
				assert.False(t, c.InterpolateParams, "server-side prepared statements")
				assert.Equal(t, "utf8mb4_unicode_ci", c.Collation)
				assert.Equal(t, "'TRADITIONAL,NO_AUTO_VALUE_ON_ZERO'", c.Params["sql_mode"])
				assert.Equal(t, "'+00:00'", c.Params["time_zone"])
				assert.Equal(t, pool.DefaultConnectionTimeout, c.Timeout)
				assert.Equal(t, 30*time.Second, c.ReadTimeout)
				assert.Equal(t, 30*time.Second, c.WriteTimeout)
			},
		},
		{
			name: "user params kept",
			url:  "mysql://root@tcp(127.0.0.1:3306)/askpro?tls=skip-verify&timeout=3s&readTimeout=5s&writeTimeout=6s&maxAllowedPacket=1048576&rejectReadOnly=true",
			check: func(t *testing.T, c *mysql.Config) {
				assert.Equal(t, "skip-verify", c.TLSConfig)
				assert.Equal(t, 3*time.Second, c.Timeout)
				assert.Equal(t, 5*time.Second, c.ReadTimeout)
				assert.Equal(t, 6*time.Second, c.WriteTimeout)
				assert.Equal(t, 1048576, c.MaxAllowedPacket)
				assert.True(t, c.RejectReadOnly)
				assert.True(t, c.ParseTime)
			},
		},
		{
			name: "conflicting params overridden",
			url:  "MYSQL://root@tcp(127.0.0.1:3306)/askpro?parseTime=false&loc=Local&interpolateParams=true&charset=latin1&collation=latin1_swedish_ci&sql_mode=ANSI&time_zone=%27Europe%2FBerlin%27",
			check: func(t *testing.T, c *mysql.Config) {
				assert.True(t, c.ParseTime)
				assert.Equal(t, time.UTC, c.Loc)
				assert.False(t, c.InterpolateParams)
				assert.Equal(t, "utf8mb4_unicode_ci", c.Collation)
				assert.Equal(t, "'TRADITIONAL,NO_AUTO_VALUE_ON_ZERO'", c.Params["sql_mode"])
				assert.Equal(t, "'+00:00'", c.Params["time_zone"])
			},
		},
		{
			name: "unix socket",
			url:  "mysql://root@unix(/run/mysqld/mysqld.sock)/askpro",
			check: func(t *testing.T, c *mysql.Config) {
				assert.Equal(t, "unix", c.Net)
				assert.Equal(t, "/run/mysqld/mysqld.sock", c.Addr)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d, dsn, err := pool.ParseURL(tt.url)
			require.NoError(t, err)
			assert.Equal(t, pool.MySQL, d)
			assert.Contains(t, dsn, "charset=utf8mb4")
			c, err := mysql.ParseDSN(dsn)
			require.NoError(t, err, "the DSN must parse again: %s", dsn)
			tt.check(t, c)
		})
	}
}

func TestParseURL_SQLite(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, url, want string
	}{
		{"relative path", "sqlite://askpro.db", "askpro.db?" + sqlitePragmas + "&_time_format=sqlite"},
		{"relative nested path", "sqlite://data/askpro.db", "data/askpro.db?" + sqlitePragmas + "&_time_format=sqlite"},
		{"absolute path", "sqlite:///var/lib/askpro/askpro.db", "/var/lib/askpro/askpro.db?" + sqlitePragmas + "&_time_format=sqlite"},
		{"sqlite3 scheme", "sqlite3://./askpro.db", "./askpro.db?" + sqlitePragmas + "&_time_format=sqlite"},
		{
			"user params kept, conflicting pragmas replaced",
			"sqlite://a.db?_time_format=sqlite&_pragma=cache_size(-4000)&_pragma=journal_mode(DELETE)&_fk=0",
			"a.db?" + sqlitePragmas + "&_pragma=cache_size(-4000)&_time_format=sqlite",
		},
		{
			"user busy timeout kept",
			"sqlite://a.db?_pragma=busy_timeout(100)",
			"a.db?_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_pragma=busy_timeout(100)&_time_format=sqlite",
		},
		{
			"user busy timeout shorthand kept",
			"sqlite://a.db?_busy_timeout=100",
			"a.db?_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_busy_timeout=100&_time_format=sqlite",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d, dsn, err := pool.ParseURL(tt.url)
			require.NoError(t, err)
			assert.Equal(t, pool.SQLite, d)
			assert.Equal(t, tt.want, dsn)
			assert.NotContains(t, dsn, "_txlock", "readers use deferred transactions; only the writer is immediate")
		})
	}
}

func TestParseURL_Errors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		url     string
		want    error
		contain string
	}{
		{"empty", "", pool.ErrInvalidURL, "no scheme"},
		{"no scheme", "askpro.db", pool.ErrInvalidURL, "no scheme"},
		{"postgres", "postgres://u:hunter2@localhost/askpro", pool.ErrUnsupportedScheme, `"postgres"`},
		{"redis", "redis://127.0.0.1:6379/0", pool.ErrUnsupportedScheme, `"redis"`},
		{"empty scheme", "://x", pool.ErrInvalidURL, "no scheme"},
		{"mysql unterminated address", "mysql://root:hunter2@tcp(127.0.0.1:3306", pool.ErrInvalidURL, "missing the slash"},
		{"mysql no database", "mysql://root:hunter2@tcp(127.0.0.1:3306)/", pool.ErrInvalidURL, "names no database"},
		{"mysql bad bool param", "mysql://root:hunter2@tcp(127.0.0.1:3306)/askpro?parseTime=maybe", pool.ErrInvalidURL, "parseTime"},
		{"mysql bad duration", "mysql://root:hunter2@tcp(127.0.0.1:3306)/askpro?readTimeout=soon", pool.ErrInvalidURL, "askpro"},
		{"mysql unescaped param", "mysql://root:hunter2@tcp(127.0.0.1:3306)/askpro?a=%zz", pool.ErrInvalidURL, "escape"},
		{"sqlite no path", "sqlite://", pool.ErrInvalidURL, "no file path"},
		{"sqlite no path with params", "sqlite://?_fk=1", pool.ErrInvalidURL, "no file path"},
		{"sqlite memory", "sqlite://:memory:", pool.ErrInvalidURL, "in-memory"},
		{"sqlite memory mode", "sqlite://x.db?mode=memory", pool.ErrInvalidURL, "in-memory"},
		{"sqlite file uri", "sqlite://file:x.db", pool.ErrInvalidURL, "file: URIs"},
		{"sqlite bad query", "sqlite://x.db?a=%zz", pool.ErrInvalidURL, "x.db"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d, dsn, err := pool.ParseURL(tt.url)
			require.Error(t, err)
			assert.ErrorIs(t, err, tt.want)
			assert.Contains(t, err.Error(), tt.contain)
			assert.True(t, strings.HasPrefix(err.Error(), "pool: "), err.Error())
			assert.NotContains(t, err.Error(), "hunter2", "passwords never appear in errors")
			assert.Empty(t, d)
			assert.Empty(t, dsn)
		})
	}
}
