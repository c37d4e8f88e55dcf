// Package cmdutil holds what every askpro command shares: the Factory of
// lazily built dependencies, typed errors that Main maps to exit codes, and
// the -o flag.
package cmdutil

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"

	"github.com/askproai/askpro/internal/correlation"
	"github.com/askproai/askpro/internal/iostreams"
	"github.com/askproai/askpro/pkg/config"
	"github.com/askproai/askpro/pkg/pool"
	"github.com/spf13/pflag"
)

// Factory builds a command's dependencies on first use, so that `askpro
// version` never opens a database and a bad config fails only the commands
// that need it.
type Factory struct {
	IO      *iostreams.IOStreams
	Version string

	// ConfigFile is the value of --config.
	ConfigFile string
	// Environ overrides os.Environ() (tests).
	Environ []string
	// Verbose makes the logger honour log.level and log.format. Short
	// commands leave it off and log only warnings, as text; serve and worker
	// turn it on before the first log line.
	Verbose bool

	mu      sync.Mutex
	flags   map[string]*pflag.Flag
	cfg     *config.Config
	cfgErr  error
	cfgDone bool
	logger  *slog.Logger
	pool    *pool.Pool
}

// New returns a Factory on the given streams.
func New(io *iostreams.IOStreams, version string) *Factory {
	return &Factory{IO: io, Version: version, flags: map[string]*pflag.Flag{}}
}

// BindFlag makes flag, when set, override config key. Call it while building
// commands, before Config is first called.
func (f *Factory) BindFlag(key string, flag *pflag.Flag) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if flag == nil {
		panic(fmt.Sprintf("cmdutil: BindFlag(%q): nil flag", key))
	}
	f.flags[key] = flag
}

// Config loads the effective configuration once. Errors are configuration
// errors (exit 2).
func (f *Factory) Config() (*config.Config, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.cfgDone {
		f.cfg, f.cfgErr = config.Load(config.LoadOptions{File: f.ConfigFile, Flags: f.activeFlags(), Environ: f.Environ})
		if f.cfgErr != nil {
			f.cfgErr = &ExitError{Code: ExitUsage, Err: f.cfgErr}
		}
		f.cfgDone = true
	}
	return f.cfg, f.cfgErr
}

// activeFlags returns only the flags that were set, so that two commands
// binding the same key with different flags do not fight.
func (f *Factory) activeFlags() map[string]*pflag.Flag {
	out := map[string]*pflag.Flag{}
	for k, fl := range f.flags {
		if fl.Changed {
			out[k] = fl
		}
	}
	return out
}

// Logger returns the process logger: log/slog to stderr. With Verbose it
// uses the configured format and level (load the config first); otherwise
// it logs warnings and errors as text.
func (f *Factory) Logger() *slog.Logger {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.loggerLocked()
}

func (f *Factory) loggerLocked() *slog.Logger {
	if f.logger != nil {
		return f.logger
	}
	var w io.Writer = os.Stderr
	if f.IO != nil && f.IO.ErrOut != nil {
		w = f.IO.ErrOut
	}
	level, format := slog.LevelWarn, "text"
	if f.Verbose {
		level = slog.LevelInfo
		if f.cfg != nil {
			_ = level.UnmarshalText([]byte(f.cfg.Log.Level))
			format = f.cfg.Log.Format
		}
	}
	f.logger = NewLogger(w, format, level, f.Version)
	return f.logger
}

// NewLogger builds a slog logger writing format ("json" or "text") at level,
// with hostname and version on every line, and the correlation id of the
// context on every line logged with a *Context method.
func NewLogger(w io.Writer, format string, level slog.Level, version string) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler
	if format == "json" {
		h = slog.NewJSONHandler(w, opts)
	} else {
		h = slog.NewTextHandler(w, opts)
	}
	host, _ := os.Hostname()
	return slog.New(correlation.NewHandler(h, host, version))
}
