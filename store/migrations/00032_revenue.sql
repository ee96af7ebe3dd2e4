-- +goose Up
-- The revenue dashboard (package revenue) reads payment volume and active
-- payers from movements, and new members from users, by day: without
-- these it would scan both tables for every report.
CREATE INDEX movements_created ON movements (created_at, kind);
CREATE INDEX users_created ON users (created_at);

-- +goose Down
DROP INDEX users_created;
DROP INDEX movements_created;
