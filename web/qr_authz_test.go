package web_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/nestegg/nestegg/commerce"
	"github.com/nestegg/nestegg/social"
)

// qrWorld is a payWorld where the owner is a business with a static code,
// a dynamic $1 code, and the other member's $2 payment at its counter.
type qrWorld struct {
	*payWorld
	static, dynamic, token, payment string
}

func (e *apiEnv) newQRWorld(t *testing.T, w *authzWorld) *qrWorld {
	t.Helper()
	ctx := context.Background()
	qw := &qrWorld{payWorld: e.newPayWorld(t, w)}
	if err := e.social.SetKind(ctx, w.owner.id, social.Business); err != nil {
		t.Fatal(err)
	}
	st, err := e.shop.StaticQR(ctx, w.owner.id, "")
	if err != nil {
		t.Fatal(err)
	}
	qw.static = st.ID
	dy, err := e.shop.CreateQR(ctx, commerce.QRInput{MerchantID: w.owner.id, Amount: usdAmount(t, "1"), IdempotencyKey: "authz-sale"})
	if err != nil {
		t.Fatal(err)
	}
	qw.dynamic, qw.token = dy.ID, dy.Token
	p, err := e.shop.PayQR(ctx, commerce.QRPayInput{PayerID: w.other.id, Token: st.Token, Amount: usdAmount(t, "2"), IdempotencyKey: "authz-qr"})
	if err != nil {
		t.Fatal(err)
	}
	qw.payment = p.ID
	return qw
}

func onQR(path func(qw *qrWorld) string, body func(qw *qrWorld) string, stranger, owner int, private ...func(qw *qrWorld) string) func(*testing.T, *apiEnv, *authzWorld) authzCase {
	return func(t *testing.T, e *apiEnv, w *authzWorld) authzCase {
		qw := e.newQRWorld(t, w)
		var priv []string
		for _, p := range private {
			priv = append(priv, p(qw))
		}
		b := ""
		if body != nil {
			b = body(qw)
		}
		return authzCase{path: path(qw), body: b, nobody: s401, stranger: stranger, owner: owner, private: priv, after: ownerUntouched(qw.payWorld)}
	}
}

// qrAuthzCases are the in-store QR routes' cases: a member who is not a
// business has no counter (403), and nobody sees another's codes or
// payments (404).
var qrAuthzCases = map[string]func(*testing.T, *apiEnv, *authzWorld) authzCase{
	"GET /api/v1/me/qr": onQR(func(*qrWorld) string { return "/api/v1/me/qr" }, nil, s403, s200, func(qw *qrWorld) string { return qw.static }),
	"POST /api/v1/qr-codes": onQR(func(*qrWorld) string { return "/api/v1/qr-codes" },
		func(*qrWorld) string { return `{"amount":"$3","description":"a sale"}` }, s403, s201),
	"GET /api/v1/qr-codes/{id}": onQR(func(qw *qrWorld) string { return "/api/v1/qr-codes/" + qw.dynamic }, nil, s404, s200),
	// Anyone signed in may read a code they scanned.
	"GET /api/v1/qr/{token}": onQR(func(qw *qrWorld) string { return "/api/v1/qr/" + qw.token }, nil, s200, s200),
	// Anyone may pay the owner's code; the owner may not pay their own.
	"POST /api/v1/qr-payments": onQR(func(*qrWorld) string { return "/api/v1/qr-payments" },
		func(qw *qrWorld) string { return fmt.Sprintf(`{"token":%q}`, qw.token) }, s201, s400),
	"GET /api/v1/qr-payments":  onQR(func(*qrWorld) string { return "/api/v1/qr-payments" }, nil, s403, s200, func(qw *qrWorld) string { return qw.payment }),
	"GET /api/v1/me/qr-payout": onQR(func(*qrWorld) string { return "/api/v1/me/qr-payout" }, nil, s403, s200),
	"PUT /api/v1/me/qr-payout": onQR(func(*qrWorld) string { return "/api/v1/me/qr-payout" },
		func(*qrWorld) string { return `{"bank_account_id":""}` }, s403, s200),
	"POST /api/v1/qr-payments/{id}/refund": onQR(func(qw *qrWorld) string { return "/api/v1/qr-payments/" + qw.payment + "/refund" }, nil, s404, s200),
}
