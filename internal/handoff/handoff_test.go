package handoff_test

import (
	"context"
	"sync"
	"testing"

	"github.com/askproai/askpro/internal/handoff"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSendDrainClose(t *testing.T) {
	t.Parallel()
	c := handoff.New[int](8)
	for i := 0; i < 5; i++ {
		require.NoError(t, c.Send(context.Background(), i))
	}
	batch, open := c.Drain(nil, 3)
	assert.Equal(t, []int{0, 1, 2}, batch, "Drain stops at max")
	assert.True(t, open)
	batch, open = c.Drain(batch[:0], 10)
	assert.Equal(t, []int{3, 4}, batch, "Drain stops when empty")
	assert.True(t, open)

	c.Close()
	c.Close()
	assert.ErrorIs(t, c.Send(context.Background(), 9), handoff.ErrClosed)
	_, open = c.Drain(nil, 10)
	assert.False(t, open, "closed and empty")
}

func TestSendHonoursContextWhenFull(t *testing.T) {
	t.Parallel()
	c := handoff.New[int](1)
	require.NoError(t, c.Send(context.Background(), 1))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	assert.ErrorIs(t, c.Send(ctx, 2), context.Canceled)
}

func TestConcurrentSendAndClose(t *testing.T) {
	t.Parallel()
	c := handoff.New[int](4)
	var got sync.WaitGroup
	got.Add(1)
	received := 0
	go func() {
		defer got.Done()
		for range c.C() {
			received++
		}
	}()
	var wg sync.WaitGroup
	var mu sync.Mutex
	sent := 0
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if c.Send(context.Background(), i) == nil {
				mu.Lock()
				sent++
				mu.Unlock()
			}
		}(i)
		if i == 25 {
			c.Close() // sends racing with Close must not panic
		}
	}
	wg.Wait()
	c.Close()
	got.Wait()
	assert.Equal(t, sent, received, "every accepted value is delivered")
}
