-- 000006 webhook_events: an index that serves the worker's claim without a
-- filesort.
--
-- The claim takes the waiting events (status pending or retrying) whose
-- available_at has come, critical before high before normal, oldest first:
--
--   SELECT ... FROM webhook_events WHERE claimable = 1 AND available_at <= ?
--   ORDER BY priority, available_at LIMIT ? FOR UPDATE SKIP LOCKED
--
-- On (status, priority, available_at) the two statuses are two ranges, so
-- the server had to sort every waiting row on each claim. claimable is 1
-- exactly for the two waiting statuses, so one index range, already in
-- (priority, available_at) order, serves the claim. It is a generated
-- column: no writer can forget it.
--
-- The old claim index becomes (status, locked_until): it serves the reaper,
-- which takes back the expired leases (status = 'processing' AND
-- locked_until < now), and counts by status.

ALTER TABLE webhook_events
    ADD COLUMN claimable TINYINT AS (status IN ('pending', 'retrying')) STORED,
    ADD INDEX idx_webhook_events_ready (claimable, priority, available_at),
    DROP INDEX idx_webhook_events_claim,
    ADD INDEX idx_webhook_events_lease (status, locked_until);
