-- +goose Up
-- Identity verification (package compliance). Three tiers: 'unverified'
-- (tier 0, every member at sign-up), 'identified' (tier 1: legal name,
-- date of birth, address and the last four of a national id, checked by
-- the identity provider) and 'verified' (tier 2: an identity document and
-- a selfie). Members staff verified before the tiers were three keep
-- 'verified' and its limits. region is where the member's verified address
-- is ('US-CA'; '' until verified), which the checkpoint reads for
-- jurisdictions. The CHECK changes, which SQLite can only do by rebuilding
-- the table.
CREATE TABLE compliance_users_v2 (
    user_id        TEXT PRIMARY KEY,
    frozen         INTEGER NOT NULL DEFAULT 0,
    frozen_reason  TEXT NOT NULL DEFAULT '',
    tier           TEXT NOT NULL DEFAULT 'unverified',
    updated_at     BIGINT NOT NULL,
    region         TEXT NOT NULL DEFAULT '',
    CHECK (tier IN ('unverified', 'identified', 'verified'))
);
INSERT INTO compliance_users_v2 (user_id, frozen, frozen_reason, tier, updated_at)
    SELECT user_id, frozen, frozen_reason, tier, updated_at FROM compliance_users;
DROP TABLE compliance_users;
ALTER TABLE compliance_users_v2 RENAME TO compliance_users;

-- A member's identity: what they told us, sealed (AES-256-GCM under the
-- operator's key, the member's id as additional data: never in clear), and
-- where the provider's check of it stands. One row per member; a new
-- attempt replaces the last, and the audit log keeps every one.
CREATE TABLE compliance_identity (
    user_id     TEXT PRIMARY KEY,
    person_enc  TEXT NOT NULL,           -- sealed JSON: legal name, date of birth, address, last four
    level       INTEGER NOT NULL,        -- the check last asked: 1 (facts) or 2 (document and selfie)
    attempt     TEXT NOT NULL,           -- the latest attempt's reference (the provider's idempotency key)
    session_id  TEXT NOT NULL DEFAULT '',-- the provider's check
    outcome     TEXT NOT NULL,           -- 'pending', 'approved', 'declined', 'needs_review', 'document_mismatch'
    reason      TEXT NOT NULL DEFAULT '',
    url         TEXT NOT NULL DEFAULT '',-- where the member finishes a pending check
    attempts    INTEGER NOT NULL DEFAULT 0, -- checks asked in the current day (day)
    day         BIGINT NOT NULL DEFAULT 0,
    updated_at  BIGINT NOT NULL
);

-- +goose Down
DROP TABLE compliance_identity;
CREATE TABLE compliance_users_v1 (
    user_id        TEXT PRIMARY KEY,
    frozen         INTEGER NOT NULL DEFAULT 0,
    frozen_reason  TEXT NOT NULL DEFAULT '',
    tier           TEXT NOT NULL DEFAULT 'unverified',
    updated_at     BIGINT NOT NULL,
    CHECK (tier IN ('unverified', 'verified'))
);
INSERT INTO compliance_users_v1 (user_id, frozen, frozen_reason, tier, updated_at)
    SELECT user_id, frozen, frozen_reason, CASE WHEN tier = 'identified' THEN 'unverified' ELSE tier END, updated_at FROM compliance_users;
DROP TABLE compliance_users;
ALTER TABLE compliance_users_v1 RENAME TO compliance_users;
