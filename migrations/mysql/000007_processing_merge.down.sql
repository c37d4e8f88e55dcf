DROP INDEX idx_audit_log_created ON audit_log;

ALTER TABLE payments
    DROP COLUMN stripe_event_created_at;

ALTER TABLE calls
    DROP CONSTRAINT chk_calls_transfer_outcome,
    DROP COLUMN transfer_rank,
    DROP COLUMN transcript_rank,
    DROP COLUMN lifecycle_rank,
    DROP COLUMN transfer_outcome,
    DROP COLUMN transfer_destination;
