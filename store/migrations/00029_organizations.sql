-- +goose Up
-- The official label (staff grant it, with a reason in the audit log) and
-- the organization badge (package billing's organization tier sets it while
-- the subscription gives access), beside paid_check.
ALTER TABLE users ADD COLUMN official INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN org_badge INTEGER NOT NULL DEFAULT 0;
-- Affiliations (package social): an organization invites a member, who
-- accepts; an active affiliate shows the organization's mark while the
-- organization holds its badge. A member is affiliated with one
-- organization at a time (the partial unique index); invitations from
-- several may wait.
CREATE TABLE affiliations (
    org_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    member_id   TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    status      TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (org_id, member_id),
    CHECK (status IN ('invited', 'active'))
);
CREATE UNIQUE INDEX affiliations_member_active ON affiliations (member_id) WHERE status = 'active';
CREATE INDEX affiliations_member ON affiliations (member_id, status);
-- Seats (package billing): a plan may price each seat per period beside its
-- own price (the organization tier's affiliates); a subscription holds how
-- many it pays for, and next_seats a lower number from the period's end
-- (-1: no change waits).
ALTER TABLE billing_plans ADD COLUMN seat_price BIGINT NOT NULL DEFAULT 0;
ALTER TABLE billing_subscriptions ADD COLUMN seats INTEGER NOT NULL DEFAULT 0;
ALTER TABLE billing_subscriptions ADD COLUMN next_seats INTEGER NOT NULL DEFAULT -1;
-- Perks (package billing): how long a post a Premium plan's subscribers may
-- write (0: the standard length), set by the operator.
ALTER TABLE billing_plans ADD COLUMN post_chars INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE billing_plans DROP COLUMN post_chars;
ALTER TABLE billing_subscriptions DROP COLUMN next_seats;
ALTER TABLE billing_subscriptions DROP COLUMN seats;
ALTER TABLE billing_plans DROP COLUMN seat_price;
DROP TABLE affiliations;
ALTER TABLE users DROP COLUMN org_badge;
ALTER TABLE users DROP COLUMN official;
