-- +goose Up
-- The operator's business settings (package settings): fees, coin prices,
-- limits per tier, cooling-off, hold windows. Each change is a row; a
-- setting's value is its newest row, and a setting without one has its
-- default from the code (settings.Catalog). version numbers every change
-- across all settings, so that a serve process notices a change made by
-- another by reading MAX(version) alone. Rows are never updated or
-- deleted: this is who changed what, when and why.
CREATE TABLE settings_changes (
    version     BIGINT PRIMARY KEY,
    key         TEXT NOT NULL,
    value       BIGINT NOT NULL,
    previous    BIGINT NOT NULL,
    changed_by  TEXT NOT NULL,
    reason      TEXT NOT NULL,
    changed_at  BIGINT NOT NULL
);
CREATE INDEX settings_changes_key ON settings_changes (key, version);

-- +goose Down
DROP TABLE settings_changes;
