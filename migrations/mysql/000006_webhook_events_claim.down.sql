ALTER TABLE webhook_events
    DROP INDEX idx_webhook_events_lease,
    ADD INDEX idx_webhook_events_claim (status, priority, available_at),
    DROP INDEX idx_webhook_events_ready,
    DROP COLUMN claimable;
