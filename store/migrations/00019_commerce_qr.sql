-- +goose Up
-- In-store QR payments (package commerce). A code's URL carries a token
-- signed with the server's key (HMAC-SHA256): Config.QRKey, else the one
-- made once here so that every process signs alike.
CREATE TABLE commerce_qr_keys (
    id          TEXT PRIMARY KEY,
    secret      TEXT NOT NULL,     -- hex
    created_at  BIGINT NOT NULL
);

-- A business's codes: its counter's static code (any amount, any number of
-- times) and dynamic codes for one sale (amount, description, expiry;
-- paid once: status moves 'active' → 'paid' by an UPDATE guarded by
-- status and expiry).
CREATE TABLE commerce_qr_codes (
    id           TEXT PRIMARY KEY,
    merchant_id  TEXT NOT NULL,
    kind         TEXT NOT NULL,
    asset        TEXT NOT NULL,
    amount       BIGINT NOT NULL DEFAULT 0,
    description  TEXT NOT NULL DEFAULT '',
    expires_at   BIGINT NOT NULL DEFAULT 0,   -- 0: never (static)
    status       TEXT NOT NULL DEFAULT 'active',
    payment_id   TEXT NOT NULL DEFAULT '',
    fingerprint  TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    CHECK (kind IN ('static', 'dynamic')),
    CHECK (status IN ('active', 'paid')),
    CHECK (amount >= 0)
);
CREATE INDEX commerce_qr_codes_merchant ON commerce_qr_codes (merchant_id, created_at);

-- Payments at counters. The money waits in the business's settlement
-- account until a settlement claims the payment (settlement_id, set once).
CREATE TABLE commerce_qr_payments (
    id             TEXT PRIMARY KEY,
    code_id        TEXT NOT NULL,
    merchant_id    TEXT NOT NULL,
    payer_id       TEXT NOT NULL,
    asset          TEXT NOT NULL,
    amount         BIGINT NOT NULL,
    tip            BIGINT NOT NULL DEFAULT 0,
    fee            BIGINT NOT NULL DEFAULT 0,
    status         TEXT NOT NULL DEFAULT 'paid',
    settlement_id  TEXT NOT NULL DEFAULT '',
    description    TEXT NOT NULL DEFAULT '',
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    CHECK (status IN ('paid', 'refunded')),
    CHECK (amount > 0 AND tip >= 0 AND fee >= 0)
);
CREATE INDEX commerce_qr_payments_merchant ON commerce_qr_payments (merchant_id, created_at);
CREATE INDEX commerce_qr_payments_due ON commerce_qr_payments (status, settlement_id, created_at);
CREATE INDEX commerce_qr_payments_settlement ON commerce_qr_payments (settlement_id);

CREATE TABLE commerce_qr_settlements (
    id           TEXT PRIMARY KEY,
    merchant_id  TEXT NOT NULL,
    asset        TEXT NOT NULL,
    payments     INTEGER NOT NULL,
    gross        BIGINT NOT NULL,
    fee          BIGINT NOT NULL,
    net          BIGINT NOT NULL,
    created_at   BIGINT NOT NULL
);
CREATE INDEX commerce_qr_settlements_merchant ON commerce_qr_settlements (merchant_id, created_at);

-- +goose Down
DROP TABLE commerce_qr_settlements;
DROP TABLE commerce_qr_payments;
DROP TABLE commerce_qr_codes;
DROP TABLE commerce_qr_keys;
