package e2e

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// binary is the askpro binary built once for all tests.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "askpro-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "askpro")
	build := exec.Command("go", "build", "-o", binary, "github.com/askproai/askpro/cmd/askpro")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build askpro:", err)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// env returns a clean environment: no ASKPRO_* from the caller, plus extra.
func env(extra ...string) []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ASKPRO_") {
			out = append(out, kv)
		}
	}
	return append(out, extra...)
}

// run executes askpro to completion in dir and returns stdout and the exit code.
func run(t *testing.T, dir string, environ []string, args ...string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Dir, cmd.Env = dir, environ
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run askpro %v: %v", args, err)
	}
	if code != 0 {
		t.Logf("askpro %v exited %d; stderr:\n%s", args, code, stderr.String())
	}
	return string(out), code
}

// freeAddr returns a loopback address with a port that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// proc is a running askpro process (serve or worker).
type proc struct {
	cmd  *exec.Cmd
	addr string
	url  string
	logs *logBuffer
	// exited is closed once the process is gone; err is its Wait error.
	exited chan struct{}
	err    error
}

type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startProc starts askpro with args in dir; it returns at once. The
// process is killed when the test ends, and its logs are shown if the test
// failed.
func startProc(t *testing.T, dir string, environ []string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir, cmd.Env = dir, environ
	logs := &logBuffer{}
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	p := &proc{cmd: cmd, logs: logs, exited: make(chan struct{})}
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			fmt.Fprintln(logs, sc.Text())
		}
		_, _ = io.Copy(io.Discard, stderr)
		p.err = cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			_ = cmd.Process.Kill()
			<-p.exited
		}
		if t.Failed() {
			t.Logf("askpro %s logs:\n%s", strings.Join(args, " "), logs.String())
		}
	})
	return p
}

// startServe starts `askpro serve` in dir and waits until /healthz answers.
func startServe(t *testing.T, dir string, environ []string, args ...string) *proc {
	t.Helper()
	addr := freeAddr(t)
	p := startProc(t, dir, append(environ, "ASKPRO_HTTP_ADDR="+addr), append([]string{"serve"}, args...)...)
	p.addr, p.url = addr, "http://"+addr
	logs := p.logs
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(p.url + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
		select {
		case <-p.exited:
			t.Fatalf("serve exited before it was healthy: %v\n%s", p.err, logs.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatalf("serve on %s not healthy within 60s\n%s", addr, logs.String())
	return nil
}

// stop sends SIGTERM and returns the exit error (nil = exit 0).
func (p *proc) stop(t *testing.T) error {
	t.Helper()
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	select {
	case <-p.exited:
		return p.err
	case <-time.After(60 * time.Second):
		t.Fatal("serve did not stop within 60s of SIGTERM")
		return nil
	}
}

// kill sends SIGKILL and waits for the process to be gone.
func (p *proc) kill(t *testing.T) {
	t.Helper()
	require.NoError(t, p.cmd.Process.Kill())
	<-p.exited
}
