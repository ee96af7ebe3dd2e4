-- +goose Up
-- Savings that earn interest (package savings; see savings/doc.go for the
-- convention). Days are counted from 1970-01-01 UTC, months as
-- year*12 + month-1.

-- A member's savings in one asset; id is its ledger account ("sav:…").
-- accrued_through and paid_through only rise, each by an UPDATE guarded
-- by the value it was read as, so that two processes never accrue a day
-- or pay a month twice.
CREATE TABLE savings_accounts (
    id               TEXT PRIMARY KEY,
    user_id          TEXT NOT NULL,
    asset            TEXT NOT NULL,
    opened_on        BIGINT NOT NULL,  -- the first day that accrues
    accrued_through  BIGINT NOT NULL,  -- the last day accrued (opened_on - 1: none)
    paid_through     BIGINT NOT NULL,  -- the last month paid
    created_at       BIGINT NOT NULL,
    UNIQUE (user_id, asset)
);
CREATE INDEX savings_accounts_asset ON savings_accounts (asset);

-- One row per account and day: the balance at the day's end and the day's
-- interest, exactly, in units of 1/3,650,000 of a minor unit.
CREATE TABLE savings_accruals (
    account_id  TEXT NOT NULL,
    day         BIGINT NOT NULL,
    balance     BIGINT NOT NULL,
    numerator   BIGINT NOT NULL,
    rate_id     TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (account_id, day),
    CHECK (numerator >= 0)
);

-- One row per account and month paid: carried_in + accrued =
-- amount * 3,650,000 + carried_out, with 0 <= carried_out < 3,650,000.
CREATE TABLE savings_payouts (
    account_id   TEXT NOT NULL,
    month        BIGINT NOT NULL,
    user_id      TEXT NOT NULL,
    asset        TEXT NOT NULL,
    carried_in   BIGINT NOT NULL,
    accrued      BIGINT NOT NULL,
    amount       BIGINT NOT NULL,
    carried_out  BIGINT NOT NULL,
    movement_id  TEXT NOT NULL DEFAULT '',  -- '' when under a minor unit: nothing moved
    paid_at      BIGINT NOT NULL,
    PRIMARY KEY (account_id, month),
    CHECK (amount >= 0 AND carried_out >= 0 AND carried_out < 3650000)
);
CREATE INDEX savings_payouts_paid ON savings_payouts (paid_at);

-- The operator's rates, versioned by the day they apply from. tiers is
-- "from:bps;from:bps…" (from in minor units, rising from 0).
CREATE TABLE savings_rates (
    id            TEXT PRIMARY KEY,
    asset         TEXT NOT NULL,
    effective_on  BIGINT NOT NULL,
    tiers         TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    UNIQUE (asset, effective_on)
);

-- The partner bank's yield on the cash it holds: the platform's interest
-- income, by the month it was earned in. id is the movement's.
CREATE TABLE savings_yields (
    id          TEXT PRIMARY KEY,
    asset       TEXT NOT NULL,
    month       BIGINT NOT NULL,
    amount      BIGINT NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    CHECK (amount > 0)
);
CREATE INDEX savings_yields_month ON savings_yields (asset, month);

-- +goose Down
DROP TABLE savings_yields;
DROP TABLE savings_rates;
DROP TABLE savings_payouts;
DROP TABLE savings_accruals;
DROP TABLE savings_accounts;
