-- 000006 webhook_events: an index that serves the worker's claim without
-- sorting (see ../mysql/000006_webhook_events_claim.up.sql). SQLite adds a
-- generated column only as VIRTUAL; an index on it stores its value.

ALTER TABLE webhook_events
    ADD COLUMN claimable INTEGER GENERATED ALWAYS AS (status IN ('pending', 'retrying')) VIRTUAL;
CREATE INDEX idx_webhook_events_ready ON webhook_events (claimable, priority, available_at);
DROP INDEX idx_webhook_events_claim;
CREATE INDEX idx_webhook_events_lease ON webhook_events (status, locked_until);
