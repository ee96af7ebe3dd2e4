-- +goose Up
-- The social network: accounts, sessions, API tokens, posts, follows,
-- blocks, likes, mentions, hashtags and notifications (package social).
-- Timestamps are BIGINT Unix nanoseconds UTC; ids are prefixed TEXT.

-- People. handle_lower, email_lower and name_lower are lower-cased copies
-- written by the application: uniqueness and search ignore case without
-- depending on a database's collation.
CREATE TABLE users (
    id              TEXT PRIMARY KEY,
    handle          TEXT NOT NULL,
    handle_lower    TEXT NOT NULL,
    display_name    TEXT NOT NULL,
    name_lower      TEXT NOT NULL,
    email           TEXT NOT NULL,
    email_lower     TEXT NOT NULL,
    password_hash   TEXT NOT NULL,
    kind            TEXT NOT NULL DEFAULT 'member',
    staff_role      TEXT NOT NULL DEFAULT '',
    bio             TEXT NOT NULL DEFAULT '',
    link            TEXT NOT NULL DEFAULT '',
    -- TOTP: the confirmed secret, a secret being enrolled, and the last
    -- time step accepted (a code is good once).
    totp_secret     TEXT NOT NULL DEFAULT '',
    totp_pending    TEXT NOT NULL DEFAULT '',
    totp_last_step  BIGINT NOT NULL DEFAULT 0,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    CHECK (kind IN ('member', 'creator', 'business')),
    CHECK (staff_role IN ('', 'admin', 'support', 'compliance'))
);
CREATE UNIQUE INDEX users_handle_lower ON users (handle_lower);
CREATE UNIQUE INDEX users_email_lower ON users (email_lower);

-- Server-side sessions; only the SHA-256 of the cookie token is stored.
CREATE TABLE sessions (
    id            TEXT PRIMARY KEY,
    token_hash    TEXT NOT NULL,
    user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    ip            TEXT NOT NULL DEFAULT '',
    user_agent    TEXT NOT NULL DEFAULT '',
    created_at    BIGINT NOT NULL,
    last_seen_at  BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL
);
CREATE UNIQUE INDEX sessions_token_hash ON sessions (token_hash);
CREATE INDEX sessions_user ON sessions (user_id, created_at);
CREATE INDEX sessions_expires ON sessions (expires_at);

-- A password checked, a second factor still due: the login's second step.
CREATE TABLE login_challenges (
    token_hash  TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    ip          TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);
CREATE INDEX login_challenges_expires ON login_challenges (expires_at);

-- Failed logins per lower-cased handle and client IP, for the lockout.
CREATE TABLE login_failures (
    id          TEXT PRIMARY KEY,
    lock_key    TEXT NOT NULL,
    at          BIGINT NOT NULL
);
CREATE INDEX login_failures_key ON login_failures (lock_key, at);
CREATE INDEX login_failures_at ON login_failures (at);

-- Personal API tokens; only the SHA-256 of the secret is stored.
CREATE TABLE api_tokens (
    id            TEXT PRIMARY KEY,
    user_id       TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    prefix        TEXT NOT NULL,
    token_hash    TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    last_used_at  BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX api_tokens_hash ON api_tokens (token_hash);
CREATE INDEX api_tokens_user ON api_tokens (user_id, created_at);

-- Posts and reposts. A repost is a row with repost_of_id set and an empty
-- body, so a timeline is one ordered scan of this table. reply_to_id has no
-- foreign key: replies outlive a deleted parent.
CREATE TABLE posts (
    id                TEXT PRIMARY KEY,
    author_id         TEXT NOT NULL REFERENCES users (id),
    body              TEXT NOT NULL,
    reply_to_id       TEXT,
    reply_to_user_id  TEXT,
    root_id           TEXT NOT NULL,
    repost_of_id      TEXT REFERENCES posts (id) ON DELETE CASCADE,
    like_count        BIGINT NOT NULL DEFAULT 0,
    repost_count      BIGINT NOT NULL DEFAULT 0,
    reply_count       BIGINT NOT NULL DEFAULT 0,
    created_at        BIGINT NOT NULL
);
-- Home and profile timelines: newest first per author.
CREATE INDEX posts_author_created ON posts (author_id, created_at, id);
-- The home timeline of someone who follows many: newest first overall.
CREATE INDEX posts_created ON posts (created_at, id);
-- Replies to a post, oldest first.
CREATE INDEX posts_reply_to ON posts (reply_to_id, created_at, id);
-- One repost per person and post (NULLs, i.e. original posts, are distinct).
CREATE UNIQUE INDEX posts_repost ON posts (repost_of_id, author_id);

CREATE TABLE likes (
    post_id     TEXT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    user_id     TEXT NOT NULL REFERENCES users (id),
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (post_id, user_id)
);
CREATE INDEX likes_user ON likes (user_id, created_at);

CREATE TABLE follows (
    follower_id  TEXT NOT NULL REFERENCES users (id),
    followee_id  TEXT NOT NULL REFERENCES users (id),
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (follower_id, followee_id)
);
CREATE INDEX follows_followee ON follows (followee_id, created_at, follower_id);
CREATE INDEX follows_follower_created ON follows (follower_id, created_at, followee_id);

CREATE TABLE blocks (
    blocker_id  TEXT NOT NULL REFERENCES users (id),
    blocked_id  TEXT NOT NULL REFERENCES users (id),
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (blocker_id, blocked_id)
);
CREATE INDEX blocks_blocked ON blocks (blocked_id, blocker_id);
CREATE INDEX blocks_blocker_created ON blocks (blocker_id, created_at, blocked_id);

-- tag is lower-cased and NFC-normalized.
CREATE TABLE post_hashtags (
    post_id     TEXT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    tag         TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (post_id, tag)
);
CREATE INDEX post_hashtags_tag ON post_hashtags (tag, created_at, post_id);

CREATE TABLE post_mentions (
    post_id     TEXT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    user_id     TEXT NOT NULL REFERENCES users (id),
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (post_id, user_id)
);
CREATE INDEX post_mentions_user ON post_mentions (user_id, created_at, post_id);

-- kind is open-ended ('mention', 'reply', 'follow', 'like', 'repost', or a
-- kind another domain defines, with text saying what happened).
CREATE TABLE notifications (
    id          TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users (id),
    kind        TEXT NOT NULL,
    actor_id    TEXT REFERENCES users (id),
    post_id     TEXT REFERENCES posts (id) ON DELETE CASCADE,
    text        TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    read_at     BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX notifications_user ON notifications (user_id, created_at, id);
CREATE INDEX notifications_unread ON notifications (user_id, read_at);
CREATE INDEX notifications_post ON notifications (post_id);

-- +goose Down
DROP TABLE notifications;
DROP TABLE post_mentions;
DROP TABLE post_hashtags;
DROP TABLE blocks;
DROP TABLE follows;
DROP TABLE likes;
DROP TABLE posts;
DROP TABLE api_tokens;
DROP TABLE login_failures;
DROP TABLE login_challenges;
DROP TABLE sessions;
DROP TABLE users;
