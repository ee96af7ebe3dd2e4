-- +goose Up
-- The card processor's webhook events (package funding), by the
-- processor's event id: an event is acted on once, however often the
-- processor delivers it (it retries until answered 2xx, and a delivery may
-- cross a retry). Every action an event leads to is guarded by the
-- movement's status as well; this table saves asking again.
CREATE TABLE funding_card_events (
    id           TEXT PRIMARY KEY,
    type         TEXT NOT NULL,
    received_at  BIGINT NOT NULL
);
-- How much of a top-up's charge the processor has refunded to the card
-- (its cumulative total; each increase is booked once, as a
-- card_topup_refund movement).
ALTER TABLE funding_movements ADD COLUMN refunded BIGINT NOT NULL DEFAULT 0;
-- Where the member authenticates a top-up with their card's bank (3-D
-- Secure), as the processor said (Stripe's next_action redirect); '' when
-- the processor has no page of its own (the sandbox).
ALTER TABLE funding_movements ADD COLUMN action_url TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE funding_movements DROP COLUMN action_url;
ALTER TABLE funding_movements DROP COLUMN refunded;
DROP TABLE funding_card_events;
