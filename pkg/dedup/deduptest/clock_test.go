package deduptest_test

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/askproai/askpro/pkg/dedup/deduptest"
)

func TestClock(t *testing.T) {
	t.Parallel()
	start := time.Date(2025, time.March, 3, 9, 30, 0, 0, time.UTC)
	c := deduptest.NewClock(start)
	assert.Equal(t, start, c.Now())
	assert.Equal(t, start, c.Now(), "a fake clock stands still")

	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() { c.Advance(time.Second) })
	}
	wg.Wait()
	assert.Equal(t, start.Add(10*time.Second), c.Now())
}
