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

// TestHashtagBuyVariants: a product with variants can be bought by
// hashtag (issue 11 item 18). The post may name the variant
// ("#BuyNestMug Charcoal"); a post that names none leaves the choice to
// the confirmation (ChooseVariant in the app, or the confirming reply),
// and confirming without one refuses, charging nothing, and names the
// choices. Before, every such purchase failed with "choose one of".
func TestHashtagBuyVariants(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		shop, bea, cal, dan := e.merchant("nestshop"), e.member("bea"), e.member("cal"), e.member("dan")
		for _, u := range []string{bea, cal, dan} {
			e.fund(u, 50_00)
		}
		prod, err := e.shop.CreateProduct(e.ctx, shop, commerce.ProductInput{Title: "Nest mug", Price: usd(20_00), Stock: 5,
			Kind: commerce.Physical, Variants: []string{"Cream", "Charcoal"}})
		if err != nil {
			t.Fatal(err)
		}
		o := e.offer(shop, prod, "BuyNestMug")

		// Bea names the variant in her post, in any case.
		e.post(bea, "#BuyNestMug charcoal please", o.PostID)
		in := e.pending(bea)
		if in.Variant != "Charcoal" {
			t.Fatalf("intent variant = %q, want Charcoal", in.Variant)
		}
		if n := e.notifications(bea); len(n) == 0 || !strings.Contains(n[0].Text, "Nest mug (Charcoal)") {
			t.Fatalf("bea's notifications = %+v, want the variant named", n)
		}
		ord, err := e.shop.ConfirmIntent(e.ctx, bea, in.ID, nil)
		if err != nil || ord.Variant != "Charcoal" {
			t.Fatalf("ConfirmIntent = %+v, %v; want a Charcoal order", ord, err)
		}
		e.wantBalance("bea", bea, 30_00)

		// Cal names none: told where to choose; confirming without a
		// choice refuses and charges nothing; choosing then confirming buys.
		e.post(cal, "#BuyNestMug", o.PostID)
		cin := e.pending(cal)
		if n := e.notifications(cal); len(n) == 0 || !strings.Contains(n[0].Text, "choose Cream or Charcoal") {
			t.Fatalf("cal's notifications = %+v, want the choices", n)
		}
		_, err = e.shop.ConfirmIntent(e.ctx, cal, cin.ID, nil)
		wantCode(t, "confirm without a variant", err, nestegg.Invalid)
		if nestegg.ErrorParam(err) != "variant" || !strings.Contains(nestegg.ErrorMessage(err), "Cream, Charcoal") {
			t.Fatalf("confirm without a variant: %v, want param variant naming the choices", err)
		}
		e.wantBalance("cal before choosing", cal, 50_00)
		_, err = e.shop.ChooseVariant(e.ctx, cal, cin.ID, "Teal")
		wantCode(t, "choose a variant that is not one", err, nestegg.Invalid)
		_, err = e.shop.ChooseVariant(e.ctx, bea, cin.ID, "Cream")
		wantCode(t, "choose another's variant", err, nestegg.NotFound)
		if _, err := e.shop.ChooseVariant(e.ctx, cal, cin.ID, "cream"); err != nil {
			t.Fatalf("ChooseVariant: %v", err)
		}
		ord, err = e.shop.ConfirmIntent(e.ctx, cal, cin.ID, nil)
		if err != nil || ord.Variant != "Cream" {
			t.Fatalf("ConfirmIntent after choosing = %+v, %v; want a Cream order", ord, err)
		}
		e.wantBalance("cal", cal, 30_00)
		if again, err := e.shop.ChooseVariant(e.ctx, cal, cin.ID, "Cream"); err != nil || again.Variant != "Cream" {
			t.Fatalf("choosing again what was bought = %+v, %v; want it unchanged", again, err)
		}
		if _, err := e.shop.ChooseVariant(e.ctx, cal, cin.ID, "Charcoal"); !nestegg.Is(err, nestegg.Conflict) {
			t.Fatalf("choosing after confirming: %v, want conflict", err)
		}

		// Dan confirms by reply: a reply without the variant buys nothing
		// and says how; one with it buys.
		p := e.post(dan, "#BuyNestMug", o.PostID)
		din := e.pending(dan)
		e.post(dan, "#"+din.ConfirmTag(), p.ID)
		e.pending(dan)
		if n := e.notifications(dan); len(n) == 0 || !strings.Contains(n[0].Text, "#"+din.ConfirmTag()+" Cream") {
			t.Fatalf("dan's notifications = %+v, want how to reply with a variant", n)
		}
		e.wantBalance("dan before choosing", dan, 50_00)
		e.post(dan, "#"+din.ConfirmTag()+" Charcoal", p.ID)
		e.noPending(dan)
		e.wantBalance("dan", dan, 30_00)
		os, err := e.shop.Orders(e.ctx, dan, commerce.AsBuyer, time.Time{}, 10)
		if err != nil || len(os) != 1 || os[0].Variant != "Charcoal" {
			t.Fatalf("dan's orders = %+v, %v; want one Charcoal", os, err)
		}
		e.conserved()
	})
}

func TestVariantIn(t *testing.T) {
	vs := []string{"Cream", "Charcoal", "Extra large"}
	for _, c := range []struct{ text, want string }{
		{"#BuyNestMug Charcoal", "Charcoal"},
		{"#BuyNestMug CREAM!", "Cream"},
		{"#BuyNestMug extra large please", "Extra large"},
		{"#BuyNestMug large", ""},
		{"#BuyNestMug cream or charcoal?", ""},
		{"#BuyNestMug charcoals", ""},
		{"#BuyNestMug", ""},
	} {
		if got := commerce.VariantIn(c.text, vs); got != c.want {
			t.Errorf("VariantIn(%q) = %q, want %q", c.text, got, c.want)
		}
	}
}
