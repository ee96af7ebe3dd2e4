package web_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	debitcards "github.com/nestegg/nestegg/cards"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/nestegg/nestegg/billing"
	"github.com/nestegg/nestegg/commerce"
	"github.com/nestegg/nestegg/compliance"
	"github.com/nestegg/nestegg/events"
	"github.com/nestegg/nestegg/funding"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/payments"
	"github.com/nestegg/nestegg/rails"
	"github.com/nestegg/nestegg/savings"
	"github.com/nestegg/nestegg/seal"
	"github.com/nestegg/nestegg/settings"
	"github.com/nestegg/nestegg/social"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/web"
)

const testKey = "test-operator-key-0123456789"

// apiEnv is a Server on a real database with an operator key.
type apiEnv struct {
	t      testing.TB
	db     *store.DB
	ledger *ledger.Ledger
	social *social.Service
	pay    *payments.Service
	comp   *compliance.Service
	shop   *commerce.Service
	bill   *billing.Service
	srv    *web.Server
	// funds moves money in and out through the sandbox rails, on fclock
	// (tests advance it for the bank to settle).
	funds  *funding.Service
	cards  *rails.SandboxCards
	fclock *pageClock
	// memberTok is a member's API token, made on first use (memberToken).
	memberTok string
	// adminTok is a staff admin's API token, made on first use
	// (callerToken).
	adminTok string
	// events keeps the webhook endpoints; tests run its jobs by hand.
	events *events.Service
	sav    *savings.Service
	// set are the business settings, applied to the services (to
	// compliance only under its default policy).
	set *settings.Service
	// crd is debit cards on iss, the sandbox issuer.
	crd *debitcards.Service
	iss *rails.SandboxIssuer
}

func validAsset(code string) error {
	_, err := money.Lookup(code)
	return err
}

func newAPI(t testing.TB, db *store.DB) *apiEnv {
	t.Helper()
	return newAPIWith(t, db, compliance.DefaultConfig())
}

// newAPIWith is newAPI with the compliance checkpoint configured by cc.
func newAPIWith(t testing.TB, db *store.DB, cc compliance.Config) *apiEnv {
	t.Helper()
	l := ledger.New(db, ledger.Options{ValidAsset: validAsset})
	l.Start()
	soc := social.New(db, social.Options{PayHandle: "pay", Argon2: social.Argon2{Time: 1, MemoryKiB: 64, Threads: 1}})
	comp := compliance.New(db, withIdentity(cc))
	ev := events.New(db, events.Options{AllowPrivate: true})
	pay, err := payments.New(db, l, soc, comp, payments.Config{Events: ev})
	if err != nil {
		t.Fatalf("payments.New: %v", err)
	}
	shop, err := commerce.New(db, l, soc, comp, commerce.Config{Events: ev})
	if err != nil {
		t.Fatalf("commerce.New: %v", err)
	}
	soc.SetPostHook(func(ctx context.Context, tx *sql.Tx, p social.Post) error {
		if err := pay.OnPost(ctx, tx, p); err != nil {
			return err
		}
		return shop.OnPost(ctx, tx, p)
	})
	fclock := &pageClock{t: time.Now()}
	fund, cards := newSandboxFunding(t, db, l, comp, fclock, nil)
	bill, err := billing.New(db, l, soc, comp, billing.Config{Funding: fund, Events: ev, Premium: billing.PremiumConfig{MinAccountAge: -1}})
	if err != nil {
		t.Fatalf("billing.New: %v", err)
	}
	soc.SetSubscriberCheck(bill.SubscribedTo)
	soc.SetPostLimit(bill.PostChars)
	usdAsset, _ := money.Lookup("USD")
	if err := bill.EnsurePremium(context.Background(), append(billing.DefaultPremiumPlans(usdAsset), billing.DefaultOrganizationPlans(usdAsset)...)); err != nil {
		t.Fatalf("EnsurePremium: %v", err)
	}
	sav := savings.New(db, l, soc, comp, savings.Config{Events: ev})
	set, err := settings.New(db, settings.Options{})
	if err != nil {
		t.Fatal(err)
	}
	targets := settings.Targets{Payments: pay, Commerce: shop, Funding: fund}
	if reflect.DeepEqual(cc, compliance.DefaultConfig()) {
		// A test's own policy stays the test's.
		targets.Compliance = comp
	}
	set.Apply(targets)
	if err := set.Refresh(context.Background()); err != nil {
		t.Fatalf("settings: %v", err)
	}
	iss, err := rails.NewSandboxIssuer("", nil)
	if err != nil {
		t.Fatal(err)
	}
	crd, err := debitcards.New(db, l, soc, comp, iss, debitcards.Config{Events: ev, Simulator: iss, InterchangeBps: 100, CashbackBps: 100})
	if err != nil {
		t.Fatal(err)
	}
	iss.Listen(crd)
	srv := web.New(web.Deps{DB: db, Ledger: l, Social: soc, Payments: pay, Compliance: comp, Commerce: shop, Billing: bill, Funding: fund, SandboxCards: cards,
		Events: ev, Savings: sav, Settings: set, Cards: crd, SandboxIssuer: iss, Version: "test"})
	t.Cleanup(func() {
		srv.Close()
		l.Close()
	})
	if err := web.EnsureOperatorKey(context.Background(), db, testKey, time.Now()); err != nil {
		t.Fatalf("EnsureOperatorKey: %v", err)
	}
	return &apiEnv{t: t, db: db, ledger: l, social: soc, pay: pay, comp: comp, shop: shop, bill: bill, srv: srv, funds: fund, cards: cards, fclock: fclock, events: ev, sav: sav, set: set, crd: crd, iss: iss}
}

// request builds a request; body "" sends none. Headers come in pairs.
func request(method, path, body string, headers ...string) *http.Request {
	var rd io.Reader = http.NoBody
	if body != "" {
		rd = strings.NewReader(body)
	}
	r := httptest.NewRequest(method, path, rd)
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			r.Header.Del(headers[i])
		} else {
			r.Header.Set(headers[i], headers[i+1])
		}
	}
	return r
}

// serve runs r through the server.
func (e *apiEnv) serve(r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	e.srv.ServeHTTP(w, r)
	return w
}

// do sends an authenticated request.
func (e *apiEnv) do(method, path, body string, headers ...string) *httptest.ResponseRecorder {
	h := append([]string{"Authorization", "Bearer " + testKey}, headers...)
	return e.serve(request(method, path, body, h...))
}

// ok sends an authenticated request, wants status, and decodes into out.
func (e *apiEnv) ok(want int, out any, method, path, body string, headers ...string) {
	e.t.Helper()
	w := e.do(method, path, body, headers...)
	if w.Code != want {
		e.t.Fatalf("%s %s = %d %s, want %d", method, path, w.Code, w.Body, want)
	}
	if out != nil {
		if err := json.Unmarshal(w.Body.Bytes(), out); err != nil {
			e.t.Fatalf("%s %s: decode %s: %v", method, path, w.Body, err)
		}
	}
}

type apiError struct {
	Error struct {
		Type    string `json:"type"`
		Code    string `json:"code"`
		Message string `json:"message"`
		Param   string `json:"param"`
	} `json:"error"`
}

var errorTypes = map[string]bool{
	"invalid_request_error": true, "authentication_error": true, "permission_error": true,
	"not_found_error": true, "conflict_error": true, "idempotency_error": true,
	"rate_limit_error": true, "api_error": true,
}

// wantError checks that w is an error in the one shape, with status and
// code (code "" accepts any).
func wantError(t *testing.T, what string, w *httptest.ResponseRecorder, status int, code string) apiError {
	t.Helper()
	var e apiError
	if w.Code != status {
		t.Errorf("%s: status %d %s, want %d", what, w.Code, w.Body, status)
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("%s: Content-Type %q, want application/json", what, ct)
	}
	dec := json.NewDecoder(w.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		t.Errorf("%s: body is not the error shape: %v", what, err)
		return e
	}
	if !errorTypes[e.Error.Type] || e.Error.Code == "" || e.Error.Message == "" {
		t.Errorf("%s: bad error %+v", what, e.Error)
	}
	if code != "" && e.Error.Code != code {
		t.Errorf("%s: code %q (%s), want %q", what, e.Error.Code, e.Error.Message, code)
	}
	return e
}

// withIdentity gives cc the sandbox identity provider and a sealing key,
// unless it has its own.
func withIdentity(cc compliance.Config) compliance.Config {
	if cc.Identity == nil {
		cc.Identity = rails.NewSandboxIdentity()
	}
	if cc.Sealer == nil {
		cc.Sealer, _ = seal.New(bytes.Repeat([]byte{5}, 32), "test identity")
	}
	return cc
}
