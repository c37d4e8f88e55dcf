-- 000005 webhook_events stores what the provider sent, byte for byte.
--
-- payload becomes LONGBLOB: the raw body, not a JSON column. MariaDB's JSON
-- check refuses lone surrogate escapes ("\ud83d") and nesting past 32 levels,
-- and MySQL's JSON type rewrites the text, so a JSON column either turns a
-- signed event away on every retry or changes what the provider signed.
-- askpro checks that a body is JSON before storing it.
--
-- idempotency_key becomes VARBINARY(255): utf8mb4_bin is a PAD SPACE
-- collation, which makes 'stripe:evt_X' and 'stripe:evt_X ' one key. A
-- binary string compares every byte.
--
-- The foreign key company_id -> companies goes (the index stays): at
-- ingestion company_id is what a signed payload claims (Stripe
-- metadata.company_id); it may name a company that does not exist, and that
-- must never make the insert fail. Processing resolves the tenant.
--
-- MODIFY converts the stored rows: the text of each payload and key is kept
-- as its utf8mb4 bytes (MySQL 8 keeps its normalized JSON text).

ALTER TABLE webhook_events
    DROP FOREIGN KEY fk_webhook_events_company,
    MODIFY idempotency_key VARBINARY(255) NOT NULL,
    MODIFY payload LONGBLOB NOT NULL;
