package web_test

import (
	"context"
	"testing"

	"github.com/nestegg/nestegg/savings"
)

// savingsWorld: the owner has savings with $12.34 in them; the stranger
// has money in the wallet but no savings.
func onSavings(path, body string, stranger, owner int, private ...string) func(*testing.T, *apiEnv, *authzWorld) authzCase {
	return func(t *testing.T, e *apiEnv, w *authzWorld) authzCase {
		ctx := context.Background()
		for _, id := range []string{w.owner.id, w.stranger.id} {
			if _, err := e.pay.Credit(ctx, id, usdAmount(t, "50"), "authz-fund-"+id, "authz"); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := e.sav.Open(ctx, w.owner.id, "USD"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.sav.Deposit(ctx, w.owner.id, usdAmount(t, "12.34"), "authz-save"); err != nil {
			t.Fatal(err)
		}
		priv := append([]string{}, private...)
		if len(priv) > 0 && priv[0] == "owner-savings" {
			priv[0] = savings.AccountID(w.owner.id, "USD")
		}
		return authzCase{path: path, body: body, nobody: s401, stranger: stranger, owner: owner, private: priv,
			after: func(t *testing.T, e *apiEnv, w *authzWorld) {
				if a, err := e.sav.Get(context.Background(), w.owner.id, "USD"); err != nil || a.Balance < 12_34-100 {
					t.Errorf("after the stranger's request the owner's savings are %+v, %v", a, err)
				}
			}}
	}
}

// savingsAuthzCases: every savings route acts on the caller's own savings
// (a stranger without savings gets 404, never the owner's); the
// operator's routes take the operator's key only.
var savingsAuthzCases = map[string]func(*testing.T, *apiEnv, *authzWorld) authzCase{
	"GET /api/v1/savings":                          onSavings("/api/v1/savings", "", s404, s200, "owner-savings"),
	"POST /api/v1/savings":                         onSavings("/api/v1/savings", `{"asset":"USD"}`, s200, s200, "owner-savings"),
	"POST /api/v1/savings/deposits":                onSavings("/api/v1/savings/deposits", `{"amount":"$1"}`, s404, s201),
	"POST /api/v1/savings/withdrawals":             onSavings("/api/v1/savings/withdrawals", `{"amount":"$1"}`, s404, s201),
	"GET /api/v1/savings/statement":                onSavings("/api/v1/savings/statement", "", s404, s200, "Moved to savings"),
	"GET /api/v1/savings/interest/{year}":          onSavings("/api/v1/savings/interest/2027", "", s200, s200),
	"GET /api/v1/savings/rates":                    public("/api/v1/savings/rates", s200),
	"POST /api/v1/operator/savings/rates":          operatorOnly("/api/v1/operator/savings/rates", `{"asset":"USD","effective_on":"2099-01-01","bps":400}`),
	"POST /api/v1/operator/savings/yields":         operatorOnly("/api/v1/operator/savings/yields", `{"amount":"$5","month":"2027-01"}`),
	"GET /api/v1/operator/savings/margin":          operatorOnly("/api/v1/operator/savings/margin?year=2027", ""),
	"GET /api/v1/operator/savings/interest/{year}": operatorOnly("/api/v1/operator/savings/interest/2027", ""),
}
