-- +goose Up
-- Buying from posts (package commerce): catalogues, offers, orders, purchase
-- intents, vouchers, refunds and disputes. Balances are never stored here:
-- the money is the ledger's. Timestamps are BIGINT Unix nanoseconds UTC; ids
-- are prefixed TEXT; amounts are BIGINT minor units of the row's asset.

-- A business profile's shop settings. gift_handle is lower-cased, without
-- '@', '' when the merchant has none; it is unique among merchants.
-- voucher_policy says where an unredeemed voucher's value goes at expiry.
CREATE TABLE commerce_merchants (
    user_id          TEXT PRIMARY KEY,
    gift_handle      TEXT NOT NULL DEFAULT '',
    gift_product_id  TEXT NOT NULL DEFAULT '',
    voucher_days     BIGINT NOT NULL DEFAULT 90,
    voucher_policy   TEXT NOT NULL DEFAULT 'refund',
    updated_at       BIGINT NOT NULL,
    CHECK (voucher_policy IN ('refund', 'keep')),
    CHECK (voucher_days > 0)
);
CREATE UNIQUE INDEX commerce_merchants_gift ON commerce_merchants (gift_handle) WHERE gift_handle <> '';

-- The catalogue. stock only ever changes by a conditional UPDATE in the
-- transaction that takes the money, so it can never go below zero.
-- content is what a digital product delivers on payment (a link or code):
-- only its buyers ever see it. variants are newline-separated names.
CREATE TABLE commerce_products (
    id           TEXT PRIMARY KEY,
    merchant_id  TEXT NOT NULL,
    title        TEXT NOT NULL,
    description  TEXT NOT NULL DEFAULT '',
    asset        TEXT NOT NULL,
    price        BIGINT NOT NULL,
    stock        BIGINT NOT NULL,
    kind         TEXT NOT NULL,
    content      TEXT NOT NULL DEFAULT '',
    variants     TEXT NOT NULL DEFAULT '',
    active       INTEGER NOT NULL DEFAULT 1,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    CHECK (kind IN ('physical', 'digital')),
    CHECK (price > 0 AND stock >= 0)
);
CREATE INDEX commerce_products_merchant ON commerce_products (merchant_id, created_at);

-- Offers: a post with a Buy button. hashtag is the lower-cased buy hashtag
-- without '#', '' for none, unique among live offers.
CREATE TABLE commerce_offers (
    id           TEXT PRIMARY KEY,
    merchant_id  TEXT NOT NULL,
    product_id   TEXT NOT NULL REFERENCES commerce_products (id),
    post_id      TEXT NOT NULL,
    hashtag      TEXT NOT NULL DEFAULT '',
    hashtag_text TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL,
    ends_at      BIGINT NOT NULL DEFAULT 0,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    CHECK (status IN ('live', 'ended'))
);
CREATE UNIQUE INDEX commerce_offers_post ON commerce_offers (post_id);
CREATE UNIQUE INDEX commerce_offers_live_tag ON commerce_offers (hashtag) WHERE status = 'live' AND hashtag <> '';
CREATE INDEX commerce_offers_merchant ON commerce_offers (merchant_id, created_at);
CREATE INDEX commerce_offers_ends ON commerce_offers (status, ends_at);

-- Orders. recipient_id is the buyer, or the friend a gift is for.
-- address is entered by address_by (the recipient) and shown only to them
-- and the merchant. content is the digital delivery.
CREATE TABLE commerce_orders (
    id            TEXT PRIMARY KEY,
    buyer_id      TEXT NOT NULL,
    recipient_id  TEXT NOT NULL,
    merchant_id   TEXT NOT NULL,
    product_id    TEXT NOT NULL,
    offer_id      TEXT NOT NULL DEFAULT '',
    title         TEXT NOT NULL,
    kind          TEXT NOT NULL,
    variant       TEXT NOT NULL DEFAULT '',
    gift          INTEGER NOT NULL DEFAULT 0,
    asset         TEXT NOT NULL,
    amount        BIGINT NOT NULL,
    fee           BIGINT NOT NULL,
    refunded      BIGINT NOT NULL DEFAULT 0,
    status        TEXT NOT NULL,
    tracking      TEXT NOT NULL DEFAULT '',
    address       TEXT NOT NULL DEFAULT '',
    address_by    TEXT NOT NULL DEFAULT '',
    content       TEXT NOT NULL DEFAULT '',
    via           TEXT NOT NULL,
    transfer_id   TEXT NOT NULL,
    idem_key      TEXT NOT NULL,
    fingerprint   TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    CHECK (status IN ('paid', 'shipped', 'delivered', 'refunded', 'disputed', 'expired')),
    CHECK (via IN ('button', 'hashtag', 'gift', 'api')),
    CHECK (amount > 0 AND fee >= 0 AND fee <= amount AND refunded >= 0 AND refunded <= amount)
);
CREATE UNIQUE INDEX commerce_orders_idem ON commerce_orders (buyer_id, idem_key);
CREATE INDEX commerce_orders_buyer ON commerce_orders (buyer_id, created_at);
CREATE INDEX commerce_orders_recipient ON commerce_orders (recipient_id, created_at);
CREATE INDEX commerce_orders_merchant ON commerce_orders (merchant_id, created_at);

-- Purchase intents made by posts: a buy hashtag, or a gift handle and a
-- friend. One per post. code is what a confirming reply carries.
CREATE TABLE commerce_intents (
    id            TEXT PRIMARY KEY,
    kind          TEXT NOT NULL,
    buyer_id      TEXT NOT NULL,
    post_id       TEXT NOT NULL,
    offer_id      TEXT NOT NULL DEFAULT '',
    product_id    TEXT NOT NULL,
    merchant_id   TEXT NOT NULL,
    recipient_id  TEXT NOT NULL,
    code          TEXT NOT NULL,
    status        TEXT NOT NULL,
    reason        TEXT NOT NULL DEFAULT '',
    order_id      TEXT NOT NULL DEFAULT '',
    expires_at    BIGINT NOT NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    CHECK (kind IN ('hashtag', 'gift')),
    CHECK (status IN ('pending', 'confirmed', 'expired', 'cancelled'))
);
CREATE UNIQUE INDEX commerce_intents_post ON commerce_intents (post_id);
CREATE INDEX commerce_intents_code ON commerce_intents (buyer_id, code);
CREATE INDEX commerce_intents_expiry ON commerce_intents (status, expires_at);

-- Vouchers: a gift's value, a ledger liability until redeemed at the
-- merchant or expired per policy (refunded to the sender or kept by the
-- merchant).
CREATE TABLE commerce_vouchers (
    id           TEXT PRIMARY KEY,
    code         TEXT NOT NULL,
    order_id     TEXT NOT NULL,
    merchant_id  TEXT NOT NULL,
    holder_id    TEXT NOT NULL,
    sender_id    TEXT NOT NULL,
    title        TEXT NOT NULL,
    asset        TEXT NOT NULL,
    amount       BIGINT NOT NULL,
    fee          BIGINT NOT NULL,
    policy       TEXT NOT NULL,
    status       TEXT NOT NULL,
    expires_at   BIGINT NOT NULL,
    settled_at   BIGINT NOT NULL DEFAULT 0,
    created_at   BIGINT NOT NULL,
    CHECK (status IN ('active', 'redeemed', 'expired')),
    CHECK (policy IN ('refund', 'keep'))
);
CREATE UNIQUE INDEX commerce_vouchers_code ON commerce_vouchers (code);
CREATE UNIQUE INDEX commerce_vouchers_order ON commerce_vouchers (order_id);
CREATE INDEX commerce_vouchers_holder ON commerce_vouchers (holder_id, created_at);
CREATE INDEX commerce_vouchers_expiry ON commerce_vouchers (status, expires_at);

-- Refunds by the merchant, each its own ledger transfer.
CREATE TABLE commerce_refunds (
    id           TEXT PRIMARY KEY,
    order_id     TEXT NOT NULL REFERENCES commerce_orders (id),
    merchant_id  TEXT NOT NULL,
    amount       BIGINT NOT NULL,
    reason       TEXT NOT NULL DEFAULT '',
    transfer_id  TEXT NOT NULL,
    idem_key     TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    CHECK (amount > 0)
);
CREATE UNIQUE INDEX commerce_refunds_idem ON commerce_refunds (merchant_id, idem_key);
CREATE INDEX commerce_refunds_order ON commerce_refunds (order_id, created_at);

-- Disputes: at most one per order. hold_id is the pending ledger transfer
-- from the merchant's wallet to the buyer's that staff post (won) or void
-- (lost). prior_status is the order's status to return to when lost.
CREATE TABLE commerce_disputes (
    id            TEXT PRIMARY KEY,
    order_id      TEXT NOT NULL REFERENCES commerce_orders (id),
    buyer_id      TEXT NOT NULL,
    merchant_id   TEXT NOT NULL,
    asset         TEXT NOT NULL,
    amount        BIGINT NOT NULL,
    reason        TEXT NOT NULL DEFAULT '',
    status        TEXT NOT NULL,
    prior_status  TEXT NOT NULL,
    hold_id       TEXT NOT NULL,
    resolved_by   TEXT NOT NULL DEFAULT '',
    note          TEXT NOT NULL DEFAULT '',
    created_at    BIGINT NOT NULL,
    resolved_at   BIGINT NOT NULL DEFAULT 0,
    CHECK (status IN ('open', 'won', 'lost')),
    CHECK (amount > 0)
);
CREATE UNIQUE INDEX commerce_disputes_order ON commerce_disputes (order_id);
CREATE INDEX commerce_disputes_status ON commerce_disputes (status, created_at);

-- +goose Down
DROP TABLE commerce_disputes;
DROP TABLE commerce_refunds;
DROP TABLE commerce_vouchers;
DROP TABLE commerce_intents;
DROP TABLE commerce_orders;
DROP TABLE commerce_offers;
DROP TABLE commerce_products;
DROP TABLE commerce_merchants;
