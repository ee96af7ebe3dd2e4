package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/nestegg/nestegg/commerce"
	"github.com/nestegg/nestegg/rails"
	"github.com/nestegg/nestegg/social"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
	"github.com/nestegg/nestegg/web"
)

// newCardShopAPI is newAPI with card buys on: the shop charges saved
// cards through the env's sandbox funding.
func newCardShopAPI(t *testing.T, db *store.DB) *apiEnv {
	t.Helper()
	e := newAPI(t, db)
	shop, err := commerce.New(db, e.ledger, e.social, e.comp, commerce.Config{Funding: e.funds})
	if err != nil {
		t.Fatalf("commerce.New: %v", err)
	}
	e.shop = shop
	e.srv = web.New(web.Deps{DB: db, Ledger: e.ledger, Social: e.social, Payments: e.pay, Compliance: e.comp, Commerce: shop, Funding: e.funds,
		SandboxCards: e.cards, Version: "test"})
	t.Cleanup(func() { e.srv.Close() })
	return e
}

// shopCard links a sandbox test card for userID and returns its id.
func (e *apiEnv) shopCard(t *testing.T, userID, number string) string {
	t.Helper()
	ctx := context.Background()
	tok, err := e.cards.Tokenize(ctx, userID, rails.CardDetails{Number: number, ExpMonth: 12, ExpYear: 2040, CVC: "123"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := e.funds.LinkCard(ctx, userID, tok.Token)
	if err != nil {
		t.Fatalf("LinkCard: %v", err)
	}
	return c.ID
}

// TestAPIBuyWithCard buys through the API with payment_method "card:<id>":
// 201 with the card charge beside the order (the fee as quoted), a replay
// charges once, a decline is a 402 card_error with the processor's code,
// 3-D Secure a 202 pointing at the confirmation (the money then buys from
// the wallet), and a bad method a 400.
func TestAPIBuyWithCard(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newCardShopAPI(t, db)
		ctx := context.Background()
		merchant, buyer := e.signupMember(t, "cardshop"), e.signupMember(t, "cardbuyer")
		if err := e.social.SetKind(ctx, merchant.id, social.Business); err != nil {
			t.Fatal(err)
		}
		p, err := e.shop.CreateProduct(ctx, merchant.id, commerce.ProductInput{Title: "Mug", Price: usd(20_00), Stock: 5, Kind: commerce.Physical})
		if err != nil {
			t.Fatal(err)
		}
		o, err := e.shop.CreateOffer(ctx, merchant.id, commerce.OfferInput{ProductID: p.ID})
		if err != nil {
			t.Fatal(err)
		}
		buy := func(key, body string) (int, []byte) {
			w := e.serve(request("POST", "/api/v1/offers/"+o.ID+"/buy", body, "Authorization", "Bearer "+buyer.token, "Idempotency-Key", key))
			return w.Code, w.Body.Bytes()
		}
		var q struct {
			Fee int64 `json:"fee"`
		}
		e.call(t, http.StatusOK, &q, "GET", "/api/v1/topups/quote?amount=2000", buyer.token, "")
		if q.Fee != 20_00*290/10_000+30 {
			t.Fatalf("quote fee = %d, want 88", q.Fee)
		}

		visa := e.shopCard(t, buyer.id, "4242424242424242")
		body := fmt.Sprintf(`{"payment_method":"card:%s","card_fee":%d}`, visa, q.Fee)
		var got struct {
			ID         string `json:"id"`
			Status     string `json:"status"`
			CardCharge struct {
				ID       string `json:"id"`
				Status   string `json:"status"`
				Fee      int64  `json:"fee"`
				MethodID string `json:"method_id"`
			} `json:"card_charge"`
		}
		code, b := buy("c1", body)
		if code != http.StatusCreated {
			t.Fatalf("card buy = %d %s, want 201", code, b)
		}
		if err := json.Unmarshal(b, &got); err != nil || got.Status != "paid" || got.CardCharge.Status != "succeeded" || got.CardCharge.Fee != 88 || got.CardCharge.MethodID != visa {
			t.Fatalf("card buy = %s (%v)", b, err)
		}
		first := got
		if code, b = buy("c1", body); code != http.StatusCreated || json.Unmarshal(b, &got) != nil || got.ID != first.ID || got.CardCharge.ID != first.CardCharge.ID {
			t.Fatalf("replay = %d %s, want the first order %s", code, b, first.ID)
		}
		if ms, _ := e.funds.Movements(ctx, buyer.id, 0); len(ms) != 1 {
			t.Fatalf("%d card charges, want 1", len(ms))
		}

		code, b = buy("c2", fmt.Sprintf(`{"payment_method":"card:%s","card_fee":1}`, visa))
		if code != http.StatusConflict || !strings.Contains(string(b), `"param":"card_fee"`) {
			t.Fatalf("stale fee = %d %s, want 409 on card_fee", code, b)
		}

		declined := e.shopCard(t, buyer.id, "4000000000009995")
		code, b = buy("c3", fmt.Sprintf(`{"payment_method":"card:%s"}`, declined))
		var ae apiError
		if code != http.StatusPaymentRequired || json.Unmarshal(b, &ae) != nil || ae.Error.Type != "card_error" ||
			!strings.Contains(string(b), `"decline_code":"insufficient_funds"`) || !strings.Contains(ae.Error.Message, "insufficient funds") {
			t.Fatalf("declined = %d %s, want 402 card_error insufficient_funds", code, b)
		}

		secure := e.shopCard(t, buyer.id, "4000002500003155")
		code, b = buy("c4", fmt.Sprintf(`{"payment_method":"card:%s"}`, secure))
		var pending struct {
			Status     string `json:"status"`
			ConfirmURL string `json:"confirm_url"`
			CardCharge struct {
				ID string `json:"id"`
			} `json:"card_charge"`
		}
		if code != http.StatusAccepted || json.Unmarshal(b, &pending) != nil || pending.Status != "requires_action" ||
			pending.ConfirmURL != "/api/v1/topups/"+pending.CardCharge.ID+"/confirm" {
			t.Fatalf("3-D Secure = %d %s, want 202 requires_action", code, b)
		}
		if w := e.serve(request("POST", pending.ConfirmURL, "", "Authorization", "Bearer "+buyer.token, "Idempotency-Key", "confirm")); w.Code != http.StatusOK {
			t.Fatalf("confirm = %d %s", w.Code, w.Body)
		}
		// The confirmed money is in the wallet: the buy finishes from it.
		if code, b = buy("c4b", `{"payment_method":"wallet"}`); code != http.StatusCreated {
			t.Fatalf("wallet buy after confirming = %d %s, want 201", code, b)
		}
		if bal, _ := e.pay.Balance(ctx, buyer.id, "USD"); bal.Minor != 0 {
			t.Fatalf("buyer's wallet = %d, want 0", bal.Minor)
		}

		if code, b = buy("c5", `{"payment_method":"paypal"}`); code != http.StatusBadRequest || !strings.Contains(string(b), `"param":"payment_method"`) {
			t.Fatalf("bad method = %d %s, want 400", code, b)
		}
		if p, _ := e.shop.Product(ctx, "", p.ID); p.Stock != 3 {
			t.Fatalf("stock = %d, want 3", p.Stock)
		}
	})
}
