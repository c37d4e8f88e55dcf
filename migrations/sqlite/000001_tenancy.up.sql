-- 000001 tenancy: companies, branches, services, working_hours, customers.
--
-- Conventions (mirrored in ../mysql): times are DATETIME (modernc.org/sqlite
-- scans them into time.Time) in UTC; created_at and updated_at default to the
-- current time but are never updated automatically (writers set updated_at);
-- JSON columns are TEXT with CHECK (json_valid(col)); booleans are BOOLEAN
-- with CHECK (col IN (0, 1)). subdomain is COLLATE NOCASE because MySQL's
-- utf8mb4_unicode_ci compares it case-insensitively too. Foreign keys are
-- enforced only on connections with PRAGMA foreign_keys = ON (pkg/pool sets it).

CREATE TABLE companies (
    id              INTEGER  NOT NULL PRIMARY KEY AUTOINCREMENT,
    name            TEXT     NOT NULL,
    subdomain       TEXT     NOT NULL COLLATE NOCASE,
    industry        TEXT     NOT NULL DEFAULT 'general',
    is_active       BOOLEAN  NOT NULL DEFAULT 1,
    settings        TEXT     NULL,
    metadata        TEXT     NULL,
    calcom_api_key  TEXT     NULL,
    created_at      DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at      DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT uq_companies_subdomain UNIQUE (subdomain),
    CONSTRAINT chk_companies_industry CHECK (industry IN ('beauty', 'medical', 'automotive', 'general')),
    CONSTRAINT chk_companies_is_active CHECK (is_active IN (0, 1)),
    CONSTRAINT chk_companies_settings CHECK (json_valid(settings)),
    CONSTRAINT chk_companies_metadata CHECK (json_valid(metadata))
);

CREATE TABLE branches (
    id                  INTEGER  NOT NULL PRIMARY KEY AUTOINCREMENT,
    company_id          INTEGER  NOT NULL,
    name                TEXT     NOT NULL,
    phone_number        TEXT     NULL,
    address             TEXT     NULL,
    timezone            TEXT     NOT NULL DEFAULT 'Europe/Berlin',
    language            TEXT     NOT NULL DEFAULT 'de-DE',
    retell_agent_id     TEXT     NULL,
    retell_llm_id       TEXT     NULL,
    provisioning_status TEXT     NOT NULL DEFAULT 'pending',
    provisioning_error  TEXT     NULL,
    provisioned_at      DATETIME NULL,
    is_active           BOOLEAN  NOT NULL DEFAULT 1,
    created_at          DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at          DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT uq_branches_phone_number UNIQUE (phone_number),
    -- Target of the composite foreign keys that keep a branch's services and
    -- working hours inside the branch's company.
    CONSTRAINT uq_branches_id_company UNIQUE (id, company_id),
    CONSTRAINT fk_branches_company FOREIGN KEY (company_id) REFERENCES companies (id) ON DELETE CASCADE,
    CONSTRAINT chk_branches_phone_number CHECK (phone_number GLOB '+[1-9]*'
        AND length(phone_number) BETWEEN 3 AND 16
        AND substr(phone_number, 2) NOT GLOB '*[^0-9]*'),
    CONSTRAINT chk_branches_provisioning_status CHECK (provisioning_status IN ('pending', 'provisioning', 'provisioned', 'failed')),
    CONSTRAINT chk_branches_is_active CHECK (is_active IN (0, 1))
);
CREATE INDEX idx_branches_company_id ON branches (company_id);

CREATE TABLE services (
    id                   INTEGER  NOT NULL PRIMARY KEY AUTOINCREMENT,
    company_id           INTEGER  NOT NULL,
    branch_id            INTEGER  NOT NULL,
    name                 TEXT     NOT NULL,
    type                 TEXT     NOT NULL,
    duration_minutes     INTEGER  NOT NULL,
    calcom_event_type_id INTEGER  NULL,
    is_active            BOOLEAN  NOT NULL DEFAULT 1,
    created_at           DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at           DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT uq_services_branch_name UNIQUE (branch_id, name),
    CONSTRAINT fk_services_company FOREIGN KEY (company_id) REFERENCES companies (id) ON DELETE CASCADE,
    CONSTRAINT fk_services_branch FOREIGN KEY (branch_id, company_id) REFERENCES branches (id, company_id) ON DELETE CASCADE,
    CONSTRAINT chk_services_duration_minutes CHECK (duration_minutes > 0),
    CONSTRAINT chk_services_is_active CHECK (is_active IN (0, 1))
);
CREATE INDEX idx_services_company_id ON services (company_id);
CREATE INDEX idx_services_branch_company ON services (branch_id, company_id);
CREATE INDEX idx_services_calcom_event_type_id ON services (calcom_event_type_id);

CREATE TABLE working_hours (
    id         INTEGER  NOT NULL PRIMARY KEY AUTOINCREMENT,
    company_id INTEGER  NOT NULL,
    branch_id  INTEGER  NOT NULL,
    weekday    INTEGER  NOT NULL,
    opens      TEXT     NOT NULL,
    closes     TEXT     NOT NULL,
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT uq_working_hours_branch_weekday_opens UNIQUE (branch_id, weekday, opens),
    CONSTRAINT fk_working_hours_company FOREIGN KEY (company_id) REFERENCES companies (id) ON DELETE CASCADE,
    CONSTRAINT fk_working_hours_branch FOREIGN KEY (branch_id, company_id) REFERENCES branches (id, company_id) ON DELETE CASCADE,
    -- ISO weekday: 1 Monday ... 7 Sunday.
    CONSTRAINT chk_working_hours_weekday CHECK (weekday BETWEEN 1 AND 7),
    -- 'HH:MM', opens 00:00-23:59, closes up to 24:00 (midnight).
    CONSTRAINT chk_working_hours_opens CHECK (opens GLOB '[0-2][0-9]:[0-5][0-9]' AND opens <= '23:59'),
    CONSTRAINT chk_working_hours_closes CHECK (closes GLOB '[0-2][0-9]:[0-5][0-9]' AND closes <= '24:00'),
    CONSTRAINT chk_working_hours_order CHECK (opens < closes)
);
CREATE INDEX idx_working_hours_company_id ON working_hours (company_id);
CREATE INDEX idx_working_hours_branch_company ON working_hours (branch_id, company_id);

CREATE TABLE customers (
    id           INTEGER  NOT NULL PRIMARY KEY AUTOINCREMENT,
    company_id   INTEGER  NOT NULL,
    name         TEXT     NULL,
    phone_number TEXT     NOT NULL,
    email        TEXT     NULL,
    created_at   DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at   DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT uq_customers_company_phone UNIQUE (company_id, phone_number),
    CONSTRAINT fk_customers_company FOREIGN KEY (company_id) REFERENCES companies (id) ON DELETE CASCADE,
    CONSTRAINT chk_customers_phone_number CHECK (phone_number GLOB '+[1-9]*'
        AND length(phone_number) BETWEEN 3 AND 16
        AND substr(phone_number, 2) NOT GLOB '*[^0-9]*')
);
