package commerce_test

import (
	"testing"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/commerce"
	"github.com/nestegg/nestegg/social"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// TestDisputePartyCannotResolve (issue 11 item 16): a member of staff who
// is the buyer or the merchant of a disputed order cannot resolve it;
// another member of staff can, and nothing moved before.
func TestDisputePartyCannotResolve(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		shop, bea, sue := e.merchant("nestshop"), e.member("bea"), e.member("sue")
		for _, id := range []string{shop, bea, sue} {
			if err := e.social.OperatorSetStaffRole(e.ctx, id, social.Support); err != nil {
				t.Fatal(err)
			}
		}
		e.fund(bea, 100_00)
		o := e.offer(shop, e.product(shop, "Nest mug", 20_00, 5, commerce.Physical), "")
		ord, err := e.shop.Buy(e.ctx, commerce.BuyInput{BuyerID: bea, OfferID: o.ID, IdempotencyKey: "k"})
		if err != nil {
			t.Fatal(err)
		}
		e.fund(shop, 1_00) // the fee it paid: a hold is of the whole price
		d, err := e.shop.OpenDispute(e.ctx, bea, ord.ID, "never arrived")
		if err != nil {
			t.Fatal(err)
		}
		_, err = e.shop.ResolveDispute(e.ctx, bea, d.ID, true, "I win")
		wantCode(t, "resolution by the buyer", err, nestegg.Forbidden)
		_, err = e.shop.ResolveDispute(e.ctx, shop, d.ID, false, "I win")
		wantCode(t, "resolution by the merchant", err, nestegg.Forbidden)
		e.wantBalance("buyer while open", bea, 80_00)
		e.wantBalance("merchant while open", shop, 50)
		if got, err := e.shop.ResolveDispute(e.ctx, sue, d.ID, true, "carrier lost it"); err != nil || got.Status != commerce.DisputeWon {
			t.Fatalf("resolution by other staff = %+v, %v", got, err)
		}
		e.wantBalance("buyer after winning", bea, 100_00)
		e.conserved()
	})
}
