package billing

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/funding"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/movement"
)

// chargeArgs is one charge for a subscription.
type chargeArgs struct {
	kind       movement.Kind
	chargeKind string // start, renewal, upgrade (seats added are one)
	actor, key string
	fp         string
	userID     string
	subID      string
	cardID     string
	plan       Plan
	amount     int64
	start, end time.Time // the time it pays for
	note       string
	// seats: an upgrade that adds seats (its receipt says so).
	seats bool
	// update makes the subscription's change, guarded by the state it
	// expects, in the charge's transaction.
	update func(ctx context.Context, tx *movement.Tx) error
}

// charge takes a.amount for a subscription in one movement: the
// subscription's change, the charge's row, the transfers and the receipt
// commit together or not at all. A subscription that pays by card is
// first topped up from the card (funding's card top-up, its fee on top,
// under a key derived from the charge's), then charged from the wallet.
//
// Errors: the movement's (InsufficientFunds, Forbidden for a denial,
// Conflict when the subscription changed meanwhile); Conflict (Param
// "card_id") for a declined card; Unavailable when the card's processor did
// not answer.
func (s *Service) charge(ctx context.Context, a chargeArgs) (movement.Result, error) {
	code := a.plan.Price.Asset.Code
	creator := ""
	if a.plan.OwnerID != PlatformOwner {
		creator = a.plan.OwnerID
	}
	if err := s.ensureAccounts(ctx, code, a.userID, creator); err != nil {
		return movement.Result{}, err
	}
	platform := a.amount
	var fee int64
	if creator != "" {
		var err error
		if fee, err = money.MulDivBps(a.amount, s.cfg.CreatorCutBps); err != nil {
			return movement.Result{}, err
		}
		platform = fee
	}
	if a.cardID != "" {
		if err := s.topUp(ctx, a); err != nil {
			return movement.Result{}, err
		}
	}
	id := nestegg.NewID("chg")
	req := movement.Request{Kind: a.kind, ID: id, Reference: a.subID, Actor: a.actor, Key: a.key, Fingerprint: a.fp,
		From: a.userID, To: creator, Asset: code, Amount: a.amount, Fee: fee, Note: a.note,
		Accounts: []string{walletID(a.userID, code), deferredID(code)}}
	if creator != "" {
		req.Accounts = append(req.Accounts, walletID(creator, code))
	}
	return s.k.Move(ctx, req, func(ctx context.Context, tx *movement.Tx) error {
		if err := a.update(ctx, tx); err != nil {
			return err
		}
		now := tx.Now()
		if _, err := tx.SQL.ExecContext(ctx, `INSERT INTO billing_charges (id, subscription_id, user_id, plan_id, creator_id, kind, asset, amount, platform,
			deferred_left, recognized, refunded, recog_start, recog_end, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, 0, 0, $10, $11, $12)`,
			id, a.subID, a.userID, a.plan.ID, creator, a.chargeKind, code, a.amount, platform, a.start.UnixNano(), a.end.UnixNano(), now.UnixNano()); err != nil {
			return err
		}
		var ts []ledger.Transfer
		if creator == "" {
			ts = []ledger.Transfer{{ID: id + ":pay", DebitAccountID: walletID(a.userID, code), CreditAccountID: deferredID(code), Amount: a.amount, Asset: code, Code: "subscription"}}
		} else {
			ts = []ledger.Transfer{{ID: id + ":pay", DebitAccountID: walletID(a.userID, code), CreditAccountID: walletID(creator, code), Amount: a.amount, Asset: code, Code: "subscription"}}
			if fee > 0 {
				ts[0].Linked = true
				ts = append(ts, ledger.Transfer{ID: id + ":fee", DebitAccountID: walletID(creator, code), CreditAccountID: deferredID(code), Amount: fee, Asset: code, Code: "subscription_fee"})
			}
		}
		if _, err := tx.Submit(ctx, ts...); err != nil {
			return err
		}
		text := fmt.Sprintf("Receipt: %s for %s, %s to %s.", money.Format(amount(code, a.amount)), a.plan.Name, day(a.start), day(a.end))
		if a.chargeKind == "upgrade" {
			text = fmt.Sprintf("Receipt: %s to upgrade to %s for the rest of the period, until %s.", money.Format(amount(code, a.amount)), a.plan.Name, day(a.end))
			if a.seats {
				text = fmt.Sprintf("Receipt: %s for %s for the rest of the period, until %s.", money.Format(amount(code, a.amount)), a.note, day(a.end))
			}
		}
		return s.notify(ctx, tx.SQL, a.userID, NotifyReceipt, creator, text)
	})
}

// topUp charges the subscription's card what the charge needs, into the
// wallet, under a key derived from the charge's: a retry charges once.
func (s *Service) topUp(ctx context.Context, a chargeArgs) error {
	f := s.cfg.Funding
	if f == nil {
		return nestegg.ParamErrorf(nestegg.Unavailable, "card_id", "paying with a card is not enabled on this server; pay from your wallet")
	}
	if f.Asset().Code != a.plan.Price.Asset.Code {
		return nestegg.ParamErrorf(nestegg.Invalid, "card_id", "cards pay in %s only; pay from your wallet", f.Asset().Code)
	}
	m, err := f.TopUp(movement.WithRecord(ctx, nil), a.userID, funding.TopUpInput{CardID: a.cardID, Amount: f.Money(a.amount),
		IdempotencyKey: "billing:" + nestegg.Fingerprint(a.actor, a.key)})
	if err != nil {
		return fmt.Errorf("card: %w", err)
	}
	switch m.Status {
	case funding.StatusSucceeded, funding.StatusSettled:
		return nil
	case funding.StatusPending:
		return nestegg.Errorf(nestegg.Unavailable, "the card processor did not answer; try again (you will be charged once)")
	case funding.StatusRequiresAction:
		return nestegg.ParamErrorf(nestegg.Conflict, "card_id", "your card's bank wants to confirm the payment: confirm the top-up in your wallet, or pay from your wallet")
	}
	reason := m.Reason
	if reason == "" {
		reason = "the card could not be charged"
	}
	return nestegg.ParamErrorf(nestegg.Conflict, "card_id", "%s; nothing was charged", reason)
}

// checkCard makes sure cardID ("" for the wallet) is one of userID's cards.
func (s *Service) checkCard(ctx context.Context, userID, cardID string) error {
	if cardID == "" {
		return nil
	}
	if s.cfg.Funding == nil {
		return nestegg.ParamErrorf(nestegg.Unavailable, "card_id", "paying with a card is not enabled on this server; pay from your wallet")
	}
	cards, err := s.cfg.Funding.Cards(ctx, userID)
	if err != nil {
		return err
	}
	for _, c := range cards {
		if c.ID == cardID {
			return nil
		}
	}
	return nestegg.ParamErrorf(nestegg.NotFound, "card_id", "choose one of your cards")
}

// guarded runs an UPDATE whose WHERE names the state it expects: Conflict
// when the row is not in it (another request or process changed it).
func guarded(ctx context.Context, tx execer, what, query string, args ...any) error {
	res, err := tx.ExecContext(ctx, query, args...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n != 1 {
		return nestegg.Errorf(nestegg.Conflict, "%s changed meanwhile; look again and retry", what)
	}
	return nil
}

func i64(n int64) string { return strconv.FormatInt(n, 10) }
