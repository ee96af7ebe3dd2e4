package web

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/commerce"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/social"
)

// The shop's pages (pages_shop*.go): the Buy button on offer posts, the
// buyer's orders page (orders, purchases waiting for confirmation,
// vouchers, disputes), the merchant's shop page (catalogue, offers, sales,
// refunds, voucher redemption) and the staff dispute queue. Every form
// carries the CSRF token; forms that move money carry a one-time key that
// commerce keeps as the idempotency key, so a double submit buys once, and
// forms that buy carry the price they show (expected_price, asset), so a
// price changed since is refused, not charged.

// offerCard is what an offer post's card shows: price, stock and the Buy
// button.
type offerCard struct {
	Offer   commerce.Offer
	Price   string
	CanBuy  bool   // signed in, not the merchant, live and in stock
	Key     string // the one-time purchase key of this rendering
	CSRF    string
	Next    string
	Message string // after an htmx buy: what happened
	OrderID string
	// Cards are the buyer's saved cards, offered beside the wallet, with
	// the card fee shown before buying (pages_shop_card.go).
	Cards              []cardChoice
	CardFee, CardTotal string
	FeeMinor           int64
	ConfirmURL         string // after a card buy that wants 3-D Secure
}

// postOffer fills an offer card for posts by business profiles; nil for
// any other post, or when the look-up fails (a card is not worth failing
// a timeline for).
func (pc *pageCtx) postOffer(p social.Post, next string) *offerCard {
	s := pc.s
	if s.commerce == nil || p.Author.Kind != social.Business {
		return nil
	}
	offers, err := s.commerce.OffersForPosts(pc.r.Context(), []string{p.ID})
	o, ok := offers[p.ID]
	if err != nil || !ok {
		return nil
	}
	return pc.offerCard(o, next)
}

func (pc *pageCtx) offerCard(o commerce.Offer, next string) *offerCard {
	c := &offerCard{Offer: o, Price: money.Format(o.Product.Price), CSRF: pc.csrf(), Next: next, Key: oneTimeKey(),
		CanBuy: pc.me != nil && pc.me.ID != o.MerchantID && o.Status == commerce.OfferLive && o.Product.Stock > 0}
	pc.payChoices(c)
	return c
}

// oneTimeKey is a fresh idempotency key for one rendering of a form.
func oneTimeKey() string {
	var b [12]byte
	rand.Read(b[:])
	return "web-" + hex.EncodeToString(b[:])
}

func (s *Server) needShop() error {
	if s.commerce == nil || s.payments == nil {
		return nestegg.Errorf(nestegg.NotFound, "the shop is not enabled on this server")
	}
	return nil
}

// buySubmit is the one-tap buy. With htmx it answers the offer card in
// place (no page change); without, it redirects to the order.
func (s *Server) buySubmit(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	if err := s.needShop(); err != nil {
		return err
	}
	key := r.FormValue("key")
	if key == "" {
		key = oneTimeKey()
	}
	price, err := formPrice(r)
	if err != nil {
		return err
	}
	in := commerce.BuyInput{BuyerID: pc.me.ID, OfferID: r.PathValue("id"), Variant: r.FormValue("variant"), IdempotencyKey: key, Via: commerce.ViaButton,
		ExpectedPrice: price}
	var o commerce.Order
	var msg, confirm string
	if pay := r.FormValue("pay"); strings.HasPrefix(pay, "card:") {
		o, msg, confirm, err = s.buyByCard(pc, in, strings.TrimPrefix(pay, "card:"), r.FormValue("card_fee"))
	} else {
		o, err = s.commerce.Buy(r.Context(), in)
		if err == nil {
			msg = "Bought " + o.Title + " for " + money.Format(o.Amount) + "."
		}
	}
	htmx := r.Header.Get("HX-Request") == "true"
	if err != nil && !userError(err) && !nestegg.Is(err, nestegg.InsufficientFunds) && !nestegg.Is(err, nestegg.Unavailable) {
		return err
	}
	if err != nil {
		msg = "Couldn't buy: " + nestegg.ErrorMessage(err)
	} else if o.ID != "" && o.Kind == commerce.Physical {
		msg += " Add your shipping address on the order."
	}
	if !htmx {
		switch {
		case confirm != "":
			return s.seeOther(pc, confirm, msg)
		case o.ID == "":
			return s.seeOther(pc, nextPath(r, "/"), msg)
		}
		return s.seeOther(pc, "/orders#o-"+o.ID, msg)
	}
	off, oerr := s.commerce.Offer(r.Context(), r.PathValue("id"))
	if oerr != nil {
		return oerr
	}
	c := pc.offerCard(off, nextPath(r, "/"))
	c.Message, c.OrderID, c.ConfirmURL = msg, o.ID, confirm
	return s.renderPartial(pc, "orders", "postoffer", c)
}

// ordersPage is the buyer's side: orders bought by or for the member,
// purchases made by posts waiting for confirmation, vouchers and disputes.
type ordersPage struct {
	Base
	Orders   []orderLine
	Pending  []pendingLine
	Vouchers []commerce.Voucher
	Disputes []commerce.Dispute
}

type orderLine struct {
	commerce.Order
	Price       string
	Merchant    string // @handle
	CanAddress  bool   // the member is the recipient of a paid physical order
	CanDispute  bool
	ForMe, Sent bool // a gift for the member, or one the member sent
}

type pendingLine struct {
	commerce.Intent
	What  string
	Price money.Amount // the price shown, which the Confirm form repeats
	// Variants are the product's choices (colours, sizes): the Confirm
	// form asks for one, preselecting the one the post named.
	Variants []string
}

func (s *Server) ordersPage(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	if err := s.needShop(); err != nil {
		return err
	}
	ctx, me := r.Context(), pc.me.ID
	d := &ordersPage{Base: pc.base("Orders")}
	os, err := s.commerce.Orders(ctx, me, commerce.AsBuyer, time.Time{}, 100)
	if err != nil {
		return err
	}
	for _, o := range os {
		l := orderLine{Order: o, Price: money.Format(o.Amount), Merchant: s.shopHandle(pc, o.MerchantID),
			ForMe: o.Gift && o.RecipientID == me, Sent: o.Gift && o.BuyerID == me}
		l.CanAddress = o.RecipientID == me && o.Kind == commerce.Physical && o.Status == commerce.StatusPaid
		l.CanDispute = o.BuyerID == me && o.Refundable() > 0 && !(o.Gift && o.Status == commerce.StatusPaid)
		d.Orders = append(d.Orders, l)
	}
	ins, err := s.commerce.PendingIntents(ctx, me)
	if err != nil {
		return err
	}
	for _, in := range ins {
		what, price := "a purchase", in.Price
		var variants []string
		if p, err := s.commerce.Product(ctx, me, in.ProductID); err == nil {
			if price.Minor == 0 { // an intent from before quotes were kept
				price = p.Price
			}
			what, variants = p.Title+" for "+money.Format(price), p.Variants
		}
		if in.Kind == commerce.IntentGift {
			what = "a gift of " + what + " for " + s.shopHandle(pc, in.RecipientID)
		}
		d.Pending = append(d.Pending, pendingLine{Intent: in, What: what, Price: price, Variants: variants})
	}
	if d.Vouchers, err = s.commerce.Vouchers(ctx, me); err != nil {
		return err
	}
	if d.Disputes, err = s.commerce.Disputes(ctx, me, ""); err != nil {
		return err
	}
	return s.render(pc, "orders", d)
}

// shopHandle is "@handle" of a member, or "someone" when it can't be read.
func (s *Server) shopHandle(pc *pageCtx, userID string) string {
	u, err := s.social.UserByID(pc.r.Context(), userID)
	if err != nil {
		return "someone"
	}
	return "@" + u.Handle
}

// orderAction runs one buyer's or merchant's action from a form and
// returns to next with what happened.
func (s *Server) orderAction(pc *pageCtx, fallback string, act func() (string, error)) error {
	if err := s.needShop(); err != nil {
		return err
	}
	msg, err := act()
	if err != nil {
		if !userError(err) && !nestegg.Is(err, nestegg.InsufficientFunds) {
			return err
		}
		msg = "Couldn't do that: " + nestegg.ErrorMessage(err)
	}
	return s.seeOther(pc, nextPath(pc.r, fallback), msg)
}

func (s *Server) confirmPurchaseSubmit(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	return s.orderAction(pc, "/orders", func() (string, error) {
		if strings.HasSuffix(r.URL.Path, "/cancel") {
			_, err := s.commerce.CancelIntent(r.Context(), pc.me.ID, r.PathValue("id"))
			return "Cancelled; nothing was charged.", err
		}
		price, err := formPrice(r)
		if err != nil {
			return "", err
		}
		// The variant chosen on the confirmation page is recorded on the
		// purchase first, so that confirming buys that one.
		if v := r.FormValue("variant"); v != "" {
			if _, err := s.commerce.ChooseVariant(r.Context(), pc.me.ID, r.PathValue("id"), v); err != nil {
				return "", err
			}
		}
		o, err := s.commerce.ConfirmIntent(r.Context(), pc.me.ID, r.PathValue("id"), price)
		what := o.Title
		if o.Variant != "" {
			what += " (" + o.Variant + ")"
		}
		return "Bought " + what + " for " + money.Format(o.Amount) + ".", err
	})
}

// formPrice reads the price a buying form showed (its expected_price and
// asset fields); nil for a form rendered before they were added.
func formPrice(r *http.Request) (*money.Amount, error) {
	var minor *int64
	if v := r.FormValue("expected_price"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, nestegg.ParamErrorf(nestegg.Invalid, "expected_price", "the price is not an amount")
		}
		minor = &n
	}
	return expectedPrice(minor, r.FormValue("asset"))
}

func (s *Server) addressSubmit(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	return s.orderAction(pc, "/orders", func() (string, error) {
		_, err := s.commerce.SetShippingAddress(r.Context(), pc.me.ID, r.PathValue("id"), r.FormValue("address"))
		return "Saved your shipping address. Only the shop sees it.", err
	})
}

func (s *Server) disputeSubmit(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	return s.orderAction(pc, "/orders", func() (string, error) {
		d, err := s.commerce.OpenDispute(r.Context(), pc.me.ID, r.PathValue("id"), r.FormValue("reason"))
		return "Dispute opened: " + money.Format(d.Amount) + " of the shop's money is held until our staff decide.", err
	})
}
