package cli

import (
	"context"
	"encoding/json"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/internal/cmdutil/cmdutiltest"
	"github.com/askproai/askpro/internal/dbtest"
	"github.com/askproai/askpro/internal/iostreams"
	"github.com/askproai/askpro/internal/testenv"
	"github.com/askproai/askpro/pkg/health"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHealthFlags(t *testing.T) {
	t.Parallel()
	f, _, _ := testFactory(t)
	var got *HealthOptions
	cmd := NewCmdHealth(f, func(o *HealthOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--url", "http://127.0.0.1:8080", "--token-file", "tok", "-o", "json"})
	require.NoError(t, cmd.Execute())
	assert.Equal(t, "http://127.0.0.1:8080", got.URL)
	assert.Equal(t, "tok", got.TokenFile)
	assert.Equal(t, cmdutil.JSONExporter{}, got.Exporter)

	for _, bad := range [][]string{
		{"--url", "127.0.0.1:8080"},
		{"--url", "ftp://x"},
		{"--token-file", "tok"},
		{"--timeout", "0s"},
		{"-o", "yaml"},
		{"extra"},
	} {
		cmd := NewCmdHealth(f, func(*HealthOptions) error { t.Error("run reached"); return nil })
		cmd.SetArgs(bad)
		cmd.SilenceUsage, cmd.SilenceErrors = true, true
		assert.Equal(t, cmdutil.ExitUsage, cmdutil.ExitCode(cmd.Execute()), "%q", bad)
	}
}

// TestHealthLocalHealthy: `askpro health` on a migrated database exits 0
// and reports every check.
func TestHealthLocalHealthy(t *testing.T) {
	t.Parallel()
	b := cmdutiltest.SQLite(t)
	b.Factory.Environ = append(b.Factory.Environ, "ASKPRO_HEALTH_DISK_MIN_FREE=1", "ASKPRO_ENVIRONMENT=staging")
	code := Run(context.Background(), b.Factory, []string{"health", "-o", "json"})
	require.Equal(t, 0, code, "stderr: %s\nstdout: %s", b.ErrOut, b.Out)
	var rep health.Report
	require.NoError(t, json.Unmarshal(b.Out.Bytes(), &rep))
	assert.Equal(t, health.StatusHealthy, rep.Status)
	assert.Equal(t, []string{"calcom", "database", "disk", "queue", "retell"}, rep.Names(), "no redis without redis.url")
	assert.Equal(t, health.StatusHealthy, rep.Checks["database"].Status, rep.Checks["database"].Message)
	assert.Equal(t, "not configured", rep.Checks["retell"].Message)
	assert.Equal(t, "staging", rep.Environment)
	assert.Equal(t, filepath.Dir(strings.TrimPrefix(b.URL, "sqlite://")), rep.Checks["disk"].Details["path"],
		"the disk check watches the SQLite file's directory")
	assert.Nil(t, rep.Metrics, "the CLI's own process metrics mean nothing")

	_, _, out, _ := iostreams.Test()
	require.NoError(t, renderHealth(out, false, rep))
	assert.Contains(t, out.String(), "askpro is HEALTHY (version test, staging, checked ")
	assert.Regexp(t, `(?m)^database\tHEALTHY\t\d+ms\tsqlite answers`, out.String())
}

// TestHealthLocalDatabaseGone: with the database unreachable the report
// names it and the exit code is 1.
func TestHealthLocalDatabaseGone(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	dead := ln.Addr().String()
	require.NoError(t, ln.Close()) // nothing listens there any more

	b := cmdutiltest.SQLite(t)
	b.Factory.Environ = []string{
		"ASKPRO_DATABASE_URL=mysql://root@tcp(" + dead + ")/askpro?parseTime=true",
		"ASKPRO_DATABASE_POOL_RETRY_ATTEMPTS=0",
		"ASKPRO_HEALTH_DISK_MIN_FREE=1",
	}
	code := Run(context.Background(), b.Factory, []string{"health"})
	assert.Equal(t, cmdutil.ExitBad, code, "stderr: %s", b.ErrOut)
	assert.Contains(t, b.Out.String(), "askpro is UNHEALTHY")
	assert.Regexp(t, `(?m)^database\tUNHEALTHY\t`, b.Out.String())
	assert.Regexp(t, `(?m)^queue\tUNHEALTHY\t.*no database`, b.Out.String())
	assert.Regexp(t, `(?m)^disk\tHEALTHY\t`, b.Out.String(), "the other checks still run")
}

// TestHealthRemote asks a server's /health with the configured token and
// exits by the report's status.
func TestHealthRemote(t *testing.T) {
	t.Parallel()
	var status atomic.Value
	status.Store(health.StatusHealthy)
	c, err := health.New(health.Config{Version: "v7", Checks: []health.Check{
		{Name: "database", Run: func(context.Context) health.Result {
			return health.Result{Status: status.Load().(health.Status), Message: "secret detail"}
		}},
	}})
	require.NoError(t, err)
	srv := httptest.NewServer(health.Handler(c, health.HandlerOpts{Token: "tok-123"}))
	t.Cleanup(srv.Close)

	run := func(env []string, args ...string) (int, string, string) {
		b := cmdutiltest.SQLite(t)
		b.Factory.Environ = env
		code := Run(context.Background(), b.Factory, append([]string{"health", "--url", srv.URL + "/"}, args...))
		return code, b.Out.String(), b.ErrOut.String()
	}
	code, out, errOut := run([]string{"ASKPRO_METRICS_TOKEN=tok-123"}, "-o", "json")
	require.Equal(t, 0, code, errOut)
	var rep health.Report
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	assert.Equal(t, "secret detail", rep.Checks["database"].Message, "the token from metrics.token was sent")
	assert.Equal(t, "v7", rep.Version)

	code, out, _ = run(nil)
	assert.Equal(t, 0, code)
	assert.NotContains(t, out, "secret detail", "without a token: statuses only")
	assert.Regexp(t, `(?m)^database\tHEALTHY`, out)

	tokFile := filepath.Join(t.TempDir(), "token")
	require.NoError(t, os.WriteFile(tokFile, []byte("tok-123\n"), 0o600))
	code, out, _ = run(nil, "--token-file", tokFile)
	assert.Equal(t, 0, code)
	assert.Contains(t, out, "secret detail", "the token from --token-file was sent")

	status.Store(health.StatusUnhealthy)
	code, out, _ = run(nil)
	assert.Equal(t, cmdutil.ExitBad, code, "503 with an unhealthy report exits 1")
	assert.Contains(t, out, "askpro is UNHEALTHY")

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	dead := ln.Addr().String()
	require.NoError(t, ln.Close())
	b := cmdutiltest.SQLite(t)
	code = Run(context.Background(), b.Factory, []string{"health", "--url", "http://" + dead})
	assert.Equal(t, cmdutil.ExitBad, code, "a server that cannot be asked is not healthy")
	assert.Contains(t, b.ErrOut.String(), "error: ask http://"+dead+"/health")
}

// TestHealthLocalMySQLAndRedis: the production setup, healthy.
func TestHealthLocalMySQLAndRedis(t *testing.T) {
	t.Parallel()
	b := cmdutiltest.SQLite(t)
	b.Factory.Environ = []string{"ASKPRO_DATABASE_URL=" + dbtest.MySQL(t), "ASKPRO_REDIS_URL=" + testenv.RedisURL(t), "ASKPRO_HEALTH_DISK_MIN_FREE=1"}
	code := Run(context.Background(), b.Factory, []string{"health", "-o", "json"})
	require.Equal(t, 0, code, "stderr: %s\nstdout: %s", b.ErrOut, b.Out)
	var rep health.Report
	require.NoError(t, json.Unmarshal(b.Out.Bytes(), &rep))
	assert.Equal(t, []string{"calcom", "database", "disk", "queue", "redis", "retell"}, rep.Names())
	assert.Equal(t, "mysql", rep.Checks["database"].Details["dialect"])
	assert.Equal(t, health.StatusHealthy, rep.Checks["redis"].Status, rep.Checks["redis"].Message)
	assert.Equal(t, ".", rep.Checks["disk"].Details["path"], "with MySQL the working directory")
}
