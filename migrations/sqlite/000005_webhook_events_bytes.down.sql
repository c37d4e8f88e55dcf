-- 000005 down: the table of version 4 again (TEXT payload with
-- CHECK (json_valid(payload)), TEXT key, the foreign key to companies), by the
-- same rebuild as the up file.
--
-- This fails, and changes nothing (one transaction), while a row holds what
-- version 4 cannot: a payload SQLite's json_valid refuses. Delete or fix
-- those rows first. company_id values naming no company are cleared, as
-- ON DELETE SET NULL would have done.

CREATE TABLE webhook_events_old (
    id                 INTEGER  NOT NULL PRIMARY KEY AUTOINCREMENT,
    provider           TEXT     NOT NULL,
    event_type         TEXT     NOT NULL,
    idempotency_key    TEXT     NOT NULL,
    company_id         INTEGER  NULL,
    payload            TEXT     NOT NULL,
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
    CONSTRAINT fk_webhook_events_company FOREIGN KEY (company_id) REFERENCES companies (id) ON DELETE SET NULL,
    CONSTRAINT chk_webhook_events_payload CHECK (json_valid(payload)),
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


INSERT INTO webhook_events_old (id, provider, event_type, idempotency_key, company_id, payload, headers,
    correlation_id, ip_address, user_agent, status, queue, priority, attempts, max_attempts, available_at,
    locked_by, locked_until, last_error, processed_at, processing_time_ms, created_at, updated_at)
SELECT id, provider, event_type, CAST(idempotency_key AS TEXT),
    CASE WHEN company_id IN (SELECT id FROM companies) THEN company_id END,
    CAST(payload AS TEXT), headers,
    correlation_id, ip_address, user_agent, status, queue, priority, attempts, max_attempts, available_at,
    locked_by, locked_until, last_error, processed_at, processing_time_ms, created_at, updated_at
FROM webhook_events;

DELETE FROM sqlite_sequence WHERE name = 'webhook_events_old';
INSERT INTO sqlite_sequence (name, seq) SELECT 'webhook_events_old', seq FROM sqlite_sequence WHERE name = 'webhook_events';

DROP TABLE webhook_events;
ALTER TABLE webhook_events_old RENAME TO webhook_events;

CREATE INDEX idx_webhook_events_claim ON webhook_events (status, priority, available_at);
CREATE INDEX idx_webhook_events_created_at ON webhook_events (created_at);
CREATE INDEX idx_webhook_events_company_id ON webhook_events (company_id);
