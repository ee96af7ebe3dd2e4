-- +goose Up
-- Brute-force guards for logins and re-authentication (package social).
-- A counter row per guarded key replaces the one-row-per-failure log: an
-- attempt is reserved on it (row locked, counted, committed) before the
-- password or code is evaluated, so parallel guesses cannot all be
-- evaluated against the limit, from any number of processes.

-- lock_key names what is guarded: 'acct|<user>' (an account from any
-- address), 'addr|<user>|<ip>' (an account from one address), 'pw|<user>'
-- (the current password asked before a sensitive change); an unknown
-- handle is guarded under '?<handle>' in place of the user id.
-- failures counts attempts reserved since window_start; reaching the limit
-- sets locked_until (everything is refused until then) and counts a
-- lockout, and each lockout doubles the next (the back-off). forget_at is
-- when the row no longer matters and may be purged.
CREATE TABLE login_guards (
    lock_key      TEXT PRIMARY KEY,
    failures      BIGINT NOT NULL DEFAULT 0,
    window_start  BIGINT NOT NULL,
    locked_until  BIGINT NOT NULL DEFAULT 0,
    lockouts      BIGINT NOT NULL DEFAULT 0,
    forget_at     BIGINT NOT NULL
);
CREATE INDEX login_guards_forget ON login_guards (forget_at);

-- Wrong codes tried on a login challenge: at the cap it is dead, whatever
-- address the codes came from.
ALTER TABLE login_challenges ADD COLUMN attempts BIGINT NOT NULL DEFAULT 0;

DROP TABLE login_failures;

-- +goose Down
CREATE TABLE login_failures (
    id          TEXT PRIMARY KEY,
    lock_key    TEXT NOT NULL,
    at          BIGINT NOT NULL
);
CREATE INDEX login_failures_key ON login_failures (lock_key, at);
CREATE INDEX login_failures_at ON login_failures (at);
ALTER TABLE login_challenges DROP COLUMN attempts;
DROP TABLE login_guards;
