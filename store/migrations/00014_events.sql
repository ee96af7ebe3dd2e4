-- +goose Up
-- Events for developers (package events): the transactional outbox, the
-- webhook endpoints that receive events, and each event's delivery to each
-- endpoint.
CREATE TABLE events (
    id          TEXT PRIMARY KEY,         -- evt_…, the deliveries' webhook-id
    type        TEXT NOT NULL,            -- movement.p2p, …
    user_a      TEXT NOT NULL DEFAULT '', -- the members it names
    user_b      TEXT NOT NULL DEFAULT '',
    data        TEXT NOT NULL,            -- JSON
    fanned      INTEGER NOT NULL DEFAULT 0, -- its deliveries are made
    created_at  BIGINT NOT NULL
);
CREATE INDEX events_user_a ON events (user_a, created_at, id);
CREATE INDEX events_user_b ON events (user_b, created_at, id);
CREATE INDEX events_created ON events (created_at, id);
CREATE INDEX events_unfanned ON events (fanned, created_at);

CREATE TABLE webhook_endpoints (
    id             TEXT PRIMARY KEY,      -- whe_…
    owner          TEXT NOT NULL,         -- a member's id, or 'operator'
    url            TEXT NOT NULL,
    secret         TEXT NOT NULL,         -- whsec_…
    old_secret     TEXT NOT NULL DEFAULT '', -- still signs until old_until
    old_until      BIGINT NOT NULL DEFAULT 0,
    status         TEXT NOT NULL,
    reason         TEXT NOT NULL DEFAULT '',
    failing_since  BIGINT NOT NULL DEFAULT 0, -- the first failure since the last success
    created_at     BIGINT NOT NULL,
    CHECK (status IN ('enabled', 'disabled'))
);
CREATE INDEX webhook_endpoints_owner ON webhook_endpoints (owner, created_at);

CREATE TABLE webhook_deliveries (
    id           TEXT PRIMARY KEY,        -- whd_<event>_<endpoint>
    endpoint_id  TEXT NOT NULL,
    event_id     TEXT NOT NULL,
    status       TEXT NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_at      BIGINT NOT NULL,         -- the next attempt, while pending
    last_status  INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    UNIQUE (endpoint_id, event_id),
    CHECK (status IN ('pending', 'delivered', 'failed'))
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_at);
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, created_at, id);

-- +goose Down
DROP TABLE webhook_deliveries;
DROP TABLE webhook_endpoints;
DROP TABLE events;
