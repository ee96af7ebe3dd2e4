-- +goose Up
-- Recurring charges (package billing): plans, their prices by version,
-- subscriptions and their charges (receipts). Balances are never stored
-- here: the money is the ledger's. Timestamps are BIGINT Unix nanoseconds
-- UTC; amounts are BIGINT minor units of the row's asset.

-- A plan is what one subscribes to: the operator's (product 'premium',
-- owner 'platform') or a creator's (product 'creator:<user id>', owner the
-- creator). tier_rank orders a product's plans: a higher rank is an
-- upgrade.
CREATE TABLE billing_plans (
    id          TEXT PRIMARY KEY,
    product     TEXT NOT NULL,
    owner_id    TEXT NOT NULL,
    name        TEXT NOT NULL,
    tier_rank   BIGINT NOT NULL,
    period      TEXT NOT NULL,
    asset       TEXT NOT NULL,
    benefits    TEXT NOT NULL DEFAULT '',
    active      INTEGER NOT NULL DEFAULT 1,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    CHECK (period IN ('month', 'year'))
);
CREATE INDEX billing_plans_product ON billing_plans (product, tier_rank);

-- A plan's prices: a new version applies to a subscription from the first
-- period that starts at or after effective_at (subscribers are told when it
-- is set). Versions are never edited.
CREATE TABLE billing_prices (
    plan_id       TEXT NOT NULL,
    version       BIGINT NOT NULL,
    amount        BIGINT NOT NULL,
    effective_at  BIGINT NOT NULL,
    created_at    BIGINT NOT NULL,
    PRIMARY KEY (plan_id, version),
    CHECK (amount > 0)
);

-- One subscription per member and product. The current period is
-- [period_start, period_end), the period_no-th from anchor_at. paid is what
-- was charged for it; worth is what it is worth in minor units × seconds
-- (exact, for proration). card_id '' pays from the wallet. Every change is
-- an UPDATE guarded by the state it expects; claim_until is the renewal
-- job's lease, so two processes never work one subscription at once.
CREATE TABLE billing_subscriptions (
    id               TEXT PRIMARY KEY,
    user_id          TEXT NOT NULL,
    product          TEXT NOT NULL,
    plan_id          TEXT NOT NULL,
    version          BIGINT NOT NULL,
    asset            TEXT NOT NULL,
    price            BIGINT NOT NULL,
    status           TEXT NOT NULL,
    card_id          TEXT NOT NULL DEFAULT '',
    anchor_at        BIGINT NOT NULL,
    period_no        BIGINT NOT NULL,
    period_start     BIGINT NOT NULL,
    period_end       BIGINT NOT NULL,
    paid             BIGINT NOT NULL,
    worth            BIGINT NOT NULL,
    cancel_at_end    INTEGER NOT NULL DEFAULT 0,
    next_plan_id     TEXT NOT NULL DEFAULT '',
    attempts         BIGINT NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT NOT NULL,
    claim_until      BIGINT NOT NULL DEFAULT 0,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    UNIQUE (user_id, product),
    CHECK (status IN ('active', 'past_due', 'lapsed', 'ended'))
);
CREATE INDEX billing_subscriptions_due ON billing_subscriptions (status, next_attempt_at);
CREATE INDEX billing_subscriptions_plan ON billing_subscriptions (plan_id, status);

-- A charge is one movement that took money for a subscription: a receipt.
-- platform is the platform's part (all of a Premium charge, the cut of a
-- creator's), credited to deferred revenue and recognized over
-- [recog_start, recog_end); deferred_left is what of it is still deferred.
CREATE TABLE billing_charges (
    id               TEXT PRIMARY KEY,
    subscription_id  TEXT NOT NULL,
    user_id          TEXT NOT NULL,
    plan_id          TEXT NOT NULL,
    creator_id       TEXT NOT NULL DEFAULT '',
    kind             TEXT NOT NULL,
    asset            TEXT NOT NULL,
    amount           BIGINT NOT NULL,
    platform         BIGINT NOT NULL,
    deferred_left    BIGINT NOT NULL,
    recognized       BIGINT NOT NULL DEFAULT 0,
    refunded         BIGINT NOT NULL DEFAULT 0,
    recog_start      BIGINT NOT NULL,
    recog_end        BIGINT NOT NULL,
    created_at       BIGINT NOT NULL,
    CHECK (kind IN ('start', 'renewal', 'upgrade')),
    CHECK (deferred_left >= 0 AND deferred_left <= platform)
);
CREATE INDEX billing_charges_user ON billing_charges (user_id, created_at);
CREATE INDEX billing_charges_sub ON billing_charges (subscription_id, created_at);
CREATE INDEX billing_charges_deferred ON billing_charges (deferred_left) WHERE deferred_left > 0;
CREATE INDEX billing_charges_creator ON billing_charges (creator_id, created_at) WHERE creator_id <> '';

-- +goose Down
DROP TABLE billing_charges;
DROP TABLE billing_subscriptions;
DROP TABLE billing_prices;
DROP TABLE billing_plans;
