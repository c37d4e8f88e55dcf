package health

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/askproai/askpro/migrations"
	"github.com/askproai/askpro/pkg/pool"
	"github.com/askproai/askpro/pkg/queue"
	"github.com/askproai/askpro/pkg/tenant"
)

// Database checks the database behind p: a ping and a read of the schema
// version (SELECT version, dirty FROM schema_migrations). Unhealthy when
// either fails, when the schema is dirty or older than this binary's
// migrations; degraded when it is newer (a rolling upgrade: upgrade this
// process). Details: dialect, schema version, the pool's connections.
func Database(p *pool.Pool) CheckFunc {
	return func(ctx context.Context) Result {
		st := p.Stats()
		details := map[string]any{
			"dialect":         string(p.Dialect()),
			"open":            st.Open,
			"in_use":          st.InUse,
			"idle":            st.Idle,
			"max_open":        st.MaxOpen,
			"wait_count":      st.WaitCount,
			"pool_healthy":    st.Healthy,
			"acquire_timeout": st.AcquireTimeouts,
		}
		if err := p.Ping(ctx); err != nil {
			return Unhealthy(err.Error(), details)
		}
		var (
			v     uint
			dirty bool
		)
		if err := p.DB().QueryRowContext(ctx, "SELECT version, dirty FROM schema_migrations LIMIT 1").Scan(&v, &dirty); err != nil {
			return Unhealthy(fmt.Sprintf("read schema version: %v (run `askpro migrate up`)", err), details)
		}
		want := migrations.Latest(string(p.Dialect()))
		details["schema_version"], details["schema_wanted"] = v, want
		switch {
		case dirty:
			return Unhealthy(fmt.Sprintf("schema is dirty at version %d", v), details)
		case v < want:
			return Unhealthy(fmt.Sprintf("schema is at version %d, this askpro needs %d: run `askpro migrate up`", v, want), details)
		case v > want:
			return Degraded(fmt.Sprintf("schema version %d is newer than this askpro knows (%d): upgrade askpro", v, want), details)
		}
		return Healthy(fmt.Sprintf("%s answers, schema %d, %d of %d connections in use", p.Dialect(), v, st.InUse, st.MaxOpen), details)
	}
}

// Ping checks a dependency with one call (Redis' PING): unhealthy when it
// fails.
func Ping(what string, ping func(ctx context.Context) error) CheckFunc {
	return func(ctx context.Context) Result {
		if err := ping(ctx); err != nil {
			return Unhealthy(fmt.Sprintf("%s: %v", what, err), nil)
		}
		return Healthy(what+" answers", nil)
	}
}

// Failing is a check that always reports err as unhealthy: what a caller
// registers when the dependency could not even be opened (the CLI without
// a database).
func Failing(err error) CheckFunc {
	return func(context.Context) Result { return Unhealthy(err.Error(), nil) }
}

// QueueStatser is what [Queue] reads: *queue.Reader.
type QueueStatser interface {
	QueueStats(ctx context.Context, now time.Time) (queue.QueueStats, error)
}

var _ QueueStatser = (*queue.Reader)(nil)

// QueueOpts configures [Queue].
type QueueOpts struct {
	// MaxAge is how long the oldest waiting event (pending or retrying and
	// available) may wait before the queue is degraded. Zero means 5m.
	MaxAge time.Duration
	// Now is the clock. Nil means time.Now.
	Now func() time.Time
}

// DefaultQueueMaxAge is [QueueOpts.MaxAge]'s default.
const DefaultQueueMaxAge = 5 * time.Minute

// Queue checks the webhook queue: the backlog per queue (events pending
// or retrying), dead letters per queue, and the age of the oldest waiting
// event. Degraded when that age is above MaxAge (the workers are behind or
// stopped: events are stored but not processed); unhealthy when the
// stats cannot be read.
func Queue(r QueueStatser, opts QueueOpts) CheckFunc {
	if opts.MaxAge <= 0 {
		opts.MaxAge = DefaultQueueMaxAge
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return func(ctx context.Context) Result {
		now := opts.Now()
		qs, err := r.QueueStats(tenant.System(ctx), now)
		if err != nil {
			return Unhealthy(err.Error(), nil)
		}
		backlog := map[string]int64{}
		dead := map[string]int64{}
		for _, q := range queue.Queues {
			backlog[string(q)] = 0
		}
		var total int64
		for _, c := range qs.Counts {
			switch c.Status {
			case queue.Pending, queue.Retrying:
				backlog[string(c.Queue)] += c.Count
				total += c.Count
			case queue.DeadLetter:
				dead[string(c.Queue)] += c.Count
			}
		}
		details := map[string]any{
			"backlog":             backlog,
			"dead_letter":         dead,
			"max_age_seconds":     opts.MaxAge.Seconds(),
			"oldest_pending_age":  0.0,
			"oldest_pending_time": nil,
		}
		if qs.OldestPending == nil {
			if total == 0 {
				return Healthy("no events waiting", details)
			}
			return Healthy(fmt.Sprintf("%d events waiting, none due yet", total), details)
		}
		age := max(now.Sub(*qs.OldestPending), 0)
		details["oldest_pending_age"] = age.Seconds()
		details["oldest_pending_time"] = qs.OldestPending.UTC()
		if age > opts.MaxAge {
			return Degraded(fmt.Sprintf("oldest waiting event has waited %s, over %s: are the workers running?", age.Round(time.Second), opts.MaxAge), details)
		}
		return Healthy(fmt.Sprintf("%d events waiting, the oldest for %s", total, age.Round(time.Second)), details)
	}
}

// DiskOpts configures [Disk].
type DiskOpts struct {
	// MinFree is the free space (bytes available to askpro) under which
	// the disk is degraded. Zero means 1 GiB.
	MinFree uint64
}

// DefaultDiskMinFree is [DiskOpts.MinFree]'s default.
const DefaultDiskMinFree = 1 << 30

// ErrDiskUnsupported is returned by the free-space probe on platforms
// where askpro cannot measure it; [Disk] then reports healthy with a note.
var ErrDiskUnsupported = errors.New("health: free disk space is not measured on this platform")

// Disk checks the free space of the file system holding dir (the SQLite
// file's directory, or the working directory): degraded under MinFree,
// unhealthy when dir cannot be examined. Details: free, total, min_free
// bytes and the free percentage.
func Disk(dir string, opts DiskOpts) CheckFunc {
	if opts.MinFree == 0 {
		opts.MinFree = DefaultDiskMinFree
	}
	return func(ctx context.Context) Result {
		free, total, err := diskSpace(dir)
		if errors.Is(err, ErrDiskUnsupported) {
			return Healthy(err.Error(), map[string]any{"path": dir})
		}
		if err != nil {
			return Unhealthy(fmt.Sprintf("disk space of %s: %v", dir, err), map[string]any{"path": dir})
		}
		details := map[string]any{"path": dir, "free_bytes": free, "total_bytes": total, "min_free_bytes": opts.MinFree}
		if total > 0 {
			details["free_percent"] = float64(free) * 100 / float64(total)
		}
		if free < opts.MinFree {
			return Degraded(fmt.Sprintf("%s free on %s, under %s", bytesString(free), dir, bytesString(opts.MinFree)), details)
		}
		return Healthy(fmt.Sprintf("%s free on %s", bytesString(free), dir), details)
	}
}

// bytesString formats n in binary units ("1.5 GiB").
func bytesString(n uint64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := uint64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// ExternalOpts configures [External].
type ExternalOpts struct {
	// Timeout bounds one ping. Zero means 3s.
	Timeout time.Duration
	// TTL is how long a result (good or bad) is reused before the service
	// is asked again, so that probes never hammer it. Zero means 60s.
	TTL time.Duration
	// Now is the clock of the cache. Nil means time.Now.
	Now func() time.Time
}

// Defaults of [ExternalOpts].
const (
	DefaultExternalTimeout = 3 * time.Second
	DefaultExternalTTL     = 60 * time.Second
)

// External checks an external API (Retell, Cal.com) with ping, bounded by
// Timeout, and caches the result for TTL: however many probes arrive, the
// service is asked at most once per TTL (concurrent probes wait for the
// one ping in flight). An unreachable service makes the check degraded,
// not unhealthy: webhooks are still stored and processed later. A nil
// ping means the service is not configured, reported healthy with
// details.configured false. Details: configured, cached, checked_at.
func External(ping func(ctx context.Context) error, opts ExternalOpts) CheckFunc {
	if ping == nil {
		return func(context.Context) Result {
			return Healthy("not configured", map[string]any{"configured": false})
		}
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultExternalTimeout
	}
	if opts.TTL <= 0 {
		opts.TTL = DefaultExternalTTL
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	var (
		mu   sync.Mutex
		last Result
		at   time.Time
	)
	return func(ctx context.Context) Result {
		mu.Lock()
		defer mu.Unlock()
		now := opts.Now()
		cached := !at.IsZero() && now.Sub(at) < opts.TTL
		if !cached {
			pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), opts.Timeout)
			err := ping(pctx)
			cancel()
			if err != nil {
				last = Degraded(fmt.Sprintf("ping failed: %v", err), nil)
			} else {
				last = Healthy("reachable", nil)
			}
			at = now
		}
		res := last
		res.Details = map[string]any{"configured": true, "cached": cached, "checked_at": at.UTC(), "ttl_seconds": opts.TTL.Seconds()}
		return res
	}
}

// TLSOpts configures [TLSCert].
type TLSOpts struct {
	// WarnBefore is how long before expiry the check turns degraded. Zero
	// means 14 days.
	WarnBefore time.Duration
	// Now is the clock. Nil means time.Now.
	Now func() time.Time
}

// DefaultTLSWarnBefore is [TLSOpts.WarnBefore]'s default.
const DefaultTLSWarnBefore = 14 * 24 * time.Hour

// TLSCert checks the expiry of the first certificate (the leaf) in the
// PEM file at path: degraded when it expires within WarnBefore, unhealthy
// when it has expired, is not yet valid, or the file cannot be read or
// parsed. Details: subject, not_before, not_after, days_left.
func TLSCert(path string, opts TLSOpts) CheckFunc {
	if opts.WarnBefore <= 0 {
		opts.WarnBefore = DefaultTLSWarnBefore
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return func(ctx context.Context) Result {
		cert, err := readLeaf(path)
		if err != nil {
			return Unhealthy(err.Error(), map[string]any{"path": path})
		}
		now := opts.Now()
		left := cert.NotAfter.Sub(now)
		details := map[string]any{
			"path":       path,
			"subject":    cert.Subject.String(),
			"dns_names":  cert.DNSNames,
			"not_before": cert.NotBefore.UTC(),
			"not_after":  cert.NotAfter.UTC(),
			"days_left":  int(left.Hours() / 24),
		}
		switch {
		case now.After(cert.NotAfter):
			return Unhealthy(fmt.Sprintf("certificate expired on %s", cert.NotAfter.UTC().Format(time.RFC3339)), details)
		case now.Before(cert.NotBefore):
			return Unhealthy(fmt.Sprintf("certificate is not valid before %s", cert.NotBefore.UTC().Format(time.RFC3339)), details)
		case left < opts.WarnBefore:
			return Degraded(fmt.Sprintf("certificate expires in %s, on %s: renew it", roundDays(left), cert.NotAfter.UTC().Format(time.RFC3339)), details)
		}
		return Healthy(fmt.Sprintf("certificate valid for %s", roundDays(left)), details)
	}
}

func readLeaf(path string) (*x509.Certificate, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read certificate: %w", err)
	}
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return nil, fmt.Errorf("no PEM CERTIFICATE block in %s", path)
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		cert, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse certificate %s: %w", path, err)
		}
		return cert, nil
	}
}

func roundDays(d time.Duration) string {
	if d >= 48*time.Hour {
		return fmt.Sprintf("%d days", int(d.Hours()/24))
	}
	return d.Round(time.Minute).String()
}
