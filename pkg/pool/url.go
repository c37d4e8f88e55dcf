package pool

import (
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
)

// Dialect names the SQL database behind a [Pool].
type Dialect string

// Supported dialects.
const (
	// MySQL is MySQL 8 or MariaDB 10.6+ through github.com/go-sql-driver/mysql.
	MySQL Dialect = "mysql"
	// SQLite is SQLite through modernc.org/sqlite (driver name "sqlite").
	SQLite Dialect = "sqlite"
)

// MySQL session settings every connection gets (the spec's
// MYSQL_ATTR_INIT_COMMAND and charset/collation).
const (
	mysqlCharset   = "utf8mb4"
	mysqlCollation = "utf8mb4_unicode_ci"
	mysqlSQLMode   = "'TRADITIONAL,NO_AUTO_VALUE_ON_ZERO'"
	mysqlTimeZone  = "'+00:00'"
)

// target is a parsed database URL.
type target struct {
	dialect Dialect
	masked  string // the URL with the password masked

	mysql *mysql.Config // MySQL only

	path      string // SQLite only: the database file
	readerDSN string // SQLite only
	writerDSN string // SQLite only: readerDSN plus _txlock=immediate
}

// dsn returns the driver DSN for the reader (and on MySQL the only) pool.
func (t *target) dsn() string {
	if t.dialect == MySQL {
		return t.mysql.FormatDSN()
	}
	return t.readerDSN
}

// ParseURL splits a database URL in golang-migrate's format into its dialect
// and the driver DSN [Open] uses, with the session settings of the default
// [Config] applied:
//
//   - mysql://user:pass@tcp(host:3306)/askpro?parseTime=true: the part after
//     the scheme is a github.com/go-sql-driver/mysql DSN. The result forces
//     charset utf8mb4 with collation utf8mb4_unicode_ci, sql_mode
//     TRADITIONAL,NO_AUTO_VALUE_ON_ZERO, time_zone +00:00, parseTime=true,
//     loc=UTC and server-side prepared statements (interpolateParams=false);
//     timeout, readTimeout and writeTimeout default to ConnectionTimeout and
//     QueryTimeout unless the URL sets them. Other parameters are kept.
//   - sqlite://path/to/askpro.db (relative) or sqlite:///abs/askpro.db
//     (absolute): a modernc.org/sqlite DSN whose _pragma parameters give every
//     connection busy_timeout 5000, journal_mode WAL, foreign_keys ON and
//     synchronous NORMAL. A busy_timeout in the URL is kept; journal_mode,
//     foreign_keys and synchronous in the URL are replaced. The writer DSN of
//     [Pool.Writer] adds _txlock=immediate.
//
// It returns an error wrapping [ErrUnsupportedScheme] for another scheme and
// [ErrInvalidURL] for a malformed URL. Error messages mask the password.
func ParseURL(rawURL string) (Dialect, string, error) {
	t, err := parseURL(rawURL, Config{}.withDefaults())
	if err != nil {
		return "", "", err
	}
	return t.dialect, t.dsn(), nil
}

func parseURL(rawURL string, cfg Config) (*target, error) {
	masked := MaskURL(rawURL)
	scheme, rest, ok := strings.Cut(rawURL, "://")
	if !ok || scheme == "" {
		return nil, fmt.Errorf("%w: %q has no scheme (want mysql://... or sqlite://...)", ErrInvalidURL, masked)
	}
	switch strings.ToLower(scheme) {
	case string(MySQL):
		return parseMySQL(rest, masked, cfg)
	case string(SQLite), "sqlite3":
		return parseSQLite(rest, masked)
	default:
		return nil, fmt.Errorf("%w %q in %q (want mysql:// or sqlite://)", ErrUnsupportedScheme, scheme, masked)
	}
}

func parseMySQL(dsn, masked string, cfg Config) (*target, error) {
	mc, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("%w: %q: %w", ErrInvalidURL, masked, err)
	}
	if mc.DBName == "" {
		return nil, fmt.Errorf("%w: %q names no database (want mysql://user:pass@tcp(host:3306)/askpro)", ErrInvalidURL, masked)
	}
	if err := mc.Apply(mysql.Charset(mysqlCharset, mysqlCollation)); err != nil {
		return nil, fmt.Errorf("%w: %q: %w", ErrInvalidURL, masked, err)
	}
	mc.ParseTime = true
	mc.Loc = time.UTC
	mc.InterpolateParams = false
	if mc.Params == nil {
		mc.Params = map[string]string{}
	}
	for k := range mc.Params {
		switch strings.ToLower(k) {
		case "sql_mode", "time_zone", "names", "character_set_client", "character_set_connection",
			"character_set_results", "collation_connection":
			delete(mc.Params, k)
		}
	}
	mc.Params["sql_mode"] = mysqlSQLMode
	mc.Params["time_zone"] = mysqlTimeZone
	if mc.Timeout == 0 {
		mc.Timeout = cfg.ConnectionTimeout
	}
	if mc.ReadTimeout == 0 {
		mc.ReadTimeout = cfg.QueryTimeout
	}
	if mc.WriteTimeout == 0 {
		mc.WriteTimeout = cfg.QueryTimeout
	}
	return &target{dialect: MySQL, masked: masked, mysql: mc}, nil
}

// sqlitePragmas are applied, in this order, to every SQLite connection.
// busy_timeout comes first so that the journal_mode switch of a fresh
// database waits for concurrent openers instead of failing.
var sqlitePragmas = []struct{ name, value string }{
	{"busy_timeout", strconv.FormatInt(DefaultSQLiteBusyTimeout.Milliseconds(), 10)},
	{"journal_mode", "WAL"},
	{"foreign_keys", "1"},
	{"synchronous", "NORMAL"},
}

func parseSQLite(rest, masked string) (*target, error) {
	path, rawQuery, _ := strings.Cut(rest, "?")
	if path == "" {
		return nil, fmt.Errorf("%w: %q has no file path (want sqlite://path/to/askpro.db)", ErrInvalidURL, masked)
	}
	if strings.Contains(path, ":memory:") || strings.HasPrefix(path, "file:") {
		return nil, fmt.Errorf("%w: %q: in-memory databases and file: URIs are not supported "+
			"(the reader and writer connections must share one database file)", ErrInvalidURL, masked)
	}
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return nil, fmt.Errorf("%w: %q: %w", ErrInvalidURL, masked, err)
	}
	if strings.EqualFold(q.Get("mode"), "memory") {
		return nil, fmt.Errorf("%w: %q: in-memory databases are not supported", ErrInvalidURL, masked)
	}

	// The user's busy timeout wins; journal_mode, foreign_keys and
	// synchronous are ours.
	userBusy := q.Get("_busy_timeout") != "" || q.Get("_timeout") != ""
	var userPragmas []string
	for _, p := range q["_pragma"] {
		name, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(p)), "(")
		name, _, _ = strings.Cut(name, "=")
		switch strings.TrimSpace(name) {
		case "busy_timeout":
			if !userBusy {
				userPragmas = append(userPragmas, p)
				userBusy = true
			}
		case "journal_mode", "foreign_keys", "synchronous":
		default:
			userPragmas = append(userPragmas, p)
		}
	}
	for _, k := range []string{"_pragma", "_journal_mode", "_journal", "_foreign_keys", "_fk", "_synchronous", "_sync"} {
		q.Del(k)
	}
	var pragmas []string
	for _, p := range sqlitePragmas {
		if p.name == "busy_timeout" && userBusy {
			continue
		}
		pragmas = append(pragmas, p.name+"("+p.value+")")
	}
	pragmas = append(pragmas, userPragmas...)

	// Times are written in SQLite's own format ("2006-01-02
	// 15:04:05.999999999-07:00") so that they sort as text and SQLite's date
	// functions read them; the driver's default is Go's time.String().
	if q.Get("_time_format") == "" {
		q.Set("_time_format", "sqlite")
	}

	reader := sqliteDSN(path, pragmas, q)
	wq := url.Values{}
	for k, v := range q {
		wq[k] = v
	}
	wq.Set("_txlock", "immediate")
	writer := sqliteDSN(path, pragmas, wq)
	return &target{dialect: SQLite, masked: masked, path: path, readerDSN: reader, writerDSN: writer}, nil
}

// sqliteDSN formats a modernc.org/sqlite DSN: the path, then the pragmas in
// order, then the other parameters sorted by key.
func sqliteDSN(path string, pragmas []string, q url.Values) string {
	var b strings.Builder
	b.WriteString(path)
	sep := byte('?')
	add := func(k, v string) {
		b.WriteByte(sep)
		sep = '&'
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(v)
	}
	for _, p := range pragmas {
		add("_pragma", pragmaEscape(p))
	}
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range q[k] {
			add(url.QueryEscape(k), url.QueryEscape(v))
		}
	}
	return b.String()
}

// pragmaEscape query-escapes a pragma but keeps its parentheses readable.
func pragmaEscape(p string) string {
	e := url.QueryEscape(p)
	return strings.NewReplacer("%28", "(", "%29", ")").Replace(e)
}

// MaskURL returns raw with the password of its credentials replaced by
// "****", for display and error messages: mysql://user:****@tcp(host)/db,
// redis://:****@host:6379/0. It follows go-sql-driver's DSN rules (the last
// '@' before the last '/' ends the credentials, the first ':' in them ends
// the user name), which fit redis:// URLs too, so that it also masks URLs
// that fail to parse. A URL without a password is returned unchanged. It is
// askpro's one masker: pkg/config uses it as well.
func MaskURL(raw string) string {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		rest, scheme = raw, ""
	}
	slash := strings.LastIndexByte(rest, '/')
	if slash < 0 {
		slash = len(rest)
	}
	at := strings.LastIndexByte(rest[:slash], '@')
	if at < 0 {
		return raw
	}
	colon := strings.IndexByte(rest[:at], ':')
	if colon < 0 {
		return raw
	}
	masked := rest[:colon+1] + "****" + rest[at:]
	if ok {
		return scheme + "://" + masked
	}
	return masked
}
