package web_test

import (
	"context"
	"html"
	"regexp"
	"testing"
	"time"

	"github.com/nestegg/nestegg/commerce"
	"github.com/nestegg/nestegg/social"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// TestPageBuyAtThePriceShown (issue 11 item 5): the Buy form and the
// Confirm form of a purchase waiting on the orders page carry the price
// they show; when the merchant changed it meanwhile, the buy is refused
// with both prices and nothing is charged, and the Buy block shows the
// new price to buy at.
func TestPageBuyAtThePriceShown(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newCardShopSite(t, db)
		ctx := context.Background()
		s.signup("pricecafe")
		bea := s.signup("pricebea")
		cafe, _ := s.social.UserByHandle(ctx, "pricecafe")
		beaAcct, _ := s.social.UserByHandle(ctx, "pricebea")
		if err := s.social.SetKind(ctx, cafe.ID, social.Business); err != nil {
			t.Fatal(err)
		}
		p, err := s.shop.CreateProduct(ctx, cafe.ID, commerce.ProductInput{Title: "Nest mug", Price: usd(5_00), Stock: 5, Kind: commerce.Physical})
		if err != nil {
			t.Fatal(err)
		}
		o, err := s.shop.CreateOffer(ctx, cafe.ID, commerce.OfferInput{ProductID: p.ID, Hashtag: "BuyNestMug"})
		if err != nil {
			t.Fatal(err)
		}
		reprice := func(minor int64) {
			t.Helper()
			cur, _ := s.shop.Product(ctx, cafe.ID, p.ID)
			if _, err := s.shop.UpdateProduct(ctx, cafe.ID, p.ID, commerce.ProductInput{Title: cur.Title, Price: usd(minor), Stock: cur.Stock, Kind: cur.Kind}); err != nil {
				t.Fatal(err)
			}
		}
		const changed = "the price changed from $5.00 to $900.00; nothing was charged — review and buy again"

		page := bea.get("/posts/" + o.PostID)
		wantBody(t, "Buy form", page, `name="expected_price" value="500"`, `name="asset" value="USD"`, "Buy · $5.00")
		key := regexp.MustCompile(`name="key" value="([^"]+)"`).FindStringSubmatch(page.body)[1]
		reprice(900_00)
		r := bea.postH("/offers/"+o.ID+"/buy", []string{"HX-Request", "true"}, "key", key, "expected_price", "500", "asset", "USD", "next", "/")
		wantStatus(t, "buy at a changed price", r, 200)
		wantBody(t, "buy at a changed price", unescaped(r), "Couldn't buy: "+changed)
		wantBody(t, "the Buy block after the refusal", r, `name="expected_price" value="90000"`, "Buy · $900.00")
		wantNoBody(t, "buy at a changed price", r, "See your order")
		if got, _ := s.shop.Product(ctx, "", p.ID); got.Stock != 5 {
			t.Fatalf("stock after the refusal = %d, want 5", got.Stock)
		}

		// A purchase a post asked for, at $5: the orders page shows the
		// quote and its Confirm form repeats it.
		reprice(5_00)
		bea.postAs("I want one #BuyNestMug")
		ins, err := s.shop.PendingIntents(ctx, beaAcct.ID)
		if err != nil || len(ins) != 1 {
			t.Fatalf("pending = %+v, %v", ins, err)
		}
		orders := bea.get("/orders")
		wantBody(t, "orders page", orders, "Nest mug for $5.00", `name="expected_price" value="500"`)
		reprice(900_00)
		wantBody(t, "orders page after the change", bea.get("/orders"), "Nest mug for $5.00")
		r = bea.post("/purchases/"+ins[0].ID+"/confirm", "expected_price", "500", "asset", "USD", "next", "/orders")
		wantStatus(t, "confirm at a changed price", r, 303)
		after := bea.get(r.location)
		wantBody(t, "confirm at a changed price", unescaped(after), changed)
		if os, _ := s.shop.Orders(ctx, beaAcct.ID, commerce.AsBuyer, time.Time{}, 0); len(os) != 0 {
			t.Fatalf("orders after the refusals = %+v, want none", os)
		}
	})
}

// unescaped is r with its body's HTML entities decoded, to look for text.
func unescaped(r pageResp) pageResp {
	r.body = html.UnescapeString(r.body)
	return r
}
