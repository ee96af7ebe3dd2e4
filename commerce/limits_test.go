package commerce_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/commerce"
	"github.com/nestegg/nestegg/compliance"
	"github.com/nestegg/nestegg/movement"
	"github.com/nestegg/nestegg/payments"
	"github.com/nestegg/nestegg/social"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// dailyLimit gives unverified members $30 of spending a day.
func dailyLimit(c *compliance.Config) {
	c.Limits = map[compliance.Tier]compliance.Limits{compliance.Unverified: {PerDay: 30_00}}
}

// usedToday is what userID has used of the daily spending limit.
func (e *env) usedToday(userID string) int64 {
	e.t.Helper()
	a, err := e.comp.Allowance(e.ctx, userID)
	if err != nil {
		e.t.Fatalf("Allowance: %v", err)
	}
	return a.UsedDay
}

// wantDenied fails unless err is the checkpoint's denial (Forbidden, its
// audit row committed), however wrapped, saying want.
func wantDenied(t testing.TB, what string, err error, want string) {
	t.Helper()
	wantCode(t, what, err, nestegg.Forbidden)
	if !errors.Is(err, movement.ErrDenied) {
		t.Fatalf("%s: %v is not the checkpoint's denial", what, err)
	}
	if !strings.Contains(nestegg.ErrorMessage(err), want) {
		t.Fatalf("%s: %q does not say %q", what, nestegg.ErrorMessage(err), want)
	}
}

// TestPurchasesCountTowardLimits: purchases and gifts spend the buyer's
// daily limit like payments do — whether a member buys from a business
// profile she runs herself (money she could take out from there) or a
// business profile buys — and a purchase over what is left is refused and
// changes nothing.
func TestPurchasesCountTowardLimits(t *testing.T) {
	for _, tc := range []struct {
		name  string
		buyer social.Kind
	}{
		{"member buying from her own business profile", social.Member},
		{"business profile buying", social.Business},
	} {
		t.Run(tc.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				e := newEnvWith(t, db, dailyLimit)
				bea := e.signup("bea", tc.buyer)
				shop := e.merchant("beasshop") // hers, or anyone's: the limit is the buyer's
				pal := e.member("pal")
				e.fund(bea, 100_00)
				o := e.offer(shop, e.product(shop, "Nest mug", 20_00, 5, commerce.Physical), "")

				if _, err := e.shop.Buy(e.ctx, commerce.BuyInput{BuyerID: bea, OfferID: o.ID, IdempotencyKey: "one"}); err != nil {
					t.Fatalf("Buy within the limit: %v", err)
				}
				if got := e.usedToday(bea); got != 20_00 {
					t.Fatalf("used today after a purchase = %d, want 2000", got)
				}
				_, err := e.shop.Buy(e.ctx, commerce.BuyInput{BuyerID: bea, OfferID: o.ID, IdempotencyKey: "two"})
				wantDenied(t, "Buy over the daily limit", err, "limit of $30.00 in 24 hours")
				e.wantBalance("buyer after the refusal", bea, 80_00)
				e.wantBalance("shop after the refusal", shop, 19_50)
				if p, _ := e.shop.Product(e.ctx, "", o.ProductID); p.Stock != 4 {
					t.Fatalf("stock after the refusal = %d, want 4", p.Stock)
				}
				if got := e.usedToday(bea); got != 20_00 {
					t.Fatalf("used today after the refusal = %d, want 2000", got)
				}
				// One limit for all spending: the purchase leaves $10 to pay.
				_, err = e.pay.Send(e.ctx, payments.SendInput{FromUserID: bea, ToHandle: "pal", Amount: usd(15_00), IdempotencyKey: "pay"})
				wantDenied(t, "payment after the purchase", err, "limit")
				e.wantBalance("pal", pal, 0)

				// A gift counts too.
				_, coffee := giftShop(e, commerce.PolicyRefund, 30)
				e.post(bea, "@giftacoffee @pal enjoy", "")
				if _, err := e.shop.ConfirmIntent(e.ctx, bea, e.pending(bea).ID, nil); err != nil {
					t.Fatalf("gift within the limit: %v", err)
				}
				if got := e.usedToday(bea); got != 20_00+coffee.Price.Minor {
					t.Fatalf("used today after a gift = %d, want %d", got, 20_00+coffee.Price.Minor)
				}

				// A day later the purchases have left the window.
				e.clock.Advance(25 * time.Hour)
				if _, err := e.shop.Buy(e.ctx, commerce.BuyInput{BuyerID: bea, OfferID: o.ID, IdempotencyKey: "two"}); err != nil {
					t.Fatalf("Buy the next day, same key as the refused one: %v", err)
				}
				e.wantBalance("buyer the next day", bea, 100_00-20_00-coffee.Price.Minor-20_00)
				e.conserved()
			})
		})
	}
}

// TestCardBuyOverTheLimit: a card buy the checkpoint would refuse is
// refused before the card is charged, and the refusal is on record.
func TestCardBuyOverTheLimit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newCardShopWith(t, db, 290, 30, dailyLimit)
		shop, bea := e.merchant("nestshop"), e.member("bea")
		o := e.offer(shop, e.product(shop, "Big mug", 40_00, 5, commerce.Physical), "")
		in := commerce.CardBuyInput{BuyInput: commerce.BuyInput{BuyerID: bea, OfferID: o.ID, IdempotencyKey: "k"}, CardID: e.card(bea, "4242424242424242")}
		_, err := e.shop.BuyWithCard(e.ctx, in)
		wantDenied(t, "card buy over the daily limit", err, "limit of $30.00 in 24 hours")
		if n := e.topUps(bea); n != 0 || e.clearing() != 0 || e.stock(o.ProductID) != 5 {
			t.Fatalf("after the refusal: %d top-ups, clearing %d, stock %d; want nothing", n, e.clearing(), e.stock(o.ProductID))
		}
		page, err := e.comp.Audit(e.ctx, bea, "", 0)
		if err != nil || len(page.Entries) == 0 || page.Entries[0].Outcome != string(compliance.Deny) || page.Entries[0].Kind != commerce.KindPurchase {
			t.Fatalf("audit = %+v, %v; want the purchase's denial", page.Entries, err)
		}
		e.cardConserved()
	})
}

// TestCoolingOffNotBypassedByPurchase: with cooling-off on, a first
// payment of more than the threshold to someone new is held; a purchase
// cannot wait, so one of the same size from a new merchant is refused with
// the reason, instead of being a way around the hold.
func TestCoolingOffNotBypassedByPurchase(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnvWith(t, db, func(c *compliance.Config) { c.CoolingOffAbove = 10_00 })
		bea, shop := e.member("bea"), e.merchant("newshop")
		e.fund(bea, 100_00)
		o := e.offer(shop, e.product(shop, "Big mug", 20_00, 5, commerce.Physical), "")

		_, err := e.shop.Buy(e.ctx, commerce.BuyInput{BuyerID: bea, OfferID: o.ID, IdempotencyKey: "buy"})
		wantDenied(t, "first purchase above the cooling-off threshold", err, "cannot wait")
		e.wantBalance("buyer after the refusal", bea, 100_00)
		if os, _ := e.shop.Orders(e.ctx, bea, commerce.AsBuyer, time.Time{}, 0); len(os) != 0 {
			t.Fatalf("orders after the refusal = %+v", os)
		}

		p, err := e.pay.Send(e.ctx, payments.SendInput{FromUserID: bea, ToHandle: "newshop", Amount: usd(20_00), IdempotencyKey: "pay"})
		if err != nil || p.Status != payments.StatusHeld {
			t.Fatalf("payment of the same size = %+v, %v; want held", p, err)
		}
		e.wantBalance("shop while the payment is held", shop, 0)

		// Below the threshold a purchase goes through at once.
		small := e.offer(shop, e.product(shop, "Small mug", 10_00, 5, commerce.Physical), "")
		if _, err := e.shop.Buy(e.ctx, commerce.BuyInput{BuyerID: bea, OfferID: small.ID, IdempotencyKey: "small"}); err != nil {
			t.Fatalf("purchase at the threshold: %v", err)
		}
	})
}

// TestDenialKeepsItsAuditRow: a denied purchase comes back wrapped (by
// Buy, ConfirmIntent, or a confirming reply inside a post's transaction),
// and its audit row is committed all the same; nothing else is.
func TestDenialKeepsItsAuditRow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnvWith(t, db, func(c *compliance.Config) {
			c.Limits = map[compliance.Tier]compliance.Limits{compliance.Unverified: {PerTransfer: 10_00}}
		})
		bea, shop := e.member("bea"), e.merchant("nestshop")
		e.fund(bea, 100_00)
		mug := e.product(shop, "Nest mug", 20_00, 5, commerce.Physical)
		o := e.offer(shop, mug, "BuyNestMug")
		denials := func() []compliance.Entry {
			t.Helper()
			page, err := e.comp.Audit(e.ctx, bea, "", 0)
			if err != nil {
				t.Fatalf("Audit: %v", err)
			}
			var out []compliance.Entry
			for _, en := range page.Entries {
				if en.Action == "check" && en.Outcome == string(compliance.Deny) {
					out = append(out, en)
				}
			}
			return out
		}

		_, err := e.shop.Buy(e.ctx, commerce.BuyInput{BuyerID: bea, OfferID: o.ID, IdempotencyKey: "k"})
		wantDenied(t, "Buy over the per-payment limit", err, "over the limit")
		if !strings.HasPrefix(err.Error(), "buy: ") {
			t.Fatalf("Buy's error %q is not wrapped", err)
		}
		ds := denials()
		if len(ds) != 1 || ds[0].Kind != commerce.KindPurchase || ds[0].Amount != 20_00 || ds[0].ToUser != shop || ds[0].Reason == "" {
			t.Fatalf("audit after a denied Buy = %+v, want one purchase denial", ds)
		}

		p := e.post(bea, "#BuyNestMug", "")
		in := e.pending(bea)
		_, err = e.shop.ConfirmIntent(e.ctx, bea, in.ID, nil)
		wantDenied(t, "ConfirmIntent over the limit", err, "over the limit")
		if len(denials()) != 2 {
			t.Fatalf("audit after a denied confirmation = %+v, want two denials", denials())
		}

		// The reply runs the purchase inside the post's transaction: the
		// post and its denial commit, the purchase does not.
		e.post(bea, "#"+in.ConfirmTag(), p.ID)
		if len(denials()) != 3 {
			t.Fatalf("audit after a denied reply = %+v, want three denials", denials())
		}
		if n := e.notifications(bea); len(n) == 0 || !strings.Contains(n[0].Text, "over the limit") {
			t.Fatalf("bea's notifications = %+v, want the denial's reason", n)
		}
		e.pending(bea) // still waiting: a limit may change
		e.wantBalance("buyer", bea, 100_00)
		if got, _ := e.shop.Product(e.ctx, "", mug.ID); got.Stock != 5 {
			t.Fatalf("stock = %d, want 5", got.Stock)
		}
		if got := e.usedToday(bea); got != 0 {
			t.Fatalf("used today after denials = %d, want 0", got)
		}
		e.conserved()
	})
}
