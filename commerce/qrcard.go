package commerce

import (
	"context"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/funding"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/movement"
)

// QRCardPay is what PayQRWithCard did, as CardBuy is for a buy: Payment
// is set when the code was paid (the card charged into the payer's
// wallet, the payment taken from it); otherwise TopUp was declined or
// wants 3-D Secure (confirm it, then pay from the wallet).
type QRCardPay struct {
	Payment QRPayment
	// TopUp is the card charge into the payer's wallet (package funding's
	// movement), its fee included.
	TopUp funding.Movement
}

// Paid reports whether the code was paid.
func (p QRCardPay) Paid() bool { return p.Payment.ID != "" }

// QRCardPayInput is a code paid with a saved card.
type QRCardPayInput struct {
	QRPayInput
	CardID string // one of the payer's linked cards (funding.Card.ID)
	// CardFee, when set, is the card fee the payer was shown (CardFee of
	// the sale and tip): a different fee in force is refused (Conflict,
	// Param "card_fee"), not charged.
	CardFee *money.Amount
}

// PayQRWithCard is PayQR paid with a saved card, with the one
// confirmation the payer gave: the code is checked (paid once, not
// expired) and the checkpoint asked before the card is charged; the card
// is then charged the sale, the tip and CardFee into the payer's wallet
// (funding's card top-up, under a key derived from the payment's, so that
// a retry charges once) and the code paid from the wallet as PayQR does.
// Should the code be paid by someone else between the charge and the
// payment, the money stays in the payer's wallet and the error says so. A
// decline or 3-D Secure stops before the payment (see QRCardPay).
//
// Only PayerID may call it. Errors: PayQR's; Unavailable when card
// payments are off or the processor does not answer (retry with the same
// key); NotFound (Param "card_id"); Conflict (Param "card_fee") when the
// fee changed.
func (s *Service) PayQRWithCard(ctx context.Context, in QRCardPayInput) (QRCardPay, error) {
	if err := nestegg.CheckKey(in.IdempotencyKey); err != nil {
		return QRCardPay{}, err
	}
	if s.cfg.Funding == nil {
		return QRCardPay{}, nestegg.Errorf(nestegg.Unavailable, "paying with a card is not enabled on this server")
	}
	if in.CardID == "" {
		return QRCardPay{}, nestegg.ParamErrorf(nestegg.NotFound, "card_id", "choose one of your cards")
	}
	q, err := s.prepareQR(ctx, in.QRPayInput)
	if err != nil {
		return QRCardPay{}, err
	}
	total := money.Amount{Asset: q.c.Amount.Asset, Minor: q.total}
	if _, err := s.CardFee(total); err != nil {
		return QRCardPay{}, err
	}
	// A key used before answers with its payment: its card was charged
	// once and is not charged again.
	if res, found, err := s.k.Find(ctx, in.PayerID, in.IdempotencyKey, q.req.Fingerprint); err != nil {
		return QRCardPay{}, reused(err, "another payment")
	} else if found {
		p, err := s.qrPayment(ctx, res.ID)
		return QRCardPay{Payment: p}, err
	}
	if q.c.Status != QRActive {
		return QRCardPay{}, nestegg.Errorf(nestegg.Conflict, "this code was already paid or has expired; ask the business for a new one")
	}
	if err := s.ask(ctx, q.req); err != nil {
		return QRCardPay{}, err
	}
	m, err := s.cfg.Funding.TopUp(movement.WithRecord(ctx, nil), in.PayerID, funding.TopUpInput{CardID: in.CardID, Amount: total, Fee: in.CardFee,
		IdempotencyKey: "commerce-qr:" + nestegg.Fingerprint(in.IdempotencyKey)})
	if err != nil {
		return QRCardPay{}, cardError(err)
	}
	out := QRCardPay{TopUp: m}
	switch m.Status {
	case funding.StatusSucceeded, funding.StatusSettled:
	case funding.StatusDeclined, funding.StatusRequiresAction:
		return out, nil
	case funding.StatusPending:
		return out, nestegg.Errorf(nestegg.Unavailable, "the card processor did not answer; try again with the same key (you will be charged once)")
	default:
		reason := m.Reason
		if reason == "" {
			reason = "the card could not be charged"
		}
		return out, nestegg.ParamErrorf(nestegg.Conflict, "card_id", "%s; nothing was charged", reason)
	}
	if out.Payment, err = s.payQR(ctx, q); err != nil {
		return out, inWallet(err, m)
	}
	return out, nil
}
