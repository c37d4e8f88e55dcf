-- 000010 function_calls (see the MySQL file).

CREATE TABLE function_calls (
    id           INTEGER  NOT NULL PRIMARY KEY AUTOINCREMENT,
    company_id   INTEGER  NOT NULL,
    call_id      TEXT     NOT NULL,
    name         TEXT     NOT NULL,
    args_hash    TEXT     NOT NULL,
    status       TEXT     NOT NULL DEFAULT 'running',
    result       TEXT     NULL,
    locked_until DATETIME NULL,
    created_at   DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at   DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT uq_function_calls_call_name_args UNIQUE (call_id, name, args_hash),
    CONSTRAINT fk_function_calls_company FOREIGN KEY (company_id) REFERENCES companies (id) ON DELETE CASCADE,
    CONSTRAINT chk_function_calls_status CHECK (status IN ('running', 'done', 'failed')),
    CONSTRAINT chk_function_calls_args_hash CHECK (length(args_hash) = 64 AND args_hash NOT GLOB '*[^0-9a-f]*'),
    CONSTRAINT chk_function_calls_result CHECK (result IS NULL OR json_valid(result))
);

CREATE INDEX idx_function_calls_company_created ON function_calls (company_id, created_at);
