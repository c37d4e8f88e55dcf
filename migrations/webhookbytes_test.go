package migrations_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/askproai/askpro/migrations"
)

// v4Rows are webhook events as version 4 stored them: JSON text whose exact
// bytes (spacing, key order, escapes, non-ASCII) the conversion must keep.
var v4Rows = []struct{ provider, key, payload string }{
	{"stripe", "stripe:evt_X", `{"id":"evt_X","object":"event"}`},
	{"retell", "retell:call_ended:c1", "{ \"event\" : \"call_ended\",\n  \"call\": {\"call_id\": \"c1\", \"x\": 1.50, \"a\": 1} }"},
	{"calcom", "calcom:BOOKING_CREATED:üid-ß", `{"triggerEvent":"BOOKING_CREATED","payload":{"uid":"üid-ß","title":"Haarschnitt 💇"}}`},
	{"retell", "retell:call_started:c2", `{"escaped":"\u00fc\n\"q\"","emoji":"\ud83d\ude00","deep":[[[[[[[[[[1]]]]]]]]]]}`},
}

// TestConvertVersion5 stores rows at version 4, migrates up to 5 and checks
// they survive byte for byte with their ids, then that the converted keys
// compare as bytes, and that down to 4 gives the JSON rows back unchanged.
func TestConvertVersion5(t *testing.T) {
	t.Parallel()
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			url := d.newURL(t)
			m := newMigrator(t, url)
			db := openDB(t, url)
			require.NoError(t, m.Up(ctx))
			// Down to 4, however many migrations follow 5.
			toV4 := int(migrations.Latest(d.name)) - 4
			require.Positive(t, toV4)
			require.NoError(t, m.Down(ctx, toV4))

			company := insert(t, db, `INSERT INTO companies (name, subdomain) VALUES ('C', 'convert')`)
			ids := make([]int64, len(v4Rows))
			for i, r := range v4Rows {
				ids[i] = insert(t, db, `INSERT INTO webhook_events (provider, event_type, idempotency_key, payload, company_id) VALUES (?, 'x', ?, ?, ?)`,
					r.provider, r.key, r.payload, company)
			}
			// A deleted row: its id must not be handed out again.
			gone := insert(t, db, `INSERT INTO webhook_events (provider, event_type, idempotency_key, payload) VALUES ('stripe', 'x', 'stripe:evt_gone', '{}')`)
			_, err := db.ExecContext(ctx, `DELETE FROM webhook_events WHERE id = ?`, gone)
			require.NoError(t, err)

			require.NoError(t, m.Up(ctx))
			for i, r := range v4Rows {
				var key, payload []byte
				var companyID sql.NullInt64
				require.NoError(t, db.QueryRowContext(ctx, `SELECT idempotency_key, payload, company_id FROM webhook_events WHERE id = ?`, ids[i]).
					Scan(&key, &payload, &companyID))
				assert.Equal(t, r.key, string(key), "key of row %d", i)
				assert.Equal(t, r.payload, string(payload), "payload of row %d", i)
				assert.Equal(t, company, companyID.Int64)
			}
			if d.name == migrations.DialectSQLite {
				var texts int
				require.NoError(t, db.QueryRowContext(ctx, `SELECT COUNT(*) FROM webhook_events WHERE typeof(idempotency_key) <> 'blob' OR typeof(payload) <> 'blob'`).Scan(&texts))
				assert.Zero(t, texts, "converted keys and payloads are blobs")
			}

			// A converted key compares as bytes: a trailing space is another key.
			spaced := insert(t, db, evInsert(), evArgs("stripe", "x", "stripe:evt_X ", `{}`)...)
			assert.Greater(t, spaced, gone, "ids continue after the highest ever handed out")
			_, err = db.ExecContext(ctx, evInsert(), evArgs("stripe", "x", "stripe:evt_X", `{}`)...)
			assert.Error(t, err, "a converted key is still unique")

			// Down to 4: version 4 cannot hold two keys one space apart, so
			// the operator deletes that row first; the JSON rows come back.
			_, err = db.ExecContext(ctx, `DELETE FROM webhook_events WHERE id = ?`, spaced)
			require.NoError(t, err)
			require.NoError(t, m.Down(ctx, toV4))
			for i, r := range v4Rows {
				var key, payload string
				require.NoError(t, db.QueryRowContext(ctx, `SELECT idempotency_key, payload FROM webhook_events WHERE id = ?`, ids[i]).Scan(&key, &payload))
				assert.Equal(t, r.key, key, "key of row %d after down", i)
				assert.Equal(t, r.payload, payload, "payload of row %d after down", i)
			}
			_, err = db.ExecContext(ctx, `INSERT INTO webhook_events (provider, event_type, idempotency_key, payload) VALUES ('stripe', 'x', 'stripe:evt_bad', 'not json')`)
			assert.Error(t, err, "version 4's JSON check is back")
			require.NoError(t, m.Up(ctx))
		})
	}
}

// TestWebhookEventsByteColumns checks the column types DESIGN.md "Storage"
// fixes: payload and idempotency_key are binary on both dialects, and on
// SQLite a key bound as text is refused (SQLite never finds a TEXT value
// equal to a BLOB, so it would slip past the UNIQUE key).
func TestWebhookEventsByteColumns(t *testing.T) {
	t.Parallel()
	for _, d := range migratedDBs {
		t.Run(d.dialect, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db := openDB(t, d.url(t))
			types := map[string]string{}
			q := `SELECT COLUMN_NAME, COLUMN_TYPE FROM information_schema.COLUMNS
				WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'webhook_events'`
			if d.dialect == migrations.DialectSQLite {
				q = `SELECT name, type FROM pragma_table_info('webhook_events')`
			}
			rows, err := db.QueryContext(ctx, q)
			require.NoError(t, err)
			for rows.Next() {
				var name, typ string
				require.NoError(t, rows.Scan(&name, &typ))
				types[name] = strings.ToLower(typ)
			}
			require.NoError(t, rows.Err())
			require.NoError(t, rows.Close())
			want := map[string][2]string{ // mysql, sqlite
				"payload":         {"longblob", "blob"},
				"idempotency_key": {"varbinary(255)", "blob"},
			}
			for col, w := range want {
				exp := w[0]
				if d.dialect == migrations.DialectSQLite {
					exp = w[1]
				}
				assert.Equal(t, exp, types[col], "type of %s", col)
			}
			if d.dialect == migrations.DialectSQLite {
				_, err := db.ExecContext(ctx, `INSERT INTO webhook_events (provider, event_type, idempotency_key, payload) VALUES ('stripe', 'x', 'stripe:evt_text', X'7B7D')`)
				assert.Error(t, err, "a key bound as text is refused")
			}
		})
	}
}
