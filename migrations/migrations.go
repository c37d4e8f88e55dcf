package migrations

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"path"
	"sort"
	"strings"
	"sync"

	"github.com/askproai/askpro/pkg/pool"
	"github.com/golang-migrate/migrate/v4"
	"github.com/golang-migrate/migrate/v4/database"
	_ "github.com/golang-migrate/migrate/v4/database/mysql"  // registers mysql://
	_ "github.com/golang-migrate/migrate/v4/database/sqlite" // registers sqlite:// (modernc.org/sqlite)
	"github.com/golang-migrate/migrate/v4/source"
	"github.com/golang-migrate/migrate/v4/source/iofs"
)

//go:embed mysql/*.sql sqlite/*.sql
var files embed.FS

// Dialects, as named by the scheme of a database URL and by the directories
// of the embedded migration files.
const (
	// DialectMySQL is MySQL 8 or MariaDB 10.6+ (mysql://user:pass@tcp(host:3306)/db?params).
	DialectMySQL = "mysql"
	// DialectSQLite is SQLite through modernc.org/sqlite (sqlite://path/to.db).
	DialectSQLite = "sqlite"
)

// sqliteBusyTimeout is the busy_timeout pragma, in milliseconds, that [New]
// adds to a SQLite URL that sets none, so that a migration waits for a
// concurrent writer (a running askpro serve) instead of failing half-way.
const sqliteBusyTimeout = "busy_timeout(10000)"

// Errors returned by this package. Other failures (SQL errors of a migration,
// connection errors) are wrapped with %w as they come from golang-migrate and
// the database driver.
var (
	// ErrUnsupportedURL is returned by [New] for a URL whose scheme is not
	// mysql:// or sqlite:// (sqlite3:// is accepted as an alias).
	ErrUnsupportedURL = errors.New("migrations: unsupported database url")
	// ErrDirty is returned when the database is marked dirty: a migration
	// failed half-way. Repair the schema by hand, then call [Migrator.Force].
	ErrDirty = errors.New("migrations: database is dirty")
	// ErrLocked is returned when another migrator holds the migration lock
	// (MySQL GET_LOCK) for longer than the lock timeout.
	ErrLocked = errors.New("migrations: database is locked by another migrator")
	// ErrUnknownVersion is returned when the database's version, or the
	// version given to [Migrator.Force], is not an embedded migration, e.g.
	// the database was migrated by a newer askpro.
	ErrUnknownVersion = errors.New("migrations: version is not an embedded migration")
	// ErrClosed is returned by every method of a closed [Migrator].
	ErrClosed = errors.New("migrations: migrator is closed")
)

// Config configures a [Migrator]. The zero value is ready to use.
type Config struct {
	// Logger receives one Info line per applied migration and one per Up or
	// Down that changed the version. Nil means slog.Default().
	Logger *slog.Logger
}

// MigrationStatus describes one embedded migration as seen in one database.
type MigrationStatus struct {
	// Version is the migration's number, the prefix of its file names.
	Version uint `json:"version"`
	// Name is the part of the file name between the version and ".up.sql",
	// e.g. "tenancy".
	Name string `json:"name"`
	// Applied reports whether the database's version is at or above Version.
	Applied bool `json:"applied"`
	// Current reports whether Version is the database's version.
	Current bool `json:"current"`
	// Dirty reports whether the database is dirty at this version; only the
	// Current entry can be dirty.
	Dirty bool `json:"dirty"`
}

// Migrator applies the embedded migrations of one dialect to one database.
//
// Its methods are safe for concurrent use; they run one at a time. Migrators
// in different processes on one MySQL database serialize on golang-migrate's
// advisory lock (GET_LOCK). On SQLite that lock only covers one Migrator:
// run at most one Migrator per SQLite file at a time.
type Migrator struct {
	mu      sync.Mutex
	url     string // as given to golang-migrate
	dialect string
	logger  *slog.Logger
	mig     *migrate.Migrate
	stopped bool // a graceful stop was requested: mig must be reopened
	closed  bool
}

// New opens a migrator on the database at url, in golang-migrate's URL format
// (mysql://user:pass@tcp(host:3306)/db?params or sqlite://path/to.db, with
// sqlite:///abs/path.db for an absolute path). It uses the embedded files of
// the url's dialect.
//
// On MySQL, golang-migrate's driver sets multiStatements=true on its own
// connection (only there), so a file may hold several statements. On SQLite,
// New adds the pragma busy_timeout(10000) unless the url sets a busy_timeout,
// and each file runs in one transaction.
//
// New returns an error wrapping [ErrUnsupportedURL] for another scheme, and
// the connection error if the database cannot be reached. Error messages never
// contain the url, which may hold a password.
func New(url string, cfg Config) (*Migrator, error) {
	dialect, migrateURL, err := parseURL(url)
	if err != nil {
		return nil, err
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.Default()
	}
	if dialect == "sqlite" {
		// Say that the directory is missing, as pool.Open does, instead of
		// SQLite's "unable to open database file (14)".
		if err := pool.CheckDirectory(url); err != nil {
			return nil, err
		}
	}
	m := &Migrator{url: migrateURL, dialect: dialect, logger: logger.With("dialect", dialect)}
	if err := m.open(); err != nil {
		return nil, err
	}
	return m, nil
}

func parseURL(raw string) (dialect, migrateURL string, err error) {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return "", "", fmt.Errorf("%w: no scheme (want mysql://... or sqlite://...)", ErrUnsupportedURL)
	}
	switch strings.ToLower(scheme) {
	case DialectMySQL:
		if rest == "" {
			return "", "", fmt.Errorf("%w: empty mysql url", ErrUnsupportedURL)
		}
		return DialectMySQL, DialectMySQL + "://" + rest, nil
	case DialectSQLite, "sqlite3":
		u, err := withBusyTimeout(DialectSQLite + "://" + rest)
		if err != nil {
			return "", "", err
		}
		return DialectSQLite, u, nil
	default:
		return "", "", fmt.Errorf("%w: scheme %q (want mysql:// or sqlite://)", ErrUnsupportedURL, scheme)
	}
}

// withBusyTimeout adds the busy_timeout pragma to a sqlite:// URL that has none.
func withBusyTimeout(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("%w: malformed sqlite url: %v", ErrUnsupportedURL, errors.Unwrap(err))
	}
	if u.Host == "" && u.Path == "" {
		return "", fmt.Errorf("%w: sqlite url names no file", ErrUnsupportedURL)
	}
	q := u.Query()
	for _, p := range q["_pragma"] {
		if strings.HasPrefix(strings.ToLower(strings.TrimSpace(p)), "busy_timeout") {
			return raw, nil
		}
	}
	q.Add("_pragma", sqliteBusyTimeout)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// open (re)creates the golang-migrate instance. The caller holds m.mu or owns m.
func (m *Migrator) open() error {
	src, err := iofs.New(files, m.dialect)
	if err != nil {
		return fmt.Errorf("migrations: read embedded %s migrations: %w", m.dialect, err)
	}
	mig, err := migrate.NewWithSourceInstance("iofs", src, m.url)
	if err != nil {
		_ = src.Close()
		return fmt.Errorf("migrations: open %s database: %w", m.dialect, err)
	}
	mig.Log = migrateLogger{m.logger}
	m.mig = mig
	m.stopped = false
	return nil
}

// ready checks that m can run an operation. The caller holds m.mu.
func (m *Migrator) ready(ctx context.Context) error {
	if m.closed {
		return ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if m.stopped {
		// golang-migrate's graceful stop is permanent for an instance.
		if srcErr, dbErr := m.mig.Close(); srcErr != nil || dbErr != nil {
			m.logger.Warn("migrations: close stopped migrator", "error", errors.Join(srcErr, dbErr))
		}
		return m.open()
	}
	return nil
}

// Up applies every embedded migration above the database's version. A
// database that is already up to date is not an error.
//
// Cancelling ctx stops between two migrations, never inside one: Up then
// returns, after the running migration finished, an error wrapping ctx.Err().
// Up returns an error wrapping [ErrDirty], [ErrLocked] or [ErrUnknownVersion]
// in those conditions, or the failing migration's error (the database is then
// dirty).
func (m *Migrator) Up(ctx context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.ready(ctx); err != nil {
		return err
	}
	from, err := m.knownVersion()
	if err != nil {
		return err
	}
	if err := m.run(ctx, "up", m.mig.Up); err != nil {
		return err
	}
	m.logChange("migrated up", from)
	return nil
}

// Down reverts the n most recent migrations; n <= 0 reverts all of them.
// Fewer applied migrations than n, or none, is not an error: Down reverts
// what there is. Cancellation and errors are as for [Migrator.Up].
func (m *Migrator) Down(ctx context.Context, n int) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.ready(ctx); err != nil {
		return err
	}
	from, err := m.knownVersion()
	if err != nil {
		return err
	}
	if from == 0 {
		return nil
	}
	op := m.mig.Down
	if n > 0 {
		op = func() error { return m.mig.Steps(-n) }
	}
	if err := m.run(ctx, "down", op); err != nil {
		return err
	}
	m.logChange("migrated down", from)
	return nil
}

// Version returns the database's migration version and whether it is dirty.
// A database with no migration applied has version 0 and is not dirty
// (golang-migrate's ErrNilVersion is not returned; embedded versions start at
// 1).
func (m *Migrator) Version(ctx context.Context) (version uint, dirty bool, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.ready(ctx); err != nil {
		return 0, false, err
	}
	return m.version()
}

// Force sets the database's version to v and clears the dirty flag without
// running any migration: the repair step after a failed migration was fixed
// by hand. v = 0 (or -1) marks the database as having no migration applied.
// Force returns an error wrapping [ErrUnknownVersion] if v is neither 0, -1
// nor an embedded version.
func (m *Migrator) Force(ctx context.Context, v int) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.ready(ctx); err != nil {
		return err
	}
	target := v
	switch {
	case v == 0 || v == database.NilVersion:
		target = database.NilVersion
	case v < 0 || !hasVersion(m.dialect, uint(v)):
		return fmt.Errorf("%w: force %d", ErrUnknownVersion, v)
	}
	if err := m.mig.Force(target); err != nil {
		return fmt.Errorf("migrations: force version %d: %w", v, mapErr(err))
	}
	m.logger.Info("migrations: forced version", "version", v)
	return nil
}

// Status returns every embedded migration, in version order, with whether it
// is applied to the database. If the database's version is not an embedded
// migration, Status returns the list (entries at or below that version marked
// applied, none current) together with an error wrapping [ErrUnknownVersion].
func (m *Migrator) Status(ctx context.Context) ([]MigrationStatus, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.ready(ctx); err != nil {
		return nil, err
	}
	v, dirty, err := m.version()
	if err != nil {
		return nil, err
	}
	list := embedded(m.dialect)
	out := make([]MigrationStatus, len(list))
	known := v == 0
	for i, e := range list {
		cur := v != 0 && e.Version == v
		known = known || cur
		out[i] = MigrationStatus{
			Version: e.Version,
			Name:    e.Name,
			Applied: v != 0 && e.Version <= v,
			Current: cur,
			Dirty:   cur && dirty,
		}
	}
	if !known {
		return out, fmt.Errorf("%w: database is at version %d", ErrUnknownVersion, v)
	}
	return out, nil
}

// Close closes the database connection of m. Further calls return
// [ErrClosed]; closing twice is not an error.
func (m *Migrator) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil
	}
	m.closed = true
	srcErr, dbErr := m.mig.Close()
	if err := errors.Join(srcErr, dbErr); err != nil {
		return fmt.Errorf("migrations: close: %w", err)
	}
	return nil
}

// Latest returns the highest embedded migration version of dialect
// ([DialectMySQL] or [DialectSQLite]), or 0 for an unknown dialect.
func Latest(dialect string) uint {
	list := embedded(dialect)
	if len(list) == 0 {
		return 0
	}
	return list[len(list)-1].Version
}

// version reads the database version. The caller holds m.mu.
func (m *Migrator) version() (uint, bool, error) {
	v, dirty, err := m.mig.Version()
	if errors.Is(err, migrate.ErrNilVersion) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("migrations: read version: %w", err)
	}
	return v, dirty, nil
}

// knownVersion returns the database version, refusing a version this
// binary does not embed (golang-migrate would fail on it with a bare "file
// does not exist"). It reads without golang-migrate's lock, so a dirty flag
// here may be another migrator's migration in progress (replicas starting
// together): it is not refused here; golang-migrate checks it again under
// its lock and returns ErrDirty for a database that really is dirty. The
// caller holds m.mu.
func (m *Migrator) knownVersion() (uint, error) {
	v, _, err := m.version()
	if err != nil {
		return 0, err
	}
	if v != 0 && !hasVersion(m.dialect, v) {
		return 0, fmt.Errorf("%w: database is at version %d, this binary knows up to %d",
			ErrUnknownVersion, v, Latest(m.dialect))
	}
	return v, nil
}

// run runs op, asking golang-migrate to stop between migrations when ctx is
// done. The caller holds m.mu.
func (m *Migrator) run(ctx context.Context, what string, op func() error) error {
	done := make(chan error, 1)
	go func() { done <- op() }()
	var err error
	stopped := false
	select {
	case err = <-done:
	case <-ctx.Done():
		m.mig.GracefulStop <- true
		m.stopped = true
		stopped = true
		err = <-done
	}
	if errors.Is(err, migrate.ErrNoChange) || errors.As(err, new(migrate.ErrShortLimit)) {
		err = nil
	}
	if stopped {
		v, _, verr := m.version()
		return fmt.Errorf("migrations: %s stopped at version %d: %w", what, v, errors.Join(ctx.Err(), mapErr(err), verr))
	}
	if err != nil {
		return fmt.Errorf("migrations: %s: %w", what, mapErr(err))
	}
	return nil
}

// mapErr maps golang-migrate's errors to this package's sentinels.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	var dirty migrate.ErrDirty
	switch {
	case errors.As(err, &dirty):
		return fmt.Errorf("%w at version %d: repair the schema, then force a version", ErrDirty, dirty.Version)
	case errors.Is(err, migrate.ErrLocked), errors.Is(err, database.ErrLocked), errors.Is(err, migrate.ErrLockTimeout):
		return fmt.Errorf("%w: %w", ErrLocked, err)
	}
	return err
}

func (m *Migrator) logChange(msg string, from uint) {
	to, _, err := m.version()
	if err != nil || to == from {
		return
	}
	m.logger.Info("migrations: "+msg, "from", from, "to", to)
}

// migrateLogger adapts slog to golang-migrate's Logger.
type migrateLogger struct{ l *slog.Logger }

func (g migrateLogger) Printf(format string, v ...any) {
	g.l.Info("migrations: applied " + strings.TrimSpace(fmt.Sprintf(format, v...)))
}

func (g migrateLogger) Verbose() bool { return false }

// entry is one embedded migration.
type entry struct {
	Version uint
	Name    string
}

var (
	embeddedOnce sync.Once
	embeddedList map[string][]entry
)

// embedded lists the up migrations of dialect in version order.
func embedded(dialect string) []entry {
	embeddedOnce.Do(func() {
		embeddedList = map[string][]entry{}
		for _, d := range []string{DialectMySQL, DialectSQLite} {
			names, err := fs.Glob(files, path.Join(d, "*.up.sql"))
			if err != nil {
				panic(err) // the pattern is constant
			}
			var list []entry
			for _, n := range names {
				p, err := source.DefaultParse(path.Base(n))
				if err != nil {
					continue
				}
				list = append(list, entry{Version: p.Version, Name: p.Identifier})
			}
			sort.Slice(list, func(i, j int) bool { return list[i].Version < list[j].Version })
			embeddedList[d] = list
		}
	})
	return embeddedList[dialect]
}

func hasVersion(dialect string, v uint) bool {
	for _, e := range embedded(dialect) {
		if e.Version == v {
			return true
		}
	}
	return false
}
