// Package ctxtime waits for a duration unless a context ends first.
package ctxtime

import (
	"context"
	"time"
)

// Sleep waits d or until ctx is done, whichever is first, and returns nil
// or ctx's error. A d of zero or less returns ctx's error at once (nil for
// a live context).
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
