package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/nestegg/nestegg/movement"
	"github.com/nestegg/nestegg/movement/movementtest"
	"github.com/nestegg/nestegg/rails"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
	"github.com/nestegg/nestegg/web"
)

// lockedBuffer is a log sink shared by the server's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestDebitCardAPI: a member issues a card, sets its controls, asks for a
// reveal, freezes and unfreezes it, buys through the sandbox network (a
// replayed Idempotency-Key buys once), sees the purchase pending, captures
// it and sees it captured; bad input is a clear 400. Then no response and
// no line of the server's log (at debug) holds the card's number.
func TestDebitCardAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAPI(t, db)
		logs := &lockedBuffer{}
		e.srv = web.New(web.Deps{DB: db, Ledger: e.ledger, Social: e.social, Payments: e.pay, Compliance: e.comp, Commerce: e.shop, Billing: e.bill,
			Funding: e.funds, SandboxCards: e.cards, Events: e.events, Savings: e.sav, Cards: e.crd, SandboxIssuer: e.iss, Version: "test",
			Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
		t.Cleanup(func() { e.srv.Close() })
		t.Cleanup(func() { movementtest.Audit(t, movement.New(db, e.ledger, e.comp, nil)) })
		m := e.signupMember(t, "carder")
		if _, err := e.pay.Credit(context.Background(), m.id, usdAmount(t, "100"), "card-api-fund", "test"); err != nil {
			t.Fatal(err)
		}
		var bodies []string
		call := func(want int, out any, method, path, body string, headers ...string) {
			t.Helper()
			r := e.asWith(m.token, method, path, body, headers...)
			bodies = append(bodies, r.Body.String())
			if r.Code != want {
				t.Fatalf("%s %s = %d %s, want %d", method, path, r.Code, r.Body, want)
			}
			if out != nil {
				if err := json.Unmarshal(r.Body.Bytes(), out); err != nil {
					t.Fatal(err)
				}
			}
		}
		var card struct {
			ID, Last4, Status string
			Controls          struct {
				DailyLimit        int64    `json:"daily_limit"`
				BlockedCategories []string `json:"blocked_categories"`
				Online            bool     `json:"online"`
			} `json:"controls"`
		}
		call(201, &card, "POST", "/api/v1/debit-cards", "", "Idempotency-Key", "card-1")
		var again struct{ ID string }
		call(201, &again, "POST", "/api/v1/debit-cards", "", "Idempotency-Key", "card-1")
		if again.ID != card.ID || len(card.Last4) != 4 || card.Status != "active" {
			t.Fatalf("issued %+v, again %s", card, again.ID)
		}
		base := "/api/v1/debit-cards/" + card.ID
		call(200, &card, "PATCH", base+"/controls", `{"daily_limit":"$40","blocked_categories":["7995"],"online":false}`)
		if card.Controls.DailyLimit != 40_00 || strings.Join(card.Controls.BlockedCategories, ",") != "7995" || card.Controls.Online {
			t.Fatalf("controls = %+v", card.Controls)
		}
		for _, bad := range []struct{ body, param string }{
			{`{"daily_limit":"lots"}`, "daily_limit"},
			{`{"blocked_categories":["casino"]}`, "blocked_categories"},
			{`{"per_purchase_limit":-5}`, "per_purchase_limit"},
		} {
			r := e.asWith(m.token, "PATCH", base+"/controls", bad.body)
			if r.Code != 400 || !strings.Contains(r.Body.String(), bad.param) {
				t.Errorf("PATCH controls %s = %d %s, want 400 naming %s", bad.body, r.Code, r.Body, bad.param)
			}
		}
		var rv struct {
			URL string `json:"url"`
		}
		call(200, &rv, "POST", base+"/reveal", "")
		if !strings.HasPrefix(rv.URL, rails.RevealPath) {
			t.Fatalf("reveal = %+v", rv)
		}
		// The number, as the issuer holds it, for the scan below.
		rv2, err := e.iss.Reveal(context.Background(), mustCardIssuerID(t, e, m.id, card.ID))
		if err != nil {
			t.Fatal(err)
		}
		full, err := e.iss.RevealCard(context.Background(), strings.TrimPrefix(rv2.URL, rails.RevealPath))
		if err != nil {
			t.Fatal(err)
		}
		call(200, &card, "POST", base+"/freeze", "")
		var auth struct {
			ID       string
			Approved bool
			Amount   int64
			Reason   string
		}
		call(201, &auth, "POST", base+"/simulate", `{"merchant":"Bean There Café","amount":"4.50"}`, "Idempotency-Key", "buy-frozen")
		if auth.Approved || auth.Reason != "card_frozen" {
			t.Fatalf("a purchase on a frozen card = %+v", auth)
		}
		call(200, &card, "POST", base+"/unfreeze", "")
		auth.Reason = ""
		call(201, &auth, "POST", base+"/simulate", `{"merchant":"Bean There Café","amount":"4.50"}`, "Idempotency-Key", "buy-1")
		first := auth.ID
		call(201, &auth, "POST", base+"/simulate", `{"merchant":"Bean There Café","amount":"4.50"}`, "Idempotency-Key", "buy-1")
		if !auth.Approved || auth.Amount != 4_50 || auth.ID != first {
			t.Fatalf("purchase = %+v (first %s): want one approval of 4.50", auth, first)
		}
		var online struct {
			Approved bool
			Reason   string
		}
		call(201, &online, "POST", base+"/simulate", `{"merchant":"Web Shop","amount":"3","channel":"online"}`, "Idempotency-Key", "buy-online")
		if online.Approved || online.Reason != "online_disabled" {
			t.Fatalf("an online purchase with online off = %+v", online)
		}
		if r := e.asWith(m.token, "POST", base+"/simulate", `{"merchant":"","amount":"3"}`, "Idempotency-Key", "buy-bad"); r.Code != 400 || !strings.Contains(r.Body.String(), "merchant") {
			t.Fatalf("a purchase without a merchant = %d %s", r.Code, r.Body)
		}
		type line struct {
			ID, Status, Merchant string
			CategoryName         string `json:"category_name"`
		}
		var lines struct{ Data []line }
		call(200, &lines, "GET", base+"/transactions", "")
		if len(lines.Data) != 3 || lines.Data[1].ID != first || lines.Data[1].Status != "pending" || lines.Data[1].CategoryName != "Restaurants (5812)" {
			t.Fatalf("transactions = %+v", lines.Data)
		}
		call(201, nil, "POST", "/api/v1/debit-cards/authorizations/"+first+"/capture", `{"amount":"5.25"}`, "Idempotency-Key", "cap-1")
		call(200, &lines, "GET", base+"/transactions", "")
		if lines.Data[1].Status != "captured" {
			t.Fatalf("after the capture: %+v", lines.Data)
		}
		if r := e.asWith(m.token, "POST", "/api/v1/debit-cards/authorizations/"+first+"/capture", `{}`, "Idempotency-Key", "cap-2"); r.Code != 409 {
			t.Fatalf("a second capture = %d %s, want 409", r.Code, r.Body)
		}
		var list struct{ Data []struct{ ID string } }
		call(200, &list, "GET", "/api/v1/debit-cards", "")
		call(200, nil, "GET", base, "")
		if len(list.Data) != 1 {
			t.Fatalf("list = %+v", list)
		}
		if b, err := e.pay.Balance(context.Background(), m.id, "USD"); err != nil || b.Minor != 100_00-5_25+5 {
			t.Fatalf("balance after a 5.25 capture with 1%% cash back = %d, %v", b.Minor, err)
		}
		for _, s := range append(bodies, logs.String()) {
			if strings.Contains(s, full.Number) || strings.Contains(s, full.Number[:12]) {
				t.Fatalf("a response or the log holds the card's number")
			}
		}
		if !strings.Contains(logs.String(), "/api/v1/debit-cards") {
			t.Fatalf("the log is empty: the scan proves nothing")
		}
		_ = http.StatusOK
	})
}

func mustCardIssuerID(t *testing.T, e *apiEnv, userID, cardID string) string {
	t.Helper()
	c, err := e.crd.Get(context.Background(), userID, cardID)
	if err != nil {
		t.Fatal(err)
	}
	return c.IssuerCardID
}
