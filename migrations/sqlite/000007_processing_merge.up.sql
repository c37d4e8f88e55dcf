-- 000007 what webhook processing needs on calls and payments, and an index
-- for the platform-wide audit log listing (see
-- ../mysql/000007_processing_merge.up.sql for what each column means).

ALTER TABLE calls ADD COLUMN transfer_destination TEXT NULL;
ALTER TABLE calls ADD COLUMN transfer_outcome TEXT NULL
    CONSTRAINT chk_calls_transfer_outcome CHECK (transfer_outcome IN ('started', 'bridged', 'cancelled', 'ended'));
ALTER TABLE calls ADD COLUMN lifecycle_rank INTEGER NOT NULL DEFAULT 0;
ALTER TABLE calls ADD COLUMN transcript_rank INTEGER NOT NULL DEFAULT 0;
ALTER TABLE calls ADD COLUMN transfer_rank INTEGER NOT NULL DEFAULT 0;

ALTER TABLE payments ADD COLUMN stripe_event_created_at DATETIME NULL;

CREATE INDEX idx_audit_log_created ON audit_log (created_at);
