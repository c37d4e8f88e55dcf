// Package handoff is a channel that producers may send to after it was
// closed without panicking: the building block of the group-commit workers
// (pkg/queue's inbox, pkg/dedup's Redis pipeline), where request goroutines
// hand work to batch workers and Close must not race with a late send.
package handoff

import (
	"context"
	"errors"
	"sync"
)

// ErrClosed is returned by Send after Close.
var ErrClosed = errors.New("handoff: closed")

// Chan hands values from many senders to workers reading C. The zero value
// is not usable; use New.
type Chan[T any] struct {
	mu     sync.RWMutex
	closed bool
	ch     chan T
}

// New returns a Chan with a buffer of size.
func New[T any](size int) *Chan[T] {
	return &Chan[T]{ch: make(chan T, size)}
}

// Send hands v to a worker. It blocks while the buffer is full, and returns
// ErrClosed after Close or ctx's error when ctx ends first (v not sent).
func (c *Chan[T]) Send(ctx context.Context, v T) error {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.closed {
		return ErrClosed
	}
	select {
	case c.ch <- v:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// C is what workers read; it is closed by Close once the sends in progress
// are done, so a worker's range loop ends after the last value.
func (c *Chan[T]) C() <-chan T { return c.ch }

// Close stops accepting values. It is safe to call more than once.
func (c *Chan[T]) Close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.closed {
		c.closed = true
		close(c.ch)
	}
}

// Drain appends to batch the values already waiting in C, without blocking,
// until batch holds max values or C is empty. It reports false once C is
// closed and empty.
func (c *Chan[T]) Drain(batch []T, max int) ([]T, bool) {
	for len(batch) < max {
		select {
		case v, ok := <-c.ch:
			if !ok {
				return batch, false
			}
			batch = append(batch, v)
		default:
			return batch, true
		}
	}
	return batch, true
}
