-- +goose Up
-- Guards on funding (package funding) against guessing, double sending and
-- reused card tokens. See docs/SECURITY.md.

-- Micro-deposit guesses per bank account, by the account's fingerprint (the
-- keyed hash of routing and account number, funding_banks.fingerprint):
-- across members, and across a link removed and made again. used counts
-- the guesses since the window opened; a guess is reserved by an UPDATE
-- guarded by the cap, so parallel guesses cannot pass it. The count starts
-- again only once last_at is a whole window old.
CREATE TABLE funding_bank_guesses (
    fingerprint  TEXT PRIMARY KEY,
    used         INTEGER NOT NULL,
    last_at      BIGINT NOT NULL
);

-- Bank accounts a member linked per UTC day (day = days since the Unix
-- epoch): the row is the lock that serialises one member's links, and the
-- count the daily cap.
CREATE TABLE funding_bank_links (
    user_id  TEXT NOT NULL,
    day      BIGINT NOT NULL,
    links    INTEGER NOT NULL,
    PRIMARY KEY (user_id, day)
);

-- Counters that must never hand the same number out twice, whichever
-- process asks: 'ach_trace' numbers ACH entries (the trace number's last
-- seven digits), 'ach_file:YYYYMMDD' the day's origination files (their
-- File ID Modifier). Taken with UPDATE … RETURNING, under the row's lock.
CREATE TABLE funding_sequences (
    name   TEXT PRIMARY KEY,
    value  BIGINT NOT NULL
);
INSERT INTO funding_sequences (name, value) SELECT 'ach_trace', COALESCE(MAX(seq), 0) FROM funding_movements;

-- Card tokens linked: a token links one card, once (a token is single-use).
CREATE TABLE funding_card_tokens (
    token       TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL,
    card_id     TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
INSERT INTO funding_card_tokens (token, user_id, card_id, created_at)
    SELECT token, user_id, id, created_at FROM funding_cards WHERE true ORDER BY created_at, id
    ON CONFLICT (token) DO NOTHING;

-- +goose Down
DROP TABLE funding_card_tokens;
DROP TABLE funding_sequences;
DROP TABLE funding_bank_links;
DROP TABLE funding_bank_guesses;
