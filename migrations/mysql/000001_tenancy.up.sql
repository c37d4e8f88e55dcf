-- 000001 tenancy: companies, branches, services, working_hours, customers.
--
-- Conventions (mirrored in ../sqlite): times are DATETIME(6) in UTC; created_at
-- and updated_at default to the current time but are never updated
-- automatically (writers set updated_at); identifiers from providers use
-- utf8mb4_bin so that they compare byte for byte, as on SQLite; JSON columns
-- use the JSON type (MariaDB adds CHECK (json_valid(col)) itself, MySQL 8
-- validates natively).

CREATE TABLE companies (
    id              BIGINT       NOT NULL AUTO_INCREMENT,
    name            VARCHAR(255) NOT NULL,
    subdomain       VARCHAR(63)  NOT NULL,
    industry        VARCHAR(32)  NOT NULL DEFAULT 'general',
    is_active       TINYINT(1)   NOT NULL DEFAULT 1,
    settings        JSON         NULL,
    metadata        JSON         NULL,
    calcom_api_key  TEXT         NULL,
    created_at      DATETIME(6)  NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    updated_at      DATETIME(6)  NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    CONSTRAINT uq_companies_subdomain UNIQUE (subdomain),
    CONSTRAINT chk_companies_industry CHECK (industry IN ('beauty', 'medical', 'automotive', 'general')),
    CONSTRAINT chk_companies_is_active CHECK (is_active IN (0, 1))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE branches (
    id                  BIGINT       NOT NULL AUTO_INCREMENT,
    company_id          BIGINT       NOT NULL,
    name                VARCHAR(255) NOT NULL,
    phone_number        VARCHAR(20)  NULL,
    address             VARCHAR(512) NULL,
    timezone            VARCHAR(64)  NOT NULL DEFAULT 'Europe/Berlin',
    language            VARCHAR(16)  NOT NULL DEFAULT 'de-DE',
    retell_agent_id     VARCHAR(128) COLLATE utf8mb4_bin NULL,
    retell_llm_id       VARCHAR(128) COLLATE utf8mb4_bin NULL,
    provisioning_status VARCHAR(16)  NOT NULL DEFAULT 'pending',
    provisioning_error  TEXT         NULL,
    provisioned_at      DATETIME(6)  NULL,
    is_active           TINYINT(1)   NOT NULL DEFAULT 1,
    created_at          DATETIME(6)  NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    updated_at          DATETIME(6)  NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    CONSTRAINT uq_branches_phone_number UNIQUE (phone_number),
    -- Target of the composite foreign keys that keep a branch's services and
    -- working hours inside the branch's company.
    CONSTRAINT uq_branches_id_company UNIQUE (id, company_id),
    INDEX idx_branches_company_id (company_id),
    CONSTRAINT fk_branches_company FOREIGN KEY (company_id) REFERENCES companies (id) ON DELETE CASCADE,
    CONSTRAINT chk_branches_phone_number CHECK (phone_number REGEXP '^[+][1-9][0-9]{1,14}$'),
    CONSTRAINT chk_branches_provisioning_status CHECK (provisioning_status IN ('pending', 'provisioning', 'provisioned', 'failed')),
    CONSTRAINT chk_branches_is_active CHECK (is_active IN (0, 1))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE services (
    id                   BIGINT       NOT NULL AUTO_INCREMENT,
    company_id           BIGINT       NOT NULL,
    branch_id            BIGINT       NOT NULL,
    name                 VARCHAR(255) NOT NULL,
    type                 VARCHAR(64)  NOT NULL,
    duration_minutes     INT          NOT NULL,
    calcom_event_type_id BIGINT       NULL,
    is_active            TINYINT(1)   NOT NULL DEFAULT 1,
    created_at           DATETIME(6)  NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    updated_at           DATETIME(6)  NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    CONSTRAINT uq_services_branch_name UNIQUE (branch_id, name),
    INDEX idx_services_company_id (company_id),
    INDEX idx_services_branch_company (branch_id, company_id),
    INDEX idx_services_calcom_event_type_id (calcom_event_type_id),
    CONSTRAINT fk_services_company FOREIGN KEY (company_id) REFERENCES companies (id) ON DELETE CASCADE,
    CONSTRAINT fk_services_branch FOREIGN KEY (branch_id, company_id) REFERENCES branches (id, company_id) ON DELETE CASCADE,
    CONSTRAINT chk_services_duration_minutes CHECK (duration_minutes > 0),
    CONSTRAINT chk_services_is_active CHECK (is_active IN (0, 1))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE working_hours (
    id         BIGINT      NOT NULL AUTO_INCREMENT,
    company_id BIGINT      NOT NULL,
    branch_id  BIGINT      NOT NULL,
    weekday    INT         NOT NULL,
    opens      CHAR(5)     NOT NULL,
    closes     CHAR(5)     NOT NULL,
    created_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    CONSTRAINT uq_working_hours_branch_weekday_opens UNIQUE (branch_id, weekday, opens),
    INDEX idx_working_hours_company_id (company_id),
    INDEX idx_working_hours_branch_company (branch_id, company_id),
    CONSTRAINT fk_working_hours_company FOREIGN KEY (company_id) REFERENCES companies (id) ON DELETE CASCADE,
    CONSTRAINT fk_working_hours_branch FOREIGN KEY (branch_id, company_id) REFERENCES branches (id, company_id) ON DELETE CASCADE,
    -- ISO weekday: 1 Monday ... 7 Sunday.
    CONSTRAINT chk_working_hours_weekday CHECK (weekday BETWEEN 1 AND 7),
    -- 'HH:MM', opens 00:00-23:59, closes up to 24:00 (midnight).
    CONSTRAINT chk_working_hours_opens CHECK (opens REGEXP '^[0-2][0-9]:[0-5][0-9]$' AND opens <= '23:59'),
    CONSTRAINT chk_working_hours_closes CHECK (closes REGEXP '^[0-2][0-9]:[0-5][0-9]$' AND closes <= '24:00'),
    CONSTRAINT chk_working_hours_order CHECK (opens < closes)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE customers (
    id           BIGINT       NOT NULL AUTO_INCREMENT,
    company_id   BIGINT       NOT NULL,
    name         VARCHAR(255) NULL,
    phone_number VARCHAR(20)  NOT NULL,
    email        VARCHAR(255) NULL,
    created_at   DATETIME(6)  NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    updated_at   DATETIME(6)  NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    PRIMARY KEY (id),
    CONSTRAINT uq_customers_company_phone UNIQUE (company_id, phone_number),
    CONSTRAINT fk_customers_company FOREIGN KEY (company_id) REFERENCES companies (id) ON DELETE CASCADE,
    CONSTRAINT chk_customers_phone_number CHECK (phone_number REGEXP '^[+][1-9][0-9]{1,14}$')
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
