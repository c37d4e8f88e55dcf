-- 000002 calls, appointments, payments: the records webhook processing upserts
-- (by retell_call_id, calcom_booking_uid and stripe_object_id).

CREATE TABLE calls (
    id                   INTEGER  NOT NULL PRIMARY KEY AUTOINCREMENT,
    company_id           INTEGER  NOT NULL,
    branch_id            INTEGER  NULL,
    customer_id          INTEGER  NULL,
    retell_call_id       TEXT     NOT NULL,
    agent_id             TEXT     NULL,
    from_number          TEXT     NULL,
    to_number            TEXT     NULL,
    direction            TEXT     NULL,
    status               TEXT     NOT NULL,
    started_at           DATETIME NULL,
    ended_at             DATETIME NULL,
    duration_ms          INTEGER  NULL,
    disconnection_reason TEXT     NULL,
    transcript           TEXT     NULL,
    summary              TEXT     NULL,
    sentiment            TEXT     NULL,
    successful           BOOLEAN  NULL,
    analysis             TEXT     NULL,
    created_at           DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at           DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT uq_calls_retell_call_id UNIQUE (retell_call_id),
    CONSTRAINT fk_calls_company FOREIGN KEY (company_id) REFERENCES companies (id) ON DELETE CASCADE,
    CONSTRAINT fk_calls_branch FOREIGN KEY (branch_id) REFERENCES branches (id) ON DELETE SET NULL,
    CONSTRAINT fk_calls_customer FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE SET NULL,
    CONSTRAINT chk_calls_successful CHECK (successful IN (0, 1)),
    CONSTRAINT chk_calls_duration_ms CHECK (duration_ms >= 0),
    CONSTRAINT chk_calls_analysis CHECK (json_valid(analysis))
);
CREATE INDEX idx_calls_company_started ON calls (company_id, started_at);
CREATE INDEX idx_calls_branch_id ON calls (branch_id);
CREATE INDEX idx_calls_customer_id ON calls (customer_id);

CREATE TABLE appointments (
    id                   INTEGER  NOT NULL PRIMARY KEY AUTOINCREMENT,
    company_id           INTEGER  NOT NULL,
    branch_id            INTEGER  NULL,
    service_id           INTEGER  NULL,
    customer_id          INTEGER  NULL,
    call_id              INTEGER  NULL,
    calcom_booking_uid   TEXT     NOT NULL,
    starts_at            DATETIME NOT NULL,
    ends_at              DATETIME NOT NULL,
    status               TEXT     NOT NULL,
    source               TEXT     NOT NULL DEFAULT 'calcom',
    cancellation_reason  TEXT     NULL,
    rescheduled_from_uid TEXT     NULL,
    created_at           DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at           DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT uq_appointments_calcom_booking_uid UNIQUE (calcom_booking_uid),
    CONSTRAINT fk_appointments_company FOREIGN KEY (company_id) REFERENCES companies (id) ON DELETE CASCADE,
    CONSTRAINT fk_appointments_branch FOREIGN KEY (branch_id) REFERENCES branches (id) ON DELETE SET NULL,
    CONSTRAINT fk_appointments_service FOREIGN KEY (service_id) REFERENCES services (id) ON DELETE SET NULL,
    CONSTRAINT fk_appointments_customer FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE SET NULL,
    CONSTRAINT fk_appointments_call FOREIGN KEY (call_id) REFERENCES calls (id) ON DELETE SET NULL,
    CONSTRAINT chk_appointments_status CHECK (status IN ('booked', 'cancelled', 'rescheduled')),
    CONSTRAINT chk_appointments_source CHECK (source IN ('phone', 'calcom', 'api'))
);
CREATE INDEX idx_appointments_company_starts ON appointments (company_id, starts_at);
CREATE INDEX idx_appointments_branch_id ON appointments (branch_id);
CREATE INDEX idx_appointments_service_id ON appointments (service_id);
CREATE INDEX idx_appointments_customer_id ON appointments (customer_id);
CREATE INDEX idx_appointments_call_id ON appointments (call_id);
CREATE INDEX idx_appointments_rescheduled_from_uid ON appointments (rescheduled_from_uid);

CREATE TABLE payments (
    id               INTEGER  NOT NULL PRIMARY KEY AUTOINCREMENT,
    company_id       INTEGER  NULL,
    stripe_object_id TEXT     NOT NULL,
    stripe_event_id  TEXT     NULL,
    kind             TEXT     NOT NULL,
    amount_cents     INTEGER  NOT NULL DEFAULT 0,
    currency         TEXT     NOT NULL,
    status           TEXT     NOT NULL,
    failure_code     TEXT     NULL,
    created_at       DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at       DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT uq_payments_stripe_object_id UNIQUE (stripe_object_id),
    CONSTRAINT fk_payments_company FOREIGN KEY (company_id) REFERENCES companies (id) ON DELETE SET NULL
);
CREATE INDEX idx_payments_company_id ON payments (company_id);
