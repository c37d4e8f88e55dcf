package app

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/redis/go-redis/v9"
)

// redisLogger routes go-redis' internal log lines (dial failures, pool
// errors, which it otherwise prints as plain text to stderr) through slog,
// as warnings of the most recently built App's logger.
type redisLogger struct{ log atomic.Pointer[slog.Logger] }

var (
	redisLog     redisLogger
	redisLogOnce sync.Once
)

// setRedisLogger makes go-redis log through log. redis.SetLogger is global,
// so it is called once; later Apps replace the logger it writes to.
func setRedisLogger(log *slog.Logger) {
	redisLog.log.Store(log)
	redisLogOnce.Do(func() { redis.SetLogger(&redisLog) })
}

// Printf implements go-redis' internal.Logging.
func (l *redisLogger) Printf(ctx context.Context, format string, v ...any) {
	log := l.log.Load()
	if log == nil {
		return
	}
	if ctx == nil {
		ctx = context.Background()
	}
	msg := strings.TrimPrefix(strings.TrimSpace(fmt.Sprintf(format, v...)), "redis: ")
	log.WarnContext(ctx, "redis: "+msg, "component", "go-redis")
}
