-- +goose Up
-- Where a business's counter takings go at settlement (package commerce):
-- its wallet (no row, or an empty bank_account_id), or on to one of its
-- verified bank accounts as a standard withdrawal.
CREATE TABLE commerce_qr_payout_settings (
    merchant_id      TEXT PRIMARY KEY,
    bank_account_id  TEXT NOT NULL DEFAULT '',
    updated_at       BIGINT NOT NULL
);

-- A settlement paid to the bank: payout_status moves '' (the wallet only)
-- or 'due' → 'sent' (payout_id: the withdrawal) or 'failed' (the money
-- stays in the wallet; payout_reason says why), each by an UPDATE guarded
-- by payout_status = 'due'.
ALTER TABLE commerce_qr_settlements ADD COLUMN bank_account_id TEXT NOT NULL DEFAULT '';
ALTER TABLE commerce_qr_settlements ADD COLUMN payout_status TEXT NOT NULL DEFAULT '';
ALTER TABLE commerce_qr_settlements ADD COLUMN payout_id TEXT NOT NULL DEFAULT '';
ALTER TABLE commerce_qr_settlements ADD COLUMN payout_reason TEXT NOT NULL DEFAULT '';
CREATE INDEX commerce_qr_settlements_payout ON commerce_qr_settlements (payout_status, created_at);

-- +goose Down
DROP INDEX commerce_qr_settlements_payout;
ALTER TABLE commerce_qr_settlements DROP COLUMN payout_reason;
ALTER TABLE commerce_qr_settlements DROP COLUMN payout_id;
ALTER TABLE commerce_qr_settlements DROP COLUMN payout_status;
ALTER TABLE commerce_qr_settlements DROP COLUMN bank_account_id;
DROP TABLE commerce_qr_payout_settings;
