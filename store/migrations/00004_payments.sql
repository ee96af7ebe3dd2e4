-- +goose Up
-- Money between people (package payments) and the policy checkpoint every
-- movement passes (package compliance). Balances are never stored here:
-- they are the ledger's. Timestamps are BIGINT Unix nanoseconds UTC; ids are
-- prefixed TEXT. Amounts are BIGINT minor units of the row's asset.

-- Per-member compliance state. The row is also the lock that serializes a
-- member's outgoing movements on PostgreSQL (SELECT … FOR UPDATE), so that
-- two concurrent payments cannot both pass a limit meant for one.
CREATE TABLE compliance_users (
    user_id        TEXT PRIMARY KEY,
    frozen         INTEGER NOT NULL DEFAULT 0,
    frozen_reason  TEXT NOT NULL DEFAULT '',
    tier           TEXT NOT NULL DEFAULT 'unverified',
    updated_at     BIGINT NOT NULL,
    CHECK (tier IN ('unverified', 'verified'))
);

-- The append-only audit log: every policy decision and every staff action
-- on a member's compliance state. Never updated, never deleted.
CREATE TABLE compliance_audit (
    id          TEXT PRIMARY KEY,
    at          BIGINT NOT NULL,
    action      TEXT NOT NULL,          -- 'check', 'freeze', 'unfreeze', 'set_tier'
    actor_id    TEXT NOT NULL,          -- who asked: the payer, or a staff member
    subject_id  TEXT NOT NULL,          -- whose money or state
    kind        TEXT NOT NULL DEFAULT '', -- the movement's kind for checks
    to_user     TEXT NOT NULL DEFAULT '',
    asset       TEXT NOT NULL DEFAULT '',
    amount      BIGINT NOT NULL DEFAULT 0,
    outcome     TEXT NOT NULL,          -- 'allow', 'hold', 'deny', or 'done' for staff actions
    reason      TEXT NOT NULL DEFAULT '',
    reference   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX compliance_audit_subject ON compliance_audit (subject_id, at, id);
CREATE INDEX compliance_audit_at ON compliance_audit (at, id);

-- Every movement a member (or the operator) starts: sends and request
-- payments ('send'), tips, coin awards, coin purchases and redemptions, and
-- operator credits. status and refunded are the only columns that change.
-- idem_scope is whose idempotency key idem_key is (the payer, or
-- 'operator' for credits); fingerprint hashes the request's fields so a
-- replay with another body is told apart.
CREATE TABLE payments (
    id              TEXT PRIMARY KEY,
    kind            TEXT NOT NULL,
    payer_id        TEXT NOT NULL,      -- '' for an operator credit
    payee_id        TEXT NOT NULL,      -- '' for coin purchases and redemptions
    asset           TEXT NOT NULL,
    amount          BIGINT NOT NULL,
    fee             BIGINT NOT NULL DEFAULT 0,
    counter_asset   TEXT NOT NULL DEFAULT '',
    counter_amount  BIGINT NOT NULL DEFAULT 0,
    note            TEXT NOT NULL DEFAULT '',
    audience        TEXT NOT NULL DEFAULT 'private',
    status          TEXT NOT NULL,
    refunded        BIGINT NOT NULL DEFAULT 0,
    post_id         TEXT NOT NULL DEFAULT '',
    request_id      TEXT NOT NULL DEFAULT '',
    intent_id       TEXT NOT NULL DEFAULT '',
    award           TEXT NOT NULL DEFAULT '',
    transfer_id     TEXT NOT NULL,
    idem_scope      TEXT NOT NULL,
    idem_key        TEXT NOT NULL,
    fingerprint     TEXT NOT NULL,
    hold_until      BIGINT NOT NULL DEFAULT 0,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    CHECK (kind IN ('send', 'tip', 'award', 'coin_buy', 'coin_redeem', 'credit')),
    CHECK (audience IN ('private', 'followers', 'public')),
    CHECK (status IN ('completed', 'held', 'cancelled', 'failed')),
    CHECK (amount > 0 AND fee >= 0 AND refunded >= 0 AND refunded <= amount)
);
CREATE UNIQUE INDEX payments_idem ON payments (idem_scope, idem_key);
-- Limits sum a payer's outgoing amounts in a window; history pages by time.
CREATE INDEX payments_payer ON payments (payer_id, created_at, id);
CREATE INDEX payments_payee ON payments (payee_id, created_at, id);
CREATE INDEX payments_created ON payments (created_at, id);
CREATE INDEX payments_post ON payments (post_id, kind);
CREATE INDEX payments_held ON payments (status, hold_until);

-- Refunds of a payment by its receiver, each its own ledger transfer.
CREATE TABLE refunds (
    id            TEXT PRIMARY KEY,
    payment_id    TEXT NOT NULL REFERENCES payments (id),
    refunder_id   TEXT NOT NULL,        -- the payment's payee
    recipient_id  TEXT NOT NULL,        -- the payment's payer
    asset         TEXT NOT NULL,
    amount        BIGINT NOT NULL,
    reason        TEXT NOT NULL DEFAULT '',
    transfer_id   TEXT NOT NULL,
    idem_key      TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    CHECK (amount > 0)
);
CREATE UNIQUE INDEX refunds_idem ON refunds (refunder_id, idem_key);
CREATE INDEX refunds_payment ON refunds (payment_id, created_at);
CREATE INDEX refunds_refunder ON refunds (refunder_id, created_at, id);
CREATE INDEX refunds_recipient ON refunds (recipient_id, created_at, id);

-- A bill split: its shares are the requests with its id.
CREATE TABLE payment_splits (
    id            TEXT PRIMARY KEY,
    initiator_id  TEXT NOT NULL,
    asset         TEXT NOT NULL,
    total         BIGINT NOT NULL,
    own_share     BIGINT NOT NULL,      -- the initiator's share, never requested
    note          TEXT NOT NULL DEFAULT '',
    idem_key      TEXT NOT NULL,
    fingerprint   TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);
CREATE UNIQUE INDEX payment_splits_idem ON payment_splits (initiator_id, idem_key);

-- Money requests: the requester asks the payer, who pays or declines.
CREATE TABLE payment_requests (
    id            TEXT PRIMARY KEY,
    requester_id  TEXT NOT NULL,
    payer_id      TEXT NOT NULL,
    asset         TEXT NOT NULL,
    amount        BIGINT NOT NULL,
    note          TEXT NOT NULL DEFAULT '',
    status        TEXT NOT NULL,
    split_id      TEXT NOT NULL DEFAULT '',
    payment_id    TEXT NOT NULL DEFAULT '',
    idem_key      TEXT NOT NULL,
    fingerprint   TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    CHECK (status IN ('open', 'paid', 'declined', 'cancelled')),
    CHECK (amount > 0)
);
CREATE UNIQUE INDEX payment_requests_idem ON payment_requests (requester_id, idem_key);
CREATE INDEX payment_requests_payer ON payment_requests (payer_id, created_at, id);
CREATE INDEX payment_requests_requester ON payment_requests (requester_id, created_at, id);
CREATE INDEX payment_requests_split ON payment_requests (split_id);

-- Payment intents: a post addressed to the pay handle, waiting for its
-- author to confirm it. One per post.
CREATE TABLE payment_intents (
    id           TEXT PRIMARY KEY,
    author_id    TEXT NOT NULL,
    post_id      TEXT NOT NULL,
    kind         TEXT NOT NULL,         -- 'send', 'request', 'split', 'tip'
    targets      TEXT NOT NULL DEFAULT '', -- lower-cased handles, space-separated
    tip_post_id  TEXT NOT NULL DEFAULT '',
    asset        TEXT NOT NULL,
    amount       BIGINT NOT NULL,
    note         TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL,
    reason       TEXT NOT NULL DEFAULT '',
    result_id    TEXT NOT NULL DEFAULT '',
    expires_at   BIGINT NOT NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    CHECK (status IN ('pending_confirmation', 'completed', 'expired', 'cancelled', 'failed'))
);
CREATE UNIQUE INDEX payment_intents_post ON payment_intents (post_id);
CREATE INDEX payment_intents_expiry ON payment_intents (status, expires_at);
CREATE INDEX payment_intents_author ON payment_intents (author_id, created_at);

-- Per-member payment settings. auto_confirm is the amount (in
-- auto_confirm_asset) under which a post command runs without
-- confirmation; 0 means off, the default.
CREATE TABLE payment_settings (
    user_id             TEXT PRIMARY KEY,
    auto_confirm        BIGINT NOT NULL DEFAULT 0,
    auto_confirm_asset  TEXT NOT NULL DEFAULT '',
    updated_at          BIGINT NOT NULL
);

-- +goose Down
DROP TABLE payment_settings;
DROP TABLE payment_intents;
DROP TABLE payment_requests;
DROP TABLE payment_splits;
DROP TABLE refunds;
DROP TABLE payments;
DROP TABLE compliance_audit;
DROP TABLE compliance_users;
