package migrations_test

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	_ "github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/require"
	_ "modernc.org/sqlite"

	"github.com/askproai/askpro/internal/testenv"
	"github.com/askproai/askpro/migrations"
)

// allTables is the schema's table list, sorted.
var allTables = []string{
	"api_keys", "appointments", "audit_log", "branches", "calls", "companies",
	"customers", "function_calls", "payments", "services", "webhook_events", "working_hours",
}

// dialectCase runs a test on one dialect. newURL returns a fresh, empty
// (unmigrated) database.
type dialectCase struct {
	name   string
	newURL func(t testing.TB) string
}

var dialects = []dialectCase{
	{name: migrations.DialectSQLite, newURL: func(t testing.TB) string {
		return "sqlite://" + filepath.ToSlash(filepath.Join(t.TempDir(), "askpro.db"))
	}},
	{name: migrations.DialectMySQL, newURL: func(t testing.TB) string { return testenv.MySQL(t) }},
}

// newMigrator opens a migrator that logs nothing and is closed with the test.
func newMigrator(t testing.TB, url string) *migrations.Migrator {
	t.Helper()
	m, err := migrations.New(url, migrations.Config{Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	t.Cleanup(func() { _ = m.Close() })
	return m
}

// openDB opens a plain database/sql handle on url, closed with the test.
// SQLite connections enforce foreign keys; MySQL sessions are in UTC.
func openDB(t testing.TB, url string) *sql.DB {
	t.Helper()
	scheme, rest, ok := strings.Cut(url, "://")
	require.True(t, ok, "url %q has no scheme", url)
	var (
		db  *sql.DB
		err error
	)
	switch scheme {
	case migrations.DialectMySQL:
		sep := "?"
		if strings.Contains(rest, "?") {
			sep = "&"
		}
		db, err = sql.Open("mysql", rest+sep+"time_zone=%27%2B00%3A00%27")
	case migrations.DialectSQLite:
		path, _, _ := strings.Cut(rest, "?")
		db, err = sql.Open("sqlite", path+"?_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)")
	default:
		t.Fatalf("openDB: unknown scheme %q", scheme)
	}
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	require.NoError(t, db.PingContext(context.Background()))
	return db
}

// tableDesc is a dialect-neutral description of one table: what the parity
// test compares. Keys are column lists joined with ",".
type tableDesc struct {
	Columns     []string          // in declaration order
	NotNull     []string          // sorted; primary key columns included
	Defaults    map[string]string // column -> normalized default
	PrimaryKey  string
	Unique      []string // sorted, without the primary key
	Indexes     []string // non-unique, sorted
	ForeignKeys []string // "cols -> table(cols) ON DELETE rule", sorted
}

// schemaDesc maps table name to its description, schema_migrations excluded.
type schemaDesc map[string]tableDesc

// snapshot is everything the round-trip test compares: the neutral
// description and each object's DDL as the database reports it.
type snapshot struct {
	Desc schemaDesc
	DDL  map[string]string
}

func takeSnapshot(t testing.TB, db *sql.DB, dialect string) snapshot {
	t.Helper()
	return snapshot{Desc: describe(t, db, dialect), DDL: ddl(t, db, dialect)}
}

func describe(t testing.TB, db *sql.DB, dialect string) schemaDesc {
	t.Helper()
	if dialect == migrations.DialectMySQL {
		return describeMySQL(t, db)
	}
	return describeSQLite(t, db)
}

var currentTimestamp = regexp.MustCompile(`(?i)^current_timestamp(\(\d*\))?$`)

// normDefault maps the default reported by either dialect to one spelling;
// "" means no default.
func normDefault(v sql.NullString) string {
	s := strings.TrimSpace(v.String)
	if !v.Valid || s == "" || strings.EqualFold(s, "NULL") {
		return ""
	}
	if currentTimestamp.MatchString(s) {
		return "CURRENT_TIMESTAMP"
	}
	if len(s) >= 2 && s[0] == '\'' && s[len(s)-1] == '\'' {
		s = strings.ReplaceAll(s[1:len(s)-1], "''", "'")
		if s == "" {
			return "''" // an empty string, not "no default"
		}
	}
	return s
}

func describeMySQL(t testing.TB, db *sql.DB) schemaDesc {
	t.Helper()
	ctx := context.Background()
	out := schemaDesc{}

	rows, err := db.QueryContext(ctx, `
		SELECT TABLE_NAME, COLUMN_NAME, IS_NULLABLE, COLUMN_DEFAULT
		FROM information_schema.COLUMNS
		WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME <> 'schema_migrations'
		ORDER BY TABLE_NAME, ORDINAL_POSITION`)
	require.NoError(t, err)
	for rows.Next() {
		var table, col, nullable string
		var def sql.NullString
		require.NoError(t, rows.Scan(&table, &col, &nullable, &def))
		td := out[table]
		if td.Defaults == nil {
			td.Defaults = map[string]string{}
		}
		td.Columns = append(td.Columns, col)
		if nullable == "NO" {
			td.NotNull = append(td.NotNull, col)
		}
		if d := normDefault(def); d != "" {
			td.Defaults[col] = d
		}
		out[table] = td
	}
	require.NoError(t, rows.Err())
	require.NoError(t, rows.Close())

	type key struct{ table, index string }
	cols := map[key][]string{}
	unique := map[key]bool{}
	var order []key
	rows, err = db.QueryContext(ctx, `
		SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, COLUMN_NAME
		FROM information_schema.STATISTICS
		WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME <> 'schema_migrations'
		ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX`)
	require.NoError(t, err)
	for rows.Next() {
		var table, index, col string
		var nonUnique int
		require.NoError(t, rows.Scan(&table, &index, &nonUnique, &col))
		k := key{table, index}
		if _, seen := cols[k]; !seen {
			order = append(order, k)
		}
		cols[k] = append(cols[k], col)
		unique[k] = nonUnique == 0
	}
	require.NoError(t, rows.Err())
	require.NoError(t, rows.Close())
	for _, k := range order {
		td := out[k.table]
		c := strings.Join(cols[k], ",")
		switch {
		case k.index == "PRIMARY":
			td.PrimaryKey = c
		case unique[k]:
			td.Unique = append(td.Unique, c)
		default:
			td.Indexes = append(td.Indexes, c)
		}
		out[k.table] = td
	}

	type fkKey struct{ table, name string }
	type fk struct {
		from, to  []string
		ref, rule string
	}
	fks := map[fkKey]*fk{}
	var fkOrder []fkKey
	rows, err = db.QueryContext(ctx, `
		SELECT k.TABLE_NAME, k.CONSTRAINT_NAME, k.COLUMN_NAME, k.REFERENCED_TABLE_NAME,
		       k.REFERENCED_COLUMN_NAME, r.DELETE_RULE
		FROM information_schema.KEY_COLUMN_USAGE k
		JOIN information_schema.REFERENTIAL_CONSTRAINTS r
		  ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME
		 AND r.TABLE_NAME = k.TABLE_NAME
		WHERE k.TABLE_SCHEMA = DATABASE() AND k.REFERENCED_TABLE_NAME IS NOT NULL
		ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION`)
	require.NoError(t, err)
	for rows.Next() {
		var table, name, col, refTable, refCol, rule string
		require.NoError(t, rows.Scan(&table, &name, &col, &refTable, &refCol, &rule))
		k := fkKey{table, name}
		f := fks[k]
		if f == nil {
			f = &fk{ref: refTable, rule: rule}
			fks[k] = f
			fkOrder = append(fkOrder, k)
		}
		f.from = append(f.from, col)
		f.to = append(f.to, refCol)
	}
	require.NoError(t, rows.Err())
	require.NoError(t, rows.Close())
	for _, k := range fkOrder {
		f := fks[k]
		td := out[k.table]
		td.ForeignKeys = append(td.ForeignKeys, fkString(f.from, f.ref, f.to, f.rule))
		out[k.table] = td
	}
	return finish(out)
}

func describeSQLite(t testing.TB, db *sql.DB) schemaDesc {
	t.Helper()
	ctx := context.Background()
	out := schemaDesc{}
	var tables []string
	rows, err := db.QueryContext(ctx, `
		SELECT name FROM sqlite_schema
		WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' AND name <> 'schema_migrations'
		ORDER BY name`)
	require.NoError(t, err)
	for rows.Next() {
		var name string
		require.NoError(t, rows.Scan(&name))
		tables = append(tables, name)
	}
	require.NoError(t, rows.Err())
	require.NoError(t, rows.Close())

	for _, table := range tables {
		td := tableDesc{Defaults: map[string]string{}}
		pk := map[int]string{}
		rows, err := db.QueryContext(ctx, `SELECT name, "notnull", dflt_value, pk FROM pragma_table_xinfo(?) ORDER BY cid`, table)
		require.NoError(t, err)
		for rows.Next() {
			var col string
			var notNull, pkPos int
			var def sql.NullString
			require.NoError(t, rows.Scan(&col, &notNull, &def, &pkPos))
			td.Columns = append(td.Columns, col)
			if notNull == 1 || pkPos > 0 {
				td.NotNull = append(td.NotNull, col)
			}
			if pkPos > 0 {
				pk[pkPos] = col
			}
			if d := normDefault(def); d != "" {
				td.Defaults[col] = d
			}
		}
		require.NoError(t, rows.Err())
		require.NoError(t, rows.Close())
		pkCols := make([]string, 0, len(pk))
		for i := 1; i <= len(pk); i++ {
			pkCols = append(pkCols, pk[i])
		}
		td.PrimaryKey = strings.Join(pkCols, ",")

		type index struct {
			name   string
			unique bool
		}
		var indexes []index
		rows, err = db.QueryContext(ctx, `SELECT name, "unique", origin FROM pragma_index_list(?)`, table)
		require.NoError(t, err)
		for rows.Next() {
			var name, origin string
			var uniq int
			require.NoError(t, rows.Scan(&name, &uniq, &origin))
			if origin == "pk" {
				continue
			}
			indexes = append(indexes, index{name, uniq == 1})
		}
		require.NoError(t, rows.Err())
		require.NoError(t, rows.Close())
		for _, ix := range indexes {
			var cols []string
			rows, err := db.QueryContext(ctx, `SELECT name FROM pragma_index_info(?) ORDER BY seqno`, ix.name)
			require.NoError(t, err)
			for rows.Next() {
				var c string
				require.NoError(t, rows.Scan(&c))
				cols = append(cols, c)
			}
			require.NoError(t, rows.Err())
			require.NoError(t, rows.Close())
			if ix.unique {
				td.Unique = append(td.Unique, strings.Join(cols, ","))
			} else {
				td.Indexes = append(td.Indexes, strings.Join(cols, ","))
			}
		}

		type fk struct {
			from, to  []string
			ref, rule string
		}
		fks := map[int]*fk{}
		var ids []int
		rows, err = db.QueryContext(ctx, `SELECT id, "table", "from", "to", on_delete FROM pragma_foreign_key_list(?) ORDER BY id, seq`, table)
		require.NoError(t, err)
		for rows.Next() {
			var id int
			var ref, from, to, rule string
			require.NoError(t, rows.Scan(&id, &ref, &from, &to, &rule))
			f := fks[id]
			if f == nil {
				f = &fk{ref: ref, rule: rule}
				fks[id] = f
				ids = append(ids, id)
			}
			f.from = append(f.from, from)
			f.to = append(f.to, to)
		}
		require.NoError(t, rows.Err())
		require.NoError(t, rows.Close())
		for _, id := range ids {
			f := fks[id]
			td.ForeignKeys = append(td.ForeignKeys, fkString(f.from, f.ref, f.to, f.rule))
		}
		out[table] = td
	}
	return finish(out)
}

func fkString(from []string, ref string, to []string, rule string) string {
	return fmt.Sprintf("%s -> %s(%s) ON DELETE %s", strings.Join(from, ","), ref, strings.Join(to, ","), strings.ToUpper(rule))
}

// finish sorts the set-like fields so that descriptions compare as sets.
func finish(s schemaDesc) schemaDesc {
	for name, td := range s {
		sort.Strings(td.NotNull)
		sort.Strings(td.Unique)
		sort.Strings(td.Indexes)
		sort.Strings(td.ForeignKeys)
		s[name] = td
	}
	return s
}

var autoIncrement = regexp.MustCompile(` AUTO_INCREMENT=\d+`)

// ddl returns each schema object's definition as the database prints it.
func ddl(t testing.TB, db *sql.DB, dialect string) map[string]string {
	t.Helper()
	ctx := context.Background()
	out := map[string]string{}
	if dialect == migrations.DialectSQLite {
		rows, err := db.QueryContext(ctx, `
			SELECT type, name, COALESCE(sql, '') FROM sqlite_schema
			WHERE name <> 'schema_migrations' AND name <> 'version_unique' AND name <> 'sqlite_sequence'`)
		require.NoError(t, err)
		defer rows.Close()
		for rows.Next() {
			var typ, name, text string
			require.NoError(t, rows.Scan(&typ, &name, &text))
			out[typ+" "+name] = text
		}
		require.NoError(t, rows.Err())
		return out
	}
	for _, table := range tableNames(t, db, dialect) {
		var name, text string
		require.NoError(t, db.QueryRowContext(ctx, "SHOW CREATE TABLE `"+table+"`").Scan(&name, &text))
		out["table "+table] = autoIncrement.ReplaceAllString(text, "")
	}
	return out
}

// tableNames lists the tables of the database, schema_migrations excluded.
func tableNames(t testing.TB, db *sql.DB, dialect string) []string {
	t.Helper()
	q := `SELECT TABLE_NAME FROM information_schema.TABLES
		WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME <> 'schema_migrations'`
	if dialect == migrations.DialectSQLite {
		q = `SELECT name FROM sqlite_schema
			WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' AND name <> 'schema_migrations'`
	}
	rows, err := db.QueryContext(context.Background(), q)
	require.NoError(t, err)
	defer rows.Close()
	names := []string{}
	for rows.Next() {
		var n string
		require.NoError(t, rows.Scan(&n))
		names = append(names, n)
	}
	require.NoError(t, rows.Err())
	slices.Sort(names)
	return names
}

// diffSchemas names every difference between two descriptions, a (named
// aName) and b (named bName), one message per difference.
func diffSchemas(aName string, a schemaDesc, bName string, b schemaDesc) []string {
	var out []string
	for _, name := range onlyIn(keys(a), keys(b)) {
		out = append(out, fmt.Sprintf("table %q only in %s", name, aName))
	}
	for _, name := range onlyIn(keys(b), keys(a)) {
		out = append(out, fmt.Sprintf("table %q only in %s", name, bName))
	}
	for _, name := range keys(a) {
		tb, ok := b[name]
		if !ok {
			continue
		}
		ta := a[name]
		set := func(what string, x, y []string) {
			for _, v := range onlyIn(x, y) {
				out = append(out, fmt.Sprintf("table %q: %s %q only in %s", name, what, v, aName))
			}
			for _, v := range onlyIn(y, x) {
				out = append(out, fmt.Sprintf("table %q: %s %q only in %s", name, what, v, bName))
			}
		}
		set("column", ta.Columns, tb.Columns)
		if len(onlyIn(ta.Columns, tb.Columns)) == 0 && len(onlyIn(tb.Columns, ta.Columns)) == 0 &&
			!slices.Equal(ta.Columns, tb.Columns) {
			out = append(out, fmt.Sprintf("table %q: column order differs: %s %v, %s %v", name, aName, ta.Columns, bName, tb.Columns))
		}
		set("NOT NULL column", ta.NotNull, tb.NotNull)
		if ta.PrimaryKey != tb.PrimaryKey {
			out = append(out, fmt.Sprintf("table %q: primary key (%s) in %s, (%s) in %s", name, ta.PrimaryKey, aName, tb.PrimaryKey, bName))
		}
		set("UNIQUE key", ta.Unique, tb.Unique)
		set("index", ta.Indexes, tb.Indexes)
		set("foreign key", ta.ForeignKeys, tb.ForeignKeys)
		for _, col := range ta.Columns {
			if da, db := ta.Defaults[col], tb.Defaults[col]; da != db {
				out = append(out, fmt.Sprintf("table %q: column %q default %q in %s, %q in %s", name, col, da, aName, db, bName))
			}
		}
	}
	return out
}

func keys(s schemaDesc) []string {
	out := make([]string, 0, len(s))
	for k := range s {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// onlyIn returns the elements of x that are not in y.
func onlyIn(x, y []string) []string {
	var out []string
	for _, v := range x {
		if !slices.Contains(y, v) {
			out = append(out, v)
		}
	}
	return out
}
