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

	"github.com/askproai/askpro/internal/iostreams"
	"github.com/askproai/askpro/pkg/config"
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

	mu      sync.Mutex
	flags   map[string]*pflag.Flag
	cfg     *config.Config
	cfgErr  error
	cfgDone bool
	logger  *slog.Logger
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

// Logger returns the process logger: log/slog to stderr in the configured
// format and level. Before a config is loaded (or when it is bad) it logs
// text at info level.
func (f *Factory) Logger() *slog.Logger {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.logger != nil {
		return f.logger
	}
	var w io.Writer = os.Stderr
	if f.IO != nil && f.IO.ErrOut != nil {
		w = f.IO.ErrOut
	}
	level, format := slog.LevelInfo, "text"
	if f.cfg != nil {
		_ = level.UnmarshalText([]byte(f.cfg.Log.Level))
		format = f.cfg.Log.Format
	}
	f.logger = NewLogger(w, format, level, f.Version)
	return f.logger
}

// NewLogger builds a slog logger writing format ("json" or "text") at level,
// with hostname and version on every line.
func NewLogger(w io.Writer, format string, level slog.Level, version string) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler
	if format == "json" {
		h = slog.NewJSONHandler(w, opts)
	} else {
		h = slog.NewTextHandler(w, opts)
	}
	host, _ := os.Hostname()
	return slog.New(h).With("hostname", host, "version", version)
}
