-- +goose Up
-- Debit cards (package cards; see cards/doc.go). Nestegg never keeps a
-- card number: the issuer holds it; a card here is the issuer's id, the
-- last four digits and the expiry. Times are Unix nanoseconds (UTC); days
-- are counted from 1970-01-01 UTC.

-- A member's card and the controls they set. status only changes by an
-- UPDATE guarded by the status it expects. spent_day/spent_today count
-- the day's approved amount toward daily_limit, advanced by the guarded
-- UPDATE that approves (so two authorizations never both pass the limit).
CREATE TABLE cards (
    id                  TEXT PRIMARY KEY,          -- crd_…
    user_id             TEXT NOT NULL,
    idem_key            TEXT NOT NULL,
    issuer              TEXT NOT NULL,             -- sandbox | stripe
    issuer_card_id      TEXT NOT NULL UNIQUE,
    brand               TEXT NOT NULL,
    last4               TEXT NOT NULL,
    exp_month           INTEGER NOT NULL,
    exp_year            INTEGER NOT NULL,
    asset               TEXT NOT NULL,
    status              TEXT NOT NULL,             -- active | frozen | canceled
    per_purchase_limit  BIGINT NOT NULL DEFAULT 0, -- 0: none
    daily_limit         BIGINT NOT NULL DEFAULT 0, -- 0: none
    blocked_categories  TEXT NOT NULL DEFAULT '',  -- merchant category codes, comma-separated
    online              INTEGER NOT NULL DEFAULT 1,
    atm                 INTEGER NOT NULL DEFAULT 1,
    spent_day           BIGINT NOT NULL DEFAULT 0,
    spent_today         BIGINT NOT NULL DEFAULT 0,
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL,
    UNIQUE (user_id, idem_key),
    CHECK (length(last4) = 4),
    CHECK (status IN ('active', 'frozen', 'canceled')),
    CHECK (per_purchase_limit >= 0 AND daily_limit >= 0 AND spent_today >= 0)
);
CREATE INDEX cards_user ON cards (user_id, created_at);

-- Every authorization the network asked for, approved or declined. held
-- is what the ledger holds for it now (its holds in card_holds), until a
-- capture posts them, a reversal or the expiry job voids them.
CREATE TABLE card_authorizations (
    id                 TEXT PRIMARY KEY,           -- the issuer's id
    card_id            TEXT NOT NULL,
    user_id            TEXT NOT NULL,
    asset              TEXT NOT NULL,
    merchant_name      TEXT NOT NULL,
    merchant_category  TEXT NOT NULL,
    merchant_city      TEXT NOT NULL DEFAULT '',
    channel            TEXT NOT NULL,
    requested          BIGINT NOT NULL,
    held               BIGINT NOT NULL,
    captured           BIGINT NOT NULL DEFAULT 0,
    status             TEXT NOT NULL,              -- pending | captured | reversed | expired | declined
    reason             TEXT NOT NULL DEFAULT '',
    day                BIGINT NOT NULL,
    expires_at         BIGINT NOT NULL,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL,
    CHECK (requested > 0 AND held >= 0 AND captured >= 0)
);
CREATE INDEX card_authorizations_card ON card_authorizations (card_id, created_at);
CREATE INDEX card_authorizations_expiry ON card_authorizations (status, expires_at);

-- The ledger holds of an authorization: the first approval's and one per
-- approved increment, each a pending transfer wallet → card issuing.
CREATE TABLE card_holds (
    transfer_id   TEXT PRIMARY KEY,
    auth_id       TEXT NOT NULL,
    amount        BIGINT NOT NULL,
    created_at    BIGINT NOT NULL,
    CHECK (amount > 0)
);
CREATE INDEX card_holds_auth ON card_holds (auth_id);

-- Money that moved on the network after an authorization: captures and
-- refunds (id: the issuer's), with what the platform earned and paid.
CREATE TABLE card_transactions (
    id                 TEXT PRIMARY KEY,
    card_id            TEXT NOT NULL,
    user_id            TEXT NOT NULL,
    auth_id            TEXT NOT NULL DEFAULT '',
    type               TEXT NOT NULL,              -- capture | refund
    asset              TEXT NOT NULL,
    amount             BIGINT NOT NULL,
    merchant_name      TEXT NOT NULL,
    merchant_category  TEXT NOT NULL,
    interchange        BIGINT NOT NULL DEFAULT 0,
    cashback           BIGINT NOT NULL DEFAULT 0,
    shortfall          BIGINT NOT NULL DEFAULT 0,  -- captured beyond what the wallet held: the platform's loss
    refunded           BIGINT NOT NULL DEFAULT 0,
    movement_id        TEXT NOT NULL,
    created_at         BIGINT NOT NULL,
    CHECK (amount > 0 AND refunded >= 0 AND refunded <= amount)
);
CREATE INDEX card_transactions_card ON card_transactions (card_id, created_at);

-- Disputes: a provisional credit when opened, then won (kept) or lost
-- (taken back). status changes only by an UPDATE guarded by 'open'.
CREATE TABLE card_disputes (
    id              TEXT PRIMARY KEY,              -- the issuer's
    transaction_id  TEXT NOT NULL UNIQUE,
    card_id         TEXT NOT NULL,
    user_id         TEXT NOT NULL,
    asset           TEXT NOT NULL,
    amount          BIGINT NOT NULL,
    reason          TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL,                 -- open | won | lost
    created_at      BIGINT NOT NULL,
    closed_at       BIGINT NOT NULL DEFAULT 0,
    CHECK (amount > 0)
);

-- +goose Down
DROP TABLE card_disputes;
DROP TABLE card_transactions;
DROP TABLE card_holds;
DROP TABLE card_authorizations;
DROP TABLE cards;
