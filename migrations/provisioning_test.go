package migrations_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/askproai/askpro/migrations"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestConvertVersion9 migrates a version-8 database holding a provisioned
// branch with services, hours, a call and an appointment to 9 and back: the
// status is renamed both ways, and on SQLite the table rebuild deletes and
// detaches nothing that references the branch.
func TestConvertVersion9(t *testing.T) {
	t.Parallel()
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			url := d.newURL(t)
			m := newMigrator(t, url)
			db := openDB(t, url)
			require.NoError(t, m.Up(ctx))
			toV8 := int(migrations.Latest(d.name)) - 8
			require.Positive(t, toV8)
			require.NoError(t, m.Down(ctx, toV8))

			company := insert(t, db, `INSERT INTO companies (name, subdomain) VALUES ('C', 'convert9')`)
			branch := insert(t, db, `INSERT INTO branches (company_id, name, phone_number, retell_agent_id, provisioning_status) VALUES (?, 'Mitte', '+4930901840', 'agent_1', 'provisioned')`, company)
			pending := insert(t, db, `INSERT INTO branches (company_id, name, phone_number) VALUES (?, 'Nord', '+4930901841')`, company)
			insert(t, db, `INSERT INTO services (company_id, branch_id, name, type, duration_minutes) VALUES (?, ?, 'Schnitt', 'treatment', 30)`, company, branch)
			insert(t, db, `INSERT INTO working_hours (company_id, branch_id, weekday, opens, closes) VALUES (?, ?, 1, '09:00', '18:00')`, company, branch)
			insert(t, db, `INSERT INTO calls (company_id, branch_id, retell_call_id, status) VALUES (?, ?, 'call_9', 'ended')`, company, branch)
			insert(t, db, `INSERT INTO appointments (company_id, branch_id, calcom_booking_uid, starts_at, ends_at, status) VALUES (?, ?, 'bk_9', '2026-12-01 10:00:00', '2026-12-01 10:30:00', 'booked')`, company, branch)

			require.NoError(t, m.Up(ctx))
			status := func(id int64) string {
				var s string
				require.NoError(t, db.QueryRowContext(ctx, `SELECT provisioning_status FROM branches WHERE id = ?`, id).Scan(&s))
				return s
			}
			assert.Equal(t, "completed", status(branch))
			assert.Equal(t, "pending", status(pending))
			for table, want := range map[string]int{"services": 1, "working_hours": 1} {
				var n int
				require.NoError(t, db.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table+` WHERE branch_id = ?`, branch).Scan(&n))
				assert.Equal(t, want, n, "%s rows of the branch survive", table)
			}
			for _, table := range []string{"calls", "appointments"} {
				var b sql.NullInt64
				require.NoError(t, db.QueryRowContext(ctx, `SELECT branch_id FROM `+table+` WHERE company_id = ?`, company).Scan(&b))
				assert.Equal(t, branch, b.Int64, "%s keep their branch", table)
			}
			var agent string
			require.NoError(t, db.QueryRowContext(ctx, `SELECT retell_agent_id FROM branches WHERE id = ?`, branch).Scan(&agent))
			assert.Equal(t, "agent_1", agent)

			// The references still point at the rebuilt table.
			_, err := db.ExecContext(ctx, `INSERT INTO services (company_id, branch_id, name, type, duration_minutes) VALUES (?, 99999, 'X', 'x', 30)`, company)
			assert.Error(t, err, "a service of a missing branch is refused")
			_, err = db.ExecContext(ctx, `UPDATE branches SET provisioning_status = 'provisioned' WHERE id = ?`, branch)
			assert.Error(t, err, "version 9 knows no 'provisioned'")
			_, err = db.ExecContext(ctx, `UPDATE branches SET transfer_number = '0301234' WHERE id = ?`, branch)
			assert.Error(t, err, "a transfer number is E.164")
			_, err = db.ExecContext(ctx, `UPDATE branches SET transfer_number = '+4915112345678', retell_agent_version = 2 WHERE id = ?`, branch)
			require.NoError(t, err)
			next := insert(t, db, `INSERT INTO branches (company_id, name, phone_number) VALUES (?, 'Süd', '+4930901842')`, company)
			assert.Greater(t, next, pending, "ids continue after the rebuild")

			require.NoError(t, m.Down(ctx, toV8))
			assert.Equal(t, "provisioned", status(branch))
			var n int
			require.NoError(t, db.QueryRowContext(ctx, `SELECT COUNT(*) FROM services WHERE branch_id = ?`, branch).Scan(&n))
			assert.Equal(t, 1, n, "down keeps the services too")
			require.NoError(t, m.Up(ctx))
		})
	}
}
