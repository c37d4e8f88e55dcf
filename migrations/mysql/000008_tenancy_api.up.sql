-- 000008 what the REST API, API keys and per-company Cal.com accounts need.
--
-- companies.calcom_base_url: a company on the EU-hosted Cal.com uses
-- https://api.cal.eu; NULL means calcom.base_url. companies.calcom_api_key
-- (000001) holds the key sealed with AES-GCM (pkg/secrets), never the key.
--
-- The API's list queries are "this company's rows, filtered, newest first":
-- company_id leads every index they use. webhook_events get one by
-- company and time (the old company_id index is its prefix, so it goes).

ALTER TABLE companies
    ADD COLUMN calcom_base_url VARCHAR(255) NULL;

CREATE INDEX idx_calls_company_status_started ON calls (company_id, status, started_at);

CREATE INDEX idx_webhook_events_company_created ON webhook_events (company_id, created_at);
DROP INDEX idx_webhook_events_company_id ON webhook_events;

CREATE INDEX idx_customers_company_created ON customers (company_id, created_at);
