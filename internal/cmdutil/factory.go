// Package cmdutil holds what every askpro command shares: the [Factory] of
// lazily built dependencies, typed errors and [ExitCode], the -o flag with
// its [Exporter], and argument helpers.
//
// The pattern is cli/cli's: a Factory of function fields, built once in
// [New]; each command copies into its Options exactly the functions it
// uses, so a test can hand a command fakes instead of a database.
package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"

	"github.com/askproai/askpro/internal/iostreams"
	"github.com/askproai/askpro/internal/logging"
	"github.com/askproai/askpro/migrations"
	"github.com/askproai/askpro/pkg/config"
	"github.com/askproai/askpro/pkg/pool"
	"github.com/askproai/askpro/pkg/provision"
	"github.com/askproai/askpro/pkg/queue"
	"github.com/askproai/askpro/pkg/store"
	"github.com/spf13/pflag"
)

// Factory builds a command's dependencies on first use, so that `askpro
// version` never opens a database and a bad config fails only the commands
// that need it. The function fields are set by [New]; tests replace the
// ones a command uses.
type Factory struct {
	IO      *iostreams.IOStreams
	Version string

	// ConfigFile is the value of --config.
	ConfigFile string
	// Environ overrides os.Environ() (tests). Nil means the process environment.
	Environ []string
	// Verbose makes the logger honour log.level and log.format. Short
	// commands leave it off and log only warnings, as text; serve turns it
	// on before the first log line.
	Verbose bool

	// Config loads the effective configuration (defaults < file < env <
	// bound flags) once. Its errors are configuration errors (exit 2).
	Config func() (*config.Config, error)
	// Logger returns the process logger: log/slog to IO.ErrOut. Short
	// commands get warnings as text; with Verbose it is built from log.*
	// (internal/logging): log.format (empty: text when stderr is a
	// terminal, else JSON) at log.level, and lines at error level also to
	// log.error_file. When that file cannot be opened Logger still returns
	// a logger (without it); OpenLogger reports the error.
	Logger func() *slog.Logger
	// OpenLogger returns the logger Logger returns, and a configuration
	// error (exit 2, naming log.error_file) when log.error_file cannot be
	// opened. The long-running commands (serve, worker) call it before
	// their first line. Close closes the error file.
	OpenLogger func() (*slog.Logger, error)
	// Pool opens the configured database once. Short-lived commands do not
	// need the spec's warm pool: unless long is true the warm-up and the
	// health loop are skipped.
	Pool func(ctx context.Context, long bool) (*pool.Pool, error)
	// Migrator opens a migrator on the configured database; the caller
	// closes it. An unsupported URL is a configuration error (exit 2).
	Migrator func() (*migrations.Migrator, error)
	// Migrate brings the configured database to the latest embedded schema
	// and returns the version it is at.
	Migrate func(ctx context.Context) (uint, error)
	// Store opens the database and returns a store on it. It refuses a
	// database whose schema is not the binary's, naming the command that
	// fixes it (exit 1).
	Store func(ctx context.Context) (*store.Store, error)

	// Companies, Branches, Services, WorkingHours, Customers, Calls,
	// Appointments and AuditLog are the repositories of Store, for
	// commands that need only one.
	Companies    func(ctx context.Context) (*store.Companies, error)
	Branches     func(ctx context.Context) (*store.Branches, error)
	Services     func(ctx context.Context) (*store.Services, error)
	WorkingHours func(ctx context.Context) (*store.WorkingHours, error)
	Customers    func(ctx context.Context) (*store.Customers, error)
	Calls        func(ctx context.Context) (*store.Calls, error)
	Appointments func(ctx context.Context) (*store.Appointments, error)
	AuditLog     func(ctx context.Context) (*store.AuditLog, error)
	// APIKeys is the API key repository of Store.
	APIKeys func(ctx context.Context) (*store.APIKeys, error)
	// Events opens the database and returns the webhook inbox's read model
	// (pkg/queue owns webhook_events). It refuses a database whose schema
	// is not the binary's, as Store does.
	Events func(ctx context.Context) (*queue.Reader, error)
	// Replayer opens the database and returns the queue's replay side
	// (`askpro replay`), refusing a schema that is not the binary's.
	Replayer func(ctx context.Context) (*queue.Replayer, error)
	// InvalidateCompany drops company id from the tenant cache after a
	// command changed it (`company update`, deactivation above all), so
	// that running servers see the change before the cache entry expires.
	// New sets it to drop the company from the shared Redis cache (a no-op
	// without redis.url); nil means there is no cache to invalidate.
	InvalidateCompany func(ctx context.Context, id int64) error
	// InvalidatePhone drops a called number (E.164) from the tenant cache
	// after a command changed which branch answers it (a branch's number
	// changed, or it was switched off or on), like InvalidateCompany.
	InvalidatePhone func(ctx context.Context, number string) error

	// RetellPinger returns what checks that the Retell API answers, for
	// the branch validator. Nil, or a nil Pinger, means Retell is not
	// configured (RETELL_UNREACHABLE). New sets the Retell client of
	// retell.* (nil without retell.api_key).
	RetellPinger func() (provision.Pinger, error)
	// Calendar returns a company's Cal.com account (its own key and base
	// URL, or the platform's), for the branch validator. Nil means Cal.com
	// is not configured (CALCOM_UNREACHABLE). New sets the account of
	// app.CalcomAccounts.
	Calendar func(ctx context.Context, c store.Company) (provision.Calendar, error)
	// Validator builds the branch validator (`askpro validate`) from
	// http.public_url, RetellPinger and Calendar, as they are when it is
	// called.
	Validator func(ctx context.Context) (*provision.Validator, error)
	// Provisioner builds the branch provisioner (`askpro provision`): the
	// store, Validator and the Retell client of retell.*.
	Provisioner func(ctx context.Context) (*provision.Provisioner, error)

	mu        sync.Mutex
	flags     map[string]*pflag.Flag
	pool      *pool.Pool
	logCloser io.Closer
}

// New returns a Factory on the given streams whose functions load the
// configuration, open the database and build the store on first use, and
// cache what they built. It is safe for concurrent use.
func New(ios *iostreams.IOStreams, version string) *Factory {
	f := &Factory{IO: ios, Version: version, flags: map[string]*pflag.Flag{}}
	var (
		cfgOnce sync.Once
		cfg     *config.Config
		cfgErr  error
		logOnce sync.Once
		logger  *slog.Logger
		logErr  error
	)
	f.Config = func() (*config.Config, error) {
		cfgOnce.Do(func() {
			cfg, cfgErr = config.Load(config.LoadOptions{File: f.ConfigFile, Flags: f.activeFlags(), Environ: f.Environ})
			if cfgErr != nil {
				cfgErr = &ExitError{Code: ExitUsage, Err: cfgErr}
			}
		})
		return cfg, cfgErr
	}
	buildLogger := func() {
		logOnce.Do(func() {
			var closer io.Closer
			logger, closer, logErr = f.newLogger()
			f.mu.Lock()
			f.logCloser = closer
			f.mu.Unlock()
		})
	}
	f.Logger = func() *slog.Logger {
		buildLogger()
		return logger
	}
	f.OpenLogger = func() (*slog.Logger, error) {
		buildLogger()
		return logger, logErr
	}
	f.Pool = f.openPool
	f.Migrator = f.openMigrator
	f.Migrate = f.migrate
	f.Store = f.openStore
	f.Companies = repo(f, func(s *store.Store) *store.Companies { return s.Companies })
	f.Branches = repo(f, func(s *store.Store) *store.Branches { return s.Branches })
	f.Services = repo(f, func(s *store.Store) *store.Services { return s.Services })
	f.WorkingHours = repo(f, func(s *store.Store) *store.WorkingHours { return s.WorkingHours })
	f.Customers = repo(f, func(s *store.Store) *store.Customers { return s.Customers })
	f.Calls = repo(f, func(s *store.Store) *store.Calls { return s.Calls })
	f.Appointments = repo(f, func(s *store.Store) *store.Appointments { return s.Appointments })
	f.AuditLog = repo(f, func(s *store.Store) *store.AuditLog { return s.AuditLog })
	f.APIKeys = repo(f, func(s *store.Store) *store.APIKeys { return s.APIKeys })
	f.Events = f.openEvents
	f.Replayer = f.openReplayer
	f.InvalidateCompany = f.invalidateCompany
	f.InvalidatePhone = f.invalidatePhone
	f.RetellPinger = f.retellPinger
	f.Calendar = f.calendar
	f.Validator = f.newValidator
	f.Provisioner = f.newProvisioner
	return f
}

// repo returns a getter of one repository of f.Store.
func repo[R any](f *Factory, pick func(*store.Store) R) func(context.Context) (R, error) {
	return func(ctx context.Context) (R, error) {
		st, err := f.Store(ctx)
		if err != nil {
			var zero R
			return zero, err
		}
		return pick(st), nil
	}
}

// BindFlag makes flag, when set, override config key. Call it while building
// commands, before Config is first called. It panics on a nil flag (a
// programming error).
func (f *Factory) BindFlag(key string, flag *pflag.Flag) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if flag == nil {
		panic(fmt.Sprintf("cmdutil: BindFlag(%q): nil flag", key))
	}
	if f.flags == nil {
		f.flags = map[string]*pflag.Flag{}
	}
	f.flags[key] = flag
}

// activeFlags returns only the flags that were set, so that two commands
// binding the same key with different flags do not fight.
func (f *Factory) activeFlags() map[string]*pflag.Flag {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]*pflag.Flag{}
	for k, fl := range f.flags {
		if fl.Changed {
			out[k] = fl
		}
	}
	return out
}

// Close releases what the factory opened: the database pool, then the
// logger's error file (so that the pool's last lines still reach it).
func (f *Factory) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	var err error
	if f.pool != nil {
		err = f.pool.Close()
		f.pool = nil
	}
	if f.logCloser != nil {
		err = errors.Join(err, f.logCloser.Close())
		f.logCloser = nil
	}
	return err
}

// newLogger builds the logger of Logger and OpenLogger. Without Verbose it
// logs warnings as text; with Verbose it follows log.* (at info, as text on
// a terminal and JSON elsewhere, when the config does not load). An error
// file that cannot be opened is left out of the returned logger and
// reported as a configuration error.
func (f *Factory) newLogger() (*slog.Logger, io.Closer, error) {
	lc := logging.Config{Out: os.Stderr, Format: logging.FormatText, Level: slog.LevelWarn, Version: f.Version}
	lc.Hostname, _ = os.Hostname()
	if f.IO != nil {
		lc.Terminal = f.IO.IsStderrTTY()
		if f.IO.ErrOut != nil {
			lc.Out = f.IO.ErrOut
		}
	}
	if f.Verbose {
		level := slog.LevelInfo
		lc.Format = ""
		if c, err := f.Config(); err == nil {
			_ = level.UnmarshalText([]byte(c.Log.Level))
			lc.Format, lc.ErrorFile = c.Log.Format, c.Log.ErrorFile
		}
		lc.Level = level
	}
	logger, closer, err := logging.New(lc)
	if err == nil {
		return logger, closer, nil
	}
	var fe *logging.ErrorFileError
	if errors.As(err, &fe) {
		err = &ExitError{Code: ExitUsage, Err: &config.KeyError{Key: "log.error_file", Err: fe.Err}}
	}
	lc.ErrorFile = ""
	lc.Format = logging.ResolveFormat(lc.Format, lc.Terminal)
	logger, closer, _ = logging.New(lc) // the config has checked the format
	return logger, closer, err
}

// NewLogger builds a slog logger writing format ("json" or "text"; empty
// picks JSON) at level, with hostname and version on every line, the
// correlation id of the context on every line logged with a *Context
// method, and the masking of internal/logging (numbers masked, secrets
// redacted). It has no error file: the Factory's Logger builds the full
// process logger.
func NewLogger(w io.Writer, format string, level slog.Level, version string) *slog.Logger {
	if format != logging.FormatText {
		format = logging.FormatJSON
	}
	host, _ := os.Hostname()
	logger, _, _ := logging.New(logging.Config{Out: w, Format: format, Level: level, Hostname: host, Version: version})
	return logger
}
