package billing

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/money"
)

// Status is a subscription's state.
type Status string

// The statuses.
const (
	Active  Status = "active"   // paid for the current period
	PastDue Status = "past_due" // a renewal failed: in the grace period, retried; access stays
	Lapsed  Status = "lapsed"   // the last retry failed: no access; Subscribe restores it
	Ended   Status = "ended"    // cancelled (at a period's end) or refunded: no access
)

// Subscription is a member's subscription to one product.
type Subscription struct {
	ID       string
	UserID   string
	Product  string
	PlanID   string
	PlanName string
	Status   Status
	// Price is what the current period costs (Version of the plan's
	// price; an upgrade during the period changes it).
	Price   money.Amount
	Version int64
	// CardID is the saved card renewals charge; "" pays from the wallet.
	CardID string
	// The current period, the PeriodNo-th from Anchor.
	Anchor      time.Time
	PeriodNo    int
	PeriodStart time.Time
	PeriodEnd   time.Time
	// Paid is what was charged for the current period.
	Paid int64
	// CancelAtEnd: the subscription ends at PeriodEnd instead of renewing.
	CancelAtEnd bool
	// NextPlanID is a plan change that applies at PeriodEnd ("" for none).
	NextPlanID string
	// Seats is how many seats the current period pays for (plans with a
	// seat price); NextSeats a lower number from PeriodEnd, -1 for none.
	Seats, NextSeats int
	// Attempts is how many renewals of this period failed; NextAttemptAt
	// when the next charge is due (the period's end, or a retry).
	Attempts      int
	NextAttemptAt time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time

	worth int64
}

// Access reports whether the subscriber has what the subscription gives
// at t: while active (until the period's end when cancelled) and during
// the grace period of a failed renewal.
func (s Subscription) Access(t time.Time) bool {
	switch s.Status {
	case PastDue:
		return true
	case Active:
		return !s.CancelAtEnd || t.Before(s.PeriodEnd)
	}
	return false
}

// NextCharge is when the next charge is due and what it is expected to be
// (the plan's price then may differ: see Plan.Next); zero when none is.
func (s Subscription) NextCharge() time.Time {
	if s.CancelAtEnd || (s.Status != Active && s.Status != PastDue) {
		return time.Time{}
	}
	return s.NextAttemptAt
}

const subCols = `s.id, s.user_id, s.product, s.plan_id, p.name, s.version, s.asset, s.price, s.status, s.card_id, s.anchor_at, s.period_no,
	s.period_start, s.period_end, s.paid, s.worth, s.cancel_at_end, s.next_plan_id, s.attempts, s.next_attempt_at, s.created_at, s.updated_at, s.seats, s.next_seats`

const subFrom = " FROM billing_subscriptions s JOIN billing_plans p ON p.id = s.plan_id"

func scanSub(r scanner) (Subscription, error) {
	var s Subscription
	var code, status string
	var anchor, start, end, next, created, updated int64
	var cancel int
	err := r.Scan(&s.ID, &s.UserID, &s.Product, &s.PlanID, &s.PlanName, &s.Version, &code, &s.Price.Minor, &status, &s.CardID, &anchor, &s.PeriodNo,
		&start, &end, &s.Paid, &s.worth, &cancel, &s.NextPlanID, &s.Attempts, &next, &created, &updated, &s.Seats, &s.NextSeats)
	if err != nil {
		return Subscription{}, err
	}
	s.Price.Asset, s.Status, s.CancelAtEnd = asset(code), Status(status), cancel == 1
	s.Anchor, s.PeriodStart, s.PeriodEnd, s.NextAttemptAt = fromNanos(anchor), fromNanos(start), fromNanos(end), fromNanos(next)
	s.CreatedAt, s.UpdatedAt = fromNanos(created), fromNanos(updated)
	return s, nil
}

func (s *Service) sub(ctx context.Context, q querier, id string) (Subscription, error) {
	sub, err := scanSub(q.QueryRowContext(ctx, "SELECT "+subCols+subFrom+" WHERE s.id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return Subscription{}, nestegg.ParamErrorf(nestegg.NotFound, "subscription_id", "no such subscription")
	}
	if err != nil {
		return Subscription{}, fmt.Errorf("subscription: %w", err)
	}
	return sub, nil
}

// Subscription returns one of userID's subscriptions. Only its subscriber
// may call it. Errors: NotFound (also for another member's).
func (s *Service) Subscription(ctx context.Context, userID, id string) (Subscription, error) {
	sub, err := s.sub(ctx, s.db.Reader(), id)
	if err != nil {
		return Subscription{}, err
	}
	if sub.UserID != userID {
		return Subscription{}, nestegg.ParamErrorf(nestegg.NotFound, "subscription_id", "no such subscription")
	}
	return sub, nil
}

// Subscriptions returns userID's subscriptions, every status, newest
// first. Only userID may call it.
func (s *Service) Subscriptions(ctx context.Context, userID string) ([]Subscription, error) {
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT "+subCols+subFrom+" WHERE s.user_id = $1 ORDER BY s.created_at DESC, s.id DESC", userID)
	if err != nil {
		return nil, fmt.Errorf("subscriptions: %w", err)
	}
	defer rows.Close()
	var out []Subscription
	for rows.Next() {
		sub, err := scanSub(rows)
		if err != nil {
			return nil, fmt.Errorf("subscriptions: %w", err)
		}
		out = append(out, sub)
	}
	return out, rows.Err()
}

// ForProduct returns userID's subscription to product, and whether there
// is one (in any status). Any trusted code may call it (Premium's check,
// a creator's locked posts).
func (s *Service) ForProduct(ctx context.Context, userID, product string) (Subscription, bool, error) {
	sub, err := scanSub(s.db.Reader().QueryRowContext(ctx, "SELECT "+subCols+subFrom+" WHERE s.user_id = $1 AND s.product = $2", userID, product))
	if errors.Is(err, sql.ErrNoRows) {
		return Subscription{}, false, nil
	}
	if err != nil {
		return Subscription{}, false, fmt.Errorf("subscription: %w", err)
	}
	return sub, true, nil
}

// Access returns the plan userID has access to in product now, and
// whether there is one (see Subscription.Access).
func (s *Service) Access(ctx context.Context, userID, product string) (Subscription, bool, error) {
	if userID == "" {
		return Subscription{}, false, nil
	}
	sub, ok, err := s.ForProduct(ctx, userID, product)
	if err != nil || !ok {
		return Subscription{}, false, err
	}
	return sub, sub.Access(s.now()), nil
}

// Subscribers counts product's subscribers with access now, by plan id.
// Any trusted code may call it.
func (s *Service) Subscribers(ctx context.Context, product string) (map[string]int, error) {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT plan_id, COUNT(*) FROM billing_subscriptions WHERE product = $1
		AND (status = 'past_due' OR (status = 'active' AND (cancel_at_end = 0 OR period_end > $2))) GROUP BY plan_id`, product, s.now().UnixNano())
	if err != nil {
		return nil, fmt.Errorf("subscribers: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		out[id] = n
	}
	return out, rows.Err()
}

// Charge is one charge for a subscription: a receipt.
type Charge struct {
	ID             string
	SubscriptionID string
	UserID         string
	PlanID         string
	CreatorID      string // "" for the operator's plans
	Kind           string // start, renewal, upgrade
	Amount         money.Amount
	// Platform is the platform's part (deferred, then recognized);
	// Amount − Platform went to the creator.
	Platform     int64
	DeferredLeft int64
	Recognized   int64
	Refunded     int64
	// Start and End are the time the charge paid for.
	Start, End time.Time
	CreatedAt  time.Time
}

const chargeCols = "id, subscription_id, user_id, plan_id, creator_id, kind, asset, amount, platform, deferred_left, recognized, refunded, recog_start, recog_end, created_at"

func scanCharge(r scanner) (Charge, error) {
	var c Charge
	var code string
	var start, end, created int64
	if err := r.Scan(&c.ID, &c.SubscriptionID, &c.UserID, &c.PlanID, &c.CreatorID, &c.Kind, &code, &c.Amount.Minor, &c.Platform, &c.DeferredLeft,
		&c.Recognized, &c.Refunded, &start, &end, &created); err != nil {
		return Charge{}, err
	}
	c.Amount.Asset, c.Start, c.End, c.CreatedAt = asset(code), fromNanos(start), fromNanos(end), fromNanos(created)
	return c, nil
}

// Receipts returns userID's charges, newest first, at most limit (1 to
// 500). Only userID (or staff) may call it.
func (s *Service) Receipts(ctx context.Context, userID string, limit int) ([]Charge, error) {
	return s.charges(ctx, "user_id = $1", userID, limit)
}

// CreatorCharges returns the charges for creatorID's plans, newest
// first: their subscription income. Only the creator may call it.
func (s *Service) CreatorCharges(ctx context.Context, creatorID string, limit int) ([]Charge, error) {
	return s.charges(ctx, "creator_id = $1", creatorID, limit)
}

func (s *Service) charges(ctx context.Context, where, arg string, limit int) ([]Charge, error) {
	if limit <= 0 || limit > 500 {
		limit = 500
	}
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT "+chargeCols+" FROM billing_charges WHERE "+where+" ORDER BY created_at DESC, id DESC LIMIT $2", arg, limit)
	if err != nil {
		return nil, fmt.Errorf("charges: %w", err)
	}
	defer rows.Close()
	var out []Charge
	for rows.Next() {
		c, err := scanCharge(rows)
		if err != nil {
			return nil, fmt.Errorf("charges: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// ChargeByID returns one charge. Any trusted code may call it (staff
// pages check the role). Errors: NotFound.
func (s *Service) ChargeByID(ctx context.Context, id string) (Charge, error) {
	c, err := scanCharge(s.db.Reader().QueryRowContext(ctx, "SELECT "+chargeCols+" FROM billing_charges WHERE id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return Charge{}, nestegg.ParamErrorf(nestegg.NotFound, "charge_id", "no such charge")
	}
	return c, err
}
