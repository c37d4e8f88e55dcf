package pool_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/require"

	"github.com/askproai/askpro/internal/testenv"
)

// proxy is a TCP proxy on a fixed 127.0.0.1 port that can be stopped (the
// port then refuses connections and every forwarded connection is cut) and
// started again. It stands in for a database that comes up late or goes
// away.
type proxy struct {
	t        testing.TB
	addr     string
	target   string
	accepted atomic.Int64

	mu    sync.Mutex
	ln    net.Listener
	conns map[net.Conn]struct{}
}

// newProxy reserves a free port for a proxy to target; the proxy is not
// listening yet, so the port refuses connections until start.
func newProxy(t testing.TB, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	p := &proxy{t: t, addr: addr, target: target, conns: map[net.Conn]struct{}{}}
	t.Cleanup(p.stop)
	return p
}

// start listens on the proxy's port and forwards each connection.
func (p *proxy) start() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		return
	}
	var (
		ln  net.Listener
		err error
	)
	for range 50 { // the port may linger briefly after stop
		if ln, err = net.Listen("tcp", p.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		p.t.Errorf("proxy: listen %s: %v", p.addr, err)
		return
	}
	p.ln = ln
	go p.serve(ln)
}

func (p *proxy) serve(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		p.accepted.Add(1)
		go p.forward(c)
	}
}

func (p *proxy) forward(c net.Conn) {
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		_ = c.Close()
		return
	}
	p.mu.Lock()
	if p.ln == nil { // stopped meanwhile
		p.mu.Unlock()
		_ = c.Close()
		_ = up.Close()
		return
	}
	p.conns[c], p.conns[up] = struct{}{}, struct{}{}
	p.mu.Unlock()
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		done <- struct{}{}
	}
	go pipe(up, c)
	go pipe(c, up)
	<-done
	_ = c.Close()
	_ = up.Close()
	p.mu.Lock()
	delete(p.conns, c)
	delete(p.conns, up)
	p.mu.Unlock()
}

// stop closes the listener and cuts every forwarded connection.
func (p *proxy) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		_ = p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		_ = c.Close()
		delete(p.conns, c)
	}
}

// mysqlURL returns a fresh test database URL and its server address.
func mysqlURL(t testing.TB) (url, addr string) {
	t.Helper()
	url = testenv.MySQL(t)
	cfg, err := mysql.ParseDSN(strings.TrimPrefix(url, "mysql://"))
	require.NoError(t, err)
	return url, cfg.Addr
}

// viaAddr rewrites a mysql:// URL to reach the server at addr.
func viaAddr(t testing.TB, url, addr string) string {
	t.Helper()
	cfg, err := mysql.ParseDSN(strings.TrimPrefix(url, "mysql://"))
	require.NoError(t, err)
	cfg.Addr = addr
	return "mysql://" + cfg.FormatDSN()
}

// logRecorder is a slog.Handler that keeps every message and calls onLog,
// if set, for each.
type logRecorder struct {
	mu    sync.Mutex
	msgs  []string
	onLog func(msg string)
}

func newLogger() (*slog.Logger, *logRecorder) {
	r := &logRecorder{}
	return slog.New(r), r
}

func (r *logRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (r *logRecorder) WithAttrs([]slog.Attr) slog.Handler       { return r }
func (r *logRecorder) WithGroup(string) slog.Handler            { return r }
func (r *logRecorder) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	r.msgs = append(r.msgs, rec.Message)
	fn := r.onLog
	r.mu.Unlock()
	if fn != nil {
		fn(rec.Message)
	}
	return nil
}

func (r *logRecorder) setOnLog(fn func(string)) {
	r.mu.Lock()
	r.onLog = fn
	r.mu.Unlock()
}

// count returns how many messages contain substr.
func (r *logRecorder) count(substr string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, m := range r.msgs {
		if strings.Contains(m, substr) {
			n++
		}
	}
	return n
}

func ctxT(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

var errBoom = errors.New("boom")

func nopLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
