package dedup

import (
	"container/heap"
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"
)

// MemoryConfig configures a [MemoryStore].
type MemoryConfig struct {
	// MaxKeys bounds the number of markers kept. When the store is full,
	// expired markers are dropped and then the one expiring soonest (the
	// oldest among equals) is evicted. Zero or negative means 100_000.
	MaxKeys int

	// Now is the clock TTLs are measured on. Nil means time.Now.
	Now func() time.Time
}

// MemoryStats are counters of a [MemoryStore].
type MemoryStats struct {
	// Keys is the number of markers held, including any that expired
	// since the last Claim or Complete.
	Keys int
	// Evictions counts live markers dropped to respect MaxKeys.
	Evictions uint64
}

// MemoryStore is a [Store] in process memory for a single askpro process
// (no Redis configured); across processes the database UNIQUE key still
// guards. It is bounded by [MemoryConfig.MaxKeys], expires markers lazily on
// its clock (each call first drops what has expired), needs no background
// goroutine and no Close, and is safe for concurrent use.
//
// Evicting a marker early is safe: an evicted in-flight claim or completed
// marker only lets a retry through to the database's UNIQUE key.
//
// One mutex guards the store. Sharding was measured and gained nothing on
// a two-core machine (Claim+Complete takes microseconds either way, far
// below the database insert it guards), while it would make eviction only
// approximately soonest-expiring.
type MemoryStore struct {
	now func() time.Time

	mu        sync.Mutex
	max       int
	m         map[string]*memEntry
	h         memHeap // by expiry, then insertion order
	seq       uint64
	evictions uint64
}

var _ Store = (*MemoryStore)(nil)

// memEntry is one marker.
type memEntry struct {
	key         string
	token       string // "" once completed
	completedAt time.Time
	expires     int64  // Unix nanoseconds
	seq         uint64 // insertion order; also makes tokens unique
	idx         int    // position in the heap
}

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore(cfg MemoryConfig) *MemoryStore {
	if cfg.MaxKeys <= 0 {
		cfg.MaxKeys = 100_000
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &MemoryStore{now: cfg.Now, max: cfg.MaxKeys, m: make(map[string]*memEntry)}
}

// Claim implements [Store.Claim]. Errors: [ErrEmptyKey], [ErrInvalidTTL],
// and ctx.Err() (wrapped) if ctx is already done.
func (s *MemoryStore) Claim(ctx context.Context, key string, inflight time.Duration) (Claim, error) {
	c := Claim{Key: key, State: InFlight}
	if err := checkKey(key); err != nil {
		return c, err
	}
	if err := checkTTL(inflight); err != nil {
		return c, err
	}
	if err := ctxDone(ctx, "claim", key); err != nil {
		return c, err
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropExpired(now)
	if e, ok := s.m[key]; ok {
		if e.token == "" {
			c.State, c.CompletedAt = Completed, e.completedAt
		}
		return c, nil
	}
	e := s.insert(key, now.Add(inflight).UnixNano())
	e.token = strconv.FormatUint(e.seq, 36)
	c.State, c.Token = Claimed, e.token
	return c, nil
}

// Complete implements [Store.Complete]. Errors: [ErrEmptyKey],
// [ErrInvalidTTL], and ctx.Err() (wrapped) if ctx is already done.
func (s *MemoryStore) Complete(ctx context.Context, c Claim, ttl time.Duration) error {
	if err := checkKey(c.Key); err != nil {
		return err
	}
	if err := checkTTL(ttl); err != nil {
		return err
	}
	if err := ctxDone(ctx, "complete", c.Key); err != nil {
		return err
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropExpired(now)
	e, ok := s.m[c.Key]
	if ok {
		e.expires = now.Add(ttl).UnixNano()
		heap.Fix(&s.h, e.idx)
	} else {
		e = s.insert(c.Key, now.Add(ttl).UnixNano())
	}
	e.token, e.completedAt = "", now
	return nil
}

// Release implements [Store.Release]. Errors: [ErrEmptyKey], and ctx.Err()
// (wrapped) if ctx is already done.
func (s *MemoryStore) Release(ctx context.Context, c Claim) error {
	if err := checkKey(c.Key); err != nil {
		return err
	}
	if !releasable(c) {
		return nil
	}
	if err := ctxDone(ctx, "release", c.Key); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.m[c.Key]; ok && e.token == c.Token {
		s.remove(e)
	}
	return nil
}

// Stats returns the store's counters.
func (s *MemoryStore) Stats() MemoryStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return MemoryStats{Keys: len(s.m), Evictions: s.evictions}
}

// ctxDone returns ctx's error, wrapped, once ctx is done.
func ctxDone(ctx context.Context, op, key string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memory %s %q: %w", op, key, err)
	}
	return nil
}

// dropExpired removes every marker expired at now. They sit at the top of
// the heap, so each marker is dropped once, in O(log n).
func (s *MemoryStore) dropExpired(now time.Time) {
	ns := now.UnixNano()
	for len(s.h) > 0 && s.h[0].expires <= ns {
		s.remove(s.h[0])
	}
}

// insert adds a fresh marker for key, evicting the soonest-expiring marker
// if the store is full. dropExpired must have run first.
func (s *MemoryStore) insert(key string, expires int64) *memEntry {
	if len(s.m) >= s.max {
		s.remove(s.h[0])
		s.evictions++
	}
	s.seq++
	e := &memEntry{key: key, expires: expires, seq: s.seq}
	s.m[key] = e
	heap.Push(&s.h, e)
	return e
}

func (s *MemoryStore) remove(e *memEntry) {
	heap.Remove(&s.h, e.idx)
	delete(s.m, e.key)
}

type memHeap []*memEntry

func (h memHeap) Len() int { return len(h) }
func (h memHeap) Less(i, j int) bool {
	if h[i].expires != h[j].expires {
		return h[i].expires < h[j].expires
	}
	return h[i].seq < h[j].seq
}
func (h memHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].idx, h[j].idx = i, j
}
func (h *memHeap) Push(x any) {
	e := x.(*memEntry)
	e.idx = len(*h)
	*h = append(*h, e)
}
func (h *memHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return e
}
