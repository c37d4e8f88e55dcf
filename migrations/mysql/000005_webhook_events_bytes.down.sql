-- 000005 down: payload back to JSON, idempotency_key back to utf8mb4_bin
-- text, the foreign key back.
--
-- This fails, and changes nothing (the ALTER is one atomic statement), while
-- a row holds what version 4 cannot: a payload MariaDB's JSON check refuses,
-- a key that is not UTF-8, or two keys that differ only in trailing spaces.
-- Delete or fix those rows first. company_id values naming no company are
-- cleared, as ON DELETE SET NULL would have done.

UPDATE webhook_events SET company_id = NULL
WHERE company_id IS NOT NULL AND company_id NOT IN (SELECT id FROM companies);

ALTER TABLE webhook_events
    MODIFY idempotency_key VARCHAR(255) COLLATE utf8mb4_bin NOT NULL,
    MODIFY payload JSON NOT NULL,
    ADD CONSTRAINT fk_webhook_events_company FOREIGN KEY (company_id) REFERENCES companies (id) ON DELETE SET NULL;
