package billing

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/nestegg/nestegg"
)

// MaxPostChars is the longest post a plan's perk may allow.
const MaxPostChars = 10000

// SetPerks sets a Premium plan's perk: how long a post its subscribers may
// write (0: the standard length). It applies at once, to subscribers
// already on the plan too. The caller has checked it is the operator.
// Errors: NotFound; Invalid (Param "post_chars", or "plan_id" for a plan
// that is not Premium's).
func (s *Service) SetPerks(ctx context.Context, planID string, postChars int) (Plan, error) {
	if postChars < 0 || postChars > MaxPostChars {
		return Plan{}, nestegg.ParamErrorf(nestegg.Invalid, "post_chars", "a post's length is 0 (the standard) to %d characters", MaxPostChars)
	}
	p, err := s.Plan(ctx, planID)
	if err != nil {
		return Plan{}, err
	}
	if p.Product != ProductPremium {
		return Plan{}, nestegg.ParamErrorf(nestegg.Invalid, "plan_id", "perks are Premium's")
	}
	err = s.db.Write(ctx, func(tx *sql.Tx) error {
		return guarded(ctx, tx, "the plan", "UPDATE billing_plans SET post_chars = $2, updated_at = $3 WHERE id = $1", planID, postChars, s.now().UnixNano())
	})
	if err != nil {
		return Plan{}, fmt.Errorf("set perks: %w", err)
	}
	p.PostChars = postChars
	return p, nil
}

// PostChars is how long a post userID may write by their Premium plan's
// perk: the plan's post_chars while the subscription gives access (during
// a grace period too), else 0 (the standard length). Package social asks
// only for posts longer than the standard.
func (s *Service) PostChars(ctx context.Context, userID string) (int, error) {
	var n sql.NullInt64
	err := s.db.Reader().QueryRowContext(ctx, `SELECT MAX(p.post_chars) FROM billing_subscriptions s JOIN billing_plans p ON p.id = s.plan_id
		WHERE s.user_id = $1 AND s.product = $2 AND (s.status = 'past_due' OR (s.status = 'active' AND (s.cancel_at_end = 0 OR s.period_end > $3)))`,
		userID, ProductPremium, s.now().UnixNano()).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("post chars: %w", err)
	}
	return int(n.Int64), nil
}
