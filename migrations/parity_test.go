package migrations_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/askproai/askpro/internal/dbtest"
	"github.com/askproai/askpro/migrations"
)

// createdTable finds the tables an up file creates.
var createdTable = regexp.MustCompile(`(?m)^CREATE TABLE (\w+)`)

// TestFileParity checks that both dialects ship the same migrations, each
// with an up and a down file, numbered 1, 2, 3, ... without gaps.
func TestFileParity(t *testing.T) {
	t.Parallel()
	list := func(dir string) []string {
		entries, err := os.ReadDir(dir)
		require.NoError(t, err)
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		return names
	}
	mysqlFiles, sqliteFiles := list("mysql"), list("sqlite")
	assert.Equal(t, mysqlFiles, sqliteFiles, "mysql/ and sqlite/ must hold the same file names")

	ups, err := filepath.Glob(filepath.Join("sqlite", "*.up.sql"))
	require.NoError(t, err)
	slices.Sort(ups)
	require.NotEmpty(t, ups)
	for i, up := range ups {
		base := filepath.Base(up)
		assert.True(t, strings.HasPrefix(base, fmt.Sprintf("%06d_", i+1)),
			"migration %d is %s: versions must be 000001, 000002, ... without gaps", i+1, base)
		down := strings.TrimSuffix(base, ".up.sql") + ".down.sql"
		assert.Contains(t, sqliteFiles, down, "%s has no down file", base)
		for _, dir := range []string{"mysql", "sqlite"} {
			upSQL, err := os.ReadFile(filepath.Join(dir, base))
			require.NoError(t, err)
			b, err := os.ReadFile(filepath.Join(dir, down))
			if !assert.NoError(t, err) {
				continue
			}
			// Every table a migration creates, its down file drops; a
			// migration that changes tables (000005) has a down that changes
			// them back, which TestRoundTrip and TestConvertVersion5 run.
			for _, m := range createdTable.FindAllStringSubmatch(string(upSQL), -1) {
				if strings.HasSuffix(m[1], "_new") {
					continue // a table rebuild's temporary name
				}
				assert.Contains(t, string(b), "DROP TABLE IF EXISTS "+m[1], "%s/%s", dir, down)
			}
			assert.Regexp(t, `(?m)^(ALTER|DROP|CREATE|UPDATE|INSERT)\b`, string(b), "%s/%s holds no statement", dir, down)
		}
	}
	assert.Len(t, mysqlFiles, 2*len(ups), "only .up.sql/.down.sql pairs")
}

// TestSchemaParity migrates a real MariaDB/MySQL database and a SQLite file
// and checks that they have the same tables, columns (in order), NOT NULL
// columns, defaults, primary keys, UNIQUE keys, indexes and foreign keys.
func TestSchemaParity(t *testing.T) {
	t.Parallel()
	sqliteURL := dbtest.SQLite(t)
	mysqlURL := dbtest.MySQL(t)
	lite := describe(t, openDB(t, sqliteURL), migrations.DialectSQLite)
	my := describe(t, openDB(t, mysqlURL), migrations.DialectMySQL)

	require.Equal(t, allTables, keys(lite), "sqlite tables")
	for _, diff := range diffSchemas("mysql", my, "sqlite", lite) {
		t.Error(diff)
	}
}

// TestSchemaContract spot-checks, on each dialect, the keys the rest of
// askpro relies on (DESIGN.md "Storage"), so that a parity pass cannot hide
// a key missing on both sides.
func TestSchemaContract(t *testing.T) {
	t.Parallel()
	want := map[string]struct {
		unique  []string
		indexes []string
		fks     []string
	}{
		"companies": {unique: []string{"subdomain"}},
		"branches": {
			unique:  []string{"id,company_id", "phone_number"},
			indexes: []string{"company_id"},
			fks:     []string{"company_id -> companies(id) ON DELETE CASCADE"},
		},
		"services": {
			unique: []string{"branch_id,name"},
			fks:    []string{"branch_id,company_id -> branches(id,company_id) ON DELETE CASCADE"},
		},
		"working_hours": {unique: []string{"branch_id,weekday,opens"}},
		"customers":     {unique: []string{"company_id,phone_number"}, indexes: []string{"company_id,created_at"}},
		"calls": {
			unique:  []string{"retell_call_id"},
			indexes: []string{"company_id,started_at", "company_id,status,started_at"},
			fks:     []string{"branch_id -> branches(id) ON DELETE SET NULL"},
		},
		"appointments": {unique: []string{"calcom_booking_uid"}, indexes: []string{"company_id,starts_at"}},
		"payments":     {unique: []string{"stripe_object_id"}, fks: []string{"company_id -> companies(id) ON DELETE SET NULL"}},
		"webhook_events": {
			unique:  []string{"provider,idempotency_key"},
			indexes: []string{"claimable,priority,available_at", "status,locked_until", "created_at", "company_id,created_at"},
		},
		"api_keys": {
			unique: []string{"key_hash"},
			fks:    []string{"company_id -> companies(id) ON DELETE CASCADE"},
		},
		"audit_log": {
			indexes: []string{"company_id,created_at"},
			fks:     []string{"company_id -> companies(id) ON DELETE SET NULL"},
		},
	}
	tests := []struct {
		dialect string
		url     func(testing.TB) string
	}{
		{migrations.DialectSQLite, dbtest.SQLite},
		{migrations.DialectMySQL, dbtest.MySQL},
	}
	for _, tt := range tests {
		t.Run(tt.dialect, func(t *testing.T) {
			t.Parallel()
			desc := describe(t, openDB(t, tt.url(t)), tt.dialect)
			for table, w := range want {
				td, ok := desc[table]
				if !assert.True(t, ok, "table %s missing", table) {
					continue
				}
				assert.Equal(t, "id", td.PrimaryKey, "%s primary key", table)
				for _, u := range w.unique {
					assert.Contains(t, td.Unique, u, "%s UNIQUE(%s)", table, u)
				}
				for _, ix := range w.indexes {
					assert.Contains(t, td.Indexes, ix, "%s INDEX(%s)", table, ix)
				}
				for _, fk := range w.fks {
					assert.Contains(t, td.ForeignKeys, fk, "%s foreign key", table)
				}
				assert.Contains(t, td.NotNull, "created_at", "%s.created_at NOT NULL", table)
				assert.Equal(t, "CURRENT_TIMESTAMP", td.Defaults["created_at"], "%s.created_at default", table)
			}
			assert.NotContains(t, desc["webhook_events"].NotNull, "company_id")
			assert.Empty(t, desc["webhook_events"].ForeignKeys,
				"webhook_events.company_id is what a payload claims: no foreign key may refuse the insert")
			assert.Contains(t, desc["webhook_events"].NotNull, "payload")
			assert.Equal(t, "2", desc["webhook_events"].Defaults["priority"])
			assert.Equal(t, "general", desc["companies"].Defaults["industry"])
		})
	}
}

// TestDiffSchemas checks that the parity comparison can fail and names the
// difference.
func TestDiffSchemas(t *testing.T) {
	t.Parallel()
	base := func() schemaDesc {
		return schemaDesc{"t": {
			Columns: []string{"id", "a", "b"}, NotNull: []string{"a", "id"},
			Defaults: map[string]string{"a": "x"}, PrimaryKey: "id",
			Unique: []string{"a,b"}, Indexes: []string{"b"},
			ForeignKeys: []string{"a -> u(id) ON DELETE CASCADE"},
		}}
	}
	tests := []struct {
		name   string
		change func(s schemaDesc)
		want   string
	}{
		{"same", func(schemaDesc) {}, ""},
		{"extra table", func(s schemaDesc) { s["u"] = tableDesc{} }, `table "u" only in b`},
		{"missing column", func(s schemaDesc) {
			td := s["t"]
			td.Columns = []string{"id", "a"}
			s["t"] = td
		}, `table "t": column "b" only in a`},
		{"column order", func(s schemaDesc) {
			td := s["t"]
			td.Columns = []string{"id", "b", "a"}
			s["t"] = td
		}, `table "t": column order differs`},
		{"nullable", func(s schemaDesc) {
			td := s["t"]
			td.NotNull = []string{"id"}
			s["t"] = td
		}, `table "t": NOT NULL column "a" only in a`},
		{"unique", func(s schemaDesc) {
			td := s["t"]
			td.Unique = []string{"b,a"}
			s["t"] = td
		}, `table "t": UNIQUE key "a,b" only in a`},
		{"default", func(s schemaDesc) {
			td := s["t"]
			td.Defaults = map[string]string{"a": "y"}
			s["t"] = td
		}, `table "t": column "a" default "x" in a, "y" in b`},
		{"foreign key", func(s schemaDesc) {
			td := s["t"]
			td.ForeignKeys = []string{"a -> u(id) ON DELETE SET NULL"}
			s["t"] = td
		}, `foreign key "a -> u(id) ON DELETE SET NULL" only in b`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := base()
			tt.change(b)
			got := strings.Join(diffSchemas("a", base(), "b", b), "\n")
			if tt.want == "" {
				assert.Empty(t, got)
				return
			}
			assert.Contains(t, got, tt.want)
		})
	}
}
