package web_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/nestegg/nestegg/commerce"
	"github.com/nestegg/nestegg/compliance"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/movement"
	"github.com/nestegg/nestegg/movement/movementtest"
	"github.com/nestegg/nestegg/payments"
	"github.com/nestegg/nestegg/social"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
	"github.com/nestegg/nestegg/web"
)

// stmtEnv is a server with payments and a shop that takes a 5% fee from
// its merchants, served to pages too, with the book auditor after the test.
type stmtEnv struct {
	*apiEnv
	site *pageSite
}

func newStmtEnv(t *testing.T, db *store.DB) *stmtEnv {
	t.Helper()
	l := ledger.New(db, ledger.Options{ValidAsset: validAsset})
	l.Start()
	soc := social.New(db, social.Options{PayHandle: "pay", Argon2: social.Argon2{Time: 1, MemoryKiB: 64, Threads: 1}})
	comp := compliance.New(db, compliance.DefaultConfig())
	pay, err := payments.New(db, l, soc, comp, payments.Config{})
	if err != nil {
		t.Fatal(err)
	}
	shop, err := commerce.New(db, l, soc, comp, commerce.Config{FeeBps: 500})
	if err != nil {
		t.Fatal(err)
	}
	srv := web.New(web.Deps{DB: db, Ledger: l, Social: soc, Payments: pay, Compliance: comp, Commerce: shop, Version: "test"})
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		hs.Close()
		srv.Close()
		l.Close()
	})
	t.Cleanup(func() { movementtest.Audit(t, movement.New(db, l, comp, nil)) })
	if err := web.EnsureOperatorKey(context.Background(), db, testKey, time.Now()); err != nil {
		t.Fatal(err)
	}
	e := &apiEnv{t: t, db: db, ledger: l, social: soc, pay: pay, comp: comp, shop: shop, srv: srv}
	return &stmtEnv{apiEnv: e, site: &pageSite{t: t, url: hs.URL, social: soc, clock: &pageClock{t: time.Now()}}}
}

// sell makes merchantID a business selling a $5 mug and buyerID (funded
// with $50) buy it; it returns the order's id.
func (e *stmtEnv) sell(t *testing.T, merchantID, buyerID string) string {
	t.Helper()
	ctx := context.Background()
	if err := e.social.SetKind(ctx, merchantID, social.Business); err != nil {
		t.Fatal(err)
	}
	p, err := e.shop.CreateProduct(ctx, merchantID, commerce.ProductInput{Title: "Mug", Price: usdAmount(t, "5"), Stock: 10})
	if err != nil {
		t.Fatal(err)
	}
	o, err := e.shop.CreateOffer(ctx, merchantID, commerce.OfferInput{ProductID: p.ID, Hashtag: "BuyMug"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.pay.Credit(ctx, buyerID, usdAmount(t, "50"), "stmt-fund-"+buyerID, "test money"); err != nil {
		t.Fatal(err)
	}
	ord, err := e.shop.Buy(ctx, commerce.BuyInput{BuyerID: buyerID, OfferID: o.ID, IdempotencyKey: "stmt-buy"})
	if err != nil {
		t.Fatal(err)
	}
	return ord.ID
}

// The statement routes' cases in the table TestAuthorization walks
// (payAuthzCases): each member reads their own wallet only, and the
// owner's payment note never reaches a stranger.
func init() {
	payAuthzCases["GET /api/v1/wallet/statement"] = ownMoney("/api/v1/wallet/statement", "", s200, s200, "owner-secret-note")
	payAuthzCases["GET /api/v1/wallet/statements/{month}"] = func(t *testing.T, e *apiEnv, w *authzWorld) authzCase {
		path := "/api/v1/wallet/statements/" + time.Now().UTC().Format("2006-01")
		return ownMoney(path, "", s200, s200, "owner-secret-note")(t, e, w)
	}
}

type stmtLine struct {
	ID                 string `json:"id"`
	MovementID         string `json:"movement_id"`
	Reference          string `json:"reference"`
	Kind               string `json:"kind"`
	Label              string `json:"label"`
	Direction          string `json:"direction"`
	CounterpartyHandle string `json:"counterparty_handle"`
	Note               string `json:"note"`
	Amount             int64  `json:"amount"`
	Display            string `json:"display"`
	Fee                bool   `json:"fee"`
	Status             string `json:"status"`
	Balance            int64  `json:"balance"`
}

func (l stmtLine) effect() int64 {
	switch {
	case l.Status != "posted":
		return 0
	case l.Direction == "in":
		return l.Amount
	}
	return -l.Amount
}

// statement reads m's whole statement, limit lines a page.
func (e *stmtEnv) statement(t *testing.T, m member, limit int) []stmtLine {
	t.Helper()
	var all []stmtLine
	path := fmt.Sprintf("/api/v1/wallet/statement?limit=%d", limit)
	for {
		var page struct {
			Data       []stmtLine `json:"data"`
			NextCursor string     `json:"next_cursor"`
			HasMore    bool       `json:"has_more"`
		}
		e.call(t, http.StatusOK, &page, "GET", path, m.token, "")
		all = append(all, page.Data...)
		if !page.HasMore {
			return all
		}
		path = fmt.Sprintf("/api/v1/wallet/statement?limit=%d&cursor=%s", limit, page.NextCursor)
	}
}

func TestStatementAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newStmtEnv(t, db)
		alice, bob, carol := e.signupMember(t, "alice"), e.signupMember(t, "bob"), e.signupMember(t, "carol")
		order := e.sell(t, bob.id, alice.id)
		if _, err := e.pay.Send(context.Background(), payments.SendInput{FromUserID: alice.id, ToHandle: bob.handle,
			Amount: usdAmount(t, "7"), Note: "lunch", IdempotencyKey: "stmt-lunch"}); err != nil {
			t.Fatal(err)
		}

		// The merchant: a sale and its fee, and a payment, newest first.
		lines := e.statement(t, bob, 1)
		if len(lines) != 3 {
			t.Fatalf("bob's statement has %d lines, want 3: %+v", len(lines), lines)
		}
		if l := lines[0]; l.Kind != "p2p" || l.Direction != "in" || l.CounterpartyHandle != alice.handle || l.Note != "lunch" || l.Balance != 7_00+5_00-25 || l.Display != "+$7.00" {
			t.Errorf("payment line = %+v", l)
		}
		var sale, fee stmtLine
		for _, l := range lines[1:] {
			if l.Fee {
				fee = l
			} else {
				sale = l
			}
		}
		if sale.Kind != "purchase" || sale.Direction != "in" || sale.Amount != 5_00 || sale.Reference != order || sale.CounterpartyHandle != alice.handle {
			t.Errorf("sale line = %+v", sale)
		}
		if fee.Direction != "out" || fee.Amount != 25 || fee.CounterpartyHandle != "" || fee.Display != "-$0.25" {
			t.Errorf("fee line = %+v", fee)
		}
		for i := 0; i+1 < len(lines); i++ {
			if lines[i].Balance-lines[i].effect() != lines[i+1].Balance {
				t.Errorf("line %d: balance %d less %d is not the next line's %d", i, lines[i].Balance, lines[i].effect(), lines[i+1].Balance)
			}
		}
		var wl struct {
			Balances []struct {
				Asset     string `json:"asset"`
				Available int64  `json:"available"`
			} `json:"balances"`
		}
		e.call(t, http.StatusOK, &wl, "GET", "/api/v1/wallet", bob.token, "")
		if wl.Balances[0].Available != lines[0].Balance {
			t.Errorf("wallet says %d, statement %d", wl.Balances[0].Available, lines[0].Balance)
		}

		// The buyer: the credit, the purchase and the payment, all out but one.
		lines = e.statement(t, alice, 100)
		if len(lines) != 3 || lines[0].Balance != 50_00-5_00-7_00 || lines[2].Kind != "credit" || lines[1].Label != "Purchase" || lines[1].CounterpartyHandle != bob.handle {
			t.Errorf("alice's statement = %+v", lines)
		}

		// The month: JSON and CSV reconcile with the wallet.
		now := time.Now().UTC()
		month := now.Format("2006-01")
		var m struct {
			Month    string     `json:"month"`
			Opening  int64      `json:"opening"`
			Closing  int64      `json:"closing"`
			MoneyIn  int64      `json:"money_in"`
			MoneyOut int64      `json:"money_out"`
			Fees     int64      `json:"fees"`
			Lines    []stmtLine `json:"lines"`
		}
		e.call(t, http.StatusOK, &m, "GET", "/api/v1/wallet/statements/"+month, bob.token, "")
		if m.Closing != wl.Balances[0].Available || m.Opening+m.MoneyIn-m.MoneyOut != m.Closing || m.Fees != 25 || len(m.Lines) != 3 || m.Month != month {
			t.Errorf("bob's month = %+v", m)
		}
		var prev struct {
			Closing int64 `json:"closing"`
		}
		e.call(t, http.StatusOK, &prev, "GET", "/api/v1/wallet/statements/"+now.AddDate(0, 0, -now.Day()).Format("2006-01"), bob.token, "")
		if prev.Closing != m.Opening {
			t.Errorf("last month closed at %d, this one opens at %d", prev.Closing, m.Opening)
		}
		w := e.as(bob.token, "GET", "/api/v1/wallet/statements/"+month+".csv", "")
		if w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/csv") {
			t.Fatalf("CSV = %d %v", w.Code, w.Header())
		}
		rows, err := csv.NewReader(w.Body).ReadAll()
		if err != nil {
			t.Fatalf("CSV: %v", err)
		}
		if len(rows) != 6 || rows[0][0] != "time" || rows[1][4] != "Opening balance" || rows[5][4] != "Closing balance" {
			t.Fatalf("CSV rows = %q", rows)
		}
		last := rows[5][len(rows[5])-1]
		if want := fmt.Sprintf("%d.%02d", m.Closing/100, m.Closing%100); last != want {
			t.Errorf("CSV closing balance %q, want %q", last, want)
		}
		if body := strings.Join(rows[4], ","); !strings.Contains(body, "@"+alice.handle) || !strings.Contains(body, ",7.00,") || !strings.Contains(body, "lunch") {
			t.Errorf("CSV payment row = %q", body)
		}

		// Mistakes are 400s naming the field.
		for _, c := range []struct{ path, param string }{
			{"/api/v1/wallet/statement?cursor=nope", "cursor"},
			{"/api/v1/wallet/statement?limit=0", "limit"},
			{"/api/v1/wallet/statement?asset=XYZ", "asset"},
			{"/api/v1/wallet/statements/2026-13", "month"},
			{"/api/v1/wallet/statements/december", "month"},
			{"/api/v1/wallet/statements/2026-12.pdf", "month"},
		} {
			if e := wantError(t, c.path, e.as(bob.token, "GET", c.path, ""), http.StatusBadRequest, "invalid"); e.Error.Param != c.param {
				t.Errorf("%s: param %q, want %q", c.path, e.Error.Param, c.param)
			}
		}
		// A member without a wallet yet has an empty statement, at zero.
		if got := e.statement(t, carol, 10); len(got) != 0 {
			t.Errorf("carol's statement = %+v, want empty", got)
		}
		e.call(t, http.StatusOK, &m, "GET", "/api/v1/wallet/statements/"+month, carol.token, "")
		if m.Opening != 0 || m.Closing != 0 || len(m.Lines) != 0 {
			t.Errorf("carol's month = %+v, want zero", m)
		}
	})
}

// A member reads only their own statement: the routes name nobody, any
// attempt to name someone is refused, and a stranger's statement never
// shows another's lines.
func TestStatementAPIAuthorization(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newStmtEnv(t, db)
		alice, bob := e.signupMember(t, "alice"), e.signupMember(t, "bob")
		e.sell(t, bob.id, alice.id)
		month := time.Now().UTC().Format("2006-01")
		paths := []string{"/api/v1/wallet/statement", "/api/v1/wallet/statements/" + month, "/api/v1/wallet/statements/" + month + ".csv"}
		for _, p := range paths {
			wantError(t, "nobody GET "+p, e.as("", "GET", p, ""), http.StatusUnauthorized, "")
			wantError(t, "operator GET "+p, e.do("GET", p, ""), http.StatusUnauthorized, "")
			for _, q := range []string{"user_id=" + bob.id, "handle=" + bob.handle, "account=wal:" + bob.id + ":USD"} {
				w := e.as(alice.token, "GET", p+"?"+q, "")
				wantError(t, "alice naming bob: "+p+"?"+q, w, http.StatusBadRequest, "invalid")
			}
		}
		aliceLines := e.statement(t, alice, 100)
		bobLines := e.statement(t, bob, 100)
		mine := map[string]bool{}
		for _, l := range aliceLines {
			mine[l.ID] = true
		}
		for _, l := range bobLines {
			if mine[l.ID] && l.Direction != "in" {
				t.Errorf("bob's line %+v is alice's side of a transfer", l)
			}
		}
		// Alice's cursor in bob's hands walks bob's own statement only.
		var page struct {
			NextCursor string `json:"next_cursor"`
		}
		e.call(t, http.StatusOK, &page, "GET", "/api/v1/wallet/statement?limit=1", alice.token, "")
		var bobPage struct {
			Data []stmtLine `json:"data"`
		}
		e.call(t, http.StatusOK, &bobPage, "GET", "/api/v1/wallet/statement?cursor="+page.NextCursor, bob.token, "")
		for _, l := range bobPage.Data {
			if l.Direction == "out" && !l.Fee {
				t.Errorf("bob's page through alice's cursor shows %+v", l)
			}
		}
	})
}
