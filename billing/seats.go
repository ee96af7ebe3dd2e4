package billing

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/movement"
	"github.com/nestegg/nestegg/social"
)

// MaxSeats is the most seats one subscription may pay for.
const MaxSeats = 1000

// periodPrice is what a period of plan costs with seats: its price plus
// each seat's.
func periodPrice(plan Plan, seats int) (int64, error) {
	if seats == 0 || plan.SeatPrice.Minor == 0 {
		return plan.Price.Minor, nil
	}
	s, err := money.Mul(plan.SeatPrice.Minor, int64(seats))
	if err != nil {
		return 0, err
	}
	return money.Add(plan.Price.Minor, s)
}

// checkProduct refuses a subscription the member's account cannot hold:
// the organization tier is for business profiles.
func (s *Service) checkProduct(ctx context.Context, userID string, plan Plan) error {
	if plan.Product != ProductOrganization {
		return nil
	}
	u, err := s.social.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	if u.Kind != social.Business {
		return nestegg.ParamErrorf(nestegg.Invalid, "plan_id", "the organization tier is for business profiles; make this account a business profile in Settings first")
	}
	return nil
}

// SeatsQuote is what SetSeats would do now.
type SeatsQuote struct {
	Subscription Subscription
	Seats        int
	// Now is charged at once for added seats: what the rest of the period
	// is worth at the new price less what it was worth at the old one
	// (the package doc's rounding rule). Fewer seats charge nothing and
	// apply from AppliesAt, the period's end.
	Now       money.Amount
	AtOnce    bool
	AppliesAt time.Time
	// Renews is the next period's price with these seats.
	Renews money.Amount
}

// QuoteSeats says what SetSeats(userID, subID, seats) would do now, for a
// confirmation page. Errors: as SetSeats's that need no money.
func (s *Service) QuoteSeats(ctx context.Context, userID, subID string, seats int) (SeatsQuote, error) {
	sub, plan, err := s.seatsFor(ctx, userID, subID, seats)
	if err != nil {
		return SeatsQuote{}, err
	}
	code := sub.Price.Asset
	q := SeatsQuote{Subscription: sub, Seats: seats, Now: money.Amount{Asset: code}, AtOnce: seats > sub.Seats, AppliesAt: s.now()}
	if !q.AtOnce {
		q.AppliesAt = sub.PeriodEnd
	}
	renews, err := periodPrice(plan, seats)
	if err != nil {
		return SeatsQuote{}, err
	}
	q.Renews = money.Amount{Asset: code, Minor: renews}
	if q.AtOnce {
		newPrice, err := s.seatedPrice(sub, plan, seats)
		if err != nil {
			return SeatsQuote{}, err
		}
		_, due, err := Upgrade(sub.PeriodStart, sub.PeriodEnd, s.now(), sub.worth, sub.Paid, sub.Price.Minor, newPrice)
		if err != nil {
			return SeatsQuote{}, err
		}
		q.Now.Minor = due
	}
	return q, nil
}

// seatsFor loads an active subscription with seats and checks a seat count.
func (s *Service) seatsFor(ctx context.Context, userID, subID string, seats int) (Subscription, Plan, error) {
	if seats < 0 || seats > MaxSeats {
		return Subscription{}, Plan{}, nestegg.ParamErrorf(nestegg.Invalid, "seats", "seats are 0 to %d", MaxSeats)
	}
	sub, err := s.Subscription(ctx, userID, subID)
	if err != nil {
		return Subscription{}, Plan{}, err
	}
	plan, err := s.Plan(ctx, sub.PlanID)
	if err != nil {
		return Subscription{}, Plan{}, err
	}
	if plan.SeatPrice.Minor == 0 {
		return Subscription{}, Plan{}, nestegg.ParamErrorf(nestegg.Invalid, "subscription_id", "this subscription has no seats")
	}
	if sub.Status != Active {
		return Subscription{}, Plan{}, nestegg.Errorf(nestegg.Conflict, "the subscription is %s: pay for it before changing seats", statusWords(sub.Status))
	}
	return sub, plan, nil
}

// seatedPrice is the current period's price with seats instead of
// sub.Seats: the price it pays now (an upgrade's included) with the
// difference in seats at the plan's seat price.
func (s *Service) seatedPrice(sub Subscription, plan Plan, seats int) (int64, error) {
	d, err := money.Mul(plan.SeatPrice.Minor, int64(seats-sub.Seats))
	if err != nil {
		return 0, err
	}
	return money.Add(sub.Price.Minor, d)
}

// SetSeats changes how many seats a subscription pays for. More seats
// apply at once, the rest of the period charged now, prorated as an
// upgrade is (nothing when that rounds to zero); fewer apply at the
// period's end, when the renewal charges for them (the seats stay usable
// until then); the current number again undoes a pending decrease.
// inUse is how many seats are taken (the organization's affiliates and
// invitations, which the caller counts): fewer seats than that are
// refused. Only the subscriber may call it.
//
// Errors: Invalid (Param "seats", "subscription_id" for a plan without
// seats); NotFound; Conflict when the subscription is not active, changed
// meanwhile, or (Param "seats") fewer than inUse; the charge's errors;
// IdempotencyMismatch.
func (s *Service) SetSeats(ctx context.Context, userID, subID string, seats, inUse int, key string) (Subscription, error) {
	if err := nestegg.CheckKey(key); err != nil {
		return Subscription{}, err
	}
	fp := nestegg.Fingerprint("seats", subID, i64(int64(seats)))
	if prev, found, err := s.k.Find(ctx, userID, key, fp); err != nil {
		return Subscription{}, reused(err, "another request")
	} else if found {
		return s.Subscription(ctx, userID, prev.Reference)
	}
	sub, plan, err := s.seatsFor(ctx, userID, subID, seats)
	if err != nil {
		return Subscription{}, err
	}
	if seats < inUse {
		return Subscription{}, nestegg.ParamErrorf(nestegg.Conflict, "seats", "%d seats are taken by affiliates and invitations; remove some before lowering to %d", inUse, seats)
	}
	now := s.now()
	if seats <= sub.Seats {
		next := seats
		if seats == sub.Seats {
			next = -1
		}
		err := s.db.Write(ctx, func(tx *sql.Tx) error {
			if err := guarded(ctx, tx, "the subscription", `UPDATE billing_subscriptions SET next_seats = $2, updated_at = $3
				WHERE id = $1 AND status = 'active' AND seats = $4 AND period_no = $5 AND anchor_at = $6`,
				sub.ID, next, now.UnixNano(), sub.Seats, sub.PeriodNo, sub.Anchor.UnixNano()); err != nil {
				return err
			}
			if next < 0 {
				return nil
			}
			return s.notify(ctx, tx, userID, NotifyChanged, "", fmt.Sprintf("Your %s subscription goes down to %d seats on %s.", sub.PlanName, seats, day(sub.PeriodEnd)))
		})
		if err != nil {
			return Subscription{}, err
		}
		return s.Subscription(ctx, userID, subID)
	}
	newPrice, err := s.seatedPrice(sub, plan, seats)
	if err != nil {
		return Subscription{}, err
	}
	worth, due, err := Upgrade(sub.PeriodStart, sub.PeriodEnd, now, sub.worth, sub.Paid, sub.Price.Minor, newPrice)
	if err != nil {
		return Subscription{}, err
	}
	update := func(ctx context.Context, tx execer, t int64) error {
		return guarded(ctx, tx, "the subscription", `UPDATE billing_subscriptions SET seats = $2, next_seats = -1, price = $3, worth = $4, paid = paid + $5, updated_at = $6
			WHERE id = $1 AND status = 'active' AND seats = $7 AND plan_id = $8 AND period_no = $9 AND anchor_at = $10 AND paid = $11 AND worth = $12`,
			sub.ID, seats, newPrice, worth, due, t, sub.Seats, sub.PlanID, sub.PeriodNo, sub.Anchor.UnixNano(), sub.Paid, sub.worth)
	}
	if due == 0 {
		if err := s.db.Write(ctx, func(tx *sql.Tx) error { return update(ctx, tx, now.UnixNano()) }); err != nil {
			return Subscription{}, err
		}
		return s.Subscription(ctx, userID, subID)
	}
	a := chargeArgs{kind: movement.SubscriptionUpgrade, chargeKind: "upgrade", seats: true, actor: userID, key: key, fp: fp, userID: userID, subID: sub.ID,
		cardID: sub.CardID, plan: plan, amount: due, start: now, end: sub.PeriodEnd, note: fmt.Sprintf("%d seats on %s", seats, plan.Name),
		update: func(ctx context.Context, tx *movement.Tx) error { return update(ctx, tx.SQL, tx.Now().UnixNano()) }}
	if _, err := s.charge(ctx, a); err != nil {
		return Subscription{}, fmt.Errorf("seats: %w", reused(err, "another request"))
	}
	return s.Subscription(ctx, userID, subID)
}
