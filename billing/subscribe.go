package billing

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/movement"
)

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// SubscribeInput starts (or restores) a subscription.
type SubscribeInput struct {
	UserID string
	PlanID string
	// CardID pays by one of the member's saved cards; "" from the wallet.
	CardID         string
	IdempotencyKey string
}

// Subscribe subscribes UserID to a plan, charging its price now for a
// first period from now. A lapsed or ended subscription to the product is
// restored the same way (a new period from now). Only UserID may call it.
//
// Errors: Invalid (Param "idempotency_key", "plan_id": your own plan);
// NotFound (Param "plan_id", "card_id"); Conflict when already subscribed
// to the product (change plan instead), when it is past due (PayNow), or
// the plan is no longer offered; the charge's errors (InsufficientFunds,
// Forbidden, a declined card: Conflict Param "card_id");
// IdempotencyMismatch for a key used for another request.
func (s *Service) Subscribe(ctx context.Context, in SubscribeInput) (Subscription, error) {
	if err := nestegg.CheckKey(in.IdempotencyKey); err != nil {
		return Subscription{}, err
	}
	fp := nestegg.Fingerprint("subscribe", in.PlanID, in.CardID)
	if prev, found, err := s.k.Find(ctx, in.UserID, in.IdempotencyKey, fp); err != nil {
		return Subscription{}, reused(err, "another request")
	} else if found {
		return s.Subscription(ctx, in.UserID, prev.Reference)
	}
	plan, err := s.Plan(ctx, in.PlanID)
	if err != nil {
		return Subscription{}, err
	}
	if !plan.Active {
		return Subscription{}, nestegg.ParamErrorf(nestegg.Conflict, "plan_id", "%s is no longer offered", plan.Name)
	}
	if plan.OwnerID == in.UserID {
		return Subscription{}, nestegg.ParamErrorf(nestegg.Invalid, "plan_id", "you can't subscribe to yourself")
	}
	if err := s.checkCard(ctx, in.UserID, in.CardID); err != nil {
		return Subscription{}, err
	}
	old, exists, err := s.ForProduct(ctx, in.UserID, plan.Product)
	if err != nil {
		return Subscription{}, err
	}
	if exists {
		switch old.Status {
		case Active:
			return Subscription{}, nestegg.ParamErrorf(nestegg.Conflict, "plan_id", "you already subscribe (%s); change your plan instead", old.PlanName)
		case PastDue:
			return Subscription{}, nestegg.ParamErrorf(nestegg.Conflict, "plan_id", "your last renewal failed; pay now to restore it")
		}
	}
	if err := s.checkProduct(ctx, in.UserID, plan); err != nil {
		return Subscription{}, err
	}
	now := s.now()
	start, end := now, Bound(now, plan.Period, 1)
	// A restored subscription keeps the seats it had (its affiliates are
	// still there); a new one starts with none.
	seats := 0
	if exists {
		seats = old.Seats
		if old.NextSeats >= 0 {
			seats = old.NextSeats
		}
	}
	price, err := periodPrice(plan, seats)
	if err != nil {
		return Subscription{}, err
	}
	worth, err := worthOf(start, end, price)
	if err != nil {
		return Subscription{}, err
	}
	subID := nestegg.NewID("sub")
	if exists {
		subID = old.ID
	}
	a := chargeArgs{kind: movement.Subscription, chargeKind: "start", actor: in.UserID, key: in.IdempotencyKey, fp: fp, userID: in.UserID,
		subID: subID, cardID: in.CardID, plan: plan, amount: price, start: start, end: end, note: plan.Name}
	a.update = func(ctx context.Context, tx *movement.Tx) error {
		t := tx.Now().UnixNano()
		if exists {
			return guarded(ctx, tx.SQL, "the subscription", `UPDATE billing_subscriptions SET plan_id = $2, version = $3, asset = $4, price = $5, status = 'active',
				card_id = $6, anchor_at = $7, period_no = 0, period_start = $7, period_end = $8, paid = $5, worth = $9, cancel_at_end = 0, next_plan_id = '',
				attempts = 0, next_attempt_at = $8, updated_at = $10, seats = $13, next_seats = -1 WHERE id = $1 AND status = $11 AND updated_at = $12`,
				subID, plan.ID, plan.Version, plan.Price.Asset.Code, price, in.CardID, start.UnixNano(), end.UnixNano(), worth, t,
				string(old.Status), old.UpdatedAt.UnixNano(), seats)
		}
		_, err := tx.SQL.ExecContext(ctx, `INSERT INTO billing_subscriptions (id, user_id, product, plan_id, version, asset, price, status, card_id, anchor_at,
			period_no, period_start, period_end, paid, worth, next_attempt_at, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, 'active', $8, $9, 0, $9, $10, $7, $11, $10, $12, $12)`,
			subID, in.UserID, plan.Product, plan.ID, plan.Version, plan.Price.Asset.Code, plan.Price.Minor, in.CardID, start.UnixNano(), end.UnixNano(), worth, t)
		if err != nil {
			if err := s.db.Translate(err); nestegg.Is(err, nestegg.Conflict) {
				return nestegg.ParamErrorf(nestegg.Conflict, "plan_id", "you already subscribe; change your plan instead")
			}
		}
		return err
	}
	res, err := s.charge(ctx, a)
	if err != nil {
		return Subscription{}, fmt.Errorf("subscribe: %w", reused(err, "another request"))
	}
	s.afterChange(ctx, in.UserID, plan.Product)
	return s.Subscription(ctx, in.UserID, res.Reference)
}

// ChangePlan moves a subscription to another plan of its product. A plan
// of the same period at a higher price is an upgrade: it applies at once
// and the rest of the period is charged now, prorated (see the package
// doc's rounding rule; nothing is charged when that rounds to zero).
// Anything else — a cheaper plan, another period — applies at the end of
// the period, when the renewal charges the new plan; choosing the current
// plan again undoes such a change. Only the subscriber may call it.
//
// Errors: NotFound; Invalid (Param "plan_id": another product's plan);
// Conflict when the subscription is not active (past due: pay first) or
// changed meanwhile, or the plan is no longer offered; the charge's
// errors; IdempotencyMismatch.
func (s *Service) ChangePlan(ctx context.Context, userID, subID, planID, key string) (Subscription, error) {
	if err := nestegg.CheckKey(key); err != nil {
		return Subscription{}, err
	}
	fp := nestegg.Fingerprint("change", subID, planID)
	if prev, found, err := s.k.Find(ctx, userID, key, fp); err != nil {
		return Subscription{}, reused(err, "another request")
	} else if found {
		return s.Subscription(ctx, userID, prev.Reference)
	}
	sub, err := s.Subscription(ctx, userID, subID)
	if err != nil {
		return Subscription{}, err
	}
	if sub.Status != Active {
		return Subscription{}, nestegg.Errorf(nestegg.Conflict, "the subscription is %s: pay for it before changing plan", statusWords(sub.Status))
	}
	plan, err := s.Plan(ctx, planID)
	if err != nil {
		return Subscription{}, err
	}
	if plan.Product != sub.Product {
		return Subscription{}, nestegg.ParamErrorf(nestegg.Invalid, "plan_id", "that plan is not part of this subscription")
	}
	cur, err := s.Plan(ctx, sub.PlanID)
	if err != nil {
		return Subscription{}, err
	}
	if plan.ID == sub.PlanID {
		// Undo a change planned for the period's end.
		err := s.db.Write(ctx, func(tx *sql.Tx) error {
			return guarded(ctx, tx, "the subscription", "UPDATE billing_subscriptions SET next_plan_id = '', updated_at = $2 WHERE id = $1 AND updated_at = $3",
				sub.ID, s.now().UnixNano(), sub.UpdatedAt.UnixNano())
		})
		if err != nil {
			return Subscription{}, err
		}
		return s.Subscription(ctx, userID, subID)
	}
	if !plan.Active {
		return Subscription{}, nestegg.ParamErrorf(nestegg.Conflict, "plan_id", "%s is no longer offered", plan.Name)
	}
	now := s.now()
	newPrice, err := periodPrice(plan, sub.Seats)
	if err != nil {
		return Subscription{}, err
	}
	if plan.Period != cur.Period || newPrice <= sub.Price.Minor || plan.Price.Asset.Code != sub.Price.Asset.Code {
		err := s.db.Write(ctx, func(tx *sql.Tx) error {
			if err := guarded(ctx, tx, "the subscription", "UPDATE billing_subscriptions SET next_plan_id = $2, updated_at = $3 WHERE id = $1 AND updated_at = $4 AND status = 'active'",
				sub.ID, plan.ID, now.UnixNano(), sub.UpdatedAt.UnixNano()); err != nil {
				return err
			}
			return s.notify(ctx, tx, userID, NotifyChanged, "", fmt.Sprintf("Your subscription changes to %s (%s a %s) on %s.",
				plan.Name, money.Format(plan.Price), plan.Period, day(sub.PeriodEnd)))
		})
		if err != nil {
			return Subscription{}, err
		}
		return s.Subscription(ctx, userID, subID)
	}
	worth, due, err := Upgrade(sub.PeriodStart, sub.PeriodEnd, now, sub.worth, sub.Paid, sub.Price.Minor, newPrice)
	if err != nil {
		return Subscription{}, err
	}
	update := func(ctx context.Context, tx execer, t int64) error {
		return guarded(ctx, tx, "the subscription", `UPDATE billing_subscriptions SET plan_id = $2, version = $3, price = $4, worth = $5, paid = paid + $6,
			next_plan_id = '', updated_at = $7 WHERE id = $1 AND status = 'active' AND plan_id = $8 AND period_no = $9 AND anchor_at = $10 AND paid = $11 AND worth = $12
			AND seats = $13`,
			sub.ID, plan.ID, plan.Version, newPrice, worth, due, t, sub.PlanID, sub.PeriodNo, sub.Anchor.UnixNano(), sub.Paid, sub.worth, sub.Seats)
	}
	if due == 0 {
		if err := s.db.Write(ctx, func(tx *sql.Tx) error { return update(ctx, tx, now.UnixNano()) }); err != nil {
			return Subscription{}, err
		}
		s.afterChange(ctx, userID, sub.Product)
		return s.Subscription(ctx, userID, subID)
	}
	a := chargeArgs{kind: movement.SubscriptionUpgrade, chargeKind: "upgrade", actor: userID, key: key, fp: fp, userID: userID, subID: sub.ID,
		cardID: sub.CardID, plan: plan, amount: due, start: now, end: sub.PeriodEnd, note: "upgrade to " + plan.Name,
		update: func(ctx context.Context, tx *movement.Tx) error { return update(ctx, tx.SQL, tx.Now().UnixNano()) }}
	if _, err := s.charge(ctx, a); err != nil {
		return Subscription{}, fmt.Errorf("upgrade: %w", reused(err, "another request"))
	}
	s.afterChange(ctx, userID, sub.Product)
	return s.Subscription(ctx, userID, subID)
}

// Cancel ends a subscription at the end of its period: access stays until
// then and nothing more is charged. A past-due subscription ends at its
// next retry instead of being charged. Only the subscriber may call it.
// Errors: NotFound; Conflict when it has ended or lapsed already.
func (s *Service) Cancel(ctx context.Context, userID, subID string) (Subscription, error) {
	return s.setCancel(ctx, userID, subID, 1)
}

// Resume undoes Cancel before the period ends. Only the subscriber may
// call it. Errors: NotFound; Conflict when it has ended or lapsed already.
func (s *Service) Resume(ctx context.Context, userID, subID string) (Subscription, error) {
	return s.setCancel(ctx, userID, subID, 0)
}

func (s *Service) setCancel(ctx context.Context, userID, subID string, cancel int) (Subscription, error) {
	sub, err := s.Subscription(ctx, userID, subID)
	if err != nil {
		return Subscription{}, err
	}
	if sub.Status != Active && sub.Status != PastDue {
		return Subscription{}, nestegg.Errorf(nestegg.Conflict, "the subscription has %s; subscribe again instead", statusWords(sub.Status))
	}
	err = s.db.Write(ctx, func(tx *sql.Tx) error {
		return guarded(ctx, tx, "the subscription", `UPDATE billing_subscriptions SET cancel_at_end = $2, updated_at = $3
			WHERE id = $1 AND status IN ('active', 'past_due') AND period_no = $4 AND anchor_at = $5`,
			subID, cancel, s.now().UnixNano(), sub.PeriodNo, sub.Anchor.UnixNano())
	})
	if err != nil {
		return Subscription{}, err
	}
	return s.Subscription(ctx, userID, subID)
}

// SetCard changes how a subscription pays: one of the member's saved
// cards, or "" for the wallet. Only the subscriber may call it. Errors:
// NotFound (Param "subscription_id", "card_id"); Unavailable when cards
// are off.
func (s *Service) SetCard(ctx context.Context, userID, subID, cardID string) (Subscription, error) {
	sub, err := s.Subscription(ctx, userID, subID)
	if err != nil {
		return Subscription{}, err
	}
	if err := s.checkCard(ctx, userID, cardID); err != nil {
		return Subscription{}, err
	}
	err = s.db.Write(ctx, func(tx *sql.Tx) error {
		return guarded(ctx, tx, "the subscription", "UPDATE billing_subscriptions SET card_id = $2, updated_at = $3 WHERE id = $1 AND updated_at = $4",
			subID, cardID, s.now().UnixNano(), sub.UpdatedAt.UnixNano())
	})
	if err != nil {
		return Subscription{}, err
	}
	return s.Subscription(ctx, userID, subID)
}

// statusWords says a status in words.
func statusWords(st Status) string {
	switch st {
	case Active:
		return "active"
	case PastDue:
		return "past due"
	case Lapsed:
		return "lapsed"
	}
	return "ended"
}

// Quote is what subscribing to a plan, or changing to it, would do now.
type Quote struct {
	Plan Plan
	// Now is charged at once: the first period's price, or an upgrade's
	// prorated part (0 when the change waits for the period's end).
	Now money.Amount
	// AtOnce: the plan applies now; otherwise from From.
	AtOnce bool
	From   time.Time
	// Renews is when the next charge after this would fall.
	Renews time.Time
	// Current is the subscription changed ("" ID when subscribing anew).
	Current Subscription
}

// Quote says what Subscribe or ChangePlan would do for userID and planID
// now, without doing it, for confirmation pages. Errors: Subscribe's and
// ChangePlan's refusals that need no money (NotFound, Invalid, Conflict).
func (s *Service) Quote(ctx context.Context, userID, planID string) (Quote, error) {
	plan, err := s.Plan(ctx, planID)
	if err != nil {
		return Quote{}, err
	}
	if !plan.Active {
		return Quote{}, nestegg.ParamErrorf(nestegg.Conflict, "plan_id", "%s is no longer offered", plan.Name)
	}
	if plan.OwnerID == userID {
		return Quote{}, nestegg.ParamErrorf(nestegg.Invalid, "plan_id", "you can't subscribe to yourself")
	}
	now := s.now()
	if err := s.checkProduct(ctx, userID, plan); err != nil {
		return Quote{}, err
	}
	q := Quote{Plan: plan, Now: plan.Price, AtOnce: true, From: now, Renews: Bound(now, plan.Period, 1)}
	sub, ok, err := s.ForProduct(ctx, userID, plan.Product)
	if err != nil || !ok {
		return q, err
	}
	if sub.Status == Lapsed || sub.Status == Ended {
		seats := sub.Seats
		if sub.NextSeats >= 0 {
			seats = sub.NextSeats
		}
		q.Now.Minor, err = periodPrice(plan, seats)
		return q, err
	}
	q.Current = sub
	if sub.Status == PastDue {
		return Quote{}, nestegg.ParamErrorf(nestegg.Conflict, "plan_id", "your last renewal failed; pay now to restore it")
	}
	if plan.ID == sub.PlanID {
		return Quote{}, nestegg.ParamErrorf(nestegg.Conflict, "plan_id", "you are on %s already", plan.Name)
	}
	cur, err := s.Plan(ctx, sub.PlanID)
	if err != nil {
		return Quote{}, err
	}
	q.Renews = sub.PeriodEnd
	newPrice, err := periodPrice(plan, sub.Seats)
	if err != nil {
		return Quote{}, err
	}
	if plan.Period != cur.Period || newPrice <= sub.Price.Minor || plan.Price.Asset.Code != sub.Price.Asset.Code {
		q.AtOnce, q.From, q.Now.Minor = false, sub.PeriodEnd, 0
		return q, nil
	}
	_, due, err := Upgrade(sub.PeriodStart, sub.PeriodEnd, now, sub.worth, sub.Paid, sub.Price.Minor, newPrice)
	q.Now.Minor = due
	return q, err
}
