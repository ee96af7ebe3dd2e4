-- +goose Up
-- The variant (a colour, a size) a purchase intent buys (package commerce):
-- "#BuyNestMug Charcoal" names it in the post; otherwise the buyer picks it
-- on the confirmation page or in the confirming reply. '' until chosen,
-- and for products without variants.
ALTER TABLE commerce_intents ADD COLUMN variant TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE commerce_intents DROP COLUMN variant;
