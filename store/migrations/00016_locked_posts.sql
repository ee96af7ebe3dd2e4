-- +goose Up
-- Subscribers-only posts (package social; who may read them is package
-- billing's creator subscriptions): locked is 1 for such a post.
ALTER TABLE posts ADD COLUMN locked INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE posts DROP COLUMN locked;
