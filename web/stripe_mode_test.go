package web_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v85/webhook"

	"github.com/nestegg/nestegg/compliance"
	"github.com/nestegg/nestegg/funding"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/movement"
	"github.com/nestegg/nestegg/movement/movementtest"
	"github.com/nestegg/nestegg/payments"
	"github.com/nestegg/nestegg/rails"
	"github.com/nestegg/nestegg/social"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
	"github.com/nestegg/nestegg/web"
)

// stripeMockURL is stripe-mock's address (NESTEGG_TEST_STRIPE_MOCK); the
// test skips without it, except under CI=true, where it fails.
func stripeMockURL(t *testing.T) string {
	t.Helper()
	u := os.Getenv("NESTEGG_TEST_STRIPE_MOCK")
	if u == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true but NESTEGG_TEST_STRIPE_MOCK is not set")
		}
		t.Skip("NESTEGG_TEST_STRIPE_MOCK not set")
	}
	pu, _ := url.Parse(u)
	c, err := net.DialTimeout("tcp", pu.Host, 2*time.Second)
	if err != nil {
		t.Fatalf("stripe-mock at %s unreachable: %v", u, err)
	}
	c.Close()
	return u
}

// stripeThreeDS is stripe-mock behind a proxy that answers a new
// PaymentIntent as Stripe does when the card's issuer wants 3-D Secure
// and a return_url was given (requires_action, next_action a redirect):
// stripe-mock is stateless and always answers requires_payment_method.
// Every request still reaches stripe-mock, which checks it against
// Stripe's API.
func stripeThreeDS(t *testing.T, base string) string {
	t.Helper()
	target, _ := url.Parse(base)
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.ModifyResponse = func(res *http.Response) error {
		if res.Request.Method != http.MethodPost || res.Request.URL.Path != "/v1/payment_intents" || res.StatusCode != 200 {
			return nil
		}
		var pi map[string]any
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if err := json.Unmarshal(body, &pi); err != nil {
			return err
		}
		pi["status"] = "requires_action"
		pi["next_action"] = map[string]any{"type": "redirect_to_url", "redirect_to_url": map[string]any{"url": "https://hooks.stripe.com/3d_secure_2/hosted?merchant=acct_1", "return_url": ""}}
		body, _ = json.Marshal(pi)
		res.Body = io.NopCloser(bytes.NewReader(body))
		res.ContentLength = int64(len(body))
		res.Header.Set("Content-Length", strconv.Itoa(len(body)))
		return nil
	}
	srv := httptest.NewServer(rp)
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestStripeMode runs the web app in Stripe mode against stripe-mock:
//
//   - the card page loads Stripe.js and no card number field, under a
//     Content-Security-Policy that lets exactly Stripe's script, frames
//     and API in; other pages keep the strict policy;
//   - a card is linked by the PaymentMethod id Stripe.js would post; a
//     top-up whose card wants 3-D Secure sends the member to the issuer's
//     page (Stripe's next_action), whence they return to the movement;
//   - POST /webhooks/stripe refuses a wrong, missing or old signature
//     (401) and acts on a good one once: payment_intent.succeeded
//     credits the wallet, payout.paid settles the top-up.
//
// Both databases; the book auditor after. The sandbox mode's card page
// and policy are checked in TestSandboxCardPageCSP.
func TestStripeMode(t *testing.T) {
	base := stripeThreeDS(t, stripeMockURL(t))
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ss := newStripeSite(t, db, base)
		site, fund, soc, pay, hs, secret, pk := ss.site, ss.fund, ss.soc, ss.pay, ss.hs, ss.secret, ss.pk
		u := site.signup("stripey")
		money := u.get("/money")
		wantStatus(t, "GET /money", money, http.StatusOK)
		wantBody(t, "Stripe mode's card page", money, `<script src="https://js.stripe.com/v3" defer></script>`, `data-key="`+pk+`"`, `id="stripe-card"`, `name="token"`)
		wantNoBody(t, "Stripe mode's card page", money, `name="number"`, `name="cvc"`, "sk_test_123", secret)
		csp := money.header.Get("Content-Security-Policy")
		for _, want := range []string{"script-src 'self' https://js.stripe.com https://*.js.stripe.com;", "frame-src https://js.stripe.com https://*.js.stripe.com https://hooks.stripe.com;",
			"connect-src 'self' https://api.stripe.com;", "frame-ancestors 'none'", "default-src 'self'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("the card page's CSP %q lacks %q", csp, want)
			}
		}
		if home := u.get("/"); strings.Contains(home.header.Get("Content-Security-Policy"), "stripe") || strings.Contains(home.body, "js.stripe.com") {
			t.Errorf("a page without the card form lets Stripe in: %q", home.header.Get("Content-Security-Policy"))
		}

		// The form posts what Stripe.js made of the card field.
		r := u.post("/money/cards", "token", "")
		wantStatus(t, "POST /money/cards without a token", r, http.StatusUnprocessableEntity)
		r = u.post("/money/cards", "token", "pm_card_visa")
		wantStatus(t, "POST /money/cards", r, http.StatusSeeOther)
		cards, err := fund.Cards(t.Context(), stripeUserID(t, soc, "stripey"))
		if err != nil || len(cards) != 1 {
			t.Fatalf("cards = %+v, %v", cards, err)
		}
		money = u.get("/money")
		key := regexp.MustCompile(`name="key" value="([^"]+)"`).FindStringSubmatch(money.body)[1]
		fee, err := fund.TopUpFee(1000)
		if err != nil {
			t.Fatal(err)
		}
		r = u.post("/money/topup", "amount", "10.00", "card_id", cards[0].ID, "fee", strconv.FormatInt(fee, 10), "key", key, "confirm", "yes")
		wantStatus(t, "POST /money/topup", r, http.StatusSeeOther)
		if !strings.HasPrefix(r.location, "/money/movements/top_") {
			t.Fatalf("top-up went to %q", r.location)
		}
		id := strings.TrimPrefix(r.location, "/money/movements/")
		page := u.get(r.location)
		wantBody(t, "the top-up waiting for 3-D Secure", page, `id="authenticate" href="https://hooks.stripe.com/3d_secure_2/hosted?merchant=acct_1"`)
		wantNoBody(t, "the top-up waiting for 3-D Secure", page, `action="/money/movements/`+id+`/confirm"`)

		m, err := fund.Movement(t.Context(), stripeUserID(t, soc, "stripey"), id)
		if err != nil {
			t.Fatal(err)
		}
		ext := ""
		if err := db.Reader().QueryRowContext(t.Context(), "SELECT external_id FROM funding_movements WHERE id = $1", id).Scan(&ext); err != nil {
			t.Fatal(err)
		}
		gross := m.Amount.Minor + m.Fee.Minor
		event := func(evID, typ string, obj map[string]any) []byte {
			b, _ := json.Marshal(map[string]any{"id": evID, "object": "event", "type": typ, "api_version": "2024-06-20", "created": time.Now().Unix(), "data": map[string]any{"object": obj}})
			return b
		}
		post := func(body []byte, sig string) *http.Response {
			req, _ := http.NewRequest(http.MethodPost, hs.URL+"/webhooks/stripe", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json; charset=utf-8")
			if sig != "" {
				req.Header.Set("Stripe-Signature", sig)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			return res
		}
		sign := func(body []byte, secret string, at time.Time) string {
			return webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: secret, Timestamp: at}).Header
		}
		succeeded := event("evt_web_pi_"+id, "payment_intent.succeeded", map[string]any{"id": ext, "object": "payment_intent", "amount": gross, "currency": "usd",
			"status": "succeeded", "created": time.Now().Unix(), "metadata": map[string]any{"nestegg_reference": id}})
		for name, sig := range map[string]string{
			"wrong secret": sign(succeeded, "whsec_someone_else", time.Now()),
			"no signature": "",
			"too old":      sign(succeeded, secret, time.Now().Add(-rails.DefaultWebhookTolerance-time.Minute)),
		} {
			if res := post(succeeded, sig); res.StatusCode != http.StatusUnauthorized {
				t.Errorf("webhook with %s = %d, want 401", name, res.StatusCode)
			}
		}
		if st := mustStatus(t, fund, soc, id); st != funding.StatusRequiresAction {
			t.Fatalf("after refused deliveries the top-up is %s", st)
		}
		good := sign(succeeded, secret, time.Now())
		for i := range 2 { // Stripe may deliver an event twice
			if res := post(succeeded, good); res.StatusCode != http.StatusOK {
				t.Fatalf("webhook delivery %d = %d, want 200", i+1, res.StatusCode)
			}
		}
		if st := mustStatus(t, fund, soc, id); st != funding.StatusSucceeded {
			t.Fatalf("after payment_intent.succeeded the top-up is %s", st)
		}
		if b, err := pay.Balance(t.Context(), stripeUserID(t, soc, "stripey"), "USD"); err != nil || b.Minor != 1000 {
			t.Fatalf("balance = %v, %v; want 10.00 once", b, err)
		}
		// The member comes back from their bank after the webhook: the
		// page shows the result.
		r = u.get("/money/movements/" + id + "/return?payment_intent=" + ext)
		wantStatus(t, "return from 3-D Secure", r, http.StatusSeeOther)
		wantBody(t, "the movement after 3-D Secure", u.get(r.location), `id="status">succeeded<`)

		paid := event("evt_web_po_"+id, "payout.paid", map[string]any{"id": "po_web", "object": "payout", "amount": gross, "currency": "usd", "status": "paid", "created": time.Now().Unix()})
		if res := post(paid, sign(paid, secret, time.Now())); res.StatusCode != http.StatusOK {
			t.Fatalf("payout.paid = %d", res.StatusCode)
		}
		wantBody(t, "the movement after the payout", u.get("/money/movements/"+id), `id="status">settled<`)
	})
}

// stripeSite is the web app in Stripe mode: funding on Stripe at base
// (stripe-mock, through stripeThreeDS), the webhook's secret and a
// publishable key; the book auditor runs when the test ends.
type stripeSite struct {
	site       *pageSite
	hs         *httptest.Server
	fund       *funding.Service
	soc        *social.Service
	pay        *payments.Service
	secret, pk string
}

func newStripeSite(t *testing.T, db *store.DB, base string) *stripeSite {
	t.Helper()
	const secret, pk = "whsec_web_test", "pk_test_nestegg"
	clock := &pageClock{t: time.Now()}
	l := ledger.New(db, ledger.Options{ValidAsset: validAsset})
	l.Start()
	soc := social.New(db, social.Options{PayHandle: "pay", Clock: clock.Now, Argon2: social.Argon2{Time: 1, MemoryKiB: 64, Threads: 1}})
	comp := compliance.New(db, withIdentity(compliance.DefaultConfig()))
	pay, err := payments.New(db, l, soc, comp, payments.Config{})
	if err != nil {
		t.Fatal(err)
	}
	bank, err := rails.NewSandboxBank("", clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	fund, err := funding.New(db, l, comp, bank, rails.NewStripe("sk_test_123", base, &http.Client{Timeout: 10 * time.Second}),
		funding.Config{EncryptionKey: bytes.Repeat([]byte{9}, 32), Clock: clock.Now, CardReturnURL: "https://nestegg.example/money/movements/{id}/return"})
	if err != nil {
		t.Fatal(err)
	}
	srv := web.New(web.Deps{DB: db, Ledger: l, Social: soc, Payments: pay, Compliance: comp, Funding: fund, Version: "test",
		StripeWebhook: rails.NewStripeWebhook(secret, 0), StripePublishableKey: pk})
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		movementtest.Audit(t, movement.New(db, l, comp, nil))
		hs.Close()
		srv.Close()
		l.Close()
	})
	return &stripeSite{site: &pageSite{t: t, url: hs.URL, social: soc, clock: clock}, hs: hs, fund: fund, soc: soc, pay: pay, secret: secret, pk: pk}
}

// TestSandboxCardPageCSP: on the sandbox card processor the card page
// keeps its own form and the strict policy, and the Stripe webhook route
// is not there.
func TestSandboxCardPageCSP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		_, site := newFundingEnv(t, db, nil)
		u := site.signup("sandy")
		money := u.get("/money")
		wantBody(t, "the sandbox card page", money, `name="number"`, `name="cvc"`)
		wantNoBody(t, "the sandbox card page", money, "js.stripe.com", "stripe-card")
		if csp := money.header.Get("Content-Security-Policy"); strings.Contains(csp, "stripe") || !strings.Contains(csp, "script-src 'self';") {
			t.Errorf("the sandbox card page's CSP = %q", csp)
		}
		req, _ := http.NewRequest(http.MethodPost, site.url+"/webhooks/stripe", strings.NewReader(`{"id":"evt_1"}`))
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("POST /webhooks/stripe on the sandbox = %d, want 404", res.StatusCode)
		}
	})
}

func stripeUserID(t *testing.T, soc *social.Service, handle string) string {
	t.Helper()
	a, err := soc.UserByHandle(t.Context(), handle)
	if err != nil {
		t.Fatal(err)
	}
	return a.ID
}

func mustStatus(t *testing.T, f *funding.Service, soc *social.Service, id string) funding.Status {
	t.Helper()
	m, err := f.Movement(t.Context(), stripeUserID(t, soc, "stripey"), id)
	if err != nil {
		t.Fatal(err)
	}
	return m.Status
}
