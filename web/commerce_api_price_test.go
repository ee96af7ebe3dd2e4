package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/nestegg/nestegg/commerce"
	"github.com/nestegg/nestegg/social"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// TestAPIBuyAtThePriceShown (issue 11 item 5): a buy carrying the price
// the client showed (expected_price, asset) is refused with 409 and both
// prices when the merchant changed it meanwhile, and nothing is charged;
// half a price is a 400; a client that sends none buys at the price in
// force, as before.
func TestAPIBuyAtThePriceShown(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAPI(t, db)
		ctx := context.Background()
		merchant, buyer := e.signupMember(t, "priceshop"), e.signupMember(t, "pricebuyer")
		if err := e.social.SetKind(ctx, merchant.id, social.Business); err != nil {
			t.Fatal(err)
		}
		e.fundWallet(t, buyer.id, 100_00)
		p, err := e.shop.CreateProduct(ctx, merchant.id, commerce.ProductInput{Title: "Mug", Price: usd(5_00), Stock: 5, Kind: commerce.Physical})
		if err != nil {
			t.Fatal(err)
		}
		o, err := e.shop.CreateOffer(ctx, merchant.id, commerce.OfferInput{ProductID: p.ID})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.shop.UpdateProduct(ctx, merchant.id, p.ID, commerce.ProductInput{Title: "Mug", Price: usd(90_00), Stock: 5, Kind: commerce.Physical}); err != nil {
			t.Fatal(err)
		}
		buy := func(key, body string) *httptest.ResponseRecorder {
			return e.serve(request("POST", "/api/v1/offers/"+o.ID+"/buy", body, "Authorization", "Bearer "+buyer.token, "Idempotency-Key", key))
		}
		w := buy("k1", `{"expected_price":500,"asset":"USD"}`)
		ae := wantError(t, "buy at a changed price", w, http.StatusConflict, "")
		if want := "the price changed from $5.00 to $90.00; nothing was charged — review and buy again"; !strings.Contains(ae.Error.Message, want) {
			t.Fatalf("message %q, want %q", ae.Error.Message, want)
		}
		if b, _ := e.pay.Balance(ctx, buyer.id, "USD"); b.Minor != 100_00 {
			t.Fatalf("buyer has %d after the refusal, want 10000", b.Minor)
		}
		if got, _ := e.shop.Product(ctx, "", p.ID); got.Stock != 5 {
			t.Fatalf("stock %d after the refusal, want 5", got.Stock)
		}
		for i, c := range []struct{ body, param string }{{`{"expected_price":500}`, "asset"}, {`{"asset":"USD"}`, "expected_price"},
			{`{"expected_price":0,"asset":"USD"}`, "expected_price"}, {`{"expected_price":500,"asset":"XXX"}`, "asset"}} {
			body, param := c.body, c.param
			w := buy(fmt.Sprint("bad-", i), body)
			if ae := wantError(t, body, w, http.StatusBadRequest, ""); ae.Error.Param != param {
				t.Errorf("%s: param %q, want %q", body, ae.Error.Param, param)
			}
		}
		if r := buy("k2", `{"expected_price":9000,"asset":"USD"}`); r.Code != http.StatusCreated {
			t.Fatalf("buy at the price shown = %d %s, want 201", r.Code, r.Body)
		}
		if _, err := e.shop.UpdateProduct(ctx, merchant.id, p.ID, commerce.ProductInput{Title: "Mug", Price: usd(5_00), Stock: 4, Kind: commerce.Physical}); err != nil {
			t.Fatal(err)
		}
		if r := buy("k3", `{}`); r.Code != http.StatusCreated {
			t.Fatalf("buy without an expected price = %d %s, want 201", r.Code, r.Body)
		}
		if b, _ := e.pay.Balance(ctx, buyer.id, "USD"); b.Minor != 100_00-90_00-5_00 {
			t.Fatalf("buyer has %d, want 500", b.Minor)
		}
	})
}
