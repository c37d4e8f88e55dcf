// Package migrations holds askpro's database schema as golang-migrate SQL
// files for both supported dialects, embedded in the binary, and a small
// runner, [Migrator], that applies them.
//
// # Files
//
// mysql/ (MySQL 8, MariaDB 10.6+; InnoDB, utf8mb4_unicode_ci) and sqlite/
// (modernc.org/sqlite) hold the same numbered migrations,
// NNNNNN_name.up.sql and NNNNNN_name.down.sql, with the same tables, columns,
// NOT NULL columns, defaults, UNIQUE keys, indexes and foreign keys; the
// package tests prove this parity on a real MariaDB and on SQLite, and that
// up, down, up again leaves the same schema.
//
//   - 000001 tenancy: companies, branches, services, working_hours, customers
//   - 000002 calls, appointments, payments
//   - 000003 webhook_events (also the job queue)
//   - 000004 api_keys, audit_log
//   - 000005 webhook_events keeps bytes: payload and idempotency_key become
//     binary columns, company_id loses its foreign key (table rebuild on SQLite)
//
// Conventions, the same on both dialects:
//
//   - Times are UTC: DATETIME(6) on MySQL (connections must use time_zone
//     '+00:00' for the CURRENT_TIMESTAMP defaults to be UTC), DATETIME on
//     SQLite. created_at and updated_at default to the current time; nothing
//     updates updated_at automatically: writers set it with their clock.
//   - JSON columns are JSON on MySQL (MariaDB adds CHECK (json_valid(col))
//     itself, MySQL validates natively) and TEXT with CHECK (json_valid(col))
//     on SQLite: invalid JSON is refused on both.
//   - Enumerations (industry, provisioning_status, appointment status and
//     source, webhook provider, status and queue), weekday 1-7, 'HH:MM' times,
//     E.164 phone numbers of branches and customers, the lowercase hex SHA-256
//     in api_keys.key_hash and webhook_events.priority (critical 0, high 1,
//     normal 2, matching queue) are CHECK constraints.
//   - Provider identifiers (retell_call_id, calcom_booking_uid,
//     stripe_object_id, key_hash, ...) compare case-sensitively
//     (utf8mb4_bin on MySQL, SQLite's default BINARY); companies.subdomain
//     compares case-insensitively (utf8mb4_unicode_ci, COLLATE NOCASE).
//   - webhook_events keeps what a provider sent: payload is the raw body
//     (LONGBLOB, BLOB), never a JSON column, and idempotency_key compares
//     every byte (VARBINARY(255); BLOB with a CHECK that it is a blob on
//     SQLite), so no collation folds case or ignores trailing spaces. Bind
//     both as []byte. company_id has no foreign key: at ingestion it is
//     what a payload claims.
//   - services and working_hours reference branches by (branch_id,
//     company_id), so a row can never point at another tenant's branch.
//   - Foreign keys CASCADE from companies, and SET NULL for optional links;
//     api_keys CASCADE, so that deleting a company never turns its keys into
//     platform-admin keys (company_id NULL). SQLite enforces foreign keys only
//     on connections with PRAGMA foreign_keys = ON.
//
// # Running
//
// A database URL selects the dialect and its files:
//
//	m, err := migrations.New("sqlite://askpro.db", migrations.Config{Logger: logger})
//	if err != nil {
//		return err
//	}
//	defer m.Close()
//	if err := m.Up(ctx); err != nil {
//		return err
//	}
//
// On MySQL, golang-migrate's driver connects with multiStatements=true (on
// its migration connection only), so a file may hold several statements.
// MySQL DDL is not transactional: a failing file leaves the database dirty
// at that version, and [Migrator.Up] and [Migrator.Down] refuse to run
// ([ErrDirty]) until someone repairs it. Down files use DROP TABLE IF EXISTS,
// so the usual repair of a half-applied version N is Force(N), Down(1), fix,
// Up. On SQLite each file runs in one transaction.
//
// Migrators in several processes on one MySQL database serialize on an
// advisory lock; on SQLite run one migrator per file at a time.
package migrations
