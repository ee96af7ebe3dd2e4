package commerce_test

import (
	"testing"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/commerce"
	"github.com/nestegg/nestegg/social"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// TestDisputeWonAndLost: a dispute holds the merchant's money with a
// pending transfer; staff post it to the buyer (won) or void it (lost).
func TestDisputeWonAndLost(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		shop, bea := e.merchant("nestshop"), e.member("bea")
		staff, nosy := e.member("sue"), e.member("nosy")
		if err := e.social.OperatorSetStaffRole(e.ctx, staff, social.Support); err != nil {
			t.Fatal(err)
		}
		e.fund(bea, 100_00)
		o := e.offer(shop, e.product(shop, "Nest mug", 20_00, 5, commerce.Physical), "")
		buy := func(key string) commerce.Order {
			ord, err := e.shop.Buy(e.ctx, commerce.BuyInput{BuyerID: bea, OfferID: o.ID, IdempotencyKey: key})
			if err != nil {
				t.Fatal(err)
			}
			return ord
		}
		won, lost := buy("won"), buy("lost")
		e.wantBalance("merchant", shop, 39_00)

		_, err := e.shop.OpenDispute(e.ctx, shop, won.ID, "not mine")
		wantCode(t, "dispute by the merchant", err, nestegg.NotFound)
		d1, err := e.shop.OpenDispute(e.ctx, bea, won.ID, "never arrived")
		if err != nil || d1.Amount.Minor != 20_00 || d1.Status != commerce.DisputeOpen {
			t.Fatalf("OpenDispute = %+v, %v", d1, err)
		}
		_, err = e.shop.OpenDispute(e.ctx, bea, won.ID, "again")
		wantCode(t, "second dispute", err, nestegg.Conflict)
		e.wantBalance("merchant with one hold", shop, 19_00)
		e.wantBalance("buyer before resolution", bea, 60_00)
		_, err = e.shop.Refund(e.ctx, commerce.RefundInput{MerchantID: shop, OrderID: won.ID, IdempotencyKey: "r"})
		wantCode(t, "refund of a disputed order", err, nestegg.Conflict)

		_, err = e.shop.ResolveDispute(e.ctx, nosy, d1.ID, true, "")
		wantCode(t, "resolution by a member", err, nestegg.Forbidden)
		queue, err := e.shop.Disputes(e.ctx, staff, commerce.DisputeOpen)
		if err != nil || len(queue) != 1 {
			t.Fatalf("staff queue = %+v, %v", queue, err)
		}
		if mine, _ := e.shop.Disputes(e.ctx, nosy, ""); len(mine) != 0 {
			t.Fatalf("a stranger sees disputes: %+v", mine)
		}
		if _, err := e.shop.ResolveDispute(e.ctx, staff, d1.ID, true, "carrier lost it"); err != nil {
			t.Fatal(err)
		}
		_, err = e.shop.ResolveDispute(e.ctx, staff, d1.ID, false, "")
		wantCode(t, "resolving twice", err, nestegg.Conflict)
		e.wantBalance("buyer after winning", bea, 80_00)
		e.wantBalance("merchant after losing one", shop, 19_00)
		if got, _ := e.shop.Order(e.ctx, bea, won.ID); got.Status != commerce.StatusRefunded || got.Refunded != 20_00 {
			t.Fatalf("won order = %+v", got)
		}

		if _, err := e.shop.Ship(e.ctx, shop, lost.ID, "parcel 123"); err != nil {
			t.Fatal(err)
		}
		e.fund(shop, 1_00) // the fee it paid: a hold is of the whole price
		d2, err := e.shop.OpenDispute(e.ctx, bea, lost.ID, "wrong colour")
		if err != nil {
			t.Fatal(err)
		}
		e.wantBalance("merchant with the second hold", shop, 0)
		if _, err := e.shop.ResolveDispute(e.ctx, staff, d2.ID, false, "as described"); err != nil {
			t.Fatal(err)
		}
		e.wantBalance("merchant after winning", shop, 20_00)
		e.wantBalance("buyer after losing", bea, 80_00)
		if got, _ := e.shop.Order(e.ctx, bea, lost.ID); got.Status != commerce.StatusShipped {
			t.Fatalf("lost order = %+v, want back to shipped", got)
		}

		// The window closes.
		late := buy("late")
		e.clock.Advance(31 * 24 * time.Hour)
		_, err = e.shop.OpenDispute(e.ctx, bea, late.ID, "too late")
		wantCode(t, "dispute after the window", err, nestegg.Conflict)
		e.conserved()
	})
}
