package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// fundingRecorder keeps every response a test saw, status, headers and
// body.
type fundingRecorder struct{ bytes.Buffer }

func (r *fundingRecorder) api(t *testing.T, e *apiEnv, token string, want int, out any, method, path, body string, headers ...string) {
	t.Helper()
	w := e.asWith(token, method, path, body, headers...)
	fmt.Fprintf(r, "%s %s → %d %v\n%s\n", method, path, w.Code, w.Header(), w.Body)
	if w.Code != want {
		t.Fatalf("%s %s = %d %s, want %d", method, path, w.Code, w.Body, want)
	}
	if out != nil {
		if err := json.Unmarshal(w.Body.Bytes(), out); err != nil {
			t.Fatal(err)
		}
	}
}

func (r *fundingRecorder) page(p pageResp) pageResp {
	fmt.Fprintf(r, "page → %d %s %v\n%s\n", p.status, p.location, p.header, p.body)
	return p
}

type movementOut struct {
	ID, Status, Next, DeclineCode string
	Fee                           int64
}

// TestFundingNoSensitiveDataLeaks runs a card flow and a bank flow through
// the API and through the pages, with every log line (access logs, errors,
// the ledger and funding, at debug level) written to one buffer and every
// response kept, and finds no full card number, CVC or full account number
// in the logs, the responses or the database. The flows also check the
// lifecycle: deposit settled, standard and instant withdrawals, top-up
// success, 3-D Secure, and declines (402 with the processor's code).
func TestFundingNoSensitiveDataLeaks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		const cvc, pageAccount, pageCVC = "7319", "5566778899001122", "6042"
		var logs bytes.Buffer
		log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		e, site := newFundingEnv(t, db, log)
		var rec fundingRecorder
		alice := e.signupMember(t, "alice")
		tok := alice.token
		idem := func(k string) []string { return []string{"Idempotency-Key", k} }

		// Card flow, API: tokenize (also a bad number), link, top up,
		// 3-D Secure, declines.
		tokenize := func(number string, want int) string {
			var c struct{ Token, Last4 string }
			rec.api(t, e, tok, want, &c, "POST", "/api/v1/sandbox/cards/tokens",
				fmt.Sprintf(`{"number":%q,"exp_month":12,"exp_year":2040,"cvc":%q}`, number, cvc))
			return c.Token
		}
		tokenize(cardOK[:15]+"3", http.StatusBadRequest)
		link := func(number string) string {
			var c struct{ ID, NumberMasked string }
			rec.api(t, e, tok, 201, &c, "POST", "/api/v1/cards", fmt.Sprintf(`{"token":%q}`, tokenize(number, 201)))
			return c.ID
		}
		okCard, secureCard, poorCard, oldCard := link(cardOK), link(card3DS), link(cardNoFunds), link(cardExpired)
		var q struct{ Fee int64 }
		rec.api(t, e, tok, 200, &q, "GET", "/api/v1/topups/quote?amount=1000", "")
		if q.Fee != 59 { // 2.9% + 30¢
			t.Fatalf("top-up fee = %d, want 59", q.Fee)
		}
		var m movementOut
		rec.api(t, e, tok, 201, &m, "POST", "/api/v1/topups", fmt.Sprintf(`{"card_id":%q,"amount":1000,"fee":59}`, okCard), idem("top-1")...)
		if m.Status != "succeeded" {
			t.Fatalf("top-up = %+v", m)
		}
		rec.api(t, e, tok, 409, nil, "POST", "/api/v1/topups", fmt.Sprintf(`{"card_id":%q,"amount":1000,"fee":10}`, okCard), idem("top-fee")...)
		rec.api(t, e, tok, 202, &m, "POST", "/api/v1/topups", fmt.Sprintf(`{"card_id":%q,"amount":500}`, secureCard), idem("top-3ds")...)
		if m.Status != "requires_action" {
			t.Fatalf("3-D Secure top-up = %+v", m)
		}
		rec.api(t, e, tok, 200, &m, "POST", "/api/v1/topups/"+m.ID+"/confirm", "", idem("confirm-3ds")...)
		if m.Status != "succeeded" {
			t.Fatalf("confirmed top-up = %+v", m)
		}
		for card, code := range map[string]string{poorCard: "insufficient_funds", oldCard: "expired_card"} {
			var got struct {
				Error struct {
					Type, Code  string
					DeclineCode string `json:"decline_code"`
				} `json:"error"`
			}
			body := fmt.Sprintf(`{"card_id":%q,"amount":700}`, card)
			rec.api(t, e, tok, http.StatusPaymentRequired, &got, "POST", "/api/v1/topups", body, idem("decline-"+code)...)
			if got.Error.Type != "card_error" || got.Error.Code != "card_declined" || got.Error.DeclineCode != code {
				t.Errorf("decline = %+v, want card_error with %s", got, code)
			}
			// A retry with the key replays the decline; nothing is charged.
			rec.api(t, e, tok, http.StatusPaymentRequired, nil, "POST", "/api/v1/topups", body, idem("decline-"+code)...)
		}
		if b, _ := e.pay.Balance(t.Context(), alice.id, "USD"); b.Minor != 15_00 {
			t.Fatalf("after the top-ups alice has %d, want 1500", b.Minor)
		}

		// Bank flow, API: link with the full number, verify, deposit,
		// settle, withdraw standard and instant.
		var bank struct {
			ID, Status string
			Masked     string `json:"account_number_masked"`
		}
		rec.api(t, e, tok, 400, nil, "POST", "/api/v1/bank-accounts", fmt.Sprintf(`{"holder_name":"Alice","routing_number":"011000016","account_number":%q}`, testAccount))
		rec.api(t, e, tok, 201, &bank, "POST", "/api/v1/bank-accounts", fmt.Sprintf(`{"holder_name":"Alice","routing_number":%q,"account_number":%q}`, testRouting, testAccount))
		if bank.Masked != "••••2211" || bank.Status != "pending_verification" {
			t.Fatalf("linked bank = %+v", bank)
		}
		var micro struct{ Amounts []int64 }
		rec.api(t, e, tok, 200, &micro, "GET", "/api/v1/sandbox/bank-accounts/"+bank.ID+"/micro-deposits", "")
		if _, err := e.funds.ExportACH(t.Context()); err != nil {
			t.Fatal(err)
		}
		rec.api(t, e, tok, 200, &bank, "POST", "/api/v1/bank-accounts/"+bank.ID+"/verify", fmt.Sprintf(`{"amounts":[%d,%d]}`, micro.Amounts[1], micro.Amounts[0]))
		if bank.Status != "verified" {
			t.Fatalf("verified bank = %+v", bank)
		}
		var dep movementOut
		rec.api(t, e, tok, 201, &dep, "POST", "/api/v1/deposits", fmt.Sprintf(`{"bank_account_id":%q,"amount":"$50"}`, bank.ID), idem("dep-1")...)
		e.settleDay(t)
		rec.api(t, e, tok, 200, &dep, "GET", "/api/v1/deposits/"+dep.ID, "")
		if dep.Status != "settled" {
			t.Fatalf("deposit after a day = %+v", dep)
		}
		var quotes map[string]struct{ Fee int64 }
		rec.api(t, e, tok, 200, &quotes, "GET", "/api/v1/withdrawals/quote?amount=2000", "")
		if quotes["standard"].Fee != 0 || quotes["instant"].Fee != 30 {
			t.Fatalf("withdrawal quotes = %+v", quotes)
		}
		var wd movementOut
		rec.api(t, e, tok, 400, nil, "POST", "/api/v1/withdrawals", fmt.Sprintf(`{"bank_account_id":%q,"amount":2000,"speed":"instant"}`, bank.ID), idem("wd-nofee")...)
		rec.api(t, e, tok, 409, nil, "POST", "/api/v1/withdrawals", fmt.Sprintf(`{"bank_account_id":%q,"amount":2000,"speed":"instant","fee":25}`, bank.ID), idem("wd-oldfee")...)
		rec.api(t, e, tok, 201, &wd, "POST", "/api/v1/withdrawals", fmt.Sprintf(`{"bank_account_id":%q,"amount":2000,"speed":"instant","fee":30}`, bank.ID), idem("wd-instant")...)
		if wd.Status != "settled" || wd.Fee != 30 {
			t.Fatalf("instant withdrawal = %+v", wd)
		}
		rec.api(t, e, tok, 201, &wd, "POST", "/api/v1/withdrawals", fmt.Sprintf(`{"bank_account_id":%q,"amount":1000}`, bank.ID), idem("wd-standard")...)
		if wd.Status != "pending" || wd.Fee != 0 {
			t.Fatalf("standard withdrawal = %+v", wd)
		}
		e.settleDay(t)
		rec.api(t, e, tok, 200, &wd, "GET", "/api/v1/withdrawals/"+wd.ID, "")
		if wd.Status != "settled" {
			t.Fatalf("standard withdrawal after a day = %+v", wd)
		}
		if b, _ := e.pay.Balance(t.Context(), alice.id, "USD"); b.Minor != 15_00+50_00-20_30-10_00 {
			t.Fatalf("alice has %d, want %d", b.Minor, 15_00+50_00-20_30-10_00)
		}
		rec.api(t, e, tok, 200, nil, "GET", "/api/v1/movements", "")
		rec.api(t, e, tok, 200, nil, "GET", "/api/v1/bank-accounts", "")
		rec.api(t, e, tok, 200, nil, "GET", "/api/v1/cards", "")
		var rep struct{ OK bool }
		rec.api(t, e, testKey, 200, &rep, "GET", "/api/v1/operator/reconciliation", "")
		if !rep.OK {
			t.Errorf("reconciliation after the API flows is not OK")
		}

		// The same through the pages.
		bob := site.signup(newHandle("bob"))
		rec.page(bob.get("/money"))
		r := rec.page(bob.post("/money/cards", "number", cardOK[:15]+"3", "exp_month", "12", "exp_year", "2040", "cvc", pageCVC))
		wantStatus(t, "bad card", r, http.StatusUnprocessableEntity)
		wantNoBody(t, "bad card", r, cardOK[:15]+"3", pageCVC)
		wantStatus(t, "add card", rec.page(bob.post("/money/cards", "number", cardOK, "exp_month", "12", "exp_year", "2040", "cvc", pageCVC)), http.StatusSeeOther)
		wantStatus(t, "add poor card", rec.page(bob.post("/money/cards", "number", cardNoFunds, "exp_month", "12", "exp_year", "2040", "cvc", pageCVC)), http.StatusSeeOther)
		page := rec.page(bob.get("/money"))
		wantBody(t, "money page", page, "••••4242", "••••9995")
		ids := regexp.MustCompile(`option value="(crd_[^"]+)">visa ••••(\d{4})`).FindAllStringSubmatch(page.body, -1)
		key := regexp.MustCompile(`name="key" value="([^"]+)"`).FindStringSubmatch(page.body)[1]
		for _, c := range ids {
			k := key + c[2]
			r := rec.page(bob.post("/money/topup", "card_id", c[1], "amount", "$10", "key", k))
			wantBody(t, "top-up review", r, "Fee", "$0.59", "Charged to your card", "$10.59")
			r = rec.page(bob.post("/money/topup", "card_id", c[1], "amount", "$10", "key", k, "fee", "59", "confirm", "yes"))
			if c[2] == "9995" {
				wantStatus(t, "declined top-up", r, http.StatusPaymentRequired)
				wantBody(t, "declined top-up", r, "insufficient funds")
			} else {
				wantStatus(t, "top-up", r, http.StatusSeeOther)
				wantBody(t, "top-up status", rec.page(bob.get(r.location)), "succeeded", "In your wallet")
			}
		}
		r = rec.page(bob.post("/money/banks", "holder_name", "Bob", "routing_number", "011000016", "account_number", pageAccount))
		wantStatus(t, "bad routing", r, http.StatusUnprocessableEntity)
		wantNoBody(t, "bad routing", r, pageAccount)
		wantStatus(t, "link bank", rec.page(bob.post("/money/banks", "holder_name", "Bob", "routing_number", testRouting, "account_number", pageAccount)), http.StatusSeeOther)
		page = rec.page(bob.get("/money"))
		bankID := regexp.MustCompile(`/money/banks/(bnk_[^/]+)/verify`).FindStringSubmatch(page.body)[1]
		amts := regexp.MustCompile(`they are (\d+)¢ and (\d+)¢`).FindStringSubmatch(page.body)
		if _, err := e.funds.ExportACH(t.Context()); err != nil {
			t.Fatal(err)
		}
		wantStatus(t, "verify", rec.page(bob.post("/money/banks/"+bankID+"/verify", "amount1", amts[1], "amount2", amts[2])), http.StatusSeeOther)
		wantBody(t, "deposit review", rec.page(bob.post("/money/deposit", "bank_account_id", bankID, "amount", "40", "key", "pdep")), "Check your deposit", "••••1122")
		r = rec.page(bob.post("/money/deposit", "bank_account_id", bankID, "amount", "40", "key", "pdep", "confirm", "yes"))
		wantStatus(t, "deposit", r, http.StatusSeeOther)
		depURL := r.location
		wantBody(t, "deposit status", rec.page(bob.get(depURL)), "pending", "next ACH file")
		e.settleDay(t)
		wantBody(t, "deposit settled", rec.page(bob.get(depURL)), "settled", "spendable")
		wantBody(t, "instant review", rec.page(bob.post("/money/withdraw", "bank_account_id", bankID, "amount", "20", "speed", "instant", "key", "pwd")),
			"Fee", "$0.30 (instant)", "Leaves your wallet", "$20.30")
		r = rec.page(bob.post("/money/withdraw", "bank_account_id", bankID, "amount", "20", "speed", "instant", "key", "pwd", "fee", "30", "confirm", "yes"))
		wantStatus(t, "instant withdrawal", r, http.StatusSeeOther)
		wantBody(t, "instant status", rec.page(bob.get(r.location)), "settled")
		r = rec.page(bob.post("/money/withdraw", "bank_account_id", bankID, "amount", "5", "speed", "standard", "key", "pwd2", "fee", "0", "confirm", "yes"))
		wantStatus(t, "standard withdrawal", r, http.StatusSeeOther)
		wantBody(t, "standard status", rec.page(bob.get(r.location)), "pending", "next ACH file")
		rec.page(bob.get("/wallet"))

		secrets := []string{cardOK, card3DS, cardNoFunds, cardExpired, cardOK[:15] + "3", testAccount, pageAccount,
			`"` + cvc + `"`, "=" + cvc, `"` + pageCVC + `"`, "=" + pageCVC}
		for name, text := range map[string]string{"logs": logs.String(), "responses": rec.String(), "database": fundingTables(t, db)} {
			if len(text) < 100 {
				t.Errorf("%s hold almost nothing: %q", name, text)
			}
			for _, s := range secrets {
				if strings.Contains(text, s) {
					t.Errorf("%s contain %q", name, s)
				}
			}
		}
		if !strings.Contains(logs.String(), "/api/v1/sandbox/cards/tokens") || !strings.Contains(logs.String(), "/money/cards") {
			t.Errorf("the access log did not see the card requests:\n%s", logs.String())
		}
	})
}

// fundingTables is every text column of the tables a flow writes to,
// except the sealed account number and the NACHA files (which must carry
// it).
func fundingTables(t *testing.T, db *store.DB) string {
	var sb strings.Builder
	for _, q := range []string{
		"SELECT id || holder_name || routing || last4 || fingerprint FROM funding_banks",
		"SELECT id || token || brand || last4 FROM funding_cards",
		"SELECT id || method_id || reason || trace || external_id FROM funding_movements",
		"SELECT id || reference || code FROM ledger_transfers",
		"SELECT * FROM idempotency_keys",
	} {
		rows, err := db.Reader().QueryContext(t.Context(), q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for _, v := range vals {
				fmt.Fprintf(&sb, "%s ", v)
			}
			sb.WriteString("\n")
		}
		rows.Close()
	}
	return sb.String()
}
