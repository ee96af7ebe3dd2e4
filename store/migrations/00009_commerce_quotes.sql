-- +goose Up
-- The price a purchase intent quoted (package commerce): a post with a buy
-- hashtag or a gift handle told its author "buy Mug for $5.00"; confirming
-- buys at that price or not at all. asset and price are the product's when
-- the intent was made; '' and 0 on intents from before this migration,
-- which are confirmed at the price in force, as they always were.
ALTER TABLE commerce_intents ADD COLUMN asset TEXT NOT NULL DEFAULT '';
ALTER TABLE commerce_intents ADD COLUMN price BIGINT NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE commerce_intents DROP COLUMN price;
ALTER TABLE commerce_intents DROP COLUMN asset;
