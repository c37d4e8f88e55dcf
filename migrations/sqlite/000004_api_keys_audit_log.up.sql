-- 000004 api_keys, audit_log.
--
-- api_keys.company_id NULL marks a platform-admin key. Deleting a company
-- deletes its keys (CASCADE): SET NULL would turn them into admin keys.
-- key_hash is the lowercase hex SHA-256 of the key; the CHECK refuses anything
-- else, so a plaintext key can never be stored by mistake.

CREATE TABLE api_keys (
    id           INTEGER  NOT NULL PRIMARY KEY AUTOINCREMENT,
    company_id   INTEGER  NULL,
    name         TEXT     NOT NULL,
    prefix       TEXT     NOT NULL,
    key_hash     TEXT     NOT NULL,
    created_at   DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    last_used_at DATETIME NULL,
    revoked_at   DATETIME NULL,
    CONSTRAINT uq_api_keys_key_hash UNIQUE (key_hash),
    CONSTRAINT fk_api_keys_company FOREIGN KEY (company_id) REFERENCES companies (id) ON DELETE CASCADE,
    CONSTRAINT chk_api_keys_key_hash CHECK (length(key_hash) = 64 AND key_hash NOT GLOB '*[^0-9a-f]*')
);
CREATE INDEX idx_api_keys_company_id ON api_keys (company_id);

CREATE TABLE audit_log (
    id         INTEGER  NOT NULL PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER  NULL,
    actor      TEXT     NOT NULL,
    action     TEXT     NOT NULL,
    target     TEXT     NULL,
    details    TEXT     NULL,
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT fk_audit_log_company FOREIGN KEY (company_id) REFERENCES companies (id) ON DELETE SET NULL,
    CONSTRAINT chk_audit_log_details CHECK (json_valid(details))
);
CREATE INDEX idx_audit_log_company_created ON audit_log (company_id, created_at);
