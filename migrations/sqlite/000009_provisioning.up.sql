-- 000009 what provisioning records on a branch (see the MySQL file).
--
-- SQLite cannot change a CHECK in place: this is its documented table
-- rebuild (create the new table, copy, drop the old one, rename, recreate
-- the index) in the file's one transaction. services, working_hours, calls
-- and appointments reference branches by name: golang-migrate's connection
-- does not enable foreign keys, so dropping the old table deletes nothing
-- and the references resolve to the renamed table (a test keeps it so).

CREATE TABLE branches_new (
    id                      INTEGER  NOT NULL PRIMARY KEY AUTOINCREMENT,
    company_id              INTEGER  NOT NULL,
    name                    TEXT     NOT NULL,
    phone_number            TEXT     NULL,
    address                 TEXT     NULL,
    timezone                TEXT     NOT NULL DEFAULT 'Europe/Berlin',
    language                TEXT     NOT NULL DEFAULT 'de-DE',
    retell_agent_id         TEXT     NULL,
    retell_llm_id           TEXT     NULL,
    provisioning_status     TEXT     NOT NULL DEFAULT 'pending',
    provisioning_error      TEXT     NULL,
    provisioned_at          DATETIME NULL,
    is_active               BOOLEAN  NOT NULL DEFAULT 1,
    created_at              DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at              DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    retell_agent_version    INTEGER  NULL,
    transfer_number         TEXT     NULL,
    provisioning_started_at DATETIME NULL,
    CONSTRAINT uq_branches_phone_number UNIQUE (phone_number),
    CONSTRAINT uq_branches_id_company UNIQUE (id, company_id),
    CONSTRAINT fk_branches_company FOREIGN KEY (company_id) REFERENCES companies (id) ON DELETE CASCADE,
    CONSTRAINT chk_branches_phone_number CHECK (phone_number GLOB '+[1-9]*'
        AND length(phone_number) BETWEEN 3 AND 16
        AND substr(phone_number, 2) NOT GLOB '*[^0-9]*'),
    CONSTRAINT chk_branches_provisioning_status CHECK (provisioning_status IN ('pending', 'provisioning', 'completed', 'failed')),
    CONSTRAINT chk_branches_is_active CHECK (is_active IN (0, 1)),
    CONSTRAINT chk_branches_transfer_number CHECK (transfer_number GLOB '+[1-9]*'
        AND length(transfer_number) BETWEEN 3 AND 16
        AND substr(transfer_number, 2) NOT GLOB '*[^0-9]*'),
    CONSTRAINT chk_branches_retell_agent_version CHECK (retell_agent_version >= 0)
);

INSERT INTO branches_new (id, company_id, name, phone_number, address, timezone, language, retell_agent_id,
    retell_llm_id, provisioning_status, provisioning_error, provisioned_at, is_active, created_at, updated_at)
SELECT id, company_id, name, phone_number, address, timezone, language, retell_agent_id,
    retell_llm_id, CASE provisioning_status WHEN 'provisioned' THEN 'completed' ELSE provisioning_status END,
    provisioning_error, provisioned_at, is_active, created_at, updated_at
FROM branches;

DELETE FROM sqlite_sequence WHERE name = 'branches_new';
INSERT INTO sqlite_sequence (name, seq) SELECT 'branches_new', seq FROM sqlite_sequence WHERE name = 'branches';

DROP TABLE branches;
ALTER TABLE branches_new RENAME TO branches;

CREATE INDEX idx_branches_company_id ON branches (company_id);
