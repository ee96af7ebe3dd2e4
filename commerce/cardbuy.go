package commerce

import (
	"context"
	"errors"
	"fmt"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/funding"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/movement"
)

// CardBuy is what BuyWithCard did. Exactly one of these holds: Order is
// set (paid: the card charged into the wallet, the order taken from it);
// TopUp is declined (Reason, and the processor's code in ReturnCode:
// nothing was charged, nothing bought); TopUp requires action (the card's
// bank wants 3-D Secure: confirm the top-up, then retry with the same
// idempotency key to finish the order).
type CardBuy struct {
	Order Order
	// TopUp is the card charge into the buyer's wallet (package
	// funding's movement), its fee included.
	TopUp funding.Movement
}

// Paid reports whether the order was taken.
func (b CardBuy) Paid() bool { return b.Order.ID != "" }

// CardBuyInput is a one-tap buy paid with a saved card.
type CardBuyInput struct {
	BuyInput
	CardID string // one of the buyer's linked cards (funding.Card.ID)
	// CardFee, when set, is the card fee the buyer was shown (CardFee):
	// a different fee in force is refused (Conflict, Param "card_fee"),
	// not charged.
	CardFee *money.Amount
}

// CardFee is what paying price with a saved card costs on top of price:
// package funding's top-up fee, as the operator configured it. Errors:
// Unavailable when card buys are off; Invalid (Param "card_id") for a
// price not in the card rail's asset.
func (s *Service) CardFee(price money.Amount) (money.Amount, error) {
	f := s.cfg.Funding
	if f == nil {
		return money.Amount{}, nestegg.Errorf(nestegg.Unavailable, "paying with a card is not enabled on this server")
	}
	if price.Asset.Code != f.Asset().Code {
		return money.Amount{}, nestegg.ParamErrorf(nestegg.Invalid, "card_id", "cards pay in %s only; pay %s from your wallet", f.Asset().Code, price.Asset.Code)
	}
	fee, err := f.TopUpFee(price.Minor)
	if err != nil {
		return money.Amount{}, err
	}
	return f.Money(fee), nil
}

// BuyWithCard is Buy paid with a saved card, in one logical operation:
//
//  1. check that the order can be taken (offer live, variant, stock);
//  2. charge the card the price plus CardFee into the buyer's wallet
//     (funding's card top-up, under a key derived from the buy's, so a
//     retry charges once);
//  3. take the order from the wallet exactly as Buy does.
//
// A decline or a 3-D Secure request stops at 2: no order, no stock, and
// for a decline no money (see CardBuy). Stock is not reserved during the
// charge: should the last unit sell in between, or the order fail for any
// other reason after the charge, the money stays in the buyer's wallet and
// the error says so. A retry with the same key does not charge again and
// takes the order if it can by then.
//
// Only BuyerID may call it. Errors: Buy's; Unavailable when card buys are
// off or the processor does not answer (retry with the same key);
// NotFound (Param "card_id"); Conflict (Param "card_fee") when the fee
// changed; Invalid (Param "card_id") when the price is beyond what a card
// may pay.
func (s *Service) BuyWithCard(ctx context.Context, in CardBuyInput) (CardBuy, error) {
	if err := nestegg.CheckKey(in.IdempotencyKey); err != nil {
		return CardBuy{}, err
	}
	if s.cfg.Funding == nil {
		return CardBuy{}, nestegg.Errorf(nestegg.Unavailable, "paying with a card is not enabled on this server")
	}
	if in.CardID == "" {
		return CardBuy{}, nestegg.ParamErrorf(nestegg.NotFound, "card_id", "choose one of your cards")
	}
	off, a, err := s.buyArgs(ctx, in.BuyInput)
	if err != nil {
		return CardBuy{}, err
	}
	a.card = in.CardID
	price := off.Product.Price
	if _, err := s.CardFee(price); err != nil {
		return CardBuy{}, err
	}
	// A key used before: the same buy answers with its order (its top-up
	// was charged once and is not charged again); another purchase, or a
	// denied one, is refused before any charge.
	if prev, found, err := s.previousOrder(ctx, a); err != nil {
		return CardBuy{}, err
	} else if found {
		price = prev.Amount
	} else {
		p, req, err := s.prepare(ctx, s.db.Reader(), a)
		if err != nil {
			return CardBuy{}, err
		}
		if !p.Active || p.Stock < 1 {
			return CardBuy{}, nestegg.Errorf(nestegg.Conflict, "%s is sold out", p.Title)
		}
		if err := s.ask(ctx, req); err != nil {
			return CardBuy{}, err
		}
		price = p.Price
	}
	// The caller's record of this request (the API's Idempotency-Key,
	// movement.WithRecord) is the purchase's, not the top-up's: the top-up
	// has a key of its own, and a buy that stops at the card (a decline,
	// 3-D Secure) is answered with what the card said.
	m, err := s.cfg.Funding.TopUp(movement.WithRecord(ctx, nil), a.buyer, funding.TopUpInput{CardID: in.CardID, Amount: price, Fee: in.CardFee,
		IdempotencyKey: "commerce-buy:" + nestegg.Fingerprint(a.key)})
	if err != nil {
		return CardBuy{}, cardError(err)
	}
	b := CardBuy{TopUp: m}
	switch m.Status {
	case funding.StatusSucceeded, funding.StatusSettled:
	case funding.StatusDeclined, funding.StatusRequiresAction:
		return b, nil
	case funding.StatusPending:
		return b, nestegg.Errorf(nestegg.Unavailable, "the card processor did not answer; try again with the same key (you will be charged once)")
	default:
		reason := m.Reason
		if reason == "" {
			reason = "the card could not be charged"
		}
		return b, nestegg.ParamErrorf(nestegg.Conflict, "card_id", "%s; nothing was charged", reason)
	}
	if b.Order, err = s.takeOrder(ctx, a); err != nil {
		return b, inWallet(err, m)
	}
	return b, nil
}

// ask puts the purchase req to the checkpoint and goes no further, so that
// a purchase the checkpoint refuses (a spending limit, cooling-off) is
// refused before the card is charged, not after. A denial is on record
// (its audit row) and returned as Forbidden; an allowed purchase leaves
// no trace, and the real one asks again when it runs.
func (s *Service) ask(ctx context.Context, req movement.Request) error {
	_, err := s.k.Move(ctx, req, func(context.Context, *movement.Tx) error { return errAsked })
	if errors.Is(err, errAsked) {
		return nil
	}
	return err
}

// errAsked rolls back a movement that only asked the checkpoint.
var errAsked = errors.New("commerce: only asking the checkpoint")

// cardError renames funding's fields to the buy's.
func cardError(err error) error {
	var e *nestegg.Error
	if !errors.As(err, &e) {
		return fmt.Errorf("buy with card: %w", err)
	}
	switch e.Param {
	case "fee":
		return &nestegg.Error{Code: e.Code, Param: "card_fee", Message: e.Message, Err: err}
	case "amount":
		return &nestegg.Error{Code: e.Code, Param: "card_id", Message: "this card can't pay that much: " + e.Message, Err: err}
	}
	return err
}

// inWallet tells the buyer, with the order's own refusal, that the card
// charge has landed in their wallet.
func inWallet(err error, m funding.Movement) error {
	charged := money.Amount{Asset: m.Amount.Asset, Minor: m.Amount.Minor + m.Fee.Minor}
	return &nestegg.Error{Code: nestegg.ErrorCode(err), Param: nestegg.ErrorParam(err), Err: err,
		Message: nestegg.ErrorMessage(err) + ". Your card was charged " + money.Format(charged) + " and " + money.Format(m.Amount) +
			" of it is in your wallet, to spend or withdraw"}
}
