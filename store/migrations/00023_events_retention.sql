-- +goose Up
-- Webhook deliveries are pruned by age with their events (package events,
-- Prune), oldest first.
CREATE INDEX webhook_deliveries_created ON webhook_deliveries (created_at, id);

-- +goose Down
DROP INDEX webhook_deliveries_created;
