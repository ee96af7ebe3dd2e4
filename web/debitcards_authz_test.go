package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/nestegg/nestegg/rails"
)

// onCard: the owner has $50 and a debit card (and, for a capture, a
// pending purchase on it); the stranger has neither. The stranger's
// requests naming the owner's card are 404 and change nothing.
func onCard(path, body string, stranger, owner int, private ...string) func(*testing.T, *apiEnv, *authzWorld) authzCase {
	return func(t *testing.T, e *apiEnv, w *authzWorld) authzCase {
		ctx := context.Background()
		if _, err := e.pay.Credit(ctx, w.owner.id, usdAmount(t, "50"), "authz-fund-"+w.owner.id, "authz"); err != nil {
			t.Fatal(err)
		}
		c, err := e.crd.Issue(ctx, w.owner.id, "authz-card")
		if err != nil {
			t.Fatal(err)
		}
		a, err := e.iss.SimulatePurchase(ctx, rails.Purchase{CardID: c.IssuerCardID, Merchant: rails.Merchant{Name: "Authz Deli", Category: "5812"}, Amount: 3_00, Currency: "USD"})
		if err != nil || !a.Approved {
			t.Fatalf("purchase = %+v, %v", a, err)
		}
		r := replacer(map[string]string{"{card}": c.ID, "{auth}": a.ID})
		priv := make([]string, len(private))
		for i, p := range private {
			priv[i] = r(p)
		}
		return authzCase{path: r(path), body: body, nobody: s401, stranger: stranger, owner: owner, private: priv,
			after: func(t *testing.T, e *apiEnv, w *authzWorld) {
				got, err := e.crd.Get(context.Background(), w.owner.id, c.ID)
				if err != nil || got.Status != "active" || got.Controls.Daily != 0 {
					t.Errorf("after the stranger's request the owner's card is %+v, %v", got, err)
				}
				act, err := e.crd.Activity(context.Background(), w.owner.id, c.ID, 0)
				if err != nil || len(act) != 1 || act[0].Status != "pending" {
					t.Errorf("after the stranger's request the owner's purchases are %+v, %v", act, err)
				}
			}}
	}
}

func replacer(m map[string]string) func(string) string {
	return func(s string) string {
		for k, v := range m {
			s = strings.ReplaceAll(s, k, v)
		}
		return s
	}
}

// cardAuthzCases: every debit card route acts on the caller's own cards.
var cardAuthzCases = map[string]func(*testing.T, *apiEnv, *authzWorld) authzCase{
	"GET /api/v1/debit-cards":                              onCard("/api/v1/debit-cards", "", s200, s200, "{card}"),
	"POST /api/v1/debit-cards":                             onCard("/api/v1/debit-cards", "", s201, s201),
	"GET /api/v1/debit-cards/{id}":                         onCard("/api/v1/debit-cards/{card}", "", s404, s200, "{card}"),
	"POST /api/v1/debit-cards/{id}/freeze":                 onCard("/api/v1/debit-cards/{card}/freeze", "", s404, s200, "{card}"),
	"POST /api/v1/debit-cards/{id}/unfreeze":               onCard("/api/v1/debit-cards/{card}/unfreeze", "", s404, s200, "{card}"),
	"PATCH /api/v1/debit-cards/{id}/controls":              onCard("/api/v1/debit-cards/{card}/controls", `{"daily_limit":"$40"}`, s404, s200, "{card}"),
	"POST /api/v1/debit-cards/{id}/reveal":                 onCard("/api/v1/debit-cards/{card}/reveal", "", s404, s200, rails.RevealPath),
	"GET /api/v1/debit-cards/{id}/transactions":            onCard("/api/v1/debit-cards/{card}/transactions", "", s404, s200, "{auth}"),
	"POST /api/v1/debit-cards/{id}/simulate":               onCard("/api/v1/debit-cards/{card}/simulate", `{"merchant":"Bean There Café","amount":"$1"}`, s404, s201),
	"POST /api/v1/debit-cards/authorizations/{id}/capture": onCard("/api/v1/debit-cards/authorizations/{auth}/capture", `{}`, s404, s201, "{auth}"),
}
