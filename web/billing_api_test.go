package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/nestegg/nestegg/movement"
	"github.com/nestegg/nestegg/movement/movementtest"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

type subJSON struct {
	ID        string `json:"id"`
	PlanID    string `json:"plan_id"`
	Status    string `json:"status"`
	Paid      int64  `json:"paid_this_period"`
	Payment   string `json:"payment_method"`
	CancelEnd bool   `json:"cancel_at_period_end"`
	Access    bool   `json:"access"`
}

// TestSubscriptionsAPI: subscribe (a replay charges once, another body is
// 422), upgrade, the verified check on the member's public JSON, search
// and profile, cancel, a card as the payment source (a declined card
// charges nothing), nobody else sees or changes the subscription, and the
// books hold after.
func TestSubscriptionsAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAPI(t, db)
		t.Cleanup(func() { movementtest.Audit(t, movement.New(db, e.ledger, e.comp, nil)) })
		ann := e.signupMember(t, "ann")
		eve := e.signupMember(t, "eve")
		e.fundWallet(t, ann.id, 50_00)

		var plans struct {
			Data []struct {
				ID    string `json:"id"`
				Price int64  `json:"price"`
			} `json:"data"`
		}
		e.call(t, http.StatusOK, &plans, "GET", "/api/v1/plans", "", "")
		if len(plans.Data) != 6 {
			t.Fatalf("plans: %+v", plans)
		}
		subscribe := func(key, body string) *httptest.ResponseRecorder {
			return e.asWith(ann.token, "POST", "/api/v1/subscriptions", body, "Idempotency-Key", key)
		}
		r := subscribe("s1", `{"plan_id":"pln_premium_1_month"}`)
		if r.Code != http.StatusCreated {
			t.Fatalf("subscribe = %d %s", r.Code, r.Body)
		}
		if r2 := subscribe("s1", `{"plan_id":"pln_premium_1_month"}`); r2.Code != http.StatusCreated || r2.Body.String() != r.Body.String() {
			t.Errorf("replay = %d %s", r2.Code, r2.Body)
		}
		if r3 := subscribe("s1", `{"plan_id":"pln_premium_2_month"}`); r3.Code != http.StatusUnprocessableEntity {
			t.Errorf("key reused for another plan = %d %s", r3.Code, r3.Body)
		}
		if r4 := subscribe("s2", `{"plan_id":"pln_premium_2_month"}`); r4.Code != http.StatusConflict {
			t.Errorf("a second subscription = %d %s", r4.Code, r4.Body)
		}
		var sub subJSON
		e.call(t, http.StatusOK, nil, "GET", "/api/v1/subscriptions", ann.token, "")
		if err := json.Unmarshal(r.Body.Bytes(), &sub); err != nil {
			t.Fatal(err)
		}
		if sub.Status != "active" || sub.Paid != 300 || !sub.Access {
			t.Fatalf("subscription %+v", sub)
		}
		if w := e.as(eve.token, "GET", "/api/v1/subscriptions/"+sub.ID, ""); w.Code != http.StatusNotFound {
			t.Errorf("another member's subscription = %d", w.Code)
		}
		if w := e.as(eve.token, "POST", "/api/v1/subscriptions/"+sub.ID+"/cancel", ""); w.Code != http.StatusNotFound {
			t.Errorf("cancelling another's = %d", w.Code)
		}
		up := e.asWith(ann.token, "POST", "/api/v1/subscriptions/"+sub.ID+"/plan", `{"plan_id":"pln_premium_2_month"}`, "Idempotency-Key", "u1")
		if up.Code != http.StatusOK {
			t.Fatalf("upgrade = %d %s", up.Code, up.Body)
		}
		var u struct {
			Verified bool `json:"verified"`
		}
		e.call(t, http.StatusOK, &u, "GET", "/api/v1/users/"+ann.handle, eve.token, "")
		if !u.Verified {
			t.Error("no verified check in the API after upgrading to Premium")
		}
		w := e.as(eve.token, "GET", "/api/v1/search/users?q="+ann.handle, "")
		if w.Code == http.StatusOK && !strings.Contains(w.Body.String(), `"verified":true`) {
			t.Errorf("search results lack the check: %s", w.Body)
		}
		e.call(t, http.StatusOK, &sub, "POST", "/api/v1/subscriptions/"+sub.ID+"/cancel", ann.token, "")
		if !sub.CancelEnd || !sub.Access {
			t.Errorf("cancelled: %+v", sub)
		}
		// A card pays renewals; a declined card is refused by name.
		card := e.linkedCard(t, ann.id, cardOK)
		e.call(t, http.StatusOK, &sub, "PUT", "/api/v1/subscriptions/"+sub.ID+"/payment-method", ann.token, `{"payment_method":"card:`+card.ID+`"}`)
		if sub.Payment != "card:"+card.ID {
			t.Errorf("payment method %q", sub.Payment)
		}
		if w := e.as(eve.token, "PUT", "/api/v1/subscriptions/"+sub.ID+"/payment-method", `{"payment_method":"card:`+card.ID+`"}`); w.Code != http.StatusNotFound {
			t.Errorf("setting another's payment method = %d", w.Code)
		}
		var receipts struct {
			Data []struct {
				Amount int64  `json:"amount"`
				Kind   string `json:"kind"`
			} `json:"data"`
		}
		e.call(t, http.StatusOK, &receipts, "GET", "/api/v1/receipts", ann.token, "")
		if len(receipts.Data) != 2 || receipts.Data[1].Amount != 300 || receipts.Data[0].Kind != "upgrade" {
			t.Errorf("receipts %+v", receipts)
		}
		// Eve pays with a card that is declined: nothing is charged.
		bad := e.linkedCard(t, eve.id, cardDecline)
		d := e.asWith(eve.token, "POST", "/api/v1/subscriptions", `{"plan_id":"pln_premium_1_month","payment_method":"card:`+bad.ID+`"}`, "Idempotency-Key", "e1")
		if d.Code != http.StatusConflict || !strings.Contains(d.Body.String(), "card_id") {
			t.Errorf("declined card = %d %s", d.Code, d.Body)
		}
		good := e.linkedCard(t, eve.id, cardOK)
		ok := e.asWith(eve.token, "POST", "/api/v1/subscriptions", `{"plan_id":"pln_premium_1_month","payment_method":"card:`+good.ID+`"}`, "Idempotency-Key", "e2")
		if ok.Code != http.StatusCreated {
			t.Fatalf("card subscription = %d %s", ok.Code, ok.Body)
		}
		bal, err := e.pay.Balance(context.Background(), eve.id, "USD")
		if err != nil || bal.Minor != 0 {
			t.Errorf("eve's wallet after the card paid: %v, %v", bal, err)
		}
	})
}
