-- 000008 what the REST API, API keys and per-company Cal.com accounts need
-- (see ../mysql/000008_tenancy_api.up.sql for why).

ALTER TABLE companies ADD COLUMN calcom_base_url TEXT NULL;

CREATE INDEX idx_calls_company_status_started ON calls (company_id, status, started_at);

CREATE INDEX idx_webhook_events_company_created ON webhook_events (company_id, created_at);
DROP INDEX idx_webhook_events_company_id;

CREATE INDEX idx_customers_company_created ON customers (company_id, created_at);
