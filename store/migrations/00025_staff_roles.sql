-- +goose Up
-- Staff roles (package social): who is staff and in which role, beside
-- users rather than in users.staff_role, whose CHECK knew three roles and
-- which SQLite can only change by rebuilding users. granted_by is the
-- admin who gave the role ('' for the operator's own tooling: `nestegg
-- admin promote`). A member without a row is not staff. users.staff_role
-- is no longer read; it is cleared so that there is one truth.
CREATE TABLE staff_roles (
    user_id     TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    role        TEXT NOT NULL,
    granted_by  TEXT NOT NULL DEFAULT '',
    granted_at  BIGINT NOT NULL,
    CHECK (role IN ('admin', 'support', 'compliance', 'finance', 'moderator'))
);
CREATE INDEX staff_roles_role ON staff_roles (role, user_id);
INSERT INTO staff_roles (user_id, role, granted_by, granted_at)
    SELECT id, staff_role, '', updated_at FROM users WHERE staff_role <> '';
UPDATE users SET staff_role = '' WHERE staff_role <> '';

-- +goose Down
UPDATE users SET staff_role = (SELECT r.role FROM staff_roles r WHERE r.user_id = users.id)
    WHERE id IN (SELECT user_id FROM staff_roles WHERE role IN ('admin', 'support', 'compliance'));
DROP TABLE staff_roles;
