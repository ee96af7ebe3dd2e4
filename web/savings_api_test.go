package web_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nestegg/nestegg/movement"
	"github.com/nestegg/nestegg/movement/movementtest"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// TestSavingsAPI: open savings, move money both ways (a replayed key moves
// once, more than there is is 422 and moves nothing), the statement, the
// operator's rate (a cut without notice is refused), the bank's yield and
// the margin, the year-end summary as JSON and CSV; the books hold after.
func TestSavingsAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAPI(t, db)
		t.Cleanup(func() { movementtest.Audit(t, movement.New(db, e.ledger, e.comp, nil)) })
		ann := e.signupMember(t, "ann")
		e.fundWallet(t, ann.id, 100_00)
		wantError(t, "savings before opening", e.as(ann.token, "GET", "/api/v1/savings", ""), http.StatusNotFound, "")
		wantError(t, "deposit before opening", e.asWith(ann.token, "POST", "/api/v1/savings/deposits", `{"amount":"$1"}`, "Idempotency-Key", "d0"), http.StatusNotFound, "")
		if r := e.asWith(ann.token, "POST", "/api/v1/savings", `{}`, "Idempotency-Key", "open"); r.Code != http.StatusOK {
			t.Fatalf("open = %d %s", r.Code, r.Body)
		}
		move := func(path, key, body string) *struct {
			Code int
			Body string
		} {
			r := e.asWith(ann.token, "POST", path, body, "Idempotency-Key", key)
			return &struct {
				Code int
				Body string
			}{r.Code, r.Body.String()}
		}
		first := move("/api/v1/savings/deposits", "d1", `{"amount":"$60"}`)
		if first.Code != http.StatusCreated || !strings.Contains(first.Body, `"to_savings"`) {
			t.Fatalf("deposit = %d %s", first.Code, first.Body)
		}
		if again := move("/api/v1/savings/deposits", "d1", `{"amount":"$60"}`); again.Code != http.StatusCreated || again.Body != first.Body {
			t.Fatalf("replayed deposit = %d %s", again.Code, again.Body)
		}
		if other := move("/api/v1/savings/deposits", "d1", `{"amount":"$61"}`); other.Code != http.StatusUnprocessableEntity {
			t.Fatalf("a key reused for another amount = %d %s", other.Code, other.Body)
		}
		if r := move("/api/v1/savings/deposits", "d2", `{"amount":"$40.01"}`); r.Code != http.StatusUnprocessableEntity {
			t.Fatalf("more than the wallet = %d %s", r.Code, r.Body)
		}
		if r := move("/api/v1/savings/withdrawals", "w1", `{"amount":"$60.01"}`); r.Code != http.StatusUnprocessableEntity {
			t.Fatalf("more than savings = %d %s", r.Code, r.Body)
		}
		for i, bad := range []string{`{"amount":0}`, `{"amount":-5}`, `{"amount":"five"}`, `{}`, `{"amount":1.5}`} {
			if r := move("/api/v1/savings/withdrawals", "w-bad"+strconv.Itoa(i), bad); r.Code != http.StatusBadRequest {
				t.Errorf("withdraw %s = %d %s", bad, r.Code, r.Body)
			}
		}
		if r := move("/api/v1/savings/withdrawals", "w2", `{"amount":1000}`); r.Code != http.StatusCreated {
			t.Fatalf("withdraw = %d %s", r.Code, r.Body)
		}
		var sv struct {
			Balance     int64  `json:"balance"`
			Denominator int64  `json:"accrued_denominator"`
			Display     string `json:"accrued_display"`
		}
		e.call(t, http.StatusOK, &sv, "GET", "/api/v1/savings", ann.token, "")
		if sv.Balance != 50_00 || sv.Denominator != 3_650_000 || sv.Display != "$0.000000" {
			t.Fatalf("savings = %+v", sv)
		}
		var stmt struct {
			Data []struct {
				Kind    string `json:"kind"`
				Balance int64  `json:"balance"`
			} `json:"data"`
		}
		e.call(t, http.StatusOK, &stmt, "GET", "/api/v1/savings/statement", ann.token, "")
		if len(stmt.Data) != 2 || stmt.Data[0].Kind != "savings_withdrawal" || stmt.Data[1].Kind != "savings_deposit" || stmt.Data[0].Balance != 50_00 {
			t.Fatalf("statement = %+v", stmt)
		}
		// The wallet's statement shows the moves too.
		var wallet struct {
			Data []struct {
				Label string `json:"label"`
			} `json:"data"`
		}
		e.call(t, http.StatusOK, &wallet, "GET", "/api/v1/wallet/statement", ann.token, "")
		if len(wallet.Data) < 2 || wallet.Data[0].Label != "Moved from savings" || wallet.Data[1].Label != "Moved to savings" {
			t.Fatalf("wallet statement = %+v", wallet)
		}

		// The operator's rate: a raise today, a cut only with notice.
		today := time.Now().UTC().Format(time.DateOnly)
		op := func(method, path, key, body string) (int, string) {
			r := e.asWith(testKey, method, path, body, "Idempotency-Key", key)
			return r.Code, r.Body.String()
		}
		if c, b := op("POST", "/api/v1/operator/savings/rates", "", `{"effective_on":"`+today+`","tiers":[{"from":0,"bps":400},{"from":100000,"bps":450}]}`); c != http.StatusCreated || !strings.Contains(b, "4.00% up to $1,000.00, 4.50% above") {
			t.Fatalf("set rate = %d %s", c, b)
		}
		tomorrow := time.Now().UTC().AddDate(0, 0, 1).Format(time.DateOnly)
		if c, b := op("POST", "/api/v1/operator/savings/rates", "", `{"effective_on":"`+tomorrow+`","bps":300}`); c != http.StatusBadRequest || !strings.Contains(b, "effective_on") {
			t.Fatalf("a cut tomorrow = %d %s", c, b)
		}
		for _, bad := range []string{`{"effective_on":"tomorrow","bps":1}`, `{"effective_on":"` + tomorrow + `","bps":1,"tiers":[{"from":0,"bps":1}]}`, `{"effective_on":"` + tomorrow + `","bps":10001}`} {
			if c, b := op("POST", "/api/v1/operator/savings/rates", "", bad); c != http.StatusBadRequest {
				t.Errorf("set rate %s = %d %s", bad, c, b)
			}
		}
		var rates struct {
			Data []struct {
				Description string `json:"description"`
			} `json:"data"`
		}
		e.call(t, http.StatusOK, &rates, "GET", "/api/v1/savings/rates", "", "")
		if len(rates.Data) != 1 {
			t.Fatalf("rates = %+v", rates)
		}
		e.call(t, http.StatusOK, &sv, "GET", "/api/v1/savings", ann.token, "")

		// The bank's yield, and the margin.
		if c, b := op("POST", "/api/v1/operator/savings/yields", "y1", `{"amount":"$12.50","month":"2026-11","note":"statement"}`); c != http.StatusCreated {
			t.Fatalf("yield = %d %s", c, b)
		}
		if c, b := op("POST", "/api/v1/operator/savings/yields", "y2", `{"amount":"$1","month":"November"}`); c != http.StatusBadRequest {
			t.Fatalf("yield with a bad month = %d %s", c, b)
		}
		var margin struct {
			Months []struct {
				Income int64 `json:"interest_income"`
			} `json:"months"`
			Total struct {
				Net int64 `json:"net_interest"`
			} `json:"total"`
		}
		c, b := op("GET", "/api/v1/operator/savings/margin?year=2026", "", "")
		if err := json.Unmarshal([]byte(b), &margin); c != http.StatusOK || err != nil || len(margin.Months) != 12 || margin.Months[10].Income != 12_50 || margin.Total.Net != 12_50 {
			t.Fatalf("margin = %d %s", c, b)
		}

		// The summaries: none paid yet, JSON and CSV; a bad year is 400.
		var sums struct {
			Data []any `json:"data"`
		}
		e.call(t, http.StatusOK, &sums, "GET", "/api/v1/savings/interest/2026", ann.token, "")
		if len(sums.Data) != 0 {
			t.Fatalf("summary = %+v", sums)
		}
		r := e.as(ann.token, "GET", "/api/v1/savings/interest/2026.csv", "")
		if r.Code != http.StatusOK || !strings.HasPrefix(r.Body.String(), "year,user_id,handle,name,asset,interest_income") || r.Header().Get("Content-Type") != "text/csv; charset=utf-8" {
			t.Fatalf("summary CSV = %d %v %s", r.Code, r.Header(), r.Body)
		}
		wantError(t, "a bad year", e.as(ann.token, "GET", "/api/v1/savings/interest/26", ""), http.StatusBadRequest, "")
		if c, b := op("GET", "/api/v1/operator/savings/interest/2026.csv", "", ""); c != http.StatusOK || !strings.HasPrefix(b, "year,") {
			t.Fatalf("operator CSV = %d %s", c, b)
		}
	})
}
