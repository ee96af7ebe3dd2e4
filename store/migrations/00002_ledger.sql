-- +goose Up
-- Ledger accounts. Balances are the only mutable columns, and only the ledger
-- engine writes them, in the same transaction as the transfers that move them.
-- flags: 1 = debits_must_not_exceed_credits, 2 = credits_must_not_exceed_debits.
CREATE TABLE ledger_accounts (
    id               TEXT PRIMARY KEY,
    asset            TEXT NOT NULL,
    kind             TEXT NOT NULL,
    owner            TEXT NOT NULL,
    flags            INTEGER NOT NULL,
    debits_pending   BIGINT NOT NULL DEFAULT 0,
    debits_posted    BIGINT NOT NULL DEFAULT 0,
    credits_pending  BIGINT NOT NULL DEFAULT 0,
    credits_posted   BIGINT NOT NULL DEFAULT 0,
    created_at       BIGINT NOT NULL
);
CREATE INDEX ledger_accounts_owner ON ledger_accounts (owner, asset);
-- One platform account per kind and asset (the chart of accounts).
CREATE UNIQUE INDEX ledger_accounts_platform ON ledger_accounts (asset, kind) WHERE owner = 'platform';

-- Transfers are append-only: never updated, never deleted. Their ids are the
-- clients' idempotency keys, kept forever.
-- flags: 1 linked, 2 pending, 4 post_pending, 8 void_pending.
CREATE TABLE ledger_transfers (
    id                 TEXT PRIMARY KEY,
    debit_account_id   TEXT NOT NULL,
    credit_account_id  TEXT NOT NULL,
    amount             BIGINT NOT NULL,
    asset              TEXT NOT NULL,
    code               TEXT NOT NULL,
    reference          TEXT NOT NULL,
    flags              INTEGER NOT NULL,
    pending_id         TEXT NOT NULL,
    timeout_seconds    BIGINT NOT NULL,
    ts                 BIGINT NOT NULL
);
CREATE INDEX ledger_transfers_debit ON ledger_transfers (debit_account_id, ts, id);
CREATE INDEX ledger_transfers_credit ON ledger_transfers (credit_account_id, ts, id);
CREATE INDEX ledger_transfers_reference ON ledger_transfers (reference);

-- The state of each two-phase transfer: pending until posted, voided or
-- expired. expires_at is 0 for a pending transfer without a timeout.
CREATE TABLE ledger_pending (
    transfer_id  TEXT PRIMARY KEY,
    state        TEXT NOT NULL,
    expires_at   BIGINT NOT NULL,
    resolved_by  TEXT NOT NULL
);
CREATE INDEX ledger_pending_expiry ON ledger_pending (state, expires_at);

-- +goose Down
DROP TABLE ledger_pending;
DROP TABLE ledger_transfers;
DROP TABLE ledger_accounts;
