-- +goose Up
-- A payment's idempotency key is claimed by the movement kernel
-- (movements_idem, unique on actor and key) before its row is written; the
-- payments table's own unique index on the same key was a second guard that
-- cost every payment one more randomly placed index page (of about fourteen)
-- in each commit, and no query reads by it.
DROP INDEX payments_idem;

-- +goose Down
CREATE UNIQUE INDEX payments_idem ON payments (idem_scope, idem_key);
