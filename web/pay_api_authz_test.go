package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/payments"
	"github.com/nestegg/nestegg/rails"
	"github.com/nestegg/nestegg/social"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// asWith sends a request with a Bearer token ("" sends none) and headers in
// pairs.
func (e *apiEnv) asWith(token, method, path, body string, headers ...string) *httptest.ResponseRecorder {
	if token != "" {
		headers = append([]string{"Authorization", "Bearer " + token}, headers...)
	}
	return e.serve(request(method, path, body, headers...))
}

// payWorld is the money of an authzWorld: the owner holds $128.45 after
// paying the other member $5 (sent) and being paid $10 by them (received);
// the other has asked the owner for $3 (incoming), the owner has asked the
// other for $4 (outgoing) and split $10 with them; the owner's post
// "@pay @other $1 authz-lunch" waits for confirmation (intent). The
// stranger holds $20.
type payWorld struct {
	sent, received, incoming, outgoing, split, intent, intentPost string
}

const ownerBalance = "$128.45"

func usdAmount(t *testing.T, s string) money.Amount {
	t.Helper()
	a, err := money.ParsePositive(s, "USD")
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func (e *apiEnv) newPayWorld(t *testing.T, w *authzWorld) *payWorld {
	t.Helper()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		id, amount string
	}{{w.owner.id, "123.45"}, {w.other.id, "100"}, {w.stranger.id, "20"}} {
		_, err := e.pay.Credit(ctx, c.id, usdAmount(t, c.amount), "authz-fund-"+c.id, "authz")
		must(err)
	}
	pw := &payWorld{}
	p, err := e.pay.Send(ctx, payments.SendInput{FromUserID: w.owner.id, ToHandle: w.other.handle, Amount: usdAmount(t, "5"),
		Note: "owner-secret-note", IdempotencyKey: "authz-sent"})
	must(err)
	pw.sent = p.ID
	p, err = e.pay.Send(ctx, payments.SendInput{FromUserID: w.other.id, ToHandle: w.owner.handle, Amount: usdAmount(t, "10"),
		IdempotencyKey: "authz-received"})
	must(err)
	pw.received = p.ID
	r, err := e.pay.Request(ctx, payments.RequestInput{RequesterID: w.other.id, FromHandle: w.owner.handle, Amount: usdAmount(t, "3"),
		IdempotencyKey: "authz-incoming"})
	must(err)
	pw.incoming = r.ID
	r, err = e.pay.Request(ctx, payments.RequestInput{RequesterID: w.owner.id, FromHandle: w.other.handle, Amount: usdAmount(t, "4"),
		IdempotencyKey: "authz-outgoing"})
	must(err)
	pw.outgoing = r.ID
	sp, err := e.pay.Split(ctx, payments.SplitInput{InitiatorID: w.owner.id, Total: usdAmount(t, "10"), With: []string{w.other.handle},
		IncludeSelf: true, IdempotencyKey: "authz-split"})
	must(err)
	pw.split = sp.ID
	post, err := e.social.CreatePost(ctx, w.owner.id, social.NewPost{Body: "@pay @" + w.other.handle + " $1 authz-lunch"})
	must(err)
	pw.intentPost = post.ID
	ins, err := e.pay.IntentsForPost(ctx, w.owner.id, post.ID)
	if err != nil || len(ins) != 1 {
		t.Fatalf("intents of %q = %v, %v", post.Body, ins, err)
	}
	pw.intent = ins[0].ID
	return pw
}

// onMoney is a case about one of the owner's money objects: nobody is 401,
// the stranger gets stranger (404: it does not exist for them), the owner
// owner.
func onMoney(path func(pw *payWorld) string, body string, stranger, owner int, private ...string) func(*testing.T, *apiEnv, *authzWorld) authzCase {
	return func(t *testing.T, e *apiEnv, w *authzWorld) authzCase {
		pw := e.newPayWorld(t, w)
		return authzCase{path: path(pw), body: body, nobody: s401, stranger: stranger, owner: owner, private: private,
			after: ownerUntouched(pw)}
	}
}

// ownerUntouched checks, after the stranger's request, that the owner's
// money and pending things are as they were (or richer).
func ownerUntouched(pw *payWorld) func(*testing.T, *apiEnv, *authzWorld) {
	return func(t *testing.T, e *apiEnv, w *authzWorld) {
		ctx := context.Background()
		// A stranger may give the owner money (a tip), never take any.
		if b, err := e.pay.Balance(ctx, w.owner.id, "USD"); err != nil || b.Minor < 128_45 {
			t.Errorf("after the stranger's request the owner holds %v (%v), want at least %s", b, err, ownerBalance)
		}
		if p, err := e.pay.Payment(ctx, w.owner.id, pw.received); err != nil || p.Refunded != 0 {
			t.Errorf("after the stranger's request the owner's received payment is %+v, %v", p, err)
		}
		if r, err := e.pay.RequestByID(ctx, w.owner.id, pw.incoming); err != nil || r.Status != payments.RequestOpen {
			t.Errorf("after the stranger's request the owner's incoming request is %+v, %v", r, err)
		}
		if r, err := e.pay.RequestByID(ctx, w.owner.id, pw.outgoing); err != nil || r.Status != payments.RequestOpen {
			t.Errorf("after the stranger's request the owner's outgoing request is %+v, %v", r, err)
		}
		if in, err := e.pay.Intent(ctx, w.owner.id, pw.intent); err != nil || in.Status != payments.IntentPending {
			t.Errorf("after the stranger's request the owner's intent is %+v, %v", in, err)
		}
		if a, err := e.pay.AutoConfirm(ctx, w.owner.id); err != nil || a.Minor != 0 {
			t.Errorf("after the stranger's request the owner's auto-confirm is %v, %v", a, err)
		}
	}
}

// ownMoney is a case about the caller's own money: each member acts on
// their own, and the stranger's request leaves the owner's alone.
func ownMoney(path, body string, stranger, owner int, private ...string) func(*testing.T, *apiEnv, *authzWorld) authzCase {
	return onMoney(func(*payWorld) string { return path }, body, stranger, owner, private...)
}

const s202, s409, s422 = http.StatusAccepted, http.StatusConflict, http.StatusUnprocessableEntity

// payAuthzCases are the payments routes' authorization cases; see
// authzCases.
var payAuthzCases = map[string]func(t *testing.T, e *apiEnv, w *authzWorld) authzCase{
	"GET /api/v1/wallet":             ownMoney("/api/v1/wallet", "", s200, s200, ownerBalance),
	"GET /api/v1/wallet/history":     ownMoney("/api/v1/wallet/history", "", s200, s200, "owner-secret-note"),
	"GET /api/v1/wallet/history.csv": ownMoney("/api/v1/wallet/history.csv", "", s200, s200, "owner-secret-note"),
	"POST /api/v1/payments": func(t *testing.T, e *apiEnv, w *authzWorld) authzCase {
		c := ownMoney("/api/v1/payments", fmt.Sprintf(`{"to":%q,"amount":100}`, w.other.handle), s201, s201)(t, e, w)
		return c
	},
	"GET /api/v1/payments/feed": func(t *testing.T, e *apiEnv, w *authzWorld) authzCase {
		pw := e.newPayWorld(t, w)
		return authzCase{path: "/api/v1/payments/feed", nobody: s200, stranger: s200, owner: s200, private: []string{pw.sent}}
	},
	"GET /api/v1/payments/{id}":         onMoney(func(pw *payWorld) string { return "/api/v1/payments/" + pw.sent }, "", s404, s200, "owner-secret-note"),
	"POST /api/v1/payments/{id}/refund": onMoney(func(pw *payWorld) string { return "/api/v1/payments/" + pw.received + "/refund" }, `{"amount":100}`, s404, s201),
	// The owner's payment is completed, no longer held.
	"POST /api/v1/payments/{id}/cancel": onMoney(func(pw *payWorld) string { return "/api/v1/payments/" + pw.sent + "/cancel" }, "", s404, s409),
	"POST /api/v1/requests": func(t *testing.T, e *apiEnv, w *authzWorld) authzCase {
		return ownMoney("/api/v1/requests", fmt.Sprintf(`{"from":%q,"amount":"$1"}`, w.other.handle), s201, s201)(t, e, w)
	},
	"GET /api/v1/requests": func(t *testing.T, e *apiEnv, w *authzWorld) authzCase {
		pw := e.newPayWorld(t, w)
		return authzCase{path: "/api/v1/requests", nobody: s401, stranger: s200, owner: s200, private: []string{pw.incoming}}
	},
	"GET /api/v1/requests/{id}":          onMoney(func(pw *payWorld) string { return "/api/v1/requests/" + pw.incoming }, "", s404, s200),
	"POST /api/v1/requests/{id}/pay":     onMoney(func(pw *payWorld) string { return "/api/v1/requests/" + pw.incoming + "/pay" }, "", s404, s201),
	"POST /api/v1/requests/{id}/decline": onMoney(func(pw *payWorld) string { return "/api/v1/requests/" + pw.incoming + "/decline" }, "", s404, s200),
	"POST /api/v1/requests/{id}/cancel":  onMoney(func(pw *payWorld) string { return "/api/v1/requests/" + pw.outgoing + "/cancel" }, "", s404, s200),
	"POST /api/v1/splits": func(t *testing.T, e *apiEnv, w *authzWorld) authzCase {
		return ownMoney("/api/v1/splits", fmt.Sprintf(`{"amount":300,"with":[%q]}`, w.other.handle), s201, s201)(t, e, w)
	},
	"GET /api/v1/splits/{id}": onMoney(func(pw *payWorld) string { return "/api/v1/splits/" + pw.split }, "", s404, s200),
	// Anyone may tip the owner's post or the owner, from their own money;
	// the owner may not tip themself.
	"POST /api/v1/posts/{id}/tips": func(t *testing.T, e *apiEnv, w *authzWorld) authzCase {
		return ownMoney("/api/v1/posts/"+w.post+"/tips", `{"amount":"$1"}`, s201, s400)(t, e, w)
	},
	"GET /api/v1/posts/{id}/tips": func(_ *testing.T, _ *apiEnv, w *authzWorld) authzCase {
		return authzCase{path: "/api/v1/posts/" + w.post + "/tips", nobody: s401, stranger: s403, owner: s200}
	},
	"POST /api/v1/users/{handle}/tips": func(t *testing.T, e *apiEnv, w *authzWorld) authzCase {
		return ownMoney("/api/v1/users/"+w.owner.handle+"/tips", `{"amount":100}`, s201, s400)(t, e, w)
	},
	"GET /api/v1/me/tips":       ownMoney("/api/v1/me/tips", "", s200, s200),
	"POST /api/v1/coins/buy":    ownMoney("/api/v1/coins/buy", `{"coins":10}`, s201, s201),
	"POST /api/v1/coins/redeem": ownMoney("/api/v1/coins/redeem", `{"coins":1}`, s422, s422),
	"GET /api/v1/awards":        public("/api/v1/awards", s200),
	"POST /api/v1/posts/{id}/awards": func(t *testing.T, e *apiEnv, w *authzWorld) authzCase {
		// Nobody has coins yet; the owner may not award their own post.
		return ownMoney("/api/v1/posts/"+w.post+"/awards", `{"award":"heart"}`, s422, s400)(t, e, w)
	},
	"GET /api/v1/users/{handle}/payments": func(t *testing.T, e *apiEnv, w *authzWorld) authzCase {
		pw := e.newPayWorld(t, w)
		return authzCase{path: "/api/v1/users/" + w.owner.handle + "/payments", nobody: s200, stranger: s200, owner: s200,
			private: []string{pw.sent}}
	},
	"GET /api/v1/intents/{id}": onMoney(func(pw *payWorld) string { return "/api/v1/intents/" + pw.intent }, "", s404, s200, "authz-lunch"),
	"GET /api/v1/posts/{id}/intents": func(t *testing.T, e *apiEnv, w *authzWorld) authzCase {
		pw := e.newPayWorld(t, w)
		return authzCase{path: "/api/v1/posts/" + pw.intentPost + "/intents", nobody: s200, stranger: s200, owner: s200,
			private: []string{"authz-lunch"}}
	},
	"POST /api/v1/intents/{id}/confirm": onMoney(func(pw *payWorld) string { return "/api/v1/intents/" + pw.intent + "/confirm" }, "", s404, s200),
	"POST /api/v1/intents/{id}/cancel":  onMoney(func(pw *payWorld) string { return "/api/v1/intents/" + pw.intent + "/cancel" }, "", s404, s200),
	"GET /api/v1/me/payment-settings":   ownMoney("/api/v1/me/payment-settings", "", s200, s200),
	"PUT /api/v1/me/payment-settings":   ownMoney("/api/v1/me/payment-settings", `{"auto_confirm":"$5"}`, s200, s200),

	"POST /api/v1/operator/credit":              operatorOnly("/api/v1/operator/credit", `{"handle":"nobody","amount":100}`),
	"POST /api/v1/operator/users/{id}/freeze":   operatorOnly("/api/v1/operator/users/usr_x/freeze", `{"reason":"test"}`),
	"POST /api/v1/operator/users/{id}/unfreeze": operatorOnly("/api/v1/operator/users/usr_x/unfreeze", `{"reason":"test"}`),
	"POST /api/v1/operator/users/{id}/tier":     operatorOnly("/api/v1/operator/users/usr_x/tier", `{"tier":"verified","reason":"test"}`),
	"GET /api/v1/operator/audit":                operatorOnly("/api/v1/operator/audit", ""),

	// Identity verification: a member sees and changes only their own; the
	// owner's personal data never reaches anyone but the operator.
	"GET /api/v1/me/verification": func(t *testing.T, e *apiEnv, w *authzWorld) authzCase {
		ownerIdentified(t, e, w)
		return authzCase{path: "/api/v1/me/verification", nobody: s401, stranger: s200, owner: s200}
	},
	"POST /api/v1/me/verification": func(t *testing.T, e *apiEnv, w *authzWorld) authzCase {
		ownerIdentified(t, e, w)
		body := `{"legal_name":"Sam Stranger","date_of_birth":"1970-01-01","line1":"1 Main St","city":"Austin","state":"TX","postal_code":"78701","country":"US","id_last4":"1111"}`
		// The owner is identified already: a second submission is refused.
		return authzCase{path: "/api/v1/me/verification", body: body, nobody: s401, stranger: s200, owner: s409}
	},
	"POST /api/v1/me/verification/document": func(t *testing.T, e *apiEnv, w *authzWorld) authzCase {
		ownerIdentified(t, e, w)
		return authzCase{path: "/api/v1/me/verification/document", body: `{}`, nobody: s401, stranger: s409, owner: s200}
	},
	"POST /api/v1/operator/users/{id}/identity":        operatorOnly("/api/v1/operator/users/usr_x/identity", `{"reason":"test"}`),
	"POST /api/v1/operator/users/{id}/identity/review": operatorOnly("/api/v1/operator/users/usr_x/identity/review", `{"approve":true,"reason":"test"}`),
}

// ownerIdentified gives the authorization world's owner tier 1.
func ownerIdentified(t *testing.T, e *apiEnv, w *authzWorld) {
	t.Helper()
	_, err := e.comp.SubmitIdentity(context.Background(), w.owner.id, rails.Person{LegalName: "Ulrike Nordhaven", DateOfBirth: "1980-05-05",
		Line1: "9 Fjord Way", City: "Seattle", State: "WA", PostalCode: "98101", Country: "US", IDLast4: "2468"}, "")
	if err != nil {
		t.Fatalf("SubmitIdentity(owner): %v", err)
	}
}

// TestPaymentsAuthorization states outright what the walk in
// TestAuthorization implies: nobody sends from, sees, refunds or confirms
// another member's money through the API.
func TestPaymentsAuthorization(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAPI(t, db)
		w := e.newAuthzWorld(t)
		pw := e.newPayWorld(t, w)
		key := 0
		as := func(m member, method, path, body string) *httptest.ResponseRecorder {
			key++
			return e.asWith(m.token, method, path, body, "Idempotency-Key", fmt.Sprintf("explicit-%d", key))
		}

		// A stranger asking for someone's payment finds nothing.
		wantError(t, "stranger GET payment", as(w.stranger, "GET", "/api/v1/payments/"+pw.sent, ""), s404, "not_found")
		// The payment's payee sees it; its payer too.
		if res := as(w.other, "GET", "/api/v1/payments/"+pw.sent, ""); res.Code != s200 {
			t.Errorf("payee GET payment = %d %s", res.Code, res.Body)
		}
		// Only the payee refunds: not a stranger, and not the payer.
		wantError(t, "stranger refund", as(w.stranger, "POST", "/api/v1/payments/"+pw.received+"/refund", `{}`), s404, "not_found")
		wantError(t, "payer refunds own payment", as(w.other, "POST", "/api/v1/payments/"+pw.received+"/refund", `{}`), s404, "not_found")
		// Another's intent cannot be seen, confirmed or cancelled.
		for _, p := range []string{"", "/confirm", "/cancel"} {
			method := "POST"
			if p == "" {
				method = "GET"
			}
			wantError(t, "stranger intent"+p, as(w.stranger, method, "/api/v1/intents/"+pw.intent+p, ""), s404, "not_found")
			wantError(t, "payee intent"+p, as(w.other, method, "/api/v1/intents/"+pw.intent+p, ""), s404, "not_found")
		}
		// Another's request cannot be paid, declined or cancelled.
		for _, p := range []string{"/pay", "/decline", "/cancel"} {
			wantError(t, "stranger request"+p, as(w.stranger, "POST", "/api/v1/requests/"+pw.incoming+p, ""), s404, "not_found")
		}
		// The wallet is always the caller's: no route names another
		// member's wallet or history, and none takes a member in its query.
		for _, rt := range e.srv.Routes() {
			if strings.HasPrefix(rt.Pattern, "/api/v1/wallet") && strings.Contains(strings.TrimSuffix(rt.Pattern, "/{month}"), "{") {
				t.Errorf("route %s names someone's wallet", rt.Pattern)
			}
		}
		for _, q := range []string{"user_id=" + w.owner.id, "handle=" + w.owner.handle, "user=" + w.owner.id} {
			for _, p := range []string{"/api/v1/wallet", "/api/v1/wallet/history", "/api/v1/wallet/history.csv"} {
				res := as(w.stranger, "GET", p+"?"+q, "")
				wantError(t, "stranger "+p+"?"+q, res, s400, "invalid")
			}
		}
		res := as(w.stranger, "GET", "/api/v1/wallet/history", "")
		if res.Code != s200 || strings.Contains(res.Body.String(), pw.sent) || strings.Contains(res.Body.String(), "owner-secret-note") {
			t.Errorf("stranger's own history = %d %s, want theirs only", res.Code, res.Body)
		}
		ownerUntouched(pw)(t, e, w)
	})
}
