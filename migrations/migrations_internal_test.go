package migrations

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		in          string
		wantDialect string
		wantURL     string // "" to skip; checked on the parsed form for sqlite
		wantPragmas []string
		wantErr     bool
	}{
		{name: "mysql", in: "mysql://root@tcp(127.0.0.1:3306)/askpro?parseTime=true", wantDialect: "mysql",
			wantURL: "mysql://root@tcp(127.0.0.1:3306)/askpro?parseTime=true"},
		{name: "mysql upper scheme", in: "MYSQL://root@tcp(db:3306)/askpro", wantDialect: "mysql", wantURL: "mysql://root@tcp(db:3306)/askpro"},
		{name: "sqlite relative", in: "sqlite://askpro.db", wantDialect: "sqlite", wantPragmas: []string{"busy_timeout(10000)"}},
		{name: "sqlite absolute", in: "sqlite:///var/lib/askpro/askpro.db", wantDialect: "sqlite", wantPragmas: []string{"busy_timeout(10000)"}},
		{name: "sqlite keeps busy_timeout", in: "sqlite://askpro.db?_pragma=busy_timeout(50)", wantDialect: "sqlite",
			wantURL: "sqlite://askpro.db?_pragma=busy_timeout(50)"},
		{name: "sqlite other pragma", in: "sqlite://askpro.db?_pragma=foreign_keys(1)", wantDialect: "sqlite",
			wantPragmas: []string{"foreign_keys(1)", "busy_timeout(10000)"}},
		{name: "sqlite3 alias", in: "sqlite3://askpro.db", wantDialect: "sqlite", wantPragmas: []string{"busy_timeout(10000)"}},
		{name: "postgres", in: "postgres://localhost/askpro", wantErr: true},
		{name: "no scheme", in: "askpro.db", wantErr: true},
		{name: "sqlite empty", in: "sqlite://", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dialect, got, err := parseURL(tt.in)
			if tt.wantErr {
				assert.ErrorIs(t, err, ErrUnsupportedURL)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantDialect, dialect)
			if tt.wantURL != "" {
				assert.Equal(t, tt.wantURL, got)
			}
			if tt.wantPragmas != nil {
				u, err := url.Parse(got)
				require.NoError(t, err)
				assert.Equal(t, tt.wantPragmas, u.Query()["_pragma"])
				in, err := url.Parse(tt.in)
				require.NoError(t, err)
				assert.Equal(t, in.Host+in.Path, u.Host+u.Path, "file path unchanged")
			}
		})
	}
}
