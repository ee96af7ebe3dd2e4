-- +goose Up
-- Red packets (package payments): a total split among the first N to open
-- it. The shares are drawn when the packet is sent and wait here for
-- their openers; the money waits in the packet's escrow account in the
-- ledger ("esc:<packet id>"). claimed counts opened shares; the UPDATE
-- that raises it, guarded by claimed < shares, is what lets exactly N
-- people in.
CREATE TABLE payment_red_packets (
    id          TEXT PRIMARY KEY,
    sender_id   TEXT NOT NULL,
    asset       TEXT NOT NULL,
    total       BIGINT NOT NULL,
    shares      INTEGER NOT NULL,
    split       TEXT NOT NULL,
    message     TEXT NOT NULL DEFAULT '',
    cover       TEXT NOT NULL DEFAULT '',
    post_id     TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL DEFAULT 'open',
    claimed     INTEGER NOT NULL DEFAULT 0,
    returned    BIGINT NOT NULL DEFAULT 0,
    expires_at  BIGINT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    CHECK (status IN ('open', 'emptied', 'expired')),
    CHECK (split IN ('even', 'random')),
    CHECK (claimed >= 0 AND claimed <= shares)
);
CREATE INDEX payment_red_packets_due ON payment_red_packets (status, expires_at);
CREATE INDEX payment_red_packets_sender ON payment_red_packets (sender_id, created_at);

-- One row per share, drawn at sending; claimer_id is set once, when it is
-- opened. One share per member per packet.
CREATE TABLE payment_red_packet_shares (
    packet_id   TEXT NOT NULL,
    idx         INTEGER NOT NULL,
    amount      BIGINT NOT NULL,
    claimer_id  TEXT,
    claimed_at  BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (packet_id, idx),
    CHECK (amount > 0)
);
CREATE UNIQUE INDEX payment_red_packet_shares_claimer ON payment_red_packet_shares (packet_id, claimer_id);

-- The members a packet sent to a group of people is for; a packet for a
-- post's audience has none (whoever can read the post may open it).
CREATE TABLE payment_red_packet_recipients (
    packet_id  TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    PRIMARY KEY (packet_id, user_id)
);

-- +goose Down
DROP TABLE payment_red_packet_recipients;
DROP TABLE payment_red_packet_shares;
DROP TABLE payment_red_packets;
