-- +goose Up
-- Operator API keys, stored as SHA-256 hashes of the secret.
CREATE TABLE operator_keys (
    id          TEXT PRIMARY KEY,
    key_hash    TEXT NOT NULL UNIQUE,
    created_at  BIGINT NOT NULL
);

-- Stored responses for the Idempotency-Key header, per principal.
CREATE TABLE idempotency_keys (
    principal     TEXT NOT NULL,
    idem_key      TEXT NOT NULL,
    request_hash  TEXT NOT NULL,
    status        INTEGER NOT NULL,
    response      TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    PRIMARY KEY (principal, idem_key)
);
-- For the sweep that deletes records older than the TTL (web/recordwriter.go).
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);

-- +goose Down
DROP TABLE idempotency_keys;
DROP TABLE operator_keys;
