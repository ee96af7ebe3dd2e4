-- +goose Up
-- The movement kernel (package movement) and the usage compliance counts.

-- Every business action that moved money, or was asked to and was denied:
-- one row per movement, written in the transaction that moves the money.
-- (actor, idem_key) is the caller's idempotency key; fingerprint hashes
-- the request's fields so that a reuse with another body is told apart.
-- Every ledger transfer a movement makes has the movement's id as its
-- reference. status: 'done' (its transfers are posted), 'held' (a pending
-- reservation), 'denied' (the checkpoint refused it: no transfers). Only
-- status changes, from 'held' to 'done' or 'released'/'cancelled'.
CREATE TABLE movements (
    id           TEXT PRIMARY KEY,
    kind         TEXT NOT NULL,
    actor        TEXT NOT NULL,
    idem_key     TEXT NOT NULL,
    fingerprint  TEXT NOT NULL,
    reference    TEXT NOT NULL DEFAULT '',  -- the domain's object (pay_…, ord_…, fmv_…)
    from_user    TEXT NOT NULL DEFAULT '',
    to_user      TEXT NOT NULL DEFAULT '',
    asset        TEXT NOT NULL,
    amount       BIGINT NOT NULL,
    fee          BIGINT NOT NULL DEFAULT 0,
    note         TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL,
    reason       TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    CHECK (status IN ('done', 'held', 'denied', 'cancelled')),
    CHECK (amount >= 0 AND fee >= 0)
);
CREATE UNIQUE INDEX movements_idem ON movements (actor, idem_key);
CREATE INDEX movements_reference ON movements (reference);

-- What a member's movements used of their limits, by the hour and by the
-- day (span 'h' or 'd', bucket = hours or days since the Unix epoch, UTC),
-- per class ('spend': money leaving a member; 'funding': money coming in
-- from a bank or card). Written by compliance.Record for every counted
-- movement, so that a check sums at most 24 + 30 rows, never a history.
CREATE TABLE compliance_usage (
    user_id  TEXT NOT NULL,
    class    TEXT NOT NULL,
    asset    TEXT NOT NULL,
    span     TEXT NOT NULL,
    bucket   BIGINT NOT NULL,
    amount   BIGINT NOT NULL,
    PRIMARY KEY (user_id, class, asset, span, bucket)
);

-- Who a member has completed a payment to: the cooling-off rule holds a
-- first large payment to anyone not here.
CREATE TABLE compliance_payees (
    user_id   TEXT NOT NULL,
    payee_id  TEXT NOT NULL,
    first_at  BIGINT NOT NULL,
    PRIMARY KEY (user_id, payee_id)
);

-- An Idempotency-Key whose request made a movement: written in the
-- movement's own transaction (status 0, response ''), so that the key and
-- what it did commit together; a replay runs the request again and the
-- kernel answers with the movement it made.
ALTER TABLE idempotency_keys ADD COLUMN movement_id TEXT NOT NULL DEFAULT '';

-- Carry the usage and payees of payments made before this migration over,
-- so that an upgrade does not reset anyone's limits.
INSERT INTO compliance_usage (user_id, class, asset, span, bucket, amount)
    SELECT payer_id, 'spend', asset, 'h', created_at / 3600000000000, SUM(amount) FROM payments
    WHERE payer_id <> '' AND kind IN ('send', 'tip', 'coin_buy') AND status IN ('completed', 'held')
    GROUP BY payer_id, asset, created_at / 3600000000000;
INSERT INTO compliance_usage (user_id, class, asset, span, bucket, amount)
    SELECT payer_id, 'spend', asset, 'd', created_at / 86400000000000, SUM(amount) FROM payments
    WHERE payer_id <> '' AND kind IN ('send', 'tip', 'coin_buy') AND status IN ('completed', 'held')
    GROUP BY payer_id, asset, created_at / 86400000000000;
INSERT INTO compliance_payees (user_id, payee_id, first_at)
    SELECT payer_id, payee_id, MIN(created_at) FROM payments
    WHERE kind = 'send' AND status = 'completed' AND payer_id <> '' AND payee_id <> ''
    GROUP BY payer_id, payee_id;

-- +goose Down
ALTER TABLE idempotency_keys DROP COLUMN movement_id;
DROP TABLE compliance_payees;
DROP TABLE compliance_usage;
DROP TABLE movements;
