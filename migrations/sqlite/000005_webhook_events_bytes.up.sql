-- 000005 webhook_events stores what the provider sent, byte for byte.
--
-- payload becomes BLOB: the raw body, not a JSON column (see the MySQL file
-- for why). askpro checks that a body is JSON before storing it.
--
-- idempotency_key becomes BLOB, and a CHECK keeps every key a blob: SQLite
-- compares two blobs byte for byte, but never finds a TEXT value equal to a
-- BLOB one, so a key written as text would slip past the UNIQUE key.
--
-- The foreign key company_id -> companies goes (the index stays): at
-- ingestion company_id is what a signed payload claims, and a company that
-- does not exist must never make the insert fail.
--
-- SQLite cannot change a column's type or drop a foreign key in place: this
-- is its documented table rebuild (create the new table, copy, drop the old
-- one, rename, recreate the indexes), in the file's one transaction. Every
-- other CHECK is kept. No other table references webhook_events.

CREATE TABLE webhook_events_new (
    id                 INTEGER  NOT NULL PRIMARY KEY AUTOINCREMENT,
    provider           TEXT     NOT NULL,
    event_type         TEXT     NOT NULL,
    idempotency_key    BLOB     NOT NULL,
    company_id         INTEGER  NULL,
    payload            BLOB     NOT NULL,
    headers            TEXT     NULL,
    correlation_id     TEXT     NULL,
    ip_address         TEXT     NULL,
    user_agent         TEXT     NULL,
    status             TEXT     NOT NULL DEFAULT 'pending',
    queue              TEXT     NOT NULL DEFAULT 'normal',
    priority           INTEGER  NOT NULL DEFAULT 2,
    attempts           INTEGER  NOT NULL DEFAULT 0,
    max_attempts       INTEGER  NOT NULL DEFAULT 3,
    available_at       DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    locked_by          TEXT     NULL,
    locked_until       DATETIME NULL,
    last_error         TEXT     NULL,
    processed_at       DATETIME NULL,
    processing_time_ms INTEGER  NULL,
    created_at         DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at         DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT uq_webhook_events_provider_key UNIQUE (provider, idempotency_key),
    CONSTRAINT chk_webhook_events_key_blob CHECK (typeof(idempotency_key) = 'blob'),
    CONSTRAINT chk_webhook_events_headers CHECK (json_valid(headers)),
    CONSTRAINT chk_webhook_events_provider CHECK (provider IN ('retell', 'calcom', 'stripe')),
    CONSTRAINT chk_webhook_events_status CHECK (status IN ('pending', 'processing', 'retrying', 'processed', 'dead_letter')),
    CONSTRAINT chk_webhook_events_queue CHECK (queue IN ('critical', 'high', 'normal')),
    -- priority is the queue's rank, so that ORDER BY priority takes critical
    -- before high before normal: critical 0, high 1, normal 2.
    CONSTRAINT chk_webhook_events_priority CHECK (
        (queue = 'critical' AND priority = 0) OR
        (queue = 'high' AND priority = 1) OR
        (queue = 'normal' AND priority = 2)),
    CONSTRAINT chk_webhook_events_attempts CHECK (attempts >= 0 AND max_attempts >= 1)
);

INSERT INTO webhook_events_new (id, provider, event_type, idempotency_key, company_id, payload, headers,
    correlation_id, ip_address, user_agent, status, queue, priority, attempts, max_attempts, available_at,
    locked_by, locked_until, last_error, processed_at, processing_time_ms, created_at, updated_at)
SELECT id, provider, event_type, CAST(idempotency_key AS BLOB), company_id, CAST(payload AS BLOB), headers,
    correlation_id, ip_address, user_agent, status, queue, priority, attempts, max_attempts, available_at,
    locked_by, locked_until, last_error, processed_at, processing_time_ms, created_at, updated_at
FROM webhook_events;

-- Keep the AUTOINCREMENT high-water mark, so that ids of deleted rows are
-- never handed out again.
DELETE FROM sqlite_sequence WHERE name = 'webhook_events_new';
INSERT INTO sqlite_sequence (name, seq) SELECT 'webhook_events_new', seq FROM sqlite_sequence WHERE name = 'webhook_events';

DROP TABLE webhook_events;
ALTER TABLE webhook_events_new RENAME TO webhook_events;

CREATE INDEX idx_webhook_events_claim ON webhook_events (status, priority, available_at);
CREATE INDEX idx_webhook_events_created_at ON webhook_events (created_at);
CREATE INDEX idx_webhook_events_company_id ON webhook_events (company_id);
