package commerce_test

import (
	"strings"
	"testing"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/commerce"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// TestOneTapBuy buys from an offer's Buy button: linked transfers pay the
// merchant and the fee, the stock goes down, a replay charges nothing, a
// digital product delivers its content, and a buyer without the money
// changes nothing.
func TestOneTapBuy(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		shop, buyer := e.merchant("nestshop"), e.member("bea")
		e.fund(buyer, 50_00)
		mug := e.product(shop, "Nest mug", 20_00, 5, commerce.Physical)
		o := e.offer(shop, mug, "")
		if o.Product.Stock != 5 || o.Product.Content != "" {
			t.Fatalf("offer product = %+v", o.Product)
		}

		ord, err := e.shop.Buy(e.ctx, commerce.BuyInput{BuyerID: buyer, OfferID: o.ID, IdempotencyKey: "k1"})
		if err != nil {
			t.Fatalf("Buy: %v", err)
		}
		if ord.Status != commerce.StatusPaid || ord.Amount.Minor != 20_00 || ord.Fee != 50 || ord.Via != commerce.ViaButton {
			t.Fatalf("order = %+v", ord)
		}
		again, err := e.shop.Buy(e.ctx, commerce.BuyInput{BuyerID: buyer, OfferID: o.ID, IdempotencyKey: "k1"})
		if err != nil || again.ID != ord.ID {
			t.Fatalf("replay = %+v, %v; want order %s", again, err, ord.ID)
		}
		e.wantBalance("buyer", buyer, 30_00)
		e.wantBalance("merchant", shop, 19_50)
		if got := e.platform(ledger.KindFeeRevenue); got != 50 {
			t.Fatalf("fee revenue = %d, want 50", got)
		}
		if p, _ := e.shop.Product(e.ctx, "", mug.ID); p.Stock != 4 {
			t.Fatalf("stock = %d, want 4", p.Stock)
		}
		seen, err := e.shop.Orders(e.ctx, shop, commerce.AsMerchant, time.Time{}, 0)
		if err != nil || len(seen) != 1 || seen[0].ID != ord.ID {
			t.Fatalf("merchant's orders = %+v, %v", seen, err)
		}

		// Digital goods arrive with the payment.
		ebook := e.product(shop, "Nest ebook", 5_00, 10, commerce.Digital)
		eo := e.offer(shop, ebook, "")
		dig, err := e.shop.Buy(e.ctx, commerce.BuyInput{BuyerID: buyer, PostID: eo.PostID, IdempotencyKey: "k2"})
		if err != nil || dig.Status != commerce.StatusDelivered || !strings.Contains(dig.Content, "dl.example.com") {
			t.Fatalf("digital order = %+v, %v", dig, err)
		}

		// Not enough money: nothing moves, the stock stays.
		poor := e.member("pat")
		e.fund(poor, 1_00)
		_, err = e.shop.Buy(e.ctx, commerce.BuyInput{BuyerID: poor, OfferID: o.ID, IdempotencyKey: "k1"})
		wantCode(t, "Buy without money", err, nestegg.InsufficientFunds)
		if p, _ := e.shop.Product(e.ctx, "", mug.ID); p.Stock != 4 {
			t.Fatalf("stock after refused buy = %d, want 4", p.Stock)
		}
		e.wantBalance("poor buyer", poor, 1_00)
		_, err = e.shop.Buy(e.ctx, commerce.BuyInput{BuyerID: shop, OfferID: o.ID, IdempotencyKey: "self"})
		wantCode(t, "Buy from yourself", err, nestegg.Invalid)
		_, err = e.shop.Buy(e.ctx, commerce.BuyInput{BuyerID: buyer, OfferID: o.ID, IdempotencyKey: "k1", Variant: "XL"})
		wantCode(t, "same key, other body", err, nestegg.IdempotencyMismatch)
		e.conserved()
	})
}

// TestHashtagBuyConfirmed: a reply with the buy hashtag makes an intent
// that the buyer confirms in the app; another buyer confirms by replying
// with the confirmation hashtag.
func TestHashtagBuyConfirmed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		shop, bea, cal := e.merchant("nestshop"), e.member("bea"), e.member("cal")
		e.fund(bea, 50_00)
		e.fund(cal, 50_00)
		o := e.offer(shop, e.product(shop, "Nest mug", 20_00, 5, commerce.Physical), "BuyNestMug")
		if _, err := e.shop.CreateOffer(e.ctx, shop, commerce.OfferInput{ProductID: o.ProductID, Hashtag: "#buynestmug"}); !nestegg.Is(err, nestegg.Conflict) {
			t.Fatalf("second live offer with the same hashtag: %v, want conflict", err)
		}

		e.post(bea, "I want one! #BuyNestMug", o.PostID)
		in := e.pending(bea)
		if in.Kind != commerce.IntentHashtag || in.OfferID != o.ID || !in.ExpiresAt.After(e.clock.Now().Add(14*time.Minute)) {
			t.Fatalf("intent = %+v", in)
		}
		e.wantBalance("bea before confirming", bea, 50_00)
		if n := e.notifications(bea); len(n) == 0 || !strings.Contains(n[0].Text, "#"+in.ConfirmTag()) {
			t.Fatalf("bea's notifications = %+v, want the confirmation tag", n)
		}
		ord, err := e.shop.ConfirmIntent(e.ctx, bea, in.ID, nil)
		if err != nil || ord.Via != commerce.ViaHashtag || ord.BuyerID != bea {
			t.Fatalf("ConfirmIntent = %+v, %v", ord, err)
		}
		if again, err := e.shop.ConfirmIntent(e.ctx, bea, in.ID, nil); err != nil || again.ID != ord.ID {
			t.Fatalf("confirming twice = %+v, %v", again, err)
		}
		e.wantBalance("bea", bea, 30_00)
		e.noPending(bea)

		// Cal confirms by replying with the tag the platform gave.
		p := e.post(cal, "#buynestmug please", "")
		cin := e.pending(cal)
		e.post(cal, "yes #"+cin.ConfirmTag(), p.ID)
		e.noPending(cal)
		e.wantBalance("cal", cal, 30_00)
		e.wantBalance("merchant", shop, 2*19_50)
		e.conserved()
	})
}

// TestHashtagBuyExpired: an intent not confirmed within 15 minutes expires
// and charges nothing, in the app or by reply; and posts with an unknown
// or ended offer's hashtag buy nothing.
func TestHashtagBuyExpired(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		shop, bea := e.merchant("nestshop"), e.member("bea")
		e.fund(bea, 50_00)
		mug := e.product(shop, "Nest mug", 20_00, 5, commerce.Physical)
		o := e.offer(shop, mug, "BuyNestMug")

		p := e.post(bea, "#BuyNestMug", "")
		in := e.pending(bea)
		e.clock.Advance(16 * time.Minute)
		e.post(bea, "#"+in.ConfirmTag(), p.ID) // too late
		if n, err := e.shop.ExpireIntents(e.ctx); err != nil || n != 1 {
			t.Fatalf("ExpireIntents = %d, %v; want 1", n, err)
		}
		_, err := e.shop.ConfirmIntent(e.ctx, bea, in.ID, nil)
		wantCode(t, "confirm after expiry", err, nestegg.Conflict)
		e.wantBalance("bea", bea, 50_00)

		// Unknown hashtags and ended offers buy nothing.
		e.post(bea, "#BuyNothingHere", "")
		if err := e.shop.EndOffer(e.ctx, shop, o.ID); err != nil {
			t.Fatal(err)
		}
		e.post(bea, "#BuyNestMug", "")
		e.noPending(bea)
		_, err = e.shop.Buy(e.ctx, commerce.BuyInput{BuyerID: bea, OfferID: o.ID, IdempotencyKey: "late"})
		wantCode(t, "Buy from an ended offer", err, nestegg.Conflict)
		// An offer past its end time is ended too, and frees its hashtag.
		o2, err := e.shop.CreateOffer(e.ctx, shop, commerce.OfferInput{ProductID: mug.ID, Hashtag: "BuyNestMug", EndsAt: e.clock.Now().Add(time.Hour)})
		if err != nil {
			t.Fatalf("offer reusing an ended offer's hashtag: %v", err)
		}
		e.clock.Advance(2 * time.Hour)
		e.post(bea, "#BuyNestMug", "")
		e.noPending(bea)
		if n, err := e.shop.EndOffers(e.ctx); err != nil || n != 1 {
			t.Fatalf("EndOffers = %d, %v", n, err)
		}
		if got, _ := e.shop.Offer(e.ctx, o2.ID); got.Status != commerce.OfferEnded {
			t.Fatalf("offer after its end = %+v", got)
		}
		e.wantBalance("bea", bea, 50_00)
		if p, _ := e.shop.Product(e.ctx, "", mug.ID); p.Stock != 5 {
			t.Fatalf("stock = %d, want 5", p.Stock)
		}
		e.conserved()
	})
}

// giftShop is a café with a $5 coffee behind @giftacoffee.
func giftShop(e *env, policy commerce.VoucherPolicy, days int64) (shop string, coffee commerce.Product) {
	e.t.Helper()
	shop = e.merchant("nestcafe")
	coffee = e.product(shop, "Coffee", 5_00, 100, commerce.Physical)
	if _, err := e.shop.SetMerchantSettings(e.ctx, shop, commerce.Merchant{GiftHandle: "@GiftACoffee", GiftProductID: coffee.ID,
		VoucherDays: days, Policy: policy}); err != nil {
		e.t.Fatalf("SetMerchantSettings: %v", err)
	}
	return shop, coffee
}

// TestGiftSentAndRedeemed: "@giftacoffee @friend" buys the coffee for the
// friend after the sender confirms; the value is a liability until the
// café redeems the friend's voucher, once.
func TestGiftSentAndRedeemed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		shop, _ := giftShop(e, commerce.PolicyRefund, 30)
		other := e.merchant("othershop")
		sam, fay := e.member("sam"), e.member("fay")
		e.fund(sam, 20_00)

		e.post(sam, "@giftacoffee @fay happy birthday!", "")
		in := e.pending(sam)
		if in.Kind != commerce.IntentGift || in.RecipientID != fay {
			t.Fatalf("gift intent = %+v", in)
		}
		ord, err := e.shop.ConfirmIntent(e.ctx, sam, in.ID, nil)
		if err != nil || !ord.Gift || ord.RecipientID != fay || ord.Via != commerce.ViaGift {
			t.Fatalf("gift order = %+v, %v", ord, err)
		}
		e.wantBalance("sam", sam, 15_00)
		e.wantBalance("café before redemption", shop, 0)
		if got := e.platform(ledger.KindLiability); got != 5_00 {
			t.Fatalf("voucher liability = %d, want 500", got)
		}
		vs, err := e.shop.Vouchers(e.ctx, fay)
		if err != nil || len(vs) != 1 || vs[0].Status != commerce.VoucherActive {
			t.Fatalf("fay's vouchers = %+v, %v", vs, err)
		}
		code := vs[0].Code
		if n := e.notifications(fay); len(n) == 0 || !strings.Contains(n[0].Text, code) {
			t.Fatalf("fay was not told her code: %+v", n)
		}
		if vs, _ := e.shop.Vouchers(e.ctx, sam); len(vs) != 0 {
			t.Fatalf("the sender holds the voucher: %+v", vs)
		}

		for who, id := range map[string]string{"another merchant": other, "the holder": fay, "the sender": sam} {
			_, err := e.shop.RedeemVoucher(e.ctx, id, code)
			wantCode(t, "RedeemVoucher by "+who, err, nestegg.NotFound)
		}
		v, err := e.shop.RedeemVoucher(e.ctx, shop, strings.ToLower(code))
		if err != nil || v.Status != commerce.VoucherRedeemed {
			t.Fatalf("RedeemVoucher = %+v, %v", v, err)
		}
		_, err = e.shop.RedeemVoucher(e.ctx, shop, code)
		wantCode(t, "redeeming twice", err, nestegg.Conflict)
		e.wantBalance("café", shop, 5_00-12)
		if got := e.platform(ledger.KindLiability); got != 0 {
			t.Fatalf("liability after redemption = %d", got)
		}
		if o, _ := e.shop.Order(e.ctx, sam, ord.ID); o.Status != commerce.StatusDelivered {
			t.Fatalf("gift order after redemption = %+v", o)
		}

		// A gift to nobody, or with no friend, buys nothing.
		e.post(sam, "@giftacoffee @nobodyhere", "")
		e.post(sam, "@giftacoffee is great", "")
		e.noPending(sam)
		e.conserved()
	})
}

// TestVoucherExpiry: an unredeemed voucher's value goes back to the sender,
// or to the merchant, per the merchant's policy.
func TestVoucherExpiry(t *testing.T) {
	for _, policy := range []commerce.VoucherPolicy{commerce.PolicyRefund, commerce.PolicyKeep} {
		t.Run(string(policy), func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				e := newEnv(t, db)
				suffix := string(policy)
				shop := e.merchant("cafe" + suffix)
				coffee := e.product(shop, "Coffee", 5_00, 100, commerce.Physical)
				if _, err := e.shop.SetMerchantSettings(e.ctx, shop, commerce.Merchant{GiftHandle: "gift" + suffix, GiftProductID: coffee.ID,
					VoucherDays: 7, Policy: policy}); err != nil {
					t.Fatal(err)
				}
				sam, fay := e.member("sam"+suffix), e.member("fay"+suffix)
				e.fund(sam, 10_00)
				e.post(sam, "@gift"+suffix+" @fay"+suffix, "")
				ord, err := e.shop.ConfirmIntent(e.ctx, sam, e.pending(sam).ID, nil)
				if err != nil {
					t.Fatal(err)
				}
				if n, err := e.shop.ExpireVouchers(e.ctx); err != nil || n != 0 {
					t.Fatalf("ExpireVouchers early = %d, %v", n, err)
				}
				e.clock.Advance(8 * 24 * time.Hour)
				if n, err := e.shop.ExpireVouchers(e.ctx); err != nil || n != 1 {
					t.Fatalf("ExpireVouchers = %d, %v; want 1", n, err)
				}
				vs, _ := e.shop.Vouchers(e.ctx, fay)
				_, err = e.shop.RedeemVoucher(e.ctx, shop, vs[0].Code)
				wantCode(t, "redeeming an expired voucher", err, nestegg.Conflict)
				o, _ := e.shop.Order(e.ctx, sam, ord.ID)
				if policy == commerce.PolicyRefund {
					e.wantBalance("sender", sam, 10_00)
					e.wantBalance("café", shop, 0)
					if o.Status != commerce.StatusRefunded {
						t.Fatalf("order = %+v", o)
					}
				} else {
					e.wantBalance("sender", sam, 5_00)
					e.wantBalance("café", shop, 5_00-12)
					if o.Status != commerce.StatusExpired {
						t.Fatalf("order = %+v", o)
					}
				}
				if got := e.platform(ledger.KindLiability); got != 0 {
					t.Fatalf("liability after expiry = %d", got)
				}
				e.conserved()
			})
		})
	}
}

// TestPartialRefund: a merchant refunds part, then the rest, never more.
func TestPartialRefund(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		shop, bea := e.merchant("nestshop"), e.member("bea")
		e.fund(bea, 50_00)
		o := e.offer(shop, e.product(shop, "Nest mug", 20_00, 5, commerce.Physical), "")
		ord, err := e.shop.Buy(e.ctx, commerce.BuyInput{BuyerID: bea, OfferID: o.ID, IdempotencyKey: "b"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = e.shop.Refund(e.ctx, commerce.RefundInput{MerchantID: bea, OrderID: ord.ID, Amount: 5_00, IdempotencyKey: "r"})
		wantCode(t, "refund by the buyer", err, nestegg.NotFound)
		r, err := e.shop.Refund(e.ctx, commerce.RefundInput{MerchantID: shop, OrderID: ord.ID, Amount: 5_00, Reason: "chipped", IdempotencyKey: "r1"})
		if err != nil || r.Amount.Minor != 5_00 {
			t.Fatalf("Refund = %+v, %v", r, err)
		}
		if again, err := e.shop.Refund(e.ctx, commerce.RefundInput{MerchantID: shop, OrderID: ord.ID, Amount: 5_00, Reason: "chipped", IdempotencyKey: "r1"}); err != nil || again.ID != r.ID {
			t.Fatalf("refund replay = %+v, %v", again, err)
		}
		e.wantBalance("buyer", bea, 35_00)
		e.wantBalance("merchant", shop, 14_50)
		got, _ := e.shop.Order(e.ctx, bea, ord.ID)
		if got.Status != commerce.StatusPaid || got.Refunded != 5_00 {
			t.Fatalf("order after a partial refund = %+v", got)
		}
		_, err = e.shop.Refund(e.ctx, commerce.RefundInput{MerchantID: shop, OrderID: ord.ID, Amount: 15_01, IdempotencyKey: "r2"})
		wantCode(t, "refund beyond what is left", err, nestegg.Invalid)
		// The merchant paid the fee, so refunding all of the price needs
		// money of its own.
		_, err = e.shop.Refund(e.ctx, commerce.RefundInput{MerchantID: shop, OrderID: ord.ID, IdempotencyKey: "r3"})
		wantCode(t, "refund beyond the merchant's wallet", err, nestegg.InsufficientFunds)
		e.fund(shop, 1_00)
		if _, err := e.shop.Refund(e.ctx, commerce.RefundInput{MerchantID: shop, OrderID: ord.ID, IdempotencyKey: "r4"}); err != nil {
			t.Fatal(err)
		}
		got, _ = e.shop.Order(e.ctx, bea, ord.ID)
		if got.Status != commerce.StatusRefunded || got.Refunded != 20_00 {
			t.Fatalf("order after refunding the rest = %+v", got)
		}
		e.wantBalance("buyer", bea, 50_00)
		e.wantBalance("merchant", shop, 50) // the fee stays with the platform
		e.conserved()
	})
}
