package ingest_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/askproai/askpro/pkg/dedup"
	"github.com/askproai/askpro/pkg/ingest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newGuard(t *testing.T) (*ingest.Guard, dedup.Store) {
	t.Helper()
	store := dedup.NewMemoryStore(dedup.MemoryConfig{})
	d, err := dedup.New(dedup.Config{Store: store, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	g, err := ingest.NewGuard(ingest.GuardConfig{Dedup: d, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	return g, store
}

func TestGuard(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("a failed store releases the key and is not success", func(t *testing.T) {
		t.Parallel()
		g, store := newGuard(t)
		boom := errors.New("boom")
		_, err := g.Do(ctx, "k1", time.Minute, func(context.Context) (bool, error) { return false, boom })
		require.ErrorIs(t, err, boom)
		c, err := store.Claim(ctx, "k1", time.Second)
		require.NoError(t, err)
		assert.Equal(t, dedup.Claimed, c.State, "the retry may claim the key at once")
	})
	t.Run("a duplicate the store found is a duplicate, and completes the key", func(t *testing.T) {
		t.Parallel()
		g, store := newGuard(t)
		out, err := g.Do(ctx, "k2", time.Minute, func(context.Context) (bool, error) { return true, nil })
		require.NoError(t, err)
		assert.Equal(t, ingest.Duplicate, out)
		c, err := store.Claim(ctx, "k2", time.Second)
		require.NoError(t, err)
		assert.Equal(t, dedup.Completed, c.State)
	})
	t.Run("a key in flight elsewhere still runs the store", func(t *testing.T) {
		t.Parallel()
		g, store := newGuard(t)
		_, err := store.Claim(ctx, "k3", time.Minute)
		require.NoError(t, err)
		ran := false
		out, err := g.Do(ctx, "k3", time.Minute, func(context.Context) (bool, error) { ran = true; return false, nil })
		require.NoError(t, err)
		assert.True(t, ran, "in flight is never a duplicate")
		assert.Equal(t, ingest.Stored, out)
	})
	t.Run("a cancelled request still completes the key", func(t *testing.T) {
		t.Parallel()
		g, store := newGuard(t)
		cctx, cancel := context.WithCancel(ctx)
		_, err := g.Do(cctx, "k4", time.Minute, func(context.Context) (bool, error) { cancel(); return false, nil })
		require.NoError(t, err)
		c, err := store.Claim(ctx, "k4", time.Second)
		require.NoError(t, err)
		assert.Equal(t, dedup.Completed, c.State)
	})
	t.Run("no deduper", func(t *testing.T) {
		t.Parallel()
		_, err := ingest.NewGuard(ingest.GuardConfig{})
		assert.ErrorIs(t, err, ingest.ErrNoDeduper)
	})
}
