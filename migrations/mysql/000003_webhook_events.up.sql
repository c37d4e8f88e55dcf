-- 000003 webhook_events: every accepted provider webhook, and the job queue
-- (the row is the job). UNIQUE (provider, idempotency_key) is the durable
-- second line of deduplication; idx_webhook_events_claim serves the claim
-- query (status IN (...) AND available_at <= now ORDER BY priority, available_at).

CREATE TABLE webhook_events (
    id                 BIGINT       NOT NULL AUTO_INCREMENT,
    provider           VARCHAR(16)  NOT NULL,
    event_type         VARCHAR(128) NOT NULL,
    idempotency_key    VARCHAR(255) COLLATE utf8mb4_bin NOT NULL,
    company_id         BIGINT       NULL,
    payload            JSON         NOT NULL,
    headers            JSON         NULL,
    correlation_id     VARCHAR(64)  NULL,
    ip_address         VARCHAR(45)  NULL,
    user_agent         VARCHAR(512) NULL,
    status             VARCHAR(16)  NOT NULL DEFAULT 'pending',
    queue              VARCHAR(16)  NOT NULL DEFAULT 'normal',
    priority           TINYINT      NOT NULL DEFAULT 2,
    attempts           INT          NOT NULL DEFAULT 0,
    max_attempts       INT          NOT NULL DEFAULT 3,
    available_at       DATETIME(6)  NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    locked_by          VARCHAR(255) NULL,
    locked_until       DATETIME(6)  NULL,
    last_error         TEXT         NULL,
    processed_at       DATETIME(6)  NULL,
    processing_time_ms BIGINT       NULL,
    created_at         DATETIME(6)  NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    updated_at         DATETIME(6)  NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    CONSTRAINT uq_webhook_events_provider_key UNIQUE (provider, idempotency_key),
    INDEX idx_webhook_events_claim (status, priority, available_at),
    INDEX idx_webhook_events_created_at (created_at),
    INDEX idx_webhook_events_company_id (company_id),
    CONSTRAINT fk_webhook_events_company FOREIGN KEY (company_id) REFERENCES companies (id) ON DELETE SET NULL,
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
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
