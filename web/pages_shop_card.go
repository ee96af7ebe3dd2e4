package web

import (
	"strconv"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/commerce"
	"github.com/nestegg/nestegg/funding"
	"github.com/nestegg/nestegg/money"
)

// cardChoice is one saved card on an offer's Buy block.
type cardChoice struct {
	Value  string // the form's pay value: "card:<id>"
	Masked string // •••• 4242
	Brand  string
}

// payChoices fills an offer card's saved cards and the card fee shown
// beside them, when the buyer has cards and card buys are on. A failed
// look-up leaves only the wallet: a card is not worth failing a page for.
func (pc *pageCtx) payChoices(c *offerCard) {
	s := pc.s
	if !c.CanBuy || s.funding == nil {
		return
	}
	fee, err := s.commerce.CardFee(c.Offer.Product.Price)
	if err != nil {
		return
	}
	cards, err := s.funding.Cards(pc.r.Context(), pc.me.ID)
	if err != nil {
		return
	}
	for _, cd := range cards {
		c.Cards = append(c.Cards, cardChoice{Value: "card:" + cd.ID, Masked: cd.Masked, Brand: cd.Brand})
	}
	c.CardFee, c.FeeMinor = money.Format(fee), fee.Minor
	c.CardTotal = money.Format(money.Amount{Asset: fee.Asset, Minor: c.Offer.Product.Price.Minor + fee.Minor})
}

// buyByCard is the Buy block's card path: it pays with the card the form
// chose, the fee it showed repeated so that a changed fee is refused. It
// returns the order (when bought), what to tell the buyer, and where the
// card's bank wants confirmation (3-D Secure), or an error the page cannot
// show in place.
func (s *Server) buyByCard(pc *pageCtx, in commerce.BuyInput, cardID, feeText string) (commerce.Order, string, string, error) {
	cin := commerce.CardBuyInput{BuyInput: in, CardID: cardID}
	if feeText != "" {
		off, err := s.commerce.Offer(pc.r.Context(), in.OfferID)
		if err != nil {
			return commerce.Order{}, "", "", err
		}
		minor, err := strconv.ParseInt(feeText, 10, 64)
		if err != nil || minor < 0 {
			return commerce.Order{}, "", "", nestegg.ParamErrorf(nestegg.Invalid, "card_fee", "the card fee is not an amount")
		}
		cin.CardFee = &money.Amount{Asset: off.Product.Price.Asset, Minor: minor}
	}
	b, err := s.commerce.BuyWithCard(pc.r.Context(), cin)
	switch {
	case err != nil:
		return commerce.Order{}, "", "", err
	case b.Paid():
		charged := money.Amount{Asset: b.TopUp.Amount.Asset, Minor: b.TopUp.Amount.Minor + b.TopUp.Fee.Minor}
		msg := "Bought " + b.Order.Title + " for " + money.Format(b.Order.Amount) + " with your card (charged " + money.Format(charged)
		if b.TopUp.Fee.Minor > 0 {
			msg += ", including a " + money.Format(b.TopUp.Fee) + " card fee"
		}
		return b.Order, msg + ").", "", nil
	case b.TopUp.Status == funding.StatusDeclined:
		reason := b.TopUp.Reason
		if reason == "" {
			reason = "no reason given."
		}
		return commerce.Order{}, "Your card was declined: " + reason + " Nothing was charged and nothing bought.", "", nil
	}
	return commerce.Order{}, cardConfirmMessage, "/money/movements/" + b.TopUp.ID, nil
}
