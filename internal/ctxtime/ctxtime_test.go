package ctxtime_test

import (
	"context"
	"testing"
	"time"

	"github.com/askproai/askpro/internal/ctxtime"
	"github.com/stretchr/testify/assert"
)

func TestSleep(t *testing.T) {
	t.Parallel()
	assert.NoError(t, ctxtime.Sleep(context.Background(), time.Millisecond))
	assert.NoError(t, ctxtime.Sleep(context.Background(), 0))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	assert.ErrorIs(t, ctxtime.Sleep(ctx, time.Hour), context.Canceled, "an ended context returns at once")
	assert.ErrorIs(t, ctxtime.Sleep(ctx, 0), context.Canceled)
}
