package billing

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/money"
)

// ProductPremium is the operator's product: Premium and its tiers.
const ProductPremium = "premium"

// ProductOrganization is the operator's organization tier: a business's
// badge, with a price per affiliate seat.
const ProductOrganization = "organization"

// CreatorProduct is the product of a creator's tiers.
func CreatorProduct(creatorID string) string { return "creator:" + creatorID }

// Plan is something to subscribe to, at a price per period.
type Plan struct {
	ID      string
	Product string // ProductPremium or CreatorProduct(owner)
	OwnerID string // PlatformOwner or the creator
	Name    string
	// Rank orders a product's plans: a plan of a higher rank at a higher
	// price is an upgrade (at once, prorated); anything else applies at the
	// end of the period.
	Rank    int
	Period  Period
	Price   money.Amount // in force now
	Version int64        // of Price
	// SeatPrice is what each seat costs a period beside Price (the
	// organization tier's affiliates); zero for plans without seats. It
	// is not versioned: a change applies from each subscription's next
	// period.
	SeatPrice money.Amount
	// PostChars is a perk: how long a post the plan's subscribers may
	// write (0: the standard length). Premium's plans only.
	PostChars int
	Benefits  string
	Active    bool
	// Next is a price set but not yet in force, from NextAt; zero without.
	Next   money.Amount
	NextAt time.Time
}

// PlanInput makes a plan.
type PlanInput struct {
	Product string
	Name    string
	Rank    int
	Period  Period
	Price   money.Amount
	// SeatPrice (platform products only): see Plan.SeatPrice.
	SeatPrice int64
	// PostChars (Premium only): see Plan.PostChars.
	PostChars int
	Benefits  string
}

func (in PlanInput) check() error {
	in.Name = strings.TrimSpace(in.Name)
	switch {
	case in.Name == "" || utf8.RuneCountInString(in.Name) > MaxText:
		return nestegg.ParamErrorf(nestegg.Invalid, "name", "a plan's name is 1 to %d characters", MaxText)
	case utf8.RuneCountInString(in.Benefits) > MaxBenefits:
		return nestegg.ParamErrorf(nestegg.Invalid, "benefits", "benefits are at most %d characters", MaxBenefits)
	case !in.Period.valid():
		return nestegg.ParamErrorf(nestegg.Invalid, "period", "the period is month or year")
	case in.Rank < 0 || in.Rank > 100:
		return nestegg.ParamErrorf(nestegg.Invalid, "rank", "the rank is 0 to 100")
	case in.PostChars < 0 || in.PostChars > MaxPostChars:
		return nestegg.ParamErrorf(nestegg.Invalid, "post_chars", "a post's length is 0 (the standard) to %d characters", MaxPostChars)
	case in.SeatPrice < 0 || in.SeatPrice > MaxPrice:
		return nestegg.ParamErrorf(nestegg.Invalid, "seat_price", "a seat's price is zero to %s", money.Format(money.Amount{Asset: in.Price.Asset, Minor: MaxPrice}))
	}
	return checkPrice(in.Price)
}

func checkPrice(p money.Amount) error {
	if p.Minor <= 0 || p.Minor > MaxPrice {
		return nestegg.ParamErrorf(nestegg.Invalid, "price", "the price is more than zero and at most %s", money.Format(money.Amount{Asset: p.Asset, Minor: MaxPrice}))
	}
	if _, err := money.Lookup(p.Asset.Code); err != nil {
		return nestegg.ParamErrorf(nestegg.Invalid, "asset", "%s", nestegg.ErrorMessage(err))
	}
	return nil
}

// CreatePlan adds a plan owned by ownerID: PlatformOwner for the
// operator's product (the caller has checked it is the operator), or a
// creator for their own product (CreatorProduct(ownerID)). Its first price
// is in force at once. Errors: Invalid (Param "name", "benefits",
// "period", "rank", "price", "asset", "product"); Forbidden for a product
// that is not the owner's.
func (s *Service) CreatePlan(ctx context.Context, ownerID string, in PlanInput) (Plan, error) {
	if err := in.check(); err != nil {
		return Plan{}, err
	}
	if ownerID == "" {
		return Plan{}, nestegg.Errorf(nestegg.Forbidden, "sign in to make a plan")
	}
	if ownerID == PlatformOwner {
		if in.Product != ProductPremium && in.Product != ProductOrganization {
			return Plan{}, nestegg.ParamErrorf(nestegg.Invalid, "product", "the operator's products are %q and %q", ProductPremium, ProductOrganization)
		}
	} else if in.SeatPrice != 0 || in.PostChars != 0 {
		return Plan{}, nestegg.ParamErrorf(nestegg.Invalid, "seat_price", "only the operator's plans have seats and perks")
	} else if in.Product != CreatorProduct(ownerID) {
		return Plan{}, nestegg.ParamErrorf(nestegg.Forbidden, "product", "you make plans for your own subscriptions only")
	} else if err := s.checkCreatorPlan(ctx, ownerID); err != nil {
		return Plan{}, err
	}
	now := s.now()
	p := Plan{ID: nestegg.NewID("pln"), Product: in.Product, OwnerID: ownerID, Name: strings.TrimSpace(in.Name), Rank: in.Rank,
		Period: in.Period, Price: in.Price, Version: 1, Benefits: in.Benefits, Active: true,
		SeatPrice: money.Amount{Asset: in.Price.Asset, Minor: in.SeatPrice}, PostChars: in.PostChars}
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO billing_plans (id, product, owner_id, name, tier_rank, period, asset, benefits, active, seat_price, post_chars, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $10, $11, $11)`, p.ID, p.Product, p.OwnerID, p.Name, p.Rank, string(p.Period), p.Price.Asset.Code, p.Benefits,
			in.SeatPrice, in.PostChars, now.UnixNano()); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "INSERT INTO billing_prices (plan_id, version, amount, effective_at, created_at) VALUES ($1, 1, $2, $3, $3)",
			p.ID, p.Price.Minor, now.UnixNano())
		return err
	})
	if err != nil {
		return Plan{}, fmt.Errorf("create plan: %w", s.db.Translate(err))
	}
	return p, nil
}

// UpdatePlan changes a plan's name, benefits and whether new members may
// subscribe (a retired plan keeps its subscribers until they renew: then
// they end, told so). Only the plan's owner may call it. Errors: as
// CreatePlan; NotFound.
func (s *Service) UpdatePlan(ctx context.Context, ownerID, planID, name, benefits string, active bool) (Plan, error) {
	p, err := s.ownPlan(ctx, ownerID, planID)
	if err != nil {
		return Plan{}, err
	}
	in := PlanInput{Name: name, Benefits: benefits, Period: p.Period, Price: p.Price, Rank: p.Rank}
	if err := in.check(); err != nil {
		return Plan{}, err
	}
	act := 0
	if active {
		act = 1
		if !p.Active && p.OwnerID != PlatformOwner {
			if err := s.checkCreatorPlan(ctx, ownerID); err != nil {
				return Plan{}, err
			}
		}
	}
	err = s.db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "UPDATE billing_plans SET name = $2, benefits = $3, active = $4, updated_at = $5 WHERE id = $1",
			planID, strings.TrimSpace(name), benefits, act, s.now().UnixNano())
		return err
	})
	if err != nil {
		return Plan{}, fmt.Errorf("update plan: %w", err)
	}
	return s.Plan(ctx, planID)
}

// SetPrice sets a new price for a plan, in force for every period that
// starts PriceNotice from now or later; every subscriber of the plan is
// told now. Only the plan's owner may call it. Errors: Invalid (Param
// "price", "asset": the plan's asset only); NotFound; Forbidden.
func (s *Service) SetPrice(ctx context.Context, ownerID, planID string, price money.Amount) (Plan, error) {
	p, err := s.ownPlan(ctx, ownerID, planID)
	if err != nil {
		return Plan{}, err
	}
	if err := checkPrice(price); err != nil {
		return Plan{}, err
	}
	if price.Asset.Code != p.Price.Asset.Code {
		return Plan{}, nestegg.ParamErrorf(nestegg.Invalid, "asset", "this plan is priced in %s", p.Price.Asset.Code)
	}
	now := s.now()
	from := now.Add(s.cfg.PriceNotice)
	err = s.db.Write(ctx, func(tx *sql.Tx) error {
		var v int64
		if err := tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM billing_prices WHERE plan_id = $1", planID).Scan(&v); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO billing_prices (plan_id, version, amount, effective_at, created_at) VALUES ($1, $2, $3, $4, $5)",
			planID, v+1, price.Minor, from.UnixNano(), now.UnixNano()); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, "SELECT user_id FROM billing_subscriptions WHERE plan_id = $1 AND status IN ('active', 'past_due')", planID)
		if err != nil {
			return err
		}
		var users []string
		for rows.Next() {
			var u string
			if err := rows.Scan(&u); err != nil {
				rows.Close()
				return err
			}
			users = append(users, u)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		text := fmt.Sprintf("The price of %s changes from %s to %s a %s, from your first renewal on or after %s. You can change plan or cancel before then.",
			p.Name, money.Format(p.Price), money.Format(price), p.Period, day(from))
		for _, u := range users {
			if err := s.notify(ctx, tx, u, NotifyPrice, "", text); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Plan{}, fmt.Errorf("set price: %w", s.db.Translate(err))
	}
	return s.Plan(ctx, planID)
}

func (s *Service) ownPlan(ctx context.Context, ownerID, planID string) (Plan, error) {
	p, err := s.Plan(ctx, planID)
	if err != nil {
		return Plan{}, err
	}
	if ownerID == "" || p.OwnerID != ownerID {
		return Plan{}, nestegg.Errorf(nestegg.Forbidden, "only the plan's owner may change it")
	}
	return p, nil
}

const planCols = "id, product, owner_id, name, tier_rank, period, asset, benefits, active, seat_price, post_chars"

// Plan returns a plan with its price in force now. Anyone may call it.
// Errors: NotFound.
func (s *Service) Plan(ctx context.Context, id string) (Plan, error) {
	p, err := s.scanPlan(ctx, s.db.Reader().QueryRowContext(ctx, "SELECT "+planCols+" FROM billing_plans WHERE id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return Plan{}, nestegg.ParamErrorf(nestegg.NotFound, "plan_id", "no such plan")
	}
	return p, err
}

// Plans returns a product's plans by rank, with their prices in force;
// retired ones only with all. Anyone may call it.
func (s *Service) Plans(ctx context.Context, product string, all bool) ([]Plan, error) {
	rows, err := s.db.Reader().QueryContext(ctx, "SELECT "+planCols+" FROM billing_plans WHERE product = $1 ORDER BY tier_rank, period, id", product)
	if err != nil {
		return nil, fmt.Errorf("plans: %w", err)
	}
	var out []Plan
	for rows.Next() {
		p, err := s.scanPlanRow(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		if p.Active || all {
			out = append(out, p)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		if err := s.fillPrice(ctx, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

type scanner interface{ Scan(dest ...any) error }

func (s *Service) scanPlanRow(r scanner) (Plan, error) {
	var p Plan
	var period, code string
	var active int
	if err := r.Scan(&p.ID, &p.Product, &p.OwnerID, &p.Name, &p.Rank, &period, &code, &p.Benefits, &active, &p.SeatPrice.Minor, &p.PostChars); err != nil {
		return Plan{}, err
	}
	p.Period, p.Active, p.Price.Asset = Period(period), active == 1, asset(code)
	p.SeatPrice.Asset = p.Price.Asset
	return p, nil
}

func (s *Service) scanPlan(ctx context.Context, r scanner) (Plan, error) {
	p, err := s.scanPlanRow(r)
	if err != nil {
		return Plan{}, err
	}
	return p, s.fillPrice(ctx, &p)
}

// fillPrice sets the price in force now, and the next one if set.
func (s *Service) fillPrice(ctx context.Context, p *Plan) error {
	v, amt, err := priceAt(ctx, s.db.Reader(), p.ID, s.now())
	if err != nil {
		return err
	}
	p.Version, p.Price.Minor = v, amt
	var next, at int64
	err = s.db.Reader().QueryRowContext(ctx, "SELECT amount, effective_at FROM billing_prices WHERE plan_id = $1 AND version > $2 ORDER BY version DESC LIMIT 1",
		p.ID, v).Scan(&next, &at)
	if err == nil {
		p.Next, p.NextAt = money.Amount{Asset: p.Price.Asset, Minor: next}, fromNanos(at)
	} else if !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	return nil
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// priceAt is the plan's price version in force at t: the latest effective
// by then.
func priceAt(ctx context.Context, q querier, planID string, t time.Time) (version, amount int64, err error) {
	err = q.QueryRowContext(ctx, "SELECT version, amount FROM billing_prices WHERE plan_id = $1 AND effective_at <= $2 ORDER BY version DESC LIMIT 1",
		planID, t.UnixNano()).Scan(&version, &amount)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, nestegg.ParamErrorf(nestegg.NotFound, "plan_id", "the plan has no price yet")
	}
	return version, amount, err
}
