package pool

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestMaskURL(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"password", "mysql://askpro:s3cret@tcp(db:3306)/askpro?parseTime=true", "mysql://askpro:****@tcp(db:3306)/askpro?parseTime=true"},
		{"password with @ and /", "mysql://u:p@ss/w@rd@tcp(db:3306)/askpro", "mysql://u:****@tcp(db:3306)/askpro"},
		{"no password", "mysql://root@tcp(127.0.0.1:3306)/askpro", "mysql://root@tcp(127.0.0.1:3306)/askpro"},
		{"empty password", "mysql://root:@tcp(127.0.0.1:3306)/askpro", "mysql://root:****@tcp(127.0.0.1:3306)/askpro"},
		{"unparseable", "mysql://root:hunter2@tcp(127.0.0.1:3306", "mysql://root:****@tcp(127.0.0.1:3306"},
		{"sqlite", "sqlite:///var/lib/askpro.db", "sqlite:///var/lib/askpro.db"},
		{"no scheme", "u:pw@tcp(h)/db", "u:****@tcp(h)/db"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, MaskURL(tt.in))
		})
	}
}

func TestBackoff(t *testing.T) {
	t.Parallel()
	tests := []struct {
		attempt int
		want    time.Duration
	}{
		{1, 100 * time.Millisecond},
		{2, 200 * time.Millisecond},
		{3, 400 * time.Millisecond},
		{4, 800 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.want.String(), func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, backoff(100*time.Millisecond, tt.attempt))
		})
	}
	assert.Positive(t, backoff(time.Hour, 200), "saturates instead of overflowing")
}

func TestConfigDefaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   Config
		want func(t *testing.T, c Config)
	}{
		{"zero value gives the spec's defaults", Config{}, func(t *testing.T, c Config) {
			assert.Equal(t, 10, c.MinConns)
			assert.Equal(t, 50, c.MaxConns)
			assert.Equal(t, 10*time.Second, c.ConnectionTimeout)
			assert.Equal(t, 300*time.Second, c.IdleTimeout)
			assert.Equal(t, 30*time.Minute, c.MaxLifetime)
			assert.Equal(t, 30*time.Second, c.QueryTimeout)
			assert.Equal(t, 3, c.RetryAttempts)
			assert.Equal(t, 100*time.Millisecond, c.RetryDelay)
			assert.Equal(t, 15*time.Second, c.HealthInterval)
			assert.NotNil(t, c.Logger)
			assert.NotNil(t, c.Now)
			assert.NoError(t, c.validate())
		}},
		{"MinConns default capped at MaxConns", Config{MaxConns: 4}, func(t *testing.T, c Config) {
			assert.Equal(t, 4, c.MinConns)
			assert.NoError(t, c.validate())
		}},
		{"negative means none", Config{MinConns: -1, RetryAttempts: -1}, func(t *testing.T, c Config) {
			assert.Equal(t, 0, c.MinConns)
			assert.Equal(t, 0, c.RetryAttempts)
		}},
		{"MinConns above MaxConns", Config{MinConns: 5, MaxConns: 2}, func(t *testing.T, c Config) {
			assert.ErrorIs(t, c.validate(), ErrInvalidConfig)
		}},
		{"negative MaxConns", Config{MaxConns: -1, MinConns: -1}, func(t *testing.T, c Config) {
			assert.ErrorIs(t, c.validate(), ErrInvalidConfig)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.want(t, tt.in.withDefaults())
		})
	}
}
