package billing

import (
	"context"
	"fmt"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/movement"
	"github.com/nestegg/nestegg/social"
)

// RefundInput is a staff refund of one charge.
type RefundInput struct {
	StaffID  string
	ChargeID string
	// Prorated gives back only the unused part of the time the charge paid
	// for (each part rounded down); otherwise all of it.
	Prorated       bool
	Reason         string
	IdempotencyKey string
}

// Refund gives a charge back to its subscriber, in one movement: the
// platform's part from deferred revenue as far as it is still deferred and
// from revenue for the rest, the creator's part from the creator's wallet;
// what is left deferred of the charge is recognized at once (the charge is
// closed). Refunding the charge of the current period ends the
// subscription now. The subscriber is told. Only staff may call it; a
// charge is refunded once.
//
// Errors: Forbidden for anyone but staff; NotFound (Param "charge_id");
// Conflict when refunded already or nothing is left to refund;
// InsufficientFunds when the creator's wallet cannot give their part back;
// IdempotencyMismatch.
func (s *Service) Refund(ctx context.Context, in RefundInput) (Charge, error) {
	if err := nestegg.CheckKey(in.IdempotencyKey); err != nil {
		return Charge{}, err
	}
	staff, err := s.social.Account(ctx, in.StaffID)
	if err != nil || staff.StaffRole == social.NoRole {
		return Charge{}, nestegg.Errorf(nestegg.Forbidden, "only staff refund subscriptions")
	}
	fp := nestegg.Fingerprint("refund", in.ChargeID, fmt.Sprint(in.Prorated))
	if prev, found, err := s.k.Find(ctx, in.StaffID, in.IdempotencyKey, fp); err != nil {
		return Charge{}, reused(err, "another refund")
	} else if found {
		return s.ChargeByID(ctx, prev.Reference)
	}
	c, err := s.ChargeByID(ctx, in.ChargeID)
	if err != nil {
		return Charge{}, err
	}
	if c.Refunded > 0 {
		return Charge{}, nestegg.ParamErrorf(nestegg.Conflict, "charge_id", "this charge was refunded already")
	}
	now := s.now()
	rp, rc := c.Platform, c.Amount.Minor-c.Platform
	if in.Prorated {
		if rp, err = unused(c.Platform, c.Start, c.End, now); err != nil {
			return Charge{}, err
		}
		if rc, err = unused(c.Amount.Minor-c.Platform, c.Start, c.End, now); err != nil {
			return Charge{}, err
		}
	}
	total := rp + rc
	if total == 0 {
		return Charge{}, nestegg.ParamErrorf(nestegg.Conflict, "charge_id", "the time this charge paid for is over: nothing is left to refund")
	}
	code := c.Amount.Asset.Code
	if err := s.ensureAccounts(ctx, code, c.UserID, c.CreatorID); err != nil {
		return Charge{}, err
	}
	fromDeferred := min(rp, c.DeferredLeft)
	fromRevenue := rp - fromDeferred
	rest := c.DeferredLeft - fromDeferred
	req := movement.Request{Kind: movement.SubscriptionRefund, ID: nestegg.NewID("rfd"), Reference: c.ID, Actor: in.StaffID, Key: in.IdempotencyKey,
		Fingerprint: fp, From: c.CreatorID, To: c.UserID, Asset: code, Amount: total, Note: in.Reason,
		Accounts: []string{walletID(c.UserID, code), deferredID(code), revenueID(code)}}
	if c.CreatorID != "" {
		req.Accounts = append(req.Accounts, walletID(c.CreatorID, code))
	}
	_, err = s.k.Move(ctx, req, func(ctx context.Context, tx *movement.Tx) error {
		if err := guarded(ctx, tx.SQL, "the charge", `UPDATE billing_charges SET refunded = $2, deferred_left = 0, recognized = recognized + $3
			WHERE id = $1 AND refunded = 0 AND deferred_left = $4 AND recognized = $5`, c.ID, total, rest, c.DeferredLeft, c.Recognized); err != nil {
			return err
		}
		if _, err := tx.SQL.ExecContext(ctx, `UPDATE billing_subscriptions SET status = 'ended', next_attempt_at = 0, updated_at = $3
			WHERE id = $1 AND status IN ('active', 'past_due') AND period_end = $2`, c.SubscriptionID, c.End.UnixNano(), tx.Now().UnixNano()); err != nil {
			return err
		}
		var ts []ledger.Transfer
		add := func(suffix, from, to string, amt int64) {
			if amt > 0 {
				ts = append(ts, ledger.Transfer{ID: tx.ID() + suffix, DebitAccountID: from, CreditAccountID: to, Amount: amt, Asset: code, Code: "subscription_refund"})
			}
		}
		add(":deferred", deferredID(code), walletID(c.UserID, code), fromDeferred)
		add(":revenue", revenueID(code), walletID(c.UserID, code), fromRevenue)
		if c.CreatorID != "" {
			add(":creator", walletID(c.CreatorID, code), walletID(c.UserID, code), rc)
		}
		add(":recognized", deferredID(code), revenueID(code), rest)
		for i := range ts[:len(ts)-1] {
			ts[i].Linked = true
		}
		if _, err := tx.Submit(ctx, ts...); err != nil {
			return err
		}
		return s.notify(ctx, tx.SQL, c.UserID, NotifyRefund, "", fmt.Sprintf("We refunded %s of your subscription charge of %s to your wallet.",
			money.Format(amount(code, total)), money.Format(c.Amount)))
	})
	if err != nil {
		return Charge{}, fmt.Errorf("refund: %w", reused(err, "another refund"))
	}
	if sub, err := s.sub(ctx, s.db.Reader(), c.SubscriptionID); err == nil {
		s.afterChange(ctx, c.UserID, sub.Product)
	}
	return s.ChargeByID(ctx, c.ID)
}
