package cmdutil_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/askproai/askpro/internal/cmdutil"
	"github.com/askproai/askpro/internal/iostreams"
	"github.com/askproai/askpro/pkg/config"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLoggerFormat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		tty      bool
		verbose  bool
		environ  []string
		wantJSON bool
		wantInfo bool
	}{
		{"serve on a terminal without log.format: text", true, true, nil, false, true},
		{"serve piped without log.format: json", false, true, nil, true, true},
		{"serve on a terminal with log.format=json: json", true, true, []string{"ASKPRO_LOG_FORMAT=json"}, true, true},
		{"serve piped with log.format=text: text", false, true, []string{"ASKPRO_LOG_FORMAT=text"}, false, true},
		{"serve at log.level=warn drops info", false, true, []string{"ASKPRO_LOG_LEVEL=warn"}, true, false},
		{"a short command: warnings as text", false, false, []string{"ASKPRO_LOG_FORMAT=json"}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ios, _, _, errOut := iostreams.Test()
			ios.SetStderrTTY(tt.tty)
			f := cmdutil.New(ios, "v-test")
			f.ConfigFile, f.Environ, f.Verbose = emptyConfig(t), append([]string{}, tt.environ...), tt.verbose // never the process environment
			t.Cleanup(func() { _ = f.Close() })
			log, err := f.OpenLogger()
			require.NoError(t, err)
			require.Same(t, log, f.Logger(), "one logger")
			log.Info("info line", "caller", "+4915112345678")
			log.Warn("warn line")
			out := errOut.String()
			first := strings.SplitN(out, "\n", 2)[0]
			assert.Equal(t, tt.wantJSON, json.Valid([]byte(first)), out)
			assert.Equal(t, tt.wantInfo, strings.Contains(out, "info line"), out)
			assert.Contains(t, out, "warn line")
			assert.Contains(t, out, "v-test", "the version on every line")
			assert.NotContains(t, out, "+4915112345678", "masked")
		})
	}
}

func emptyConfig(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "askpro.yaml")
	require.NoError(t, os.WriteFile(p, []byte("{}\n"), 0o600))
	return p
}

func TestLoggerErrorFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "errors.log")
	ios, _, _, errOut := iostreams.Test()
	f := cmdutil.New(ios, "v-test")
	f.ConfigFile, f.Environ, f.Verbose = emptyConfig(t), []string{"ASKPRO_LOG_ERROR_FILE=" + path}, true
	log, err := f.OpenLogger()
	require.NoError(t, err)
	log.Warn("only on stderr")
	log.Error("on both")
	require.NoError(t, f.Close())
	log.Error("after close")

	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Contains(t, string(raw), `"msg":"on both"`)
	assert.NotContains(t, string(raw), "only on stderr")
	assert.NotContains(t, string(raw), "after close", "Close closed the file")
	assert.Contains(t, errOut.String(), "only on stderr")
	assert.Contains(t, errOut.String(), "after close", "stderr still works")
}

func TestLoggerErrorFileBadPath(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "missing-dir", "errors.log")
	ios, _, _, errOut := iostreams.Test()
	f := cmdutil.New(ios, "v-test")
	f.ConfigFile, f.Environ, f.Verbose = emptyConfig(t), []string{"ASKPRO_LOG_ERROR_FILE=" + path}, true
	t.Cleanup(func() { _ = f.Close() })
	log, err := f.OpenLogger()
	require.Error(t, err)
	assert.Equal(t, cmdutil.ExitUsage, cmdutil.ExitCode(err))
	var ke *config.KeyError
	require.ErrorAs(t, err, &ke)
	assert.Equal(t, "log.error_file", ke.Key)
	assert.ErrorIs(t, err, os.ErrNotExist)
	require.NotNil(t, log, "a logger without the file all the same")
	log.Error("still logs")
	assert.Contains(t, errOut.String(), "still logs")
	assert.NoFileExists(t, path)
}
