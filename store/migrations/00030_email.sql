-- +goose Up
-- Email (packages social and mail).
--
-- social: whether a member's address is proven (email_verified_at, 0 until
-- a verification or reset link sent to it is used), whether they want the
-- weekly summary, and the single-use links themselves, kept only as the
-- SHA-256 of their token, with the address they were sent to (a link for
-- an address the member has since changed proves nothing).
ALTER TABLE users ADD COLUMN email_verified_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN weekly_summary INTEGER NOT NULL DEFAULT 1;
CREATE TABLE email_links (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose     TEXT NOT NULL,
    token_hash  TEXT NOT NULL UNIQUE,
    email       TEXT NOT NULL,
    expires_at  BIGINT NOT NULL,
    used_at     BIGINT NOT NULL DEFAULT 0,
    attempts    INTEGER NOT NULL DEFAULT 0,
    created_at  BIGINT NOT NULL,
    CHECK (purpose IN ('verify', 'reset'))
);
CREATE INDEX email_links_user ON email_links (user_id, purpose, created_at);

-- mail: the outbox. A message is written here (in the transaction of what
-- it reports, when there is one) and sent by a job outside any
-- transaction, retried with growing waits. dedupe makes writing it twice
-- (two processes fanning out the same event, a weekly run resumed) a
-- no-op. data is what the message is composed from, sealed when the
-- server has an encryption key, and emptied once the message is sent.
CREATE TABLE mail_outbox (
    id          TEXT PRIMARY KEY,
    dedupe      TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    to_addr     TEXT NOT NULL,
    data        TEXT NOT NULL,
    status      TEXT NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    next_at     BIGINT NOT NULL,
    last_error  TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    sent_at     BIGINT NOT NULL DEFAULT 0,
    CHECK (status IN ('pending', 'sent', 'skipped', 'failed'))
);
CREATE INDEX mail_outbox_due ON mail_outbox (status, next_at);
CREATE INDEX mail_outbox_created ON mail_outbox (created_at);

-- mail: how far each week's summary run has gone through the members.
CREATE TABLE mail_weekly (
    week        TEXT PRIMARY KEY,
    after_user  TEXT NOT NULL,
    done        INTEGER NOT NULL DEFAULT 0
);

-- +goose Down
DROP TABLE mail_weekly;
DROP TABLE mail_outbox;
DROP TABLE email_links;
ALTER TABLE users DROP COLUMN weekly_summary;
ALTER TABLE users DROP COLUMN email_verified_at;
