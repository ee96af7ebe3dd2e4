package commerce_test

import (
	"strings"
	"testing"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/commerce"
	"github.com/nestegg/nestegg/compliance"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// The refusal a buyer gets when the mug went from $5 to $900.
const changedTo900 = "the price changed from $5.00 to $900.00; nothing was charged — review and buy again"

// reprice sets a product's price, as its merchant editing the catalogue
// (the rest as it is now).
func (e *env) reprice(merchant string, p commerce.Product, minor int64) {
	e.t.Helper()
	p, err := e.shop.Product(e.ctx, merchant, p.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.shop.UpdateProduct(e.ctx, merchant, p.ID, commerce.ProductInput{Title: p.Title, Price: usd(minor), Stock: p.Stock,
		Kind: p.Kind, Content: p.Content}); err != nil {
		e.t.Fatalf("UpdateProduct: %v", err)
	}
}

func (e *env) stockOf(productID string) int64 {
	e.t.Helper()
	p, err := e.shop.Product(e.ctx, "", productID)
	if err != nil {
		e.t.Fatal(err)
	}
	return p.Stock
}

// wantPriceChanged fails unless err is the refusal of a changed price.
func wantPriceChanged(t testing.TB, what string, err error) {
	t.Helper()
	wantCode(t, what, err, nestegg.Conflict)
	if !strings.Contains(nestegg.ErrorMessage(err), changedTo900) {
		t.Fatalf("%s: %q, want %q", what, nestegg.ErrorMessage(err), changedTo900)
	}
}

// TestBuyAtThePriceShown (issue 11 item 5): shown "Nest mug for $5.00",
// the merchant makes it $900 before the buyer taps Buy. The buy is
// refused with both prices, nothing is charged and the stock stays; the
// buyer buys again at the new price once she has seen it. A client that
// sends no expected price buys at the price in force, as before.
func TestBuyAtThePriceShown(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		shop, bea := e.merchant("nestshop"), e.member("bea")
		e.fund(bea, 2000_00) // enough for either price, and allowed either: only the price refuses
		if err := e.comp.SetTier(e.ctx, "usr_staff", bea, compliance.Verified, "id checked"); err != nil {
			t.Fatal(err)
		}
		mug := e.product(shop, "Nest mug", 5_00, 5, commerce.Physical)
		o := e.offer(shop, mug, "BuyNestMug")
		shown := o.Product.Price

		e.reprice(shop, mug, 900_00)
		_, err := e.shop.Buy(e.ctx, commerce.BuyInput{BuyerID: bea, OfferID: o.ID, IdempotencyKey: "k1", ExpectedPrice: &shown})
		wantPriceChanged(t, "Buy at a changed price", err)
		e.wantBalance("bea", bea, 2000_00)
		e.wantBalance("merchant", shop, 0)
		if n := e.stockOf(mug.ID); n != 5 {
			t.Fatalf("stock after the refusal = %d, want 5", n)
		}
		if os, _ := e.shop.Orders(e.ctx, bea, commerce.AsBuyer, time.Time{}, 0); len(os) != 0 {
			t.Fatalf("orders after the refusal = %+v, want none", os)
		}
		if used := e.usedToday(bea); used != 0 {
			t.Fatalf("spending counted after the refusal = %d, want 0", used)
		}

		// Another asset than the one shown is another price.
		eur := shown
		eur.Asset.Code = "EUR"
		_, err = e.shop.Buy(e.ctx, commerce.BuyInput{BuyerID: bea, OfferID: o.ID, IdempotencyKey: "k1", ExpectedPrice: &eur})
		wantCode(t, "Buy expecting another asset", err, nestegg.Conflict)
		bad := usd(0)
		_, err = e.shop.Buy(e.ctx, commerce.BuyInput{BuyerID: bea, OfferID: o.ID, IdempotencyKey: "k1", ExpectedPrice: &bad})
		wantCode(t, "Buy expecting no price", err, nestegg.Invalid)

		// The refusal left no trace on the key: having looked again, she
		// buys at $900 with it.
		now := usd(900_00)
		ord, err := e.shop.Buy(e.ctx, commerce.BuyInput{BuyerID: bea, OfferID: o.ID, IdempotencyKey: "k1", ExpectedPrice: &now})
		if err != nil || ord.Amount.Minor != 900_00 {
			t.Fatalf("Buy at the price seen = %+v, %v", ord, err)
		}
		e.wantBalance("bea", bea, 1100_00)
		// A retry replays its order whatever the price is by then.
		e.reprice(shop, mug, 5_00)
		again, err := e.shop.Buy(e.ctx, commerce.BuyInput{BuyerID: bea, OfferID: o.ID, IdempotencyKey: "k1", ExpectedPrice: &now})
		if err != nil || again.ID != ord.ID {
			t.Fatalf("retry = %+v, %v; want order %s", again, err, ord.ID)
		}
		// Without an expected price (an API client from before it), the
		// price in force.
		old, err := e.shop.Buy(e.ctx, commerce.BuyInput{BuyerID: bea, OfferID: o.ID, IdempotencyKey: "k2"})
		if err != nil || old.Amount.Minor != 5_00 {
			t.Fatalf("Buy without an expected price = %+v, %v", old, err)
		}
		e.wantBalance("bea", bea, 1095_00)
		if n := e.stockOf(mug.ID); n != 3 {
			t.Fatalf("stock = %d, want 3", n)
		}
		e.conserved()
	})
}

// TestIntentAtThePriceQuoted (issue 11 item 5): a post with the buy
// hashtag quotes "$5.00"; the merchant makes it $900; confirming, in the
// app or by reply, is refused with both prices and charges nothing. The
// intent stays pending and buys at $5 if the price comes back. A gift by
// mention keeps its quote too.
func TestIntentAtThePriceQuoted(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		shop, bea := e.merchant("nestshop"), e.member("bea")
		e.fund(bea, 2000_00)
		mug := e.product(shop, "Nest mug", 5_00, 5, commerce.Physical)
		e.offer(shop, mug, "BuyNestMug")

		p := e.post(bea, "I want one #BuyNestMug", "")
		in := e.pending(bea)
		if in.Price != usd(5_00) {
			t.Fatalf("intent quotes %v, want $5.00", in.Price)
		}
		if n := e.notifications(bea); len(n) == 0 || !strings.Contains(n[0].Text, "$5.00") {
			t.Fatalf("bea was told %+v, want the price", n)
		}
		e.reprice(shop, mug, 900_00)

		_, err := e.shop.ConfirmIntent(e.ctx, bea, in.ID, nil)
		wantPriceChanged(t, "ConfirmIntent at a changed price", err)
		seen := usd(5_00)
		_, err = e.shop.ConfirmIntent(e.ctx, bea, in.ID, &seen)
		wantPriceChanged(t, "ConfirmIntent from the page at a changed price", err)
		// A page showing another price than the quote buys nothing either.
		other := usd(900_00)
		_, err = e.shop.ConfirmIntent(e.ctx, bea, in.ID, &other)
		wantCode(t, "ConfirmIntent with a price not quoted", err, nestegg.Conflict)

		e.post(bea, "yes #"+in.ConfirmTag(), p.ID)
		if n := e.notifications(bea); len(n) == 0 || n[0].Kind != commerce.NotifyFailed || !strings.Contains(n[0].Text, changedTo900) {
			t.Fatalf("after confirming by reply bea was told %+v, want %q", n, changedTo900)
		}
		e.wantBalance("bea", bea, 2000_00)
		e.wantBalance("merchant", shop, 0)
		if n := e.stockOf(mug.ID); n != 5 {
			t.Fatalf("stock after the refusals = %d, want 5", n)
		}
		if got := e.pending(bea); got.ID != in.ID {
			t.Fatalf("pending = %+v, want %s still pending", got, in.ID)
		}

		// The price comes back: the quote buys.
		e.reprice(shop, mug, 5_00)
		ord, err := e.shop.ConfirmIntent(e.ctx, bea, in.ID, &seen)
		if err != nil || ord.Amount.Minor != 5_00 || ord.Via != commerce.ViaHashtag {
			t.Fatalf("ConfirmIntent at the quote = %+v, %v", ord, err)
		}
		e.wantBalance("bea", bea, 1995_00)

		// A gift quotes the coffee's price when it is asked for.
		cafe, coffee := giftShop(e, commerce.PolicyRefund, 30)
		fay := e.member("fay")
		e.post(bea, "@giftacoffee @fay happy birthday", "")
		gift := e.pending(bea)
		if gift.Price != usd(5_00) {
			t.Fatalf("gift quotes %v, want $5.00", gift.Price)
		}
		e.reprice(cafe, coffee, 900_00)
		_, err = e.shop.ConfirmIntent(e.ctx, bea, gift.ID, nil)
		wantPriceChanged(t, "ConfirmIntent of a gift at a changed price", err)
		e.wantBalance("bea", bea, 1995_00)
		if vs, _ := e.shop.Vouchers(e.ctx, fay); len(vs) != 0 {
			t.Fatalf("fay's vouchers = %+v, want none", vs)
		}
		e.conserved()
	})
}

// TestCardBuyAtThePriceShown (issue 11 item 5): a card buy whose price
// changed since the buyer saw it is refused before the card is charged.
func TestCardBuyAtThePriceShown(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newCardShop(t, db, 290, 30)
		shop, bea := e.merchant("nestshop"), e.member("bea")
		mug := e.product(shop, "Nest mug", 5_00, 5, commerce.Physical)
		o := e.offer(shop, mug, "")
		visa := e.card(bea, "4242424242424242")
		shown := o.Product.Price

		e.reprice(shop, mug, 900_00)
		in := commerce.CardBuyInput{BuyInput: commerce.BuyInput{BuyerID: bea, OfferID: o.ID, IdempotencyKey: "k1", ExpectedPrice: &shown}, CardID: visa}
		_, err := e.shop.BuyWithCard(e.ctx, in)
		wantPriceChanged(t, "BuyWithCard at a changed price", err)
		if n := e.topUps(bea); n != 0 || e.clearing() != 0 || e.stock(mug.ID) != 5 || len(e.orders(bea)) != 0 {
			t.Fatalf("after the refusal: %d top-ups, clearing %d, stock %d, %d orders; want nothing", n, e.clearing(), e.stock(mug.ID), len(e.orders(bea)))
		}
		e.wantBalance("bea", bea, 0)

		// At the price she saw, the card pays it.
		e.reprice(shop, mug, 5_00)
		b, err := e.shop.BuyWithCard(e.ctx, in)
		if err != nil || !b.Paid() || b.Order.Amount != shown || b.TopUp.Amount != shown {
			t.Fatalf("BuyWithCard at the price shown = %+v, %v", b, err)
		}
		e.cardConserved()
	})
}
