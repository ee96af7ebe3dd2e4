package payments

import (
	"context"
	"fmt"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/compliance"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/movement"
)

// PreviewInput is money a member is about to confirm: what a confirmation
// page shows.
type PreviewInput struct {
	FromUserID string // whose money leaves
	ToUserID   string // who receives it; "" when nobody does (coins bought)
	Kind       Kind   // KindSend, KindTip, KindAward, KindCoinBuy or KindRefund
	Amount     money.Amount
	// Movement, when set, names the movement kind to ask the checkpoint
	// about instead of Kind's (a red packet, a pledge).
	Movement movement.Kind
}

// Preview is what would happen if the member confirmed now.
type Preview struct {
	Available money.Amount // what the member can spend in the asset
	// HoldUntil, when set, is how long the checkpoint would hold the
	// payment (cooling-off), and HoldReason why.
	HoldUntil  time.Time
	HoldReason string
}

// Preview says, before a member confirms, whether the payment in would go
// through now, so that a confirmation page can say what is wrong instead
// of offering a button that can only fail: the member's available balance
// against the amount first, then the compliance checkpoint's read-only
// evaluation (compliance.Service.Preview: a frozen account, a limit, a
// hold) for the movement the payment would be. It reads only; the payment
// is decided again, on the state then, when it is made. Only FromUserID
// may call it.
//
// Errors: InsufficientFunds saying what the member has and what is needed;
// Forbidden with the checkpoint's reason when it would refuse; Invalid
// (Param "asset") for an asset not offered here; database failures.
func (s *Service) Preview(ctx context.Context, in PreviewInput) (Preview, error) {
	var pv Preview
	bal, err := s.Balance(ctx, in.FromUserID, in.Amount.Asset.Code)
	if err != nil {
		return pv, err
	}
	pv.Available = bal
	// The balance first: it is what the member sees and can fix at once.
	if bal.Minor < in.Amount.Minor {
		return pv, nestegg.Errorf(nestegg.InsufficientFunds, "you have %s; this needs %s", money.Format(bal), money.Format(in.Amount))
	}
	mk := movementKind(in.Kind)
	switch in.Kind {
	case KindCoinBuy:
		mk = movement.CoinBuy
	case KindRefund:
		mk = movement.Refund
	}
	if in.Movement != "" {
		mk = in.Movement
	}
	if info, ok := movement.Lookup(mk); ok && info.Check && s.comp != nil {
		d, err := s.comp.Preview(ctx, compliance.Movement{Kind: compliance.Kind(mk), Class: info.Class, Holdable: info.Holdable,
			FromUser: in.FromUserID, ToUser: in.ToUserID, Asset: in.Amount.Asset.Code, Amount: in.Amount.Minor})
		if err != nil {
			return pv, fmt.Errorf("preview: %w", err)
		}
		switch d.Outcome {
		case compliance.Deny:
			return pv, nestegg.Errorf(nestegg.Forbidden, "%s", d.Reason)
		case compliance.Hold:
			pv.HoldUntil, pv.HoldReason = d.HoldUntil, d.Reason
		}
	}
	return pv, nil
}
