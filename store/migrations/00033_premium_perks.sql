-- +goose Up
-- Premium's plans made before perks existed get the default perk (longer
-- posts); plans the operator has given a perk keep it. Benefits still
-- reading as first shipped (they promised post editing and reply boosts,
-- which Nestegg does not have) say what the plan gives; benefits the
-- operator wrote stay.
UPDATE billing_plans SET post_chars = 1000 WHERE id IN ('pln_premium_1_month', 'pln_premium_1_year') AND post_chars = 0;
UPDATE billing_plans SET post_chars = 4000 WHERE id IN ('pln_premium_2_month', 'pln_premium_2_year') AND post_chars = 0;
UPDATE billing_plans SET post_chars = 10000 WHERE id IN ('pln_premium_3_month', 'pln_premium_3_year') AND post_chars = 0;
UPDATE billing_plans SET benefits = 'Posts up to 1,000 characters'
    WHERE product = 'premium' AND benefits = 'Edit posts, longer posts, reply boost (small)';
UPDATE billing_plans SET benefits = 'The verified check, posts up to 4,000 characters'
    WHERE product = 'premium' AND benefits = 'Everything in Basic, the verified check, reply boost (larger)';
UPDATE billing_plans SET benefits = 'The verified check, posts up to 10,000 characters'
    WHERE product = 'premium' AND benefits = 'Everything in Premium, the verified check, the largest reply boost';

-- +goose Down
SELECT 1;
