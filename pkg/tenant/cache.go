package tenant

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/redis/go-redis/v9"
	"golang.org/x/sync/singleflight"
)

// Status is what the [Chain] needs to know about a resolved company.
type Status struct {
	// Exists is false when no company has the id.
	Exists bool
	// Active is false for a deactivated company.
	Active bool
}

// CompanySource reports a company's [Status]. An unknown id is
// (Status{}, nil); an error is a failed lookup. pkg/store's Companies
// implements it.
//
// The lookups of this package run before any tenant is known: the
// [Chain], the resolvers and the [Cache] call every source (this one,
// [SubdomainSource], [PhoneSource], [VersionSource]) with a context marked
// [System].
type CompanySource interface {
	CompanyStatus(ctx context.Context, companyID int64) (Status, error)
}

// CompanySourceFunc adapts a function to [CompanySource].
type CompanySourceFunc func(ctx context.Context, companyID int64) (Status, error)

// CompanyStatus calls f(ctx, companyID).
func (f CompanySourceFunc) CompanyStatus(ctx context.Context, companyID int64) (Status, error) {
	return f(ctx, companyID)
}

// SubdomainSource maps a subdomain label to its company's id: (0, nil) when
// no company has it. pkg/store's Companies implements it.
type SubdomainSource interface {
	IDBySubdomain(ctx context.Context, label string) (int64, error)
}

// SubdomainSourceFunc adapts a function to [SubdomainSource].
type SubdomainSourceFunc func(ctx context.Context, label string) (int64, error)

// IDBySubdomain calls f(ctx, label).
func (f SubdomainSourceFunc) IDBySubdomain(ctx context.Context, label string) (int64, error) {
	return f(ctx, label)
}

// PhoneSource maps a called number to the company of the active branch
// that has it: (0, nil) when none has. pkg/store's Branches implements it.
type PhoneSource interface {
	CompanyByPhone(ctx context.Context, number string) (int64, error)
}

// PhoneSourceFunc adapts a function to [PhoneSource].
type PhoneSourceFunc func(ctx context.Context, number string) (int64, error)

// CompanyByPhone calls f(ctx, number).
func (f PhoneSourceFunc) CompanyByPhone(ctx context.Context, number string) (int64, error) {
	return f(ctx, number)
}

// VersionSource returns an opaque token that changes whenever a company or
// branch changes (pkg/store's Companies.TenantVersion: counts, sums of the
// active flags and the latest updated_at of both tables). [Cache] probes it
// so that a change made by another process (askpro company update
// --inactive) takes effect without a call to [Cache.Invalidate].
type VersionSource interface {
	TenantVersion(ctx context.Context) (string, error)
}

// VersionSourceFunc adapts a function to [VersionSource].
type VersionSourceFunc func(ctx context.Context) (string, error)

// TenantVersion calls f(ctx).
func (f VersionSourceFunc) TenantVersion(ctx context.Context) (string, error) { return f(ctx) }

// Defaults of [CacheConfig].
const (
	DefaultTTL             = 5 * time.Minute
	DefaultNegativeTTL     = 30 * time.Second
	DefaultVersionInterval = 2 * time.Second
	DefaultKeyPrefix       = "askpro:tenant:"
	DefaultCacheSize       = 10_000
)

// loadTimeout bounds one lookup in a source; it is also how long an
// invalidation tombstone lives in Redis, so a lookup that began before an
// invalidation cannot write its stale answer after it.
const loadTimeout = 5 * time.Second

// CacheConfig configures a [Cache].
type CacheConfig struct {
	// Companies answers company lookups. Required.
	Companies CompanySource
	// Subdomains answers subdomain lookups. Nil means
	// [Cache.IDBySubdomain] fails.
	Subdomains SubdomainSource
	// Phones answers called-number lookups. Nil means
	// [Cache.CompanyByPhone] fails.
	Phones PhoneSource
	// Redis, when set, holds the cache, shared by every replica: there is
	// then no in-process layer, so [Cache.Invalidate] on any replica (or
	// CLI process) is effective on all of them at once. Nil means an
	// in-process LRU.
	Redis redis.UniversalClient
	// KeyPrefix prefixes every Redis key. Defaults to [DefaultKeyPrefix].
	KeyPrefix string
	// TTL is how long a found company or mapping is kept. Defaults to
	// [DefaultTTL] (5 minutes).
	TTL time.Duration
	// NegativeTTL is how long "no such company, subdomain or number" is
	// kept. Defaults to [DefaultNegativeTTL] (30 seconds).
	NegativeTTL time.Duration
	// Size bounds the in-process cache's entries. Defaults to
	// [DefaultCacheSize].
	Size int
	// Version, when set, is probed at most every VersionInterval; a new
	// token drops the whole cache (in-process) or moves to fresh keys
	// (Redis). It bounds the staleness of a change made without
	// [Cache.Invalidate] to about VersionInterval. Nil means such a change
	// shows after at most TTL.
	Version VersionSource
	// VersionInterval is the time between version probes. Defaults to
	// [DefaultVersionInterval] (2 seconds).
	VersionInterval time.Duration
	// Logger receives failed version probes. Nil means slog.Default().
	Logger *slog.Logger
	// Now returns the current time (in-process expiry and probe
	// intervals). Defaults to time.Now.
	Now func() time.Time
}

// Cache answers company, subdomain and called-number lookups from a cache
// in front of their sources, and implements [CompanySource],
// [SubdomainSource] and [PhoneSource] itself, so it goes where they go.
// Concurrent misses of one key make one lookup. Lookup errors are not
// cached. It is safe for concurrent use.
type Cache struct {
	companies  CompanySource
	subdomains SubdomainSource
	phones     PhoneSource
	rdb        redis.UniversalClient
	prefix     string
	ttl, neg   time.Duration
	version    VersionSource
	interval   time.Duration
	logger     *slog.Logger
	now        func() time.Time

	mem   *lru.Cache[string, entry]
	epoch atomic.Uint64 // bumped by every invalidation (in-process)
	group singleflight.Group

	probeMu   sync.Mutex
	probed    atomic.Bool
	nextProbe atomic.Int64 // unix nanos
	gen       atomic.Pointer[string]
}

type entry struct {
	v       int64
	expires time.Time
}

// NewCache validates cfg and returns a Cache. It fails when Companies is
// nil or a duration or Size is negative.
func NewCache(cfg CacheConfig) (*Cache, error) {
	if cfg.Companies == nil {
		return nil, errors.New("tenant: CacheConfig.Companies is required")
	}
	if cfg.TTL < 0 || cfg.NegativeTTL < 0 || cfg.VersionInterval < 0 || cfg.Size < 0 {
		return nil, errors.New("tenant: CacheConfig durations and Size must not be negative")
	}
	c := &Cache{
		companies: cfg.Companies, subdomains: cfg.Subdomains, phones: cfg.Phones,
		rdb: cfg.Redis, prefix: cfg.KeyPrefix, ttl: cfg.TTL, neg: cfg.NegativeTTL,
		version: cfg.Version, interval: cfg.VersionInterval, logger: cfg.Logger, now: cfg.Now,
	}
	if c.prefix == "" {
		c.prefix = DefaultKeyPrefix
	}
	if c.ttl == 0 {
		c.ttl = DefaultTTL
	}
	if c.neg == 0 {
		c.neg = DefaultNegativeTTL
	}
	if c.interval == 0 {
		c.interval = DefaultVersionInterval
	}
	if c.logger == nil {
		c.logger = slog.Default()
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.rdb == nil {
		size := cfg.Size
		if size == 0 {
			size = DefaultCacheSize
		}
		mem, err := lru.New[string, entry](size)
		if err != nil {
			return nil, fmt.Errorf("tenant: in-process cache: %w", err)
		}
		c.mem = mem
	}
	return c, nil
}

// Status values as cached.
const (
	cachedUnknown  = 0
	cachedInactive = 1
	cachedActive   = 2
)

// CompanyStatus returns the company's status from the cache, or from
// CacheConfig.Companies on a miss. Errors are the source's or Redis's.
func (c *Cache) CompanyStatus(ctx context.Context, companyID int64) (Status, error) {
	v, err := c.get(ctx, companyCacheKey(companyID), func(ctx context.Context) (int64, error) {
		st, err := c.companies.CompanyStatus(ctx, companyID)
		switch {
		case err != nil:
			return 0, err
		case !st.Exists:
			return cachedUnknown, nil
		case !st.Active:
			return cachedInactive, nil
		}
		return cachedActive, nil
	})
	if err != nil {
		return Status{}, fmt.Errorf("company %d status: %w", companyID, err)
	}
	return Status{Exists: v != cachedUnknown, Active: v == cachedActive}, nil
}

// IDBySubdomain returns the id of the company with the subdomain label
// (0 for none) from the cache, or from CacheConfig.Subdomains on a miss.
func (c *Cache) IDBySubdomain(ctx context.Context, label string) (int64, error) {
	if c.subdomains == nil {
		return 0, errors.New("tenant: Cache has no Subdomains source")
	}
	id, err := c.get(ctx, subdomainKey(label), func(ctx context.Context) (int64, error) {
		return c.subdomains.IDBySubdomain(ctx, label)
	})
	if err != nil {
		return 0, fmt.Errorf("subdomain %q: %w", label, err)
	}
	return id, nil
}

// CompanyByPhone returns the company of the active branch with the number
// (0 for none) from the cache, or from CacheConfig.Phones on a miss.
func (c *Cache) CompanyByPhone(ctx context.Context, number string) (int64, error) {
	if c.phones == nil {
		return 0, errors.New("tenant: Cache has no Phones source")
	}
	id, err := c.get(ctx, phoneKey(number), func(ctx context.Context) (int64, error) {
		return c.phones.CompanyByPhone(ctx, number)
	})
	if err != nil {
		return 0, fmt.Errorf("called number: %w", err)
	}
	return id, nil
}

// Invalidate drops the cached status of a company, so its deactivation (or
// reactivation, or deletion) holds from the next lookup on. With Redis it
// holds on every replica at once, also on one whose CacheConfig.Version
// differs from this cache's (a server's version-keyed entries and the CLI's
// unversioned cache); in-process it holds in this process, and
// in others after their next version probe (see CacheConfig.Version).
// Call it after the change is committed. Errors are Redis's.
func (c *Cache) Invalidate(ctx context.Context, companyID int64) error {
	return c.invalidate(ctx, companyCacheKey(companyID))
}

// InvalidateSubdomain drops a cached subdomain mapping (a subdomain given
// to or taken from a company), like [Cache.Invalidate].
func (c *Cache) InvalidateSubdomain(ctx context.Context, label string) error {
	return c.invalidate(ctx, subdomainKey(label))
}

// InvalidatePhone drops a cached called-number mapping (a branch's number
// changed, or the branch was deactivated), like [Cache.Invalidate].
func (c *Cache) InvalidatePhone(ctx context.Context, number string) error {
	return c.invalidate(ctx, phoneKey(number))
}

func companyCacheKey(id int64) string  { return "c:" + strconv.FormatInt(id, 10) }
func subdomainKey(label string) string { return "s:" + label }
func phoneKey(number string) string    { return "p:" + number }

// tombstone marks a Redis key as just invalidated: readers treat it as a
// miss and do not overwrite it until it expires.
const tombstone = "-"

// setUnlessTombstone writes ARGV[1] with a TTL of ARGV[2] ms unless the key
// holds a tombstone.
var setUnlessTombstone = redis.NewScript(`
if redis.call('GET', KEYS[1]) == '-' then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`)

func (c *Cache) invalidate(ctx context.Context, key string) error {
	if c.rdb == nil {
		c.epoch.Add(1)
		c.mem.Remove(key)
		return nil
	}
	// The tombstone goes to the unversioned key too: a cache whose version
	// differs (a server that probes while this is the CLI, or one that has
	// not probed since the change) reads it there.
	_, err := c.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, c.redisKey(key), tombstone, loadTimeout)
		if base := c.prefix + key; base != c.redisKey(key) {
			p.Set(ctx, base, tombstone, loadTimeout)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("tenant: invalidate %s: %w", key, err)
	}
	return nil
}

func (c *Cache) redisKey(key string) string {
	if g := c.gen.Load(); g != nil {
		return c.prefix + *g + ":" + key
	}
	return c.prefix + key
}

// redisGet reads key under the current version ("" when absent) and
// reports whether the unversioned key holds a tombstone: an invalidation
// made by a cache on another version (see [Cache.Invalidate]). Without a
// version the two keys are one. The reads are one round trip.
func (c *Cache) redisGet(ctx context.Context, key string) (s string, invalidated bool, err error) {
	rkey, base := c.redisKey(key), c.prefix+key
	if rkey == base {
		s, err = c.rdb.Get(ctx, rkey).Result()
		if errors.Is(err, redis.Nil) {
			return "", false, nil
		}
		return s, false, err
	}
	var cur, unversioned *redis.StringCmd
	_, err = c.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		cur, unversioned = p.Get(ctx, rkey), p.Get(ctx, base)
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return "", false, err
	}
	s, err = cur.Result()
	if errors.Is(err, redis.Nil) {
		s, err = "", nil
	}
	if err != nil {
		return "", false, err
	}
	u, _ := unversioned.Result()
	return s, u == tombstone, nil
}

func (c *Cache) ttlOf(v int64) time.Duration {
	if v == 0 {
		return c.neg
	}
	return c.ttl
}

// get returns key's value from the cache or, on a miss, from load (one load
// per key at a time), caching the result.
func (c *Cache) get(ctx context.Context, key string, load func(context.Context) (int64, error)) (int64, error) {
	c.probe(ctx)
	if c.rdb == nil {
		if e, ok := c.mem.Get(key); ok && c.now().Before(e.expires) {
			return e.v, nil
		}
	} else {
		s, invalidated, err := c.redisGet(ctx, key)
		switch {
		case err != nil:
			// Redis is down: answer from the source, uncached.
			lctx, cancel := context.WithTimeout(ctx, loadTimeout)
			defer cancel()
			return load(System(lctx))
		case invalidated:
			// Just invalidated by a cache on another version: answer from
			// the source and cache nothing while the tombstone lives; the
			// entry of this version is dropped too, so that it does not
			// come back when the tombstone is gone.
			if s != tombstone {
				_ = c.rdb.Set(ctx, c.redisKey(key), tombstone, loadTimeout).Err()
			}
			lctx, cancel := context.WithTimeout(ctx, loadTimeout)
			defer cancel()
			return load(System(lctx))
		case s != "" && s != tombstone:
			if v, perr := strconv.ParseInt(s, 10, 64); perr == nil {
				return v, nil
			}
		}
	}
	rkey := key
	if c.rdb != nil {
		rkey = c.redisKey(key)
	}
	ch := c.group.DoChan(rkey, func() (any, error) {
		epoch := c.epoch.Load()
		if c.rdb == nil {
			// A caller that missed just before another one's lookup ended
			// and was forgotten finds its answer here, without a lookup.
			if e, ok := c.mem.Get(key); ok && c.now().Before(e.expires) {
				return e.v, nil
			}
		}
		lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), loadTimeout)
		defer cancel()
		v, err := load(System(lctx))
		if err != nil {
			return int64(0), err
		}
		ttl := c.ttlOf(v)
		if c.rdb == nil {
			if c.epoch.Load() == epoch {
				c.mem.Add(key, entry{v: v, expires: c.now().Add(ttl)})
			}
			return v, nil
		}
		// A failed write only costs the next request a lookup.
		_ = setUnlessTombstone.Run(lctx, c.rdb, []string{rkey}, strconv.FormatInt(v, 10), ttl.Milliseconds()).Err()
		return v, nil
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			return 0, res.Err
		}
		return res.Val.(int64), nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// probe asks the version source for its token when the interval is up. The
// first probe is waited for; later ones run in the request that finds the
// interval up while the others go on with the cache as it is.
func (c *Cache) probe(ctx context.Context) {
	if c.version == nil {
		return
	}
	if c.probed.Load() && c.now().UnixNano() < c.nextProbe.Load() {
		return
	}
	if c.probed.Load() {
		if !c.probeMu.TryLock() {
			return
		}
	} else {
		c.probeMu.Lock()
	}
	defer c.probeMu.Unlock()
	now := c.now()
	if c.probed.Load() && now.UnixNano() < c.nextProbe.Load() {
		return
	}
	c.nextProbe.Store(now.Add(c.interval).UnixNano())
	pctx, cancel := context.WithTimeout(ctx, loadTimeout)
	defer cancel()
	v, err := c.version.TenantVersion(System(pctx))
	if err != nil {
		c.logger.WarnContext(ctx, "tenant: version probe failed; the cache stays as it is", slog.String("error", err.Error()))
		c.probed.Store(true)
		return
	}
	h := fnv.New64a()
	_, _ = h.Write([]byte(v))
	g := "v" + strconv.FormatUint(h.Sum64(), 36)
	if old := c.gen.Load(); old == nil || *old != g {
		c.gen.Store(&g)
		if c.rdb == nil && old != nil {
			c.epoch.Add(1)
			c.mem.Purge()
		}
	}
	c.probed.Store(true)
}

var (
	_ CompanySource   = (*Cache)(nil)
	_ SubdomainSource = (*Cache)(nil)
	_ PhoneSource     = (*Cache)(nil)
)
