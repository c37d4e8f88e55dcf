-- 000007 what webhook processing needs on calls and payments, and an index
-- for the platform-wide audit log listing.
--
-- Events of one call may be processed in any order and more than once, so
-- the call remembers how far its record has got:
--   lifecycle_rank   0 none, 1 call_started, 2 call_ended, 3 call_analyzed:
--                    the highest lifecycle event merged so far. A field is
--                    overwritten only by an event of the same or a higher
--                    rank; a lower one only fills NULLs.
--   transcript_rank  which transcript is kept: a transcript_updated event
--                    ranks by its transcript's length (Retell sends the whole
--                    transcript so far, which only grows), call_ended and
--                    call_analyzed rank above every transcript_updated.
--   transfer_rank    0 none, 1 transfer_started, 2 transfer_bridged,
--                    3 transfer_cancelled / transfer_ended.
-- transfer_destination is the number the caller was handed to and
-- transfer_outcome the furthest transfer event seen (started, bridged,
-- cancelled, ended).
--
-- payments.stripe_event_created_at is the Stripe event's created time: of
-- two events of one object at the same status rank, the newer one wins.

ALTER TABLE calls
    ADD COLUMN transfer_destination VARCHAR(32) NULL,
    ADD COLUMN transfer_outcome     VARCHAR(16) NULL,
    ADD COLUMN lifecycle_rank       TINYINT     NOT NULL DEFAULT 0,
    ADD COLUMN transcript_rank      BIGINT      NOT NULL DEFAULT 0,
    ADD COLUMN transfer_rank        TINYINT     NOT NULL DEFAULT 0,
    ADD CONSTRAINT chk_calls_transfer_outcome CHECK (transfer_outcome IN ('started', 'bridged', 'cancelled', 'ended'));

ALTER TABLE payments
    ADD COLUMN stripe_event_created_at DATETIME(6) NULL;

CREATE INDEX idx_audit_log_created ON audit_log (created_at);
