-- +goose Up
-- The paid verified check (package social, decided by billing's Premium):
-- paid_check is 1 while the member's Premium gives it; check_review is 1
-- while a change of their display name awaits staff approval, which hides
-- the check. A subscription remembers whether it gave the check.
ALTER TABLE users ADD COLUMN paid_check INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN check_review INTEGER NOT NULL DEFAULT 0;
CREATE INDEX users_check_review ON users (check_review) WHERE check_review = 1;
ALTER TABLE billing_subscriptions ADD COLUMN check_on INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE billing_subscriptions DROP COLUMN check_on;
DROP INDEX users_check_review;
ALTER TABLE users DROP COLUMN check_review;
ALTER TABLE users DROP COLUMN paid_check;
