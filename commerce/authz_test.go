package commerce_test

import (
	"strings"
	"testing"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/commerce"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// TestShippingAddressPrivacy: a shipping address is seen only by the
// merchant fulfilling the order and the person who entered it; for a gift
// that is the friend, and the sender never sees it.
func TestShippingAddressPrivacy(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		shop, other := e.merchant("nestshop"), e.merchant("othershop")
		bea, sam, fay, eve := e.member("bea"), e.member("sam"), e.member("fay"), e.member("eve")
		e.fund(bea, 50_00)
		e.fund(sam, 50_00)
		mug := e.product(shop, "Nest mug", 20_00, 5, commerce.Physical)
		o := e.offer(shop, mug, "")
		ord, err := e.shop.Buy(e.ctx, commerce.BuyInput{BuyerID: bea, OfferID: o.ID, IdempotencyKey: "a"})
		if err != nil {
			t.Fatal(err)
		}
		const addr = "1 Nest Lane, Eggtown"
		for who, id := range map[string]string{"the merchant": shop, "a stranger": eve} {
			_, err := e.shop.SetShippingAddress(e.ctx, id, ord.ID, "elsewhere")
			wantCode(t, "SetShippingAddress by "+who, err, nestegg.NotFound)
		}
		if _, err := e.shop.SetShippingAddress(e.ctx, bea, ord.ID, addr); err != nil {
			t.Fatal(err)
		}

		// A gift: the friend enters the address, the sender can't see it.
		if _, err := e.shop.SetMerchantSettings(e.ctx, shop, commerce.Merchant{GiftHandle: "giftamug", GiftProductID: mug.ID}); err != nil {
			t.Fatal(err)
		}
		e.post(sam, "@giftamug for @fay", "")
		gift, err := e.shop.ConfirmIntent(e.ctx, sam, e.pending(sam).ID, nil)
		if err != nil {
			t.Fatal(err)
		}
		const giftAddr = "9 Friend Street"
		_, err = e.shop.SetShippingAddress(e.ctx, sam, gift.ID, "sender's guess")
		wantCode(t, "the sender entering the gift's address", err, nestegg.NotFound)
		if _, err := e.shop.SetShippingAddress(e.ctx, fay, gift.ID, giftAddr); err != nil {
			t.Fatal(err)
		}

		for _, c := range []struct {
			order, addr string
			viewer      string
			who         string
			sees        bool
			visible     bool
		}{
			{ord.ID, addr, bea, "the buyer who entered it", true, true},
			{ord.ID, addr, shop, "the merchant", true, true},
			{ord.ID, addr, eve, "a stranger", false, false},
			{ord.ID, addr, other, "another merchant", false, false},
			{gift.ID, giftAddr, fay, "the friend who entered it", true, true},
			{gift.ID, giftAddr, shop, "the merchant", true, true},
			{gift.ID, giftAddr, sam, "the gift's sender", false, true},
			{gift.ID, giftAddr, eve, "a stranger", false, false},
		} {
			got, err := e.shop.Order(e.ctx, c.viewer, c.order)
			if !c.visible {
				wantCode(t, "Order as "+c.who, err, nestegg.NotFound)
				continue
			}
			if err != nil {
				t.Fatalf("Order as %s: %v", c.who, err)
			}
			if (got.Address == c.addr) != c.sees {
				t.Errorf("Order as %s: address %q, want seen=%v", c.who, got.Address, c.sees)
			}
		}
		for _, c := range []struct {
			viewer string
			role   commerce.OrderRole
			who    string
		}{{sam, commerce.AsBuyer, "the sender"}, {eve, commerce.AsBuyer, "a stranger"}, {other, commerce.AsMerchant, "another merchant"}} {
			list, err := e.shop.Orders(e.ctx, c.viewer, c.role, time.Time{}, 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range list {
				if strings.Contains(o.Address, "Street") || strings.Contains(o.Address, "Lane") {
					t.Errorf("Orders as %s shows an address: %+v", c.who, o)
				}
			}
		}
	})
}

// TestVoucherRedemptionAuthorization: only the issuing merchant redeems a
// voucher; the holder, the sender, other merchants and strangers cannot,
// and their attempts change nothing.
func TestVoucherRedemptionAuthorization(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		shop, _ := giftShop(e, commerce.PolicyRefund, 30)
		other := e.merchant("othershop")
		if _, err := e.shop.CreateProduct(e.ctx, other, commerce.ProductInput{Title: "Tea", Price: usd(3_00), Stock: 1}); err != nil {
			t.Fatal(err)
		}
		sam, fay, eve := e.member("sam"), e.member("fay"), e.member("eve")
		e.fund(sam, 10_00)
		e.post(sam, "@fay a coffee on me @giftacoffee", "")
		if _, err := e.shop.ConfirmIntent(e.ctx, sam, e.pending(sam).ID, nil); err != nil {
			t.Fatal(err)
		}
		vs, _ := e.shop.Vouchers(e.ctx, fay)
		code := vs[0].Code
		for who, id := range map[string]string{"another merchant": other, "the holder": fay, "the sender": sam, "a stranger": eve, "nobody": ""} {
			_, err := e.shop.RedeemVoucher(e.ctx, id, code)
			wantCode(t, "RedeemVoucher by "+who, err, nestegg.NotFound)
		}
		_, err := e.shop.RedeemVoucher(e.ctx, shop, "AAAAAAAAAA")
		wantCode(t, "RedeemVoucher of an unknown code", err, nestegg.NotFound)
		if vs, _ := e.shop.Vouchers(e.ctx, fay); vs[0].Status != commerce.VoucherActive {
			t.Fatalf("voucher after refused redemptions = %+v", vs[0])
		}
		e.wantBalance("other merchant", other, 0)
		if _, err := e.shop.RedeemVoucher(e.ctx, shop, code); err != nil {
			t.Fatal(err)
		}
		e.conserved()
	})
}
