package migrations_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/askproai/askpro/internal/dbtest"
	"github.com/askproai/askpro/migrations"
)

// migratedDBs is a migrated database per dialect, for constraint tests.
var migratedDBs = []struct {
	dialect string
	url     func(testing.TB) string
}{
	{migrations.DialectSQLite, dbtest.SQLite},
	{migrations.DialectMySQL, dbtest.MySQL},
}

func insert(t testing.TB, db *sql.DB, query string, args ...any) int64 {
	t.Helper()
	res, err := db.ExecContext(context.Background(), query, args...)
	require.NoError(t, err, query)
	id, err := res.LastInsertId()
	require.NoError(t, err)
	return id
}

func hash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// evInsert is the INSERT of a webhook event with provider, event type, key,
// payload and the extra columns, all bound: see [evArgs].
func evInsert(extra ...string) string {
	cols := []string{"provider", "event_type", "idempotency_key", "payload"}
	for _, c := range extra {
		if c != "" {
			cols = append(cols, c)
		}
	}
	return "INSERT INTO webhook_events (" + strings.Join(cols, ", ") + ") VALUES (?" + strings.Repeat(", ?", len(cols)-1) + ")"
}

// evArgs binds key and payload as bytes, as askpro does.
func evArgs(provider, eventType, key, payload string, extra ...any) []any {
	return append([]any{provider, eventType, []byte(key), []byte(payload)}, extra...)
}

// fixture is two tenants, each with a branch, and tenant A's service,
// customer and call.
type fixture struct {
	companyA, companyB, branchA, branchB, serviceA, customerA, callA int64
}

func newFixture(t testing.TB, db *sql.DB) fixture {
	t.Helper()
	var f fixture
	f.companyA = insert(t, db, `INSERT INTO companies (name, subdomain, industry) VALUES ('Salon A', 'salon', 'beauty')`)
	f.companyB = insert(t, db, `INSERT INTO companies (name, subdomain, industry) VALUES ('Praxis B', 'praxis', 'medical')`)
	f.branchA = insert(t, db, `INSERT INTO branches (company_id, name, phone_number) VALUES (?, 'Mitte', '+4930111111')`, f.companyA)
	f.branchB = insert(t, db, `INSERT INTO branches (company_id, name, phone_number) VALUES (?, 'Altona', '+4940111111')`, f.companyB)
	f.serviceA = insert(t, db, `INSERT INTO services (company_id, branch_id, name, type, duration_minutes) VALUES (?, ?, 'Haarschnitt', 'haircut', 30)`, f.companyA, f.branchA)
	f.customerA = insert(t, db, `INSERT INTO customers (company_id, name, phone_number) VALUES (?, 'Erika', '+4915112345678')`, f.companyA)
	f.callA = insert(t, db, `INSERT INTO calls (company_id, branch_id, customer_id, retell_call_id, status) VALUES (?, ?, ?, 'call_A1', 'ended')`, f.companyA, f.branchA, f.customerA)
	return f
}

// TestConstraints runs the same inserts on both dialects: each must succeed
// or be refused on both (JSON validity, CHECKs, UNIQUE keys, NOT NULL,
// foreign keys).
func TestConstraints(t *testing.T) {
	t.Parallel()
	for _, d := range migratedDBs {
		t.Run(d.dialect, func(t *testing.T) {
			t.Parallel()
			db := openDB(t, d.url(t))
			f := newFixture(t, db)
			start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
			end := start.Add(30 * time.Minute)
			tests := []struct {
				name  string
				query string
				args  []any
				ok    bool
			}{
				// companies
				{"company with valid json", `INSERT INTO companies (name, subdomain, settings, metadata) VALUES ('X', 'json-ok', '{"greeting":"Hallo"}', '[1,2]')`, nil, true},
				{"company settings not json", `INSERT INTO companies (name, subdomain, settings) VALUES ('X', 'json-bad-1', 'not json')`, nil, false},
				{"company metadata not json", `INSERT INTO companies (name, subdomain, metadata) VALUES ('X', 'json-bad-2', '{"a":')`, nil, false},
				{"company industry unknown", `INSERT INTO companies (name, subdomain, industry) VALUES ('X', 'bakery', 'bakery')`, nil, false},
				{"company industry automotive", `INSERT INTO companies (name, subdomain, industry) VALUES ('X', 'garage', 'automotive')`, nil, true},
				{"company duplicate subdomain", `INSERT INTO companies (name, subdomain) VALUES ('X', 'salon')`, nil, false},
				{"company duplicate subdomain other case", `INSERT INTO companies (name, subdomain) VALUES ('X', 'SALON')`, nil, false},
				{"company is_active 2", `INSERT INTO companies (name, subdomain, is_active) VALUES ('X', 'active-2', 2)`, nil, false},
				{"company without name", `INSERT INTO companies (subdomain) VALUES ('no-name')`, nil, false},

				// branches
				{"branch valid", `INSERT INTO branches (company_id, name, phone_number) VALUES (?, 'Nord', '+4930222222')`, []any{f.companyA}, true},
				{"branch without phone", `INSERT INTO branches (company_id, name) VALUES (?, 'Ohne Nummer')`, []any{f.companyA}, true},
				{"branch phone not E.164", `INSERT INTO branches (company_id, name, phone_number) VALUES (?, 'X', '030 222223')`, []any{f.companyA}, false},
				{"branch phone without plus", `INSERT INTO branches (company_id, name, phone_number) VALUES (?, 'X', '4930222224')`, []any{f.companyA}, false},
				{"branch phone too long", `INSERT INTO branches (company_id, name, phone_number) VALUES (?, 'X', '+4930123456789012')`, []any{f.companyA}, false},
				{"branch duplicate phone", `INSERT INTO branches (company_id, name, phone_number) VALUES (?, 'X', '+4930111111')`, []any{f.companyB}, false},
				{"branch provisioning_status unknown", `INSERT INTO branches (company_id, name, provisioning_status) VALUES (?, 'X', 'done')`, []any{f.companyA}, false},
				{"branch provisioning_status failed", `INSERT INTO branches (company_id, name, provisioning_status, provisioning_error) VALUES (?, 'X', 'failed', 'boom')`, []any{f.companyA}, true},
				{"branch of unknown company", `INSERT INTO branches (company_id, name) VALUES (999999, 'X')`, nil, false},

				// services
				{"service valid", `INSERT INTO services (company_id, branch_id, name, type, duration_minutes) VALUES (?, ?, 'Farbe', 'color', 90)`, []any{f.companyA, f.branchA}, true},
				{"service duration 0", `INSERT INTO services (company_id, branch_id, name, type, duration_minutes) VALUES (?, ?, 'Null', 'x', 0)`, []any{f.companyA, f.branchA}, false},
				{"service duplicate name in branch", `INSERT INTO services (company_id, branch_id, name, type, duration_minutes) VALUES (?, ?, 'Haarschnitt', 'x', 15)`, []any{f.companyA, f.branchA}, false},
				{"service same name other branch", `INSERT INTO services (company_id, branch_id, name, type, duration_minutes) VALUES (?, ?, 'Haarschnitt', 'x', 15)`, []any{f.companyB, f.branchB}, true},
				{"service in another tenant's branch", `INSERT INTO services (company_id, branch_id, name, type, duration_minutes) VALUES (?, ?, 'Fremd', 'x', 15)`, []any{f.companyA, f.branchB}, false},

				// working_hours
				{"hours valid", `INSERT INTO working_hours (company_id, branch_id, weekday, opens, closes) VALUES (?, ?, 1, '09:00', '18:00')`, []any{f.companyA, f.branchA}, true},
				{"hours second slot", `INSERT INTO working_hours (company_id, branch_id, weekday, opens, closes) VALUES (?, ?, 1, '19:00', '21:00')`, []any{f.companyA, f.branchA}, true},
				{"hours until midnight", `INSERT INTO working_hours (company_id, branch_id, weekday, opens, closes) VALUES (?, ?, 7, '20:00', '24:00')`, []any{f.companyA, f.branchA}, true},
				{"hours duplicate", `INSERT INTO working_hours (company_id, branch_id, weekday, opens, closes) VALUES (?, ?, 1, '09:00', '12:00')`, []any{f.companyA, f.branchA}, false},
				{"hours weekday 0", `INSERT INTO working_hours (company_id, branch_id, weekday, opens, closes) VALUES (?, ?, 0, '09:00', '18:00')`, []any{f.companyA, f.branchA}, false},
				{"hours weekday 8", `INSERT INTO working_hours (company_id, branch_id, weekday, opens, closes) VALUES (?, ?, 8, '09:00', '18:00')`, []any{f.companyA, f.branchA}, false},
				{"hours opens after closes", `INSERT INTO working_hours (company_id, branch_id, weekday, opens, closes) VALUES (?, ?, 2, '18:00', '09:00')`, []any{f.companyA, f.branchA}, false},
				{"hours opens equals closes", `INSERT INTO working_hours (company_id, branch_id, weekday, opens, closes) VALUES (?, ?, 2, '09:00', '09:00')`, []any{f.companyA, f.branchA}, false},
				{"hours bad format", `INSERT INTO working_hours (company_id, branch_id, weekday, opens, closes) VALUES (?, ?, 3, '9:00', '18:00')`, []any{f.companyA, f.branchA}, false},
				{"hours bad minute", `INSERT INTO working_hours (company_id, branch_id, weekday, opens, closes) VALUES (?, ?, 3, '09:00', '18:60')`, []any{f.companyA, f.branchA}, false},
				{"hours opens 24:00", `INSERT INTO working_hours (company_id, branch_id, weekday, opens, closes) VALUES (?, ?, 4, '24:00', '24:30')`, []any{f.companyA, f.branchA}, false},
				{"hours in another tenant's branch", `INSERT INTO working_hours (company_id, branch_id, weekday, opens, closes) VALUES (?, ?, 1, '09:00', '18:00')`, []any{f.companyA, f.branchB}, false},

				// customers
				{"customer duplicate phone in company", `INSERT INTO customers (company_id, phone_number) VALUES (?, '+4915112345678')`, []any{f.companyA}, false},
				{"customer same phone other company", `INSERT INTO customers (company_id, phone_number) VALUES (?, '+4915112345678')`, []any{f.companyB}, true},
				{"customer phone invalid", `INSERT INTO customers (company_id, phone_number) VALUES (?, '0151 1234')`, []any{f.companyA}, false},
				{"customer without phone", `INSERT INTO customers (company_id, name) VALUES (?, 'Anonym')`, []any{f.companyA}, false},

				// calls
				{"call valid", `INSERT INTO calls (company_id, retell_call_id, status, successful, analysis, started_at) VALUES (?, 'call_A2', 'ended', 1, '{"sentiment":"Positive"}', ?)`, []any{f.companyA, start}, true},
				{"call duplicate retell_call_id", `INSERT INTO calls (company_id, retell_call_id, status) VALUES (?, 'call_A1', 'ended')`, []any{f.companyB}, false},
				{"call id differing in case only", `INSERT INTO calls (company_id, retell_call_id, status) VALUES (?, 'CALL_A1', 'ended')`, []any{f.companyA}, true},
				{"call analysis not json", `INSERT INTO calls (company_id, retell_call_id, status, analysis) VALUES (?, 'call_A3', 'ended', 'positive')`, []any{f.companyA}, false},
				{"call successful 2", `INSERT INTO calls (company_id, retell_call_id, status, successful) VALUES (?, 'call_A4', 'ended', 2)`, []any{f.companyA}, false},
				{"call without status", `INSERT INTO calls (company_id, retell_call_id) VALUES (?, 'call_A5')`, []any{f.companyA}, false},

				// appointments
				{"appointment valid", `INSERT INTO appointments (company_id, branch_id, service_id, customer_id, call_id, calcom_booking_uid, starts_at, ends_at, status, source) VALUES (?, ?, ?, ?, ?, 'bk_1', ?, ?, 'booked', 'phone')`, []any{f.companyA, f.branchA, f.serviceA, f.customerA, f.callA, start, end}, true},
				{"appointment duplicate uid", `INSERT INTO appointments (company_id, calcom_booking_uid, starts_at, ends_at, status) VALUES (?, 'bk_1', ?, ?, 'booked')`, []any{f.companyB, start, end}, false},
				{"appointment status unknown", `INSERT INTO appointments (company_id, calcom_booking_uid, starts_at, ends_at, status) VALUES (?, 'bk_2', ?, ?, 'done')`, []any{f.companyA, start, end}, false},
				{"appointment source unknown", `INSERT INTO appointments (company_id, calcom_booking_uid, starts_at, ends_at, status, source) VALUES (?, 'bk_3', ?, ?, 'booked', 'web')`, []any{f.companyA, start, end}, false},
				{"appointment without start", `INSERT INTO appointments (company_id, calcom_booking_uid, ends_at, status) VALUES (?, 'bk_4', ?, 'booked')`, []any{f.companyA, end}, false},
				{"appointment rescheduled", `INSERT INTO appointments (company_id, calcom_booking_uid, starts_at, ends_at, status, rescheduled_from_uid) VALUES (?, 'bk_5', ?, ?, 'rescheduled', 'bk_1')`, []any{f.companyA, start, end}, true},

				// payments
				{"payment valid", `INSERT INTO payments (company_id, stripe_object_id, stripe_event_id, kind, amount_cents, currency, status) VALUES (?, 'pi_1', 'evt_1', 'payment_intent', 4900, 'eur', 'succeeded')`, []any{f.companyA}, true},
				{"payment duplicate object", `INSERT INTO payments (stripe_object_id, kind, currency, status) VALUES ('pi_1', 'payment_intent', 'eur', 'failed')`, nil, false},
				{"payment without company", `INSERT INTO payments (stripe_object_id, kind, currency, status) VALUES ('pi_2', 'charge', 'eur', 'failed')`, nil, true},
				{"payment without currency", `INSERT INTO payments (stripe_object_id, kind, status) VALUES ('pi_3', 'charge', 'failed')`, nil, false},

				// webhook_events: keys and payloads are bytes, bound as []byte.
				{"event valid", evInsert(""), evArgs("stripe", "charge.failed", "stripe:evt_1", `{"id":"evt_1"}`), true},
				{"event duplicate key", evInsert(""), evArgs("stripe", "charge.failed", "stripe:evt_1", `{}`), false},
				{"event same key other provider", evInsert(""), evArgs("calcom", "x", "stripe:evt_1", `{}`), true},
				{"event key differing in case only", evInsert(""), evArgs("stripe", "charge.failed", "stripe:EVT_1", `{}`), true},
				{"event key differing in a trailing space only", evInsert(""), evArgs("stripe", "charge.failed", "stripe:evt_1 ", `{}`), true},
				{"event key differing in a trailing tab only", evInsert(""), evArgs("stripe", "charge.failed", "stripe:evt_1\t", `{}`), true},
				{"event key not UTF-8", evInsert(""), evArgs("stripe", "charge.failed", "stripe:evt_\xff", `{}`), true},
				{"event provider unknown", evInsert(""), evArgs("twilio", "sms", "twilio:1", `{}`), false},
				{"event payload not json is stored: askpro checks JSON itself", evInsert(""), evArgs("retell", "call_ended", "retell:call_ended:1", `nope`), true},
				{"event payload with a lone surrogate", evInsert(""), evArgs("retell", "call_ended", "retell:call_ended:ls", `{"id":"\ud83d"}`), true},
				{"event payload nested 200 levels", evInsert(""), evArgs("retell", "call_ended", "retell:call_ended:deep", strings.Repeat("[", 200)+strings.Repeat("]", 200)), true},
				{"event payload null", `INSERT INTO webhook_events (provider, event_type, idempotency_key, payload) VALUES ('retell', 'call_ended', ?, NULL)`, []any{[]byte("retell:call_ended:2")}, false},
				{"event headers not json", evInsert("headers"), evArgs("retell", "call_ended", "retell:call_ended:3", `{}`, "x"), false},
				{"event status failed is not a state", evInsert("status"), evArgs("retell", "call_ended", "retell:call_ended:4", `{}`, "failed"), false},
				{"event status dead_letter", evInsert("status", "last_error"), evArgs("retell", "call_ended", "retell:call_ended:5", `{}`, "dead_letter", "no tenant"), true},
				{"event queue unknown", evInsert("queue"), evArgs("retell", "call_ended", "retell:call_ended:6", `{}`, "urgent"), false},
				{"event critical with normal priority", evInsert("queue"), evArgs("retell", "call_ended", "retell:call_ended:7", `{}`, "critical"), false},
				{"event critical priority 0", evInsert("queue", "priority", "company_id"), evArgs("retell", "call_ended", "retell:call_ended:8", `{}`, "critical", 0, f.companyA), true},
				{"event of a company that does not exist", evInsert("company_id"), evArgs("stripe", "charge.failed", "stripe:evt_nocompany", `{}`, 999999), true},
				{"event high priority 1", evInsert("queue", "priority"), evArgs("stripe", "charge.failed", "stripe:evt_2", `{}`, "high", 1), true},
				{"event negative attempts", evInsert("attempts"), evArgs("retell", "call_ended", "retell:call_ended:9", `{}`, -1), false},
				{"event long key", evInsert(""), evArgs("calcom", "BOOKING_CREATED", "calcom:BOOKING_CREATED:"+strings.Repeat("u", 200), `{}`), true},
				{"event key of 255 bytes", evInsert(""), evArgs("calcom", "BOOKING_CREATED", strings.Repeat("k", 255), `{}`), true},
				{"event user agent of 64 four-byte runes", evInsert("user_agent"), evArgs("retell", "call_ended", "retell:call_ended:ua4", `{}`, strings.Repeat("\U0001F600", 64)), true},
				{"event user agent of 256 ASCII bytes", evInsert("user_agent"), evArgs("retell", "call_ended", "retell:call_ended:ua1", `{}`, strings.Repeat("a", 256)), true},
				{"event correlation id of 64 characters", evInsert("correlation_id"), evArgs("retell", "call_ended", "retell:call_ended:corr", `{}`, strings.Repeat("c", 64)), true},

				// api_keys
				{"api key valid", `INSERT INTO api_keys (company_id, name, prefix, key_hash) VALUES (?, 'ci', 'ak_live_1', ?)`, []any{f.companyA, hash("k1")}, true},
				{"api key admin", `INSERT INTO api_keys (name, prefix, key_hash) VALUES ('admin', 'ak_admin', ?)`, []any{hash("k2")}, true},
				{"api key duplicate hash", `INSERT INTO api_keys (company_id, name, prefix, key_hash) VALUES (?, 'dup', 'ak_live_2', ?)`, []any{f.companyB, hash("k1")}, false},
				{"api key plaintext", `INSERT INTO api_keys (name, prefix, key_hash) VALUES ('oops', 'ak_x', 'ak_live_secretsecret')`, nil, false},
				{"api key uppercase hash", `INSERT INTO api_keys (name, prefix, key_hash) VALUES ('upper', 'ak_x', ?)`, []any{strings.ToUpper(hash("k3"))}, false},

				// audit_log
				{"audit valid", `INSERT INTO audit_log (company_id, actor, action, target, details) VALUES (?, 'ops@askpro', 'webhook_event.replay', 'webhook_events:1', '{"dry_run":false}')`, []any{f.companyA}, true},
				{"audit platform", `INSERT INTO audit_log (actor, action) VALUES ('system', 'migrate')`, nil, true},
				{"audit details not json", `INSERT INTO audit_log (actor, action, details) VALUES ('system', 'x', 'details')`, nil, false},
				{"audit without actor", `INSERT INTO audit_log (action) VALUES ('x')`, nil, false},
			}
			// Sequential: later cases rely on rows of earlier ones.
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					_, err := db.ExecContext(context.Background(), tt.query, tt.args...)
					if tt.ok {
						assert.NoError(t, err)
					} else {
						assert.Error(t, err, "insert was accepted")
					}
				})
			}
		})
	}
}

// TestDefaults checks the defaults of minimal rows on both dialects.
func TestDefaults(t *testing.T) {
	t.Parallel()
	for _, d := range migratedDBs {
		t.Run(d.dialect, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db := openDB(t, d.url(t))
			before := time.Now().UTC().Add(-time.Hour)

			company := insert(t, db, `INSERT INTO companies (name, subdomain) VALUES ('C', 'defaults')`)
			var (
				industry           string
				active             bool
				settings           sql.NullString
				created, updated   time.Time
				tz, lang, provStat string
			)
			require.NoError(t, db.QueryRowContext(ctx,
				`SELECT industry, is_active, settings, created_at, updated_at FROM companies WHERE id = ?`, company).
				Scan(&industry, &active, &settings, &created, &updated))
			assert.Equal(t, "general", industry)
			assert.True(t, active)
			assert.False(t, settings.Valid)
			// UTC, not the zone of the machine: within an hour of now.
			assert.True(t, created.After(before) && created.Before(time.Now().UTC().Add(time.Hour)), "created_at %v", created)
			assert.False(t, updated.IsZero())

			branch := insert(t, db, `INSERT INTO branches (company_id, name) VALUES (?, 'B')`, company)
			require.NoError(t, db.QueryRowContext(ctx,
				`SELECT timezone, language, provisioning_status, is_active FROM branches WHERE id = ?`, branch).
				Scan(&tz, &lang, &provStat, &active))
			assert.Equal(t, "Europe/Berlin", tz)
			assert.Equal(t, "de-DE", lang)
			assert.Equal(t, "pending", provStat)
			assert.True(t, active)

			ev := insert(t, db, evInsert(), evArgs("retell", "call_started", "retell:call_started:1", `{}`)...)
			var (
				status, queue                   string
				priority, attempts, maxAttempts int
				availableAt                     time.Time
				lockedUntil, processedAt        sql.NullTime
			)
			require.NoError(t, db.QueryRowContext(ctx,
				`SELECT status, queue, priority, attempts, max_attempts, available_at, locked_until, processed_at FROM webhook_events WHERE id = ?`, ev).
				Scan(&status, &queue, &priority, &attempts, &maxAttempts, &availableAt, &lockedUntil, &processedAt))
			assert.Equal(t, "pending", status)
			assert.Equal(t, "normal", queue)
			assert.Equal(t, 2, priority)
			assert.Equal(t, 0, attempts)
			assert.Equal(t, 3, maxAttempts)
			assert.True(t, availableAt.After(before), "available_at %v", availableAt)
			assert.False(t, lockedUntil.Valid || processedAt.Valid)

			start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
			appt := insert(t, db, `INSERT INTO appointments (company_id, calcom_booking_uid, starts_at, ends_at, status) VALUES (?, 'bk_d', ?, ?, 'booked')`,
				company, start, start.Add(time.Hour))
			var source string
			var startsAt time.Time
			require.NoError(t, db.QueryRowContext(ctx, `SELECT source, starts_at FROM appointments WHERE id = ?`, appt).Scan(&source, &startsAt))
			assert.Equal(t, "calcom", source)
			assert.True(t, start.Equal(startsAt), "starts_at %v, want %v", startsAt, start)

			pay := insert(t, db, `INSERT INTO payments (stripe_object_id, kind, currency, status) VALUES ('pi_d', 'payment_intent', 'eur', 'succeeded')`)
			var amount int64
			require.NoError(t, db.QueryRowContext(ctx, `SELECT amount_cents FROM payments WHERE id = ?`, pay).Scan(&amount))
			assert.Equal(t, int64(0), amount)
		})
	}
}

// TestForeignKeyActions deletes a branch and a company and checks what
// cascades and what is set to NULL, on both dialects.
func TestForeignKeyActions(t *testing.T) {
	t.Parallel()
	for _, d := range migratedDBs {
		t.Run(d.dialect, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db := openDB(t, d.url(t))
			f := newFixture(t, db)
			start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
			insert(t, db, `INSERT INTO working_hours (company_id, branch_id, weekday, opens, closes) VALUES (?, ?, 1, '09:00', '18:00')`, f.companyA, f.branchA)
			appt := insert(t, db, `INSERT INTO appointments (company_id, branch_id, service_id, customer_id, call_id, calcom_booking_uid, starts_at, ends_at, status) VALUES (?, ?, ?, ?, ?, 'bk_fk', ?, ?, 'booked')`,
				f.companyA, f.branchA, f.serviceA, f.customerA, f.callA, start, start.Add(time.Hour))
			insert(t, db, `INSERT INTO api_keys (company_id, name, prefix, key_hash) VALUES (?, 'k', 'ak_1', ?)`, f.companyA, hash("fk"))
			ev := insert(t, db, evInsert("company_id"), evArgs("retell", "call_ended", "retell:call_ended:fk", `{}`, f.companyA)...)
			audit := insert(t, db, `INSERT INTO audit_log (company_id, actor, action) VALUES (?, 'ops', 'x')`, f.companyA)
			pay := insert(t, db, `INSERT INTO payments (company_id, stripe_object_id, kind, currency, status) VALUES (?, 'pi_fk', 'payment_intent', 'eur', 'succeeded')`, f.companyA)

			count := func(query string, args ...any) int {
				t.Helper()
				var n int
				require.NoError(t, db.QueryRowContext(ctx, query, args...).Scan(&n))
				return n
			}
			isNull := func(table, col string, id int64) bool {
				t.Helper()
				var v sql.NullInt64
				require.NoError(t, db.QueryRowContext(ctx, fmt.Sprintf("SELECT %s FROM %s WHERE id = ?", col, table), id).Scan(&v))
				return !v.Valid
			}

			// Deleting a branch removes its services and hours; calls and
			// appointments keep their rows with branch_id NULL.
			_, err := db.ExecContext(ctx, `DELETE FROM branches WHERE id = ?`, f.branchA)
			require.NoError(t, err)
			assert.Equal(t, 0, count(`SELECT COUNT(*) FROM services WHERE branch_id = ?`, f.branchA))
			assert.Equal(t, 0, count(`SELECT COUNT(*) FROM working_hours WHERE branch_id = ?`, f.branchA))
			assert.True(t, isNull("calls", "branch_id", f.callA))
			assert.True(t, isNull("appointments", "branch_id", appt))
			assert.True(t, isNull("appointments", "service_id", appt), "service deleted with its branch")
			assert.False(t, isNull("appointments", "call_id", appt))

			// Deleting a company removes everything it owns, including its
			// API keys, and detaches the rows kept for the record.
			_, err = db.ExecContext(ctx, `DELETE FROM companies WHERE id = ?`, f.companyA)
			require.NoError(t, err)
			for _, table := range []string{"branches", "services", "working_hours", "customers", "calls", "appointments", "api_keys"} {
				assert.Equal(t, 0, count(`SELECT COUNT(*) FROM `+table+` WHERE company_id = ?`, f.companyA), table)
			}
			assert.Equal(t, 0, count(`SELECT COUNT(*) FROM api_keys`), "no key of a deleted company survives as an admin key")
			// webhook_events.company_id has no foreign key (000005): the
			// event keeps the id its payload named, and processing finds no
			// such company.
			assert.False(t, isNull("webhook_events", "company_id", ev), "webhook event keeps its claimed company_id")
			assert.True(t, isNull("audit_log", "company_id", audit))
			assert.True(t, isNull("payments", "company_id", pay))
			assert.Equal(t, 1, count(`SELECT COUNT(*) FROM branches WHERE company_id = ?`, f.companyB), "other tenant untouched")
		})
	}
}
