DROP INDEX idx_webhook_events_lease;
CREATE INDEX idx_webhook_events_claim ON webhook_events (status, priority, available_at);
DROP INDEX idx_webhook_events_ready;
ALTER TABLE webhook_events DROP COLUMN claimable;
