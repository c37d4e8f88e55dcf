package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/askproai/askpro/migrations"
	"github.com/askproai/askpro/pkg/config"
	"github.com/askproai/askpro/pkg/phone"
	"github.com/askproai/askpro/pkg/pool"
	"github.com/askproai/askpro/pkg/provision"
	"github.com/askproai/askpro/pkg/queue"
	"github.com/askproai/askpro/pkg/store"
	"github.com/askproai/askpro/pkg/tenant"
	"github.com/redis/go-redis/v9"
)

func (f *Factory) openPool(ctx context.Context, long bool) (*pool.Pool, error) {
	cfg, err := f.Config()
	if err != nil {
		return nil, err
	}
	logger := f.Logger()
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.pool != nil {
		return f.pool, nil
	}
	pc := cfg.Database.Pool.Pool()
	if !long {
		pc.MinConns, pc.HealthInterval = -1, -1
	}
	pc.Logger = logger
	p, err := pool.Open(ctx, cfg.Database.URL, pc)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", pool.MaskURL(cfg.Database.URL), err)
	}
	f.pool = p
	return p, nil
}

func (f *Factory) openMigrator() (*migrations.Migrator, error) {
	cfg, err := f.Config()
	if err != nil {
		return nil, err
	}
	m, err := migrations.New(cfg.Database.URL, migrations.Config{Logger: f.Logger()})
	if errors.Is(err, migrations.ErrUnsupportedURL) {
		return nil, &ExitError{Code: ExitUsage, Err: &config.KeyError{Key: "database.url", Err: err}}
	}
	return m, err
}

func (f *Factory) migrate(ctx context.Context) (uint, error) {
	m, err := f.Migrator()
	if err != nil {
		return 0, err
	}
	defer m.Close()
	if err := m.Up(ctx); err != nil {
		return 0, err
	}
	v, _, err := m.Version(ctx)
	return v, err
}

func (f *Factory) openStore(ctx context.Context) (*store.Store, error) {
	p, err := f.Pool(ctx, false)
	if err != nil {
		return nil, err
	}
	if err := CheckSchema(ctx, p); err != nil {
		return nil, err
	}
	return store.New(store.Config{DB: p.DB(), Writer: p.Writer(), Dialect: string(p.Dialect())})
}

// openEvents opens the database and returns the webhook inbox's reader,
// refusing a schema that is not the binary's.
func (f *Factory) openEvents(ctx context.Context) (*queue.Reader, error) {
	p, err := f.Pool(ctx, false)
	if err != nil {
		return nil, err
	}
	if err := CheckSchema(ctx, p); err != nil {
		return nil, err
	}
	return queue.NewReader(p)
}

// openReplayer opens the database and returns the queue's replay side,
// refusing a schema that is not the binary's.
func (f *Factory) openReplayer(ctx context.Context) (*queue.Replayer, error) {
	p, err := f.Pool(ctx, false)
	if err != nil {
		return nil, err
	}
	if err := CheckSchema(ctx, p); err != nil {
		return nil, err
	}
	return queue.NewReplayer(p, queue.ReplayerConfig{})
}

// CheckSchema returns an error (exit 1) when the database's migration
// version is not the latest the binary embeds.
func CheckSchema(ctx context.Context, p *pool.Pool) error {
	want := migrations.Latest(string(p.Dialect()))
	var v uint
	var dirty bool
	err := p.DB().QueryRowContext(ctx, "SELECT version, dirty FROM schema_migrations LIMIT 1").Scan(&v, &dirty)
	if err != nil {
		return &ExitError{Code: ExitBad, Err: fmt.Errorf("database schema is missing (run `askpro migrate up`): %w", err)}
	}
	switch {
	case dirty:
		return &ExitError{Code: ExitBad, Err: fmt.Errorf("database schema is dirty at version %d: fix it, then `askpro migrate force %d`", v, v)}
	case v < want:
		return &ExitError{Code: ExitBad, Err: fmt.Errorf("database schema is at version %d, this askpro needs %d: run `askpro migrate up`", v, want)}
	case v > want:
		return &ExitError{Code: ExitBad, Err: fmt.Errorf("database schema version %d is newer than this askpro knows (%d): upgrade askpro", v, want)}
	}
	return nil
}

// invalidateCompany drops a company from the servers' shared tenant cache
// in Redis after a command changed it. Without redis.url there is no
// shared cache: each server's in-process cache notices the change through
// its version probe within seconds (pkg/tenant).
func (f *Factory) invalidateCompany(ctx context.Context, id int64) error {
	return f.withTenantCache(ctx, func(ctx context.Context, c *tenant.Cache) error {
		if err := c.Invalidate(ctx, id); err != nil {
			return fmt.Errorf("invalidate company %d in the tenant cache (servers see the change within %s): %w", id, tenant.DefaultTTL, err)
		}
		return nil
	})
}

// invalidatePhone drops a called-number mapping from the shared tenant
// cache, like invalidateCompany.
func (f *Factory) invalidatePhone(ctx context.Context, number string) error {
	return f.withTenantCache(ctx, func(ctx context.Context, c *tenant.Cache) error {
		if err := c.InvalidatePhone(ctx, number); err != nil {
			return fmt.Errorf("invalidate number %s in the tenant cache (servers see the change within %s): %w", phone.Mask(number), tenant.DefaultTTL, err)
		}
		return nil
	})
}

// withTenantCache runs fn on a tenant cache over the configured Redis, for
// at most 5 s; without redis.url it does nothing.
func (f *Factory) withTenantCache(ctx context.Context, fn func(ctx context.Context, c *tenant.Cache) error) error {
	cfg, err := f.Config()
	if err != nil {
		return err
	}
	if cfg.Redis.URL == "" {
		return nil
	}
	opts, err := redis.ParseURL(cfg.Redis.URL)
	if err != nil {
		return &ExitError{Code: ExitUsage, Err: fmt.Errorf("redis.url: %w", err)}
	}
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	st, err := f.Store(ctx)
	if err != nil {
		return err
	}
	cache, err := tenant.NewCache(tenant.CacheConfig{Companies: st.Companies, Redis: rdb})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	return fn(ctx, cache)
}

// newValidator builds the branch validator from the configuration and
// the RetellPinger and Calendar hooks (nil: not configured).
func (f *Factory) newValidator(context.Context) (*provision.Validator, error) {
	cfg, err := f.Config()
	if err != nil {
		return nil, err
	}
	vc := provision.ValidatorConfig{PublicURL: cfg.HTTP.PublicURL, Calendar: f.Calendar, Logger: f.Logger()}
	if f.RetellPinger != nil {
		if vc.Retell, err = f.RetellPinger(); err != nil {
			return nil, err
		}
	}
	return provision.NewValidator(vc)
}
