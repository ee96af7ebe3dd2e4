-- +goose Up
-- Money in and out (package funding): linked bank accounts and cards, the
-- movements through the rails (deposits, withdrawals, card top-ups,
-- micro-deposits), and the NACHA files sent and returns received.
-- Balances are never stored here: they are the ledger's. Timestamps are
-- BIGINT Unix nanoseconds UTC; amounts BIGINT minor units.

-- Bank accounts. account_enc is the account number sealed with AES-GCM
-- (the key is the operator's, never in the database); last4 is all that
-- is ever shown. fingerprint is a keyed hash of routing and account number,
-- so the same account cannot be linked twice without decrypting anything.
CREATE TABLE funding_banks (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL,
    holder_name   TEXT NOT NULL,
    routing       TEXT NOT NULL,
    account_enc   TEXT NOT NULL,
    last4         TEXT NOT NULL,
    account_type  TEXT NOT NULL,
    fingerprint   TEXT NOT NULL,
    status        TEXT NOT NULL,
    micro1        BIGINT NOT NULL,
    micro2        BIGINT NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    CHECK (account_type IN ('checking', 'savings')),
    CHECK (status IN ('pending_verification', 'verified', 'failed', 'removed'))
);
CREATE INDEX funding_banks_user ON funding_banks (user_id, created_at);
CREATE UNIQUE INDEX funding_banks_fingerprint ON funding_banks (user_id, fingerprint) WHERE status <> 'removed';

-- Cards: the processor's token and what may be shown. Never a number.
CREATE TABLE funding_cards (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL,
    processor   TEXT NOT NULL,
    token       TEXT NOT NULL,
    brand       TEXT NOT NULL,
    last4       TEXT NOT NULL,
    exp_month   INTEGER NOT NULL,
    exp_year    INTEGER NOT NULL,
    status      TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    CHECK (status IN ('active', 'removed'))
);
CREATE INDEX funding_cards_user ON funding_cards (user_id, created_at);

-- Movements through the rails. status, return_code, reason, seq, trace,
-- file_id, external_id, shortfall and updated_at change as the rail
-- reports; everything else is fixed at creation.
CREATE TABLE funding_movements (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL,
    kind         TEXT NOT NULL,
    method_id    TEXT NOT NULL,
    asset        TEXT NOT NULL,
    amount       BIGINT NOT NULL,
    fee          BIGINT NOT NULL DEFAULT 0,
    speed        TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL,
    return_code  TEXT NOT NULL DEFAULT '',
    reason       TEXT NOT NULL DEFAULT '',
    seq          BIGINT NOT NULL DEFAULT 0,
    trace        TEXT NOT NULL DEFAULT '',
    file_id      TEXT NOT NULL DEFAULT '',
    external_id  TEXT NOT NULL DEFAULT '',
    shortfall    BIGINT NOT NULL DEFAULT 0,
    idem_key     TEXT NOT NULL,
    fingerprint  TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    CHECK (kind IN ('deposit', 'withdrawal', 'topup', 'micro_deposit')),
    CHECK (status IN ('pending', 'submitted', 'requires_action', 'succeeded', 'settled', 'returned', 'declined', 'failed')),
    CHECK (amount > 0 AND fee >= 0 AND shortfall >= 0)
);
CREATE UNIQUE INDEX funding_movements_idem ON funding_movements (user_id, idem_key);
CREATE INDEX funding_movements_user ON funding_movements (user_id, created_at, id);
CREATE INDEX funding_movements_status ON funding_movements (status, kind);
CREATE INDEX funding_movements_trace ON funding_movements (trace);

-- Origination files, as sent. data is the NACHA text (it holds full
-- account numbers: the format requires them; the database is the
-- operator's). transmitted_at is 0 until the bank took the file.
CREATE TABLE funding_ach_files (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL UNIQUE,
    effective       BIGINT NOT NULL,
    entries         INTEGER NOT NULL,
    total_debit     BIGINT NOT NULL,
    total_credit    BIGINT NOT NULL,
    data            TEXT NOT NULL,
    transmitted_at  BIGINT NOT NULL DEFAULT 0,
    created_at      BIGINT NOT NULL
);

-- +goose Down
DROP TABLE funding_ach_files;
DROP TABLE funding_movements;
DROP TABLE funding_cards;
DROP TABLE funding_banks;
