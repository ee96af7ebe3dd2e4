package billing

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/social"
)

// PremiumConfig is the operator's Premium: the plans' defaults and who
// gets the verified check.
type PremiumConfig struct {
	// CheckRank is the lowest plan rank whose subscribers get the verified
	// check; default 2 (Premium and Premium+, not Basic).
	CheckRank int
	// MinAccountAge is how old an account must be before its check shows;
	// default 30 days (negative: no minimum).
	MinAccountAge time.Duration
}

func (c *PremiumConfig) defaults() {
	if c.CheckRank == 0 {
		c.CheckRank = 2
	}
	if c.MinAccountAge == 0 {
		c.MinAccountAge = 30 * 24 * time.Hour
	}
	if c.MinAccountAge < 0 {
		c.MinAccountAge = 0
	}
}

// DefaultPremiumPlans are Premium's plans on a new install: Basic $3,
// Premium $8 and Premium+ $16 a month, or a year for ten months' price,
// with longer posts as their perk (1,000, 4,000 and 10,000 characters).
// The operator edits them (SetPrice, UpdatePlan, SetPerks).
func DefaultPremiumPlans(asset money.Asset) []PlanInput {
	var out []PlanInput
	for i, t := range []struct {
		name, benefits string
		month          int64
		chars          int
	}{
		{"Basic", "Posts up to 1,000 characters", 300, 1000},
		{"Premium", "The verified check, posts up to 4,000 characters", 800, 4000},
		{"Premium+", "The verified check, posts up to 10,000 characters", 1600, 10000},
	} {
		scale := int64(1)
		for range asset.Scale - 2 {
			scale *= 10
		}
		out = append(out, PlanInput{Product: ProductPremium, Name: t.name, Rank: i + 1, Period: Monthly, Benefits: t.benefits, PostChars: t.chars,
			Price: money.Amount{Asset: asset, Minor: t.month * scale}})
		out = append(out, PlanInput{Product: ProductPremium, Name: t.name + " (yearly)", Rank: i + 1, Period: Yearly, Benefits: t.benefits, PostChars: t.chars,
			Price: money.Amount{Asset: asset, Minor: 10 * t.month * scale}})
	}
	return out
}

// DefaultOrganizationPlans is the organization tier on a new install:
// $1,000 a month plus $50 a month per affiliate seat, or a year for ten
// months' price (seats too).
func DefaultOrganizationPlans(asset money.Asset) []PlanInput {
	scale := int64(1)
	for range asset.Scale - 2 {
		scale *= 10
	}
	const benefits = "The organization badge; affiliated accounts show your mark"
	return []PlanInput{
		{Product: ProductOrganization, Name: "Verified Organizations", Rank: 1, Period: Monthly, Benefits: benefits,
			Price: money.Amount{Asset: asset, Minor: 100000 * scale}, SeatPrice: 5000 * scale},
		{Product: ProductOrganization, Name: "Verified Organizations (yearly)", Rank: 1, Period: Yearly, Benefits: benefits,
			Price: money.Amount{Asset: asset, Minor: 1000000 * scale}, SeatPrice: 50000 * scale},
	}
}

// EnsurePremium creates the operator's plans (Premium's, the organization
// tier's: each product of plans) for each product the install has none
// of yet, with ids derived from their product, rank and period (one plan
// of each) so that several processes starting at once create them once.
// Errors: database failures.
func (s *Service) EnsurePremium(ctx context.Context, plans []PlanInput) error {
	now := s.now().UnixNano()
	return s.db.Write(ctx, func(tx *sql.Tx) error {
		have := map[string]bool{}
		for _, p := range plans {
			if p.Product != ProductPremium && p.Product != ProductOrganization {
				return nestegg.ParamErrorf(nestegg.Invalid, "product", "the operator's products are %q and %q", ProductPremium, ProductOrganization)
			}
			if _, ok := have[p.Product]; !ok {
				var n int
				if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM billing_plans WHERE product = $1", p.Product).Scan(&n); err != nil {
					return err
				}
				have[p.Product] = n > 0
			}
		}
		for _, p := range plans {
			if have[p.Product] {
				continue
			}
			if err := p.check(); err != nil {
				return err
			}
			// One plan per product, rank and period: pln_premium_2_month
			// is Premium.
			id := fmt.Sprintf("pln_%s_%d_%s", p.Product, p.Rank, p.Period)
			if _, err := tx.ExecContext(ctx, `INSERT INTO billing_plans (id, product, owner_id, name, tier_rank, period, asset, benefits, active, seat_price, post_chars, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $10, $11, $11) ON CONFLICT (id) DO NOTHING`,
				id, p.Product, PlatformOwner, p.Name, p.Rank, string(p.Period), p.Price.Asset.Code, p.Benefits, p.SeatPrice, p.PostChars, now); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO billing_prices (plan_id, version, amount, effective_at, created_at) VALUES ($1, 1, $2, $3, $3)
				ON CONFLICT (plan_id, version) DO NOTHING`, id, p.Price.Minor, now); err != nil {
				return err
			}
		}
		return nil
	})
}

// SyncChecks gives the verified check to every Premium subscriber whose
// plan carries it, who has access and whose account is old enough, and
// the organization badge to every business whose organization tier gives
// access; and takes them from those who no longer qualify (lapsed, ended,
// downgraded). userID "" syncs everyone (Run does); otherwise only that
// member (after their own change, so the badge follows at once). Each
// change is an UPDATE of the subscription guarded by what it read, with
// the account's badge in the same transaction. It returns how many changed.
func (s *Service) SyncChecks(ctx context.Context, userID string) (int, error) {
	n, err := s.syncBadges(ctx, ProductPremium, userID)
	if err != nil {
		return n, err
	}
	m, err := s.syncBadges(ctx, ProductOrganization, userID)
	return n + m, err
}

func (s *Service) syncBadges(ctx context.Context, product, userID string) (int, error) {
	rank := s.cfg.Premium.CheckRank
	if product == ProductOrganization {
		rank = 0 // every plan of the tier gives the badge
	}
	q := `SELECT s.id, s.user_id, s.status, s.cancel_at_end, s.period_end, p.tier_rank, s.check_on FROM billing_subscriptions s
		JOIN billing_plans p ON p.id = s.plan_id WHERE s.product = $1 AND (s.check_on = 1 OR (s.status IN ('active', 'past_due') AND p.tier_rank >= $2))`
	args := []any{product, rank}
	if userID != "" {
		q += " AND s.user_id = $3"
		args = append(args, userID)
	}
	rows, err := s.db.Reader().QueryContext(ctx, q, args...)
	if err != nil {
		return 0, fmt.Errorf("sync checks: %w", err)
	}
	type row struct {
		sub         Subscription
		rank, check int
	}
	var rs []row
	for rows.Next() {
		var r row
		var status string
		var cancel int
		var end int64
		if err := rows.Scan(&r.sub.ID, &r.sub.UserID, &status, &cancel, &end, &r.rank, &r.check); err != nil {
			rows.Close()
			return 0, err
		}
		r.sub.Status, r.sub.CancelAtEnd, r.sub.PeriodEnd = Status(status), cancel == 1, fromNanos(end)
		rs = append(rs, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	now := s.now()
	changed := 0
	for _, r := range rs {
		want := r.sub.Access(now) && r.rank >= rank
		if want {
			u, err := s.social.UserByID(ctx, r.sub.UserID)
			if err != nil {
				return changed, err
			}
			if product == ProductOrganization {
				want = u.Kind == social.Business
			} else {
				want = !u.CreatedAt.After(now.Add(-s.cfg.Premium.MinAccountAge))
			}
		}
		if want == (r.check == 1) {
			continue
		}
		err := s.db.Write(ctx, func(tx *sql.Tx) error {
			if err := guarded(ctx, tx, "the subscription", "UPDATE billing_subscriptions SET check_on = $2 WHERE id = $1 AND check_on = $3",
				r.sub.ID, boolInt(want), r.check); err != nil {
				return err
			}
			if product == ProductOrganization {
				return s.social.SetOrgBadge(ctx, tx, r.sub.UserID, want)
			}
			return s.social.SetPaidCheck(ctx, tx, r.sub.UserID, want)
		})
		if nestegg.Is(err, nestegg.Conflict) {
			continue // another process did it
		}
		if err != nil {
			return changed, fmt.Errorf("sync checks: %w", err)
		}
		changed++
	}
	return changed, nil
}
