package commerce_test

import (
	"fmt"
	"testing"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/commerce"
	"github.com/nestegg/nestegg/social"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// TestGiftHandleReservedAgainstSignup (issue 11 item 16): a shop's gift
// handle cannot be taken by a later sign-up (who would then get the
// mentions of every gift post meant for the shop); a handle the shop gives
// up is free again; a gift handle cannot be somebody's handle or another
// shop's.
func TestGiftHandleReservedAgainstSignup(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		shop, other := e.merchant("nestshop"), e.merchant("othershop")
		mug := e.product(shop, "Nest mug", 20_00, 5, commerce.Physical)
		cup := e.product(other, "Cup", 5_00, 5, commerce.Physical)
		if _, err := e.shop.SetMerchantSettings(e.ctx, shop, commerce.Merchant{GiftHandle: "@GiftAMug", GiftProductID: mug.ID}); err != nil {
			t.Fatal(err)
		}
		n := 0
		signup := func(h string) error {
			n++
			_, err := e.social.Signup(e.ctx, social.SignupInput{Handle: h, DisplayName: "Someone", Email: fmt.Sprintf("someone%d@example.com", n), Password: "correct horse battery"})
			return err
		}
		for _, h := range []string{"giftamug", "GiftAMug", "@GIFTAMUG"} {
			err := signup(h)
			wantCode(t, "sign up as the gift handle "+h, err, nestegg.Conflict)
			if p := nestegg.ErrorParam(err); p != "handle" {
				t.Errorf("sign up as %s: param %q, want handle", h, p)
			}
		}
		_, err := e.shop.SetMerchantSettings(e.ctx, other, commerce.Merchant{GiftHandle: "giftamug", GiftProductID: cup.ID})
		wantCode(t, "another shop's gift handle", err, nestegg.Conflict)
		_, err = e.shop.SetMerchantSettings(e.ctx, other, commerce.Merchant{GiftHandle: "nestshop", GiftProductID: cup.ID})
		wantCode(t, "a member's handle", err, nestegg.Conflict)

		// Changing the gift handle frees the old one and claims the new.
		if _, err := e.shop.SetMerchantSettings(e.ctx, shop, commerce.Merchant{GiftHandle: "mugsforall", GiftProductID: mug.ID}); err != nil {
			t.Fatal(err)
		}
		if err := signup("giftamug"); err != nil {
			t.Fatalf("sign up as a released gift handle: %v", err)
		}
		wantCode(t, "sign up as the new gift handle", signup("mugsforall"), nestegg.Conflict)
		// Same settings again: the shop keeps its own claim.
		if _, err := e.shop.SetMerchantSettings(e.ctx, shop, commerce.Merchant{GiftHandle: "mugsforall", GiftProductID: mug.ID}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.shop.SetMerchantSettings(e.ctx, shop, commerce.Merchant{}); err != nil {
			t.Fatal(err)
		}
		if err := signup("mugsforall"); err != nil {
			t.Fatalf("sign up after the shop dropped its gift handle: %v", err)
		}
	})
}
