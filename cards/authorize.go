package cards

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/movement"
	"github.com/nestegg/nestegg/payments"
	"github.com/nestegg/nestegg/rails"
	"github.com/nestegg/nestegg/store"
)

// Why an authorization is declined: the reasons the network hears.
const (
	ReasonUnknownCard   = "unknown_card"
	ReasonFrozen        = "card_frozen"
	ReasonCanceled      = "card_canceled"
	ReasonCurrency      = "currency_not_supported"
	ReasonOnline        = "online_disabled"
	ReasonATM           = "atm_disabled"
	ReasonCategory      = "category_blocked"
	ReasonPurchaseLimit = "over_purchase_limit"
	ReasonDailyLimit    = "over_daily_limit"
	ReasonFunds         = "insufficient_funds"
	ReasonCompliance    = "compliance"
	ReasonNotPending    = "authorization_not_pending"
)

// decline is a decision to decline, found inside a movement: it rolls the
// movement back and is answered as a decline.
type decline struct{ reason string }

func (d *decline) Error() string { return "declined: " + d.reason }

// Authorize decides an authorization request in real time (the
// rails.IssuingHandler the issuer asks). It declines, with a reason, a
// card that is unknown, frozen or canceled, a currency other than the
// card's, a channel or category the member turned off, an amount over the
// per-purchase or daily limit, more than the wallet holds (unless the
// merchant takes a partial approval: then it approves what the wallet
// holds), and what the compliance checkpoint denies (a frozen member, a
// tier's limits). An approval holds the amount in the ledger: a pending
// transfer wallet → card issuing, made by a movement through the kernel,
// so that concurrent authorizations never approve more than the wallet
// holds. The same request again (the issuer's retry) gets the same answer.
// Errors are failures to decide (the database), never declines.
func (s *Service) Authorize(ctx context.Context, req rails.AuthorizationRequest) (rails.Decision, error) {
	if req.Amount <= 0 || req.AuthorizationID == "" || len(req.AuthorizationID) > 100 {
		return rails.Decision{Reason: "invalid_request"}, nil
	}
	c, err := s.card(ctx, s.db.Reader(), "issuer_card_id", req.CardID)
	if nestegg.Is(err, nestegg.NotFound) {
		return rails.Decision{Reason: ReasonUnknownCard}, nil
	}
	if err != nil {
		return rails.Decision{}, err
	}
	if req.Incremental {
		return s.increment(ctx, c, req)
	}
	// The issuer's retry: answer what was answered.
	if a, err := s.authorization(ctx, s.db.Reader(), req.AuthorizationID); err == nil {
		if a.CardID != c.ID {
			return rails.Decision{Reason: ReasonUnknownCard}, nil
		}
		if a.Status == StatusDeclined {
			return rails.Decision{Reason: a.Reason}, nil
		}
		return rails.Decision{Approved: true, Amount: a.Held + a.Captured}, nil
	} else if !nestegg.Is(err, nestegg.NotFound) {
		return rails.Decision{}, err
	}
	amount, reason := s.precheck(ctx, c, req, req.Amount)
	if reason == "" {
		reason, err = s.hold(ctx, c, req, amount)
		if err != nil {
			return rails.Decision{}, err
		}
	}
	if reason != "" {
		if err := s.recordDecline(ctx, c, req, reason); err != nil {
			return rails.Decision{}, err
		}
		return rails.Decision{Reason: reason}, nil
	}
	return rails.Decision{Approved: true, Amount: amount}, nil
}

// precheck decides what it can from the card and the wallet as read now,
// outside any transaction: the controls, and how much to ask the ledger
// to hold (less than requested for a partial approval). The hold then
// decides again on the locked balance and the card's locked row.
func (s *Service) precheck(ctx context.Context, c Card, req rails.AuthorizationRequest, total int64) (int64, string) {
	switch {
	case c.Status == Frozen:
		return 0, ReasonFrozen
	case c.Status != Active:
		return 0, ReasonCanceled
	case !strings.EqualFold(req.Currency, c.Asset):
		return 0, ReasonCurrency
	case req.Channel == rails.ChannelOnline && !c.Controls.Online:
		return 0, ReasonOnline
	case req.Channel == rails.ChannelATM && !c.Controls.ATM:
		return 0, ReasonATM
	case slices.Contains(c.Controls.BlockedCategories, req.Merchant.Category):
		return 0, ReasonCategory
	case c.Controls.PerPurchase > 0 && total > c.Controls.PerPurchase:
		return 0, ReasonPurchaseLimit
	}
	if !req.PartialAllowed || req.Incremental {
		// The hold itself refuses more than the wallet holds: reading the
		// balance first would only cost a query on the hot path.
		return req.Amount, ""
	}
	w, err := s.ledger.Account(ctx, payments.WalletID(c.UserID, c.Asset))
	if err != nil {
		return 0, ReasonFunds
	}
	amount := req.Amount
	if avail := w.Balance(); amount > avail {
		if avail <= 0 {
			return 0, ReasonFunds
		}
		amount = avail
	}
	return amount, ""
}

// hold places the ledger hold for an approved amount in one movement,
// with the card's daily count and the authorization's row. It returns the
// reason when it declines after all (the balance, the limit or the card
// changed since precheck; the checkpoint denied).
func (s *Service) hold(ctx context.Context, c Card, req rails.AuthorizationRequest, amount int64) (string, error) {
	if err := s.ensure(ctx, c.UserID, c.Asset); err != nil {
		return "", err
	}
	wallet, issuing := payments.WalletID(c.UserID, c.Asset), ledger.PlatformID(c.Asset, KindIssuing)
	kind, key := movement.CardAuthorization, "auth:"+req.AuthorizationID
	if req.Incremental {
		kind, key = movement.CardIncrement, "inc:"+req.AuthorizationID+":"+strconv.FormatInt(req.Amount, 10)+":"+strconv.FormatInt(req.At.UnixNano(), 10)
	}
	fp := nestegg.Fingerprint(string(kind), c.ID, req.AuthorizationID, strconv.FormatInt(amount, 10))
	now := s.now()
	today := dayOf(now)
	mreq := movement.Request{Kind: kind, ID: nestegg.NewID("cmv"), Reference: req.AuthorizationID, Actor: c.UserID, Key: key, Fingerprint: fp,
		From: c.UserID, Asset: c.Asset, Amount: amount, Note: merchantNote(req.Merchant), Accounts: []string{wallet, issuing}}
	_, err := s.k.Move(ctx, mreq, func(ctx context.Context, tx *movement.Tx) error {
		// The daily count and the card's status, decided on the card's row
		// as this transaction locks it.
		r, err := tx.SQL.ExecContext(ctx, `UPDATE cards SET spent_day = $2, spent_today = (CASE WHEN spent_day = $2 THEN spent_today ELSE 0 END) + $3
			WHERE id = $1 AND status = 'active' AND (daily_limit = 0 OR (CASE WHEN spent_day = $2 THEN spent_today ELSE 0 END) + $3 <= daily_limit)`,
			c.ID, today, amount)
		if err != nil {
			return err
		}
		if n, err := r.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			var st string
			if err := tx.SQL.QueryRowContext(ctx, "SELECT status FROM cards WHERE id = $1", c.ID).Scan(&st); err != nil {
				return err
			}
			switch st {
			case Active:
				return &decline{ReasonDailyLimit}
			case Frozen:
				return &decline{ReasonFrozen}
			}
			return &decline{ReasonCanceled}
		}
		holdID := tx.ID() + ":hold"
		if _, err := tx.Submit(ctx, ledger.Transfer{ID: holdID, DebitAccountID: wallet, CreditAccountID: issuing, Amount: amount, Asset: c.Asset,
			Code: "card_hold", Pending: true}); err != nil {
			return err
		}
		if err := store.Insert(ctx, tx.SQL, s.db.Dialect, "card_holds", holdColumns, "", holdID, req.AuthorizationID, amount, now.UnixNano()); err != nil {
			return err
		}
		if req.Incremental {
			r, err := tx.SQL.ExecContext(ctx, `UPDATE card_authorizations SET held = held + $2, requested = requested + $3, updated_at = $4
				WHERE id = $1 AND status = 'pending'`, req.AuthorizationID, amount, req.Amount, now.UnixNano())
			if err != nil {
				return err
			}
			if n, err := r.RowsAffected(); err != nil {
				return err
			} else if n != 1 {
				return &decline{ReasonNotPending}
			}
			return nil
		}
		return store.Insert(ctx, tx.SQL, s.db.Dialect, "card_authorizations", authColumns, "",
			req.AuthorizationID, c.ID, c.UserID, c.Asset, req.Merchant.Name, req.Merchant.Category, req.Merchant.City, channel(req.Channel),
			req.Amount, amount, int64(0), StatusPending, "", today, now.Add(s.cfg.HoldWindow).UnixNano(), now.UnixNano(), now.UnixNano())
	})
	var d *decline
	switch {
	case err == nil:
		return "", nil
	case errors.As(err, &d):
		return d.reason, nil
	case errors.Is(err, movement.ErrDenied):
		return ReasonCompliance, nil
	case nestegg.Is(err, nestegg.InsufficientFunds):
		return ReasonFunds, nil
	}
	return "", fmt.Errorf("authorize %s: %w", req.AuthorizationID, err)
}

func channel(ch string) string {
	if ch == "" {
		return rails.ChannelInPerson
	}
	return ch
}

var holdColumns = []store.Column{{Name: "transfer_id", Type: "TEXT"}, {Name: "auth_id", Type: "TEXT"}, {Name: "amount", Type: "BIGINT"}, {Name: "created_at", Type: "BIGINT"}}

var authColumns = []store.Column{{Name: "id", Type: "TEXT"}, {Name: "card_id", Type: "TEXT"}, {Name: "user_id", Type: "TEXT"}, {Name: "asset", Type: "TEXT"},
	{Name: "merchant_name", Type: "TEXT"}, {Name: "merchant_category", Type: "TEXT"}, {Name: "merchant_city", Type: "TEXT"}, {Name: "channel", Type: "TEXT"},
	{Name: "requested", Type: "BIGINT"}, {Name: "held", Type: "BIGINT"}, {Name: "captured", Type: "BIGINT"}, {Name: "status", Type: "TEXT"},
	{Name: "reason", Type: "TEXT"}, {Name: "day", Type: "BIGINT"}, {Name: "expires_at", Type: "BIGINT"}, {Name: "created_at", Type: "BIGINT"},
	{Name: "updated_at", Type: "BIGINT"}}

// increment decides more on a pending authorization: the controls and the
// balance for the added amount, the per-purchase limit for the total.
func (s *Service) increment(ctx context.Context, c Card, req rails.AuthorizationRequest) (rails.Decision, error) {
	a, err := s.authorization(ctx, s.db.Reader(), req.AuthorizationID)
	if nestegg.Is(err, nestegg.NotFound) || (err == nil && a.CardID != c.ID) {
		return rails.Decision{Reason: ReasonNotPending}, nil
	}
	if err != nil {
		return rails.Decision{}, err
	}
	if a.Status != StatusPending {
		return rails.Decision{Reason: ReasonNotPending}, nil
	}
	req.Channel, req.Merchant = a.Channel, rails.Merchant{Name: a.Merchant, Category: a.Category, City: a.City}
	req.PartialAllowed = false
	amount, reason := s.precheck(ctx, c, req, a.Held+req.Amount)
	if reason == "" {
		if reason, err = s.hold(ctx, c, req, amount); err != nil {
			return rails.Decision{}, err
		}
	}
	if reason != "" {
		return rails.Decision{Reason: reason}, nil
	}
	return rails.Decision{Approved: true, Amount: amount}, nil
}

// recordDecline keeps a declined authorization, so that the member sees it
// and the issuer's retry gets the same answer.
func (s *Service) recordDecline(ctx context.Context, c Card, req rails.AuthorizationRequest, reason string) error {
	now := s.now()
	err := s.db.Write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO card_authorizations (id, card_id, user_id, asset, merchant_name, merchant_category, merchant_city, channel,
			requested, held, captured, status, reason, day, expires_at, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0, 0, 'declined', $10, $11, 0, $12, $12) ON CONFLICT (id) DO NOTHING`,
			req.AuthorizationID, c.ID, c.UserID, c.Asset, req.Merchant.Name, req.Merchant.Category, req.Merchant.City, channel(req.Channel),
			req.Amount, reason, dayOf(now), now.UnixNano())
		return err
	})
	if err != nil {
		return fmt.Errorf("record decline: %w", err)
	}
	return nil
}

// merchantNote is how a card movement names its merchant in statements.
func merchantNote(m rails.Merchant) string {
	n := strings.TrimSpace(m.Name)
	if n == "" {
		n = "Card merchant"
	}
	if r := []rune(n); len(r) > 80 {
		n = string(r[:80])
	}
	if cat := CategoryName(m.Category); cat != "" {
		n += " · " + cat
	}
	return n
}
