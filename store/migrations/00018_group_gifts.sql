-- +goose Up
-- Group gifts, all or nothing (package payments): a target and a deadline;
-- pledges reserve money (pending transfers into the gift's escrow account
-- "esc:<gift id>") that the settling job takes, when the target is reached
-- by the deadline, or releases. pledged is the sum of reserved pledges,
-- changed only by UPDATEs guarded by status = 'open' and the deadline.
CREATE TABLE payment_group_gifts (
    id            TEXT PRIMARY KEY,
    organizer_id  TEXT NOT NULL,
    recipient_id  TEXT NOT NULL,
    asset         TEXT NOT NULL,
    target        BIGINT NOT NULL,
    pledged       BIGINT NOT NULL DEFAULT 0,
    title         TEXT NOT NULL,
    deadline      BIGINT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'open',
    post_id       TEXT NOT NULL DEFAULT '',
    fingerprint   TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    CHECK (status IN ('open', 'paid', 'failed')),
    CHECK (target > 0 AND pledged >= 0)
);
CREATE INDEX payment_group_gifts_due ON payment_group_gifts (status, deadline);

CREATE TABLE payment_group_gift_pledges (
    id           TEXT PRIMARY KEY,
    gift_id      TEXT NOT NULL,
    pledger_id   TEXT NOT NULL,
    asset        TEXT NOT NULL,
    amount       BIGINT NOT NULL,
    transfer_id  TEXT NOT NULL,          -- the pending transfer that reserves it
    status       TEXT NOT NULL DEFAULT 'reserved',
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    CHECK (status IN ('reserved', 'withdrawn', 'taken', 'released')),
    CHECK (amount > 0)
);
CREATE INDEX payment_group_gift_pledges_gift ON payment_group_gift_pledges (gift_id, status);

-- +goose Down
DROP TABLE payment_group_gift_pledges;
DROP TABLE payment_group_gifts;
