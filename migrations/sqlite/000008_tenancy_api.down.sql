DROP INDEX idx_customers_company_created;

CREATE INDEX idx_webhook_events_company_id ON webhook_events (company_id);
DROP INDEX idx_webhook_events_company_created;

DROP INDEX idx_calls_company_status_started;

ALTER TABLE companies DROP COLUMN calcom_base_url;
