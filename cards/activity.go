package cards

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/rails"
)

// Activity is one line of a card's transactions as the member sees them: a
// purchase (pending until captured, or reversed, expired, declined) or a
// refund.
type Activity struct {
	ID       string
	Type     string // "purchase" or "refund"
	Merchant string
	Category string // the code; CategoryName reads it
	Amount   int64  // captured, else held, else requested (declined)
	Status   string // pending, captured, reversed, expired, declined; "refunded" for a refund
	Reason   string
	Cashback int64
	At       time.Time
}

// Activity returns the newest limit (at most 100) lines of userID's card,
// newest first. Errors: NotFound for a card not theirs.
func (s *Service) Activity(ctx context.Context, userID, cardID string, limit int) ([]Activity, error) {
	if _, err := s.Get(ctx, userID, cardID); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT id, 'purchase', merchant_name, merchant_category,
			CASE WHEN captured > 0 THEN captured WHEN held > 0 THEN held ELSE requested END, status, reason, created_at,
			COALESCE((SELECT SUM(cashback) FROM card_transactions t WHERE t.auth_id = a.id AND t.type = 'capture'), 0)
		FROM card_authorizations a WHERE card_id = $1
		UNION ALL
		SELECT id, 'refund', merchant_name, merchant_category, amount, 'refunded', '', created_at, 0 FROM card_transactions WHERE card_id = $1 AND type = 'refund'
		ORDER BY 8 DESC, 1 DESC LIMIT `+fmt.Sprint(limit), cardID)
	if err != nil {
		return nil, fmt.Errorf("card activity: %w", err)
	}
	defer rows.Close()
	out := []Activity{}
	for rows.Next() {
		var a Activity
		var at int64
		if err := rows.Scan(&a.ID, &a.Type, &a.Merchant, &a.Category, &a.Amount, &a.Status, &a.Reason, &at, &a.Cashback); err != nil {
			return nil, fmt.Errorf("card activity: %w", err)
		}
		a.At = time.Unix(0, at).UTC()
		out = append(out, a)
	}
	return out, rows.Err()
}

// Purchase is a simulated purchase a member asks for in sandbox mode.
type Purchase struct {
	Merchant string
	Category string // merchant category code; default 5812
	Amount   int64
	Channel  string // in_person (default), online, atm
	Partial  bool
}

// errNoSandbox refuses simulation outside sandbox mode.
var errNoSandbox = nestegg.Errorf(nestegg.Forbidden, "purchases are simulated only in sandbox mode")

// Simulate plays a merchant asking to authorize a purchase on userID's
// card, through the issuer (sandbox or test mode only): the issuer asks
// Nestegg (Authorize) as a network would. Errors: Forbidden outside
// sandbox mode; NotFound for a card not theirs; Invalid (Param
// "merchant", "category", "amount", "channel").
func (s *Service) Simulate(ctx context.Context, userID, cardID string, p Purchase) (rails.Authorization, error) {
	if s.cfg.Simulator == nil {
		return rails.Authorization{}, errNoSandbox
	}
	c, err := s.Get(ctx, userID, cardID)
	if err != nil {
		return rails.Authorization{}, err
	}
	p.Merchant = strings.TrimSpace(p.Merchant)
	if p.Merchant == "" || len(p.Merchant) > 80 {
		return rails.Authorization{}, nestegg.ParamErrorf(nestegg.Invalid, "merchant", "a merchant's name is 1 to 80 characters")
	}
	if p.Category == "" {
		p.Category = "5812"
	}
	if !mcc.MatchString(p.Category) {
		return rails.Authorization{}, nestegg.ParamErrorf(nestegg.Invalid, "category", "a merchant category code is four digits")
	}
	if p.Amount <= 0 || p.Amount > MaxLimit {
		return rails.Authorization{}, nestegg.ParamErrorf(nestegg.Invalid, "amount", "the amount must be greater than zero")
	}
	switch p.Channel {
	case "":
		p.Channel = rails.ChannelInPerson
	case rails.ChannelInPerson, rails.ChannelOnline, rails.ChannelATM:
	default:
		return rails.Authorization{}, nestegg.ParamErrorf(nestegg.Invalid, "channel", "the channel is in_person, online or atm")
	}
	return s.cfg.Simulator.SimulatePurchase(ctx, rails.Purchase{CardID: c.IssuerCardID, Merchant: rails.Merchant{Name: p.Merchant, Category: p.Category},
		Amount: p.Amount, Currency: c.Asset, Channel: p.Channel, PartialAllowed: p.Partial})
}

// SimulateCapture plays the merchant capturing userID's authorization for
// amount (0: as held), in sandbox mode. Errors: Forbidden outside sandbox
// mode; NotFound for an authorization not theirs; Conflict when it is not
// pending; Invalid for a negative amount.
func (s *Service) SimulateCapture(ctx context.Context, userID, authID string, amount int64) (rails.IssuingTransaction, error) {
	if s.cfg.Simulator == nil {
		return rails.IssuingTransaction{}, errNoSandbox
	}
	a, err := s.authorization(ctx, s.db.Reader(), authID)
	if err != nil || a.UserID != userID {
		return rails.IssuingTransaction{}, nestegg.ParamErrorf(nestegg.NotFound, "authorization", "no such authorization")
	}
	if amount < 0 || amount > MaxLimit {
		return rails.IssuingTransaction{}, nestegg.ParamErrorf(nestegg.Invalid, "amount", "the amount must not be negative")
	}
	if a.Status != StatusPending {
		return rails.IssuingTransaction{}, nestegg.Errorf(nestegg.Conflict, "the purchase is %s", a.Status)
	}
	return s.cfg.Simulator.SimulateCapture(ctx, authID, amount)
}
