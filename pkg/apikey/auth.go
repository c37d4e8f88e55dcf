package apikey

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/askproai/askpro/pkg/tenant"
)

// Keys looks API keys up by hash: the one store method the
// [Authenticator] needs. It is called with a [tenant.System] context.
// ByHash returns the key whose key_hash is hash (lowercase hex SHA-256),
// revoked or not, and an error matching [ErrUnknown] when there is none.
// pkg/store's APIKeys implements it.
type Keys interface {
	ByHash(ctx context.Context, hash string) (Key, error)
}

// KeysFunc adapts a function to [Keys].
type KeysFunc func(ctx context.Context, hash string) (Key, error)

// ByHash calls f.
func (f KeysFunc) ByHash(ctx context.Context, hash string) (Key, error) { return f(ctx, hash) }

// Toucher records when keys were last used: Touch sets each key's
// last_used_at to the time in uses unless the stored one is later, in as few
// statements as it can. It is called with a [tenant.System] context and
// must not keep uses. pkg/store's APIKeys implements it.
type Toucher interface {
	Touch(ctx context.Context, uses map[int64]time.Time) error
}

// ToucherFunc adapts a function to [Toucher].
type ToucherFunc func(ctx context.Context, uses map[int64]time.Time) error

// Touch calls f.
func (f ToucherFunc) Touch(ctx context.Context, uses map[int64]time.Time) error { return f(ctx, uses) }

var (
	_ Keys    = KeysFunc(nil)
	_ Toucher = ToucherFunc(nil)
)

// Defaults of [Config].
const (
	DefaultCacheTTL      = 30 * time.Second
	DefaultNegativeTTL   = 5 * time.Second
	DefaultCacheSize     = 10_000
	DefaultTouchInterval = time.Minute
)

// Config configures an [Authenticator]. Only Keys is required.
type Config struct {
	// Keys looks keys up by hash. Required.
	Keys Keys
	// Toucher writes last_used_at. Nil means uses are not recorded.
	Toucher Toucher
	// Logger receives a warning for every refused key (with the key's public
	// prefix at most, never the key) and for failed flushes. Nil discards.
	Logger *slog.Logger
	// Now returns the current time, for the cache and the recorded uses.
	// Defaults to time.Now.
	Now func() time.Time
	// CacheTTL is how long a looked-up key (valid or revoked) is trusted
	// without asking Keys again, and so the longest a revocation takes to
	// take effect. Defaults to [DefaultCacheTTL] (30s); negative disables
	// the cache.
	CacheTTL time.Duration
	// NegativeTTL is how long an unknown key is remembered as unknown, so a
	// client retrying a wrong key does not reach the database each time.
	// Defaults to [DefaultNegativeTTL] (5s); negative disables it.
	NegativeTTL time.Duration
	// CacheSize bounds the cached keys, valid and unknown together. Defaults
	// to [DefaultCacheSize].
	CacheSize int
	// TouchInterval is how often recorded uses are written through Toucher.
	// Defaults to [DefaultTouchInterval] (1m).
	TouchInterval time.Duration
	// OnError writes the middleware's refusals. Defaults to [WriteError].
	OnError func(w http.ResponseWriter, r *http.Request, status int, code, msg string)
}

// Authenticator turns bearer tokens into [tenant.Principal]s. It keeps the
// database off the hot path: looked-up keys are cached by the SHA-256 of the
// key (CacheTTL), unknown ones briefly (NegativeTTL), and uses are recorded
// in memory and written in one Touch per TouchInterval, so a key used 1,000
// times a minute costs one write a minute. It is safe for concurrent use.
// Call [Authenticator.Close] when the server has stopped, to write the last
// uses.
type Authenticator struct {
	keys    Keys
	toucher Toucher
	log     *slog.Logger
	now     func() time.Time
	ttl     time.Duration
	negTTL  time.Duration
	size    int
	onError func(w http.ResponseWriter, r *http.Request, status int, code, msg string)

	mu    sync.RWMutex
	cache map[[sha256.Size]byte]entry

	usesMu sync.Mutex
	uses   map[int64]time.Time

	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

// entry is one cached answer: a principal, or the error a key gets.
type entry struct {
	p       tenant.Principal
	err     error // nil, ErrUnknown or ErrRevoked
	expires time.Time
}

// New validates cfg, fills its defaults and returns an Authenticator. With
// a Toucher it starts the goroutine that writes uses every TouchInterval,
// which [Authenticator.Close] stops. Errors: Keys is nil.
func New(cfg Config) (*Authenticator, error) {
	if cfg.Keys == nil {
		return nil, errors.New("apikey: Config.Keys is required")
	}
	a := &Authenticator{keys: cfg.Keys, toucher: cfg.Toucher, log: cfg.Logger, now: cfg.Now,
		ttl: cfg.CacheTTL, negTTL: cfg.NegativeTTL, size: cfg.CacheSize, onError: cfg.OnError,
		cache: map[[sha256.Size]byte]entry{}, uses: map[int64]time.Time{},
		stop: make(chan struct{}), done: make(chan struct{})}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	if a.now == nil {
		a.now = time.Now
	}
	if a.ttl == 0 {
		a.ttl = DefaultCacheTTL
	}
	if a.negTTL == 0 {
		a.negTTL = DefaultNegativeTTL
	}
	if a.negTTL > a.ttl {
		a.negTTL = a.ttl
	}
	if a.size <= 0 {
		a.size = DefaultCacheSize
	}
	if a.onError == nil {
		a.onError = WriteError
	}
	interval := cfg.TouchInterval
	if interval <= 0 {
		interval = DefaultTouchInterval
	}
	if a.toucher == nil {
		close(a.done)
	} else {
		go a.loop(interval)
	}
	return a, nil
}

// Authenticate returns the principal of the key token (the bearer token,
// without "Bearer "). The principal's CompanyID is 0 for a platform-admin
// key. Errors: [ErrMalformed] (not a key: no lookup is made), [ErrUnknown],
// [ErrRevoked], or the Keys error, wrapped, when the lookup failed (which is
// not cached: the next call asks again).
func (a *Authenticator) Authenticate(ctx context.Context, token string) (tenant.Principal, error) {
	key, err := Parse(token)
	if err != nil {
		return tenant.Principal{}, err
	}
	sum := key.Sum()
	now := a.now()
	a.mu.RLock()
	e, ok := a.cache[sum]
	a.mu.RUnlock()
	if !ok || !now.Before(e.expires) {
		if e, err = a.lookup(ctx, key, sum, now); err != nil {
			return tenant.Principal{}, err
		}
	}
	if e.err != nil {
		return tenant.Principal{}, e.err
	}
	a.recordUse(e.p.KeyID, now)
	return e.p, nil
}

// lookup asks Keys about key and caches the answer.
func (a *Authenticator) lookup(ctx context.Context, key Secret, sum [sha256.Size]byte, now time.Time) (entry, error) {
	k, err := a.keys.ByHash(tenant.System(ctx), hex.EncodeToString(sum[:]))
	var e entry
	switch {
	case errors.Is(err, ErrUnknown):
		e = entry{err: ErrUnknown, expires: now.Add(a.negTTL)}
		if a.negTTL <= 0 {
			return e, nil
		}
	case err != nil:
		return entry{}, fmt.Errorf("apikey: look up key %s: %w", key.Prefix(), err)
	case k.Revoked():
		e = entry{p: k.Principal(), err: ErrRevoked, expires: now.Add(a.ttl)}
	default:
		e = entry{p: k.Principal(), expires: now.Add(a.ttl)}
	}
	if a.ttl > 0 {
		a.put(sum, e, now)
	}
	return e, nil
}

// put caches e, making room first when the cache is full: expired entries
// go, and if none had expired, one arbitrary entry.
func (a *Authenticator) put(sum [sha256.Size]byte, e entry, now time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, ok := a.cache[sum]; !ok && len(a.cache) >= a.size {
		for k, old := range a.cache {
			if !now.Before(old.expires) {
				delete(a.cache, k)
			}
		}
		for k := range a.cache {
			if len(a.cache) < a.size {
				break
			}
			delete(a.cache, k)
		}
	}
	a.cache[sum] = e
}

// Purge forgets every cached key, so the next request of each is looked up
// again: for a process told that a key was revoked (a pub/sub message, an
// admin endpoint) that cannot wait out CacheTTL.
func (a *Authenticator) Purge() {
	a.mu.Lock()
	clear(a.cache)
	a.mu.Unlock()
}

func (a *Authenticator) recordUse(id int64, at time.Time) {
	if a.toucher == nil {
		return
	}
	a.usesMu.Lock()
	if prev, ok := a.uses[id]; !ok || at.After(prev) {
		a.uses[id] = at
	}
	a.usesMu.Unlock()
}

// Flush writes the uses recorded since the last flush in one Touch call
// (none when no key was used). On failure the uses are kept for the next
// flush and the Toucher's error is returned, wrapped. Without a Toucher it
// does nothing.
func (a *Authenticator) Flush(ctx context.Context) error {
	if a.toucher == nil {
		return nil
	}
	a.usesMu.Lock()
	uses := a.uses
	if len(uses) == 0 {
		a.usesMu.Unlock()
		return nil
	}
	a.uses = make(map[int64]time.Time, len(uses))
	a.usesMu.Unlock()
	if err := a.toucher.Touch(tenant.System(ctx), uses); err != nil {
		a.usesMu.Lock()
		for id, at := range uses {
			if prev, ok := a.uses[id]; !ok || at.After(prev) {
				a.uses[id] = at
			}
		}
		a.usesMu.Unlock()
		return fmt.Errorf("apikey: record last use of %d keys: %w", len(uses), err)
	}
	return nil
}

func (a *Authenticator) loop(interval time.Duration) {
	defer close(a.done)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-a.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), interval)
			if err := a.Flush(ctx); err != nil {
				a.log.Warn("apikey: last_used_at not written; retried at the next flush", "err", err)
			}
			cancel()
		}
	}
}

// Close stops the background flushes and writes the uses still recorded,
// within ctx. It returns the last flush's error. Calling it again only
// flushes again. Authenticate keeps working after Close, but its uses are
// written only by explicit [Authenticator.Flush] calls.
func (a *Authenticator) Close(ctx context.Context) error {
	a.closeOnce.Do(func() { close(a.stop) })
	select {
	case <-a.done:
	case <-ctx.Done():
		return ctx.Err()
	}
	return a.Flush(ctx)
}
