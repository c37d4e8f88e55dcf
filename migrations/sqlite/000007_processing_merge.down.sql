DROP INDEX idx_audit_log_created;

ALTER TABLE payments DROP COLUMN stripe_event_created_at;

ALTER TABLE calls DROP COLUMN transfer_rank;
ALTER TABLE calls DROP COLUMN transcript_rank;
ALTER TABLE calls DROP COLUMN lifecycle_rank;
ALTER TABLE calls DROP COLUMN transfer_outcome;
ALTER TABLE calls DROP COLUMN transfer_destination;
