package web_test

import (
	"context"
	"testing"

	"github.com/nestegg/nestegg/billing"
)

// ownSubscription funds the owner and subscribes them to Basic: the
// subscription and its receipt are theirs.
func (e *apiEnv) ownSubscription(t *testing.T, w *authzWorld) (sub, charge string) {
	t.Helper()
	ctx := context.Background()
	e.fundWallet(t, w.owner.id, 50_00)
	s, err := e.bill.Subscribe(ctx, billing.SubscribeInput{UserID: w.owner.id, PlanID: "pln_premium_1_month", IdempotencyKey: "authz-own"})
	if err != nil {
		t.Fatalf("Subscribe: %v", err)
	}
	cs, err := e.bill.Receipts(ctx, w.owner.id, 1)
	if err != nil || len(cs) != 1 {
		t.Fatalf("Receipts = %v, %v", cs, err)
	}
	return s.ID, cs[0].ID
}

// onSubscription is an action on the owner's subscription: another
// member's is not found.
func onSubscription(suffix, body string, owner int) func(*testing.T, *apiEnv, *authzWorld) authzCase {
	return func(t *testing.T, e *apiEnv, w *authzWorld) authzCase {
		id, _ := e.ownSubscription(t, w)
		return authzCase{path: "/api/v1/subscriptions/" + id + suffix, body: body, nobody: s401, stranger: s404, owner: owner}
	}
}

// billingAuthzCases are the subscription routes' (billing_api.go,
// creator_api.go).
var billingAuthzCases = map[string]func(t *testing.T, e *apiEnv, w *authzWorld) authzCase{
	"GET /api/v1/plans": public("/api/v1/plans", s200),
	"POST /api/v1/subscriptions": func(t *testing.T, e *apiEnv, w *authzWorld) authzCase {
		e.fundWallet(t, w.owner.id, 50_00)
		e.fundWallet(t, w.stranger.id, 50_00)
		return authzCase{path: "/api/v1/subscriptions", body: `{"plan_id":"pln_premium_1_month"}`, nobody: s401, stranger: s201, owner: s201}
	},
	"GET /api/v1/subscriptions": func(t *testing.T, e *apiEnv, w *authzWorld) authzCase {
		id, _ := e.ownSubscription(t, w)
		return authzCase{path: "/api/v1/subscriptions", nobody: s401, stranger: s200, owner: s200, private: []string{id}}
	},
	"GET /api/v1/subscriptions/quote":               asMember("/api/v1/subscriptions/quote?plan_id=pln_premium_2_month", "", s200),
	"GET /api/v1/subscriptions/{id}":                onSubscription("", "", s200),
	"POST /api/v1/subscriptions/{id}/plan":          onSubscription("/plan", `{"plan_id":"pln_premium_2_month"}`, s200),
	"POST /api/v1/subscriptions/{id}/cancel":        onSubscription("/cancel", "", s200),
	"POST /api/v1/subscriptions/{id}/resume":        onSubscription("/resume", "", s200),
	"POST /api/v1/subscriptions/{id}/pay":           onSubscription("/pay", "", 409),
	"PUT /api/v1/subscriptions/{id}/payment-method": onSubscription("/payment-method", `{"payment_method":"wallet"}`, s200),
	"GET /api/v1/receipts": func(t *testing.T, e *apiEnv, w *authzWorld) authzCase {
		_, charge := e.ownSubscription(t, w)
		return authzCase{path: "/api/v1/receipts", nobody: s401, stranger: s200, owner: s200, private: []string{charge}}
	},
	// Staff only: neither member is staff.
	"POST /api/v1/staff/charges/{id}/refund": func(t *testing.T, e *apiEnv, w *authzWorld) authzCase {
		_, charge := e.ownSubscription(t, w)
		return authzCase{path: "/api/v1/staff/charges/" + charge + "/refund", body: `{}`, nobody: s401, stranger: s403, owner: s403}
	},
	"GET /api/v1/staff/check-reviews": asMember("/api/v1/staff/check-reviews", "", s403),
	"POST /api/v1/staff/check-reviews/{handle}/approve": func(_ *testing.T, _ *apiEnv, w *authzWorld) authzCase {
		return authzCase{path: "/api/v1/staff/check-reviews/" + w.owner.handle + "/approve", nobody: s401, stranger: s403, owner: s403}
	},
	"POST /api/v1/operator/plans/{id}/price": operatorOnly("/api/v1/operator/plans/pln_premium_3_year/price", `{"price":"$170"}`),
	"POST /api/v1/operator/plans/{id}/perks": operatorOnly("/api/v1/operator/plans/pln_premium_3_year/perks", `{"post_chars":5000}`),
	// Tiers are a creator's own: these members are no creators, and the
	// operator's plans are nobody's to edit here.
	"POST /api/v1/me/tiers":            asMember("/api/v1/me/tiers", `{"name":"Fans","price":"$5"}`, s403),
	"PATCH /api/v1/me/tiers/{id}":      asMember("/api/v1/me/tiers/pln_premium_1_month", `{"name":"Mine now"}`, s403),
	"POST /api/v1/me/tiers/{id}/price": asMember("/api/v1/me/tiers/pln_premium_1_month/price", `{"price":"$1"}`, s403),
	"GET /api/v1/me/earnings":          asMember("/api/v1/me/earnings", "", s200),
}
