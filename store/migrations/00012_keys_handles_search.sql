-- +goose Up
-- Operator keys are rotated and revoked, never deleted (package web): the
-- table is the audit trail of every key, who made it and who ended it.
-- revoked_at is 0 while the key works; replaced_by names the key a
-- rotation made in its place. created_by and revoked_by are "env",
-- "generated", "cli" or the operator key that asked.
ALTER TABLE operator_keys ADD COLUMN name TEXT NOT NULL DEFAULT '';
ALTER TABLE operator_keys ADD COLUMN created_by TEXT NOT NULL DEFAULT '';
ALTER TABLE operator_keys ADD COLUMN revoked_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE operator_keys ADD COLUMN revoked_by TEXT NOT NULL DEFAULT '';
ALTER TABLE operator_keys ADD COLUMN replaced_by TEXT NOT NULL DEFAULT '';

-- People search matches the start of a handle or of a display name, by a
-- range over these indexes (handle_lower has its unique index already).
CREATE INDEX users_name_lower ON users (name_lower);

-- One namespace for handles (package social): every member's handle and
-- every merchant's gift handle holds a row, so that the primary key
-- refuses a sign-up as a gift handle, and a gift handle that is somebody's
-- handle, even when the two race.
CREATE TABLE handle_claims (
    handle_lower  TEXT PRIMARY KEY,
    owner_id      TEXT NOT NULL,
    kind          TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    CHECK (kind IN ('user', 'gift'))
);
CREATE INDEX handle_claims_owner ON handle_claims (owner_id, kind);
INSERT INTO handle_claims (handle_lower, owner_id, kind, created_at)
    SELECT handle_lower, id, 'user', created_at FROM users;
INSERT INTO handle_claims (handle_lower, owner_id, kind, created_at)
    SELECT gift_handle, user_id, 'gift', updated_at FROM commerce_merchants
    WHERE gift_handle <> '' AND gift_handle NOT IN (SELECT handle_lower FROM users);

-- +goose Down
DROP TABLE handle_claims;
DROP INDEX users_name_lower;
ALTER TABLE operator_keys DROP COLUMN replaced_by;
ALTER TABLE operator_keys DROP COLUMN revoked_by;
ALTER TABLE operator_keys DROP COLUMN revoked_at;
ALTER TABLE operator_keys DROP COLUMN created_by;
ALTER TABLE operator_keys DROP COLUMN name;
