-- 000010 function_calls: one row per distinct Retell custom-function call
-- (call id, function, hash of the arguments), so that a call Retell
-- retries or sends twice at once acts once and gets the first answer
-- (DESIGN "What processing does"). The first request inserts the row as
-- 'running' with a lease (locked_until); repeats wait for its result. A
-- run whose process died is taken over when its lease has expired.

CREATE TABLE function_calls (
    id           BIGINT       NOT NULL AUTO_INCREMENT,
    company_id   BIGINT       NOT NULL,
    call_id      VARCHAR(128) COLLATE utf8mb4_bin NOT NULL,
    name         VARCHAR(64)  COLLATE utf8mb4_bin NOT NULL,
    args_hash    CHAR(64)     COLLATE utf8mb4_bin NOT NULL,
    status       VARCHAR(16)  NOT NULL DEFAULT 'running',
    result       JSON         NULL,
    locked_until DATETIME(6)  NULL,
    created_at   DATETIME(6)  NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    updated_at   DATETIME(6)  NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    CONSTRAINT uq_function_calls_call_name_args UNIQUE (call_id, name, args_hash),
    INDEX idx_function_calls_company_created (company_id, created_at),
    CONSTRAINT fk_function_calls_company FOREIGN KEY (company_id) REFERENCES companies (id) ON DELETE CASCADE,
    CONSTRAINT chk_function_calls_status CHECK (status IN ('running', 'done', 'failed')),
    CONSTRAINT chk_function_calls_args_hash CHECK (args_hash REGEXP '^[0-9a-f]{64}$')
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
