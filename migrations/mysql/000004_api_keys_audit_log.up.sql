-- 000004 api_keys, audit_log.
--
-- api_keys.company_id NULL marks a platform-admin key. Deleting a company
-- deletes its keys (CASCADE): SET NULL would turn them into admin keys.
-- key_hash is the lowercase hex SHA-256 of the key; the CHECK refuses anything
-- else, so a plaintext key can never be stored by mistake.

CREATE TABLE api_keys (
    id           BIGINT       NOT NULL AUTO_INCREMENT,
    company_id   BIGINT       NULL,
    name         VARCHAR(255) NOT NULL,
    prefix       VARCHAR(16)  COLLATE utf8mb4_bin NOT NULL,
    key_hash     CHAR(64)     COLLATE utf8mb4_bin NOT NULL,
    created_at   DATETIME(6)  NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    last_used_at DATETIME(6)  NULL,
    revoked_at   DATETIME(6)  NULL,
    PRIMARY KEY (id),
    CONSTRAINT uq_api_keys_key_hash UNIQUE (key_hash),
    INDEX idx_api_keys_company_id (company_id),
    CONSTRAINT fk_api_keys_company FOREIGN KEY (company_id) REFERENCES companies (id) ON DELETE CASCADE,
    CONSTRAINT chk_api_keys_key_hash CHECK (key_hash REGEXP '^[0-9a-f]{64}$')
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE audit_log (
    id         BIGINT       NOT NULL AUTO_INCREMENT,
    company_id BIGINT       NULL,
    actor      VARCHAR(255) NOT NULL,
    action     VARCHAR(128) NOT NULL,
    target     VARCHAR(255) NULL,
    details    JSON         NULL,
    created_at DATETIME(6)  NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    INDEX idx_audit_log_company_created (company_id, created_at),
    CONSTRAINT fk_audit_log_company FOREIGN KEY (company_id) REFERENCES companies (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
