package funding_test

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
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v85/webhook"

	"github.com/nestegg/nestegg/funding"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/rails"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
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
	pu, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.DialTimeout("tcp", pu.Host, 2*time.Second)
	if err != nil {
		t.Fatalf("stripe-mock at %s unreachable: %v", u, err)
	}
	c.Close()
	return u
}

// threeDSStripe is stripe-mock behind a proxy that answers a new
// PaymentIntent as Stripe does for a card whose issuer wants 3-D Secure
// when a return_url is given: requires_action, next_action a redirect.
// stripe-mock is stateless and always answers requires_payment_method;
// every request still reaches it and is checked against Stripe's API
// (the proxy also checks that the return URL was sent).
func threeDSStripe(t *testing.T, base string) string {
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
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/v1/payment_intents" {
			body, _ := io.ReadAll(r.Body)
			form, _ := url.ParseQuery(string(body))
			if ret := form.Get("return_url"); !strings.HasPrefix(ret, "https://nestegg.example/money/movements/top_") || !strings.HasSuffix(ret, "/return") {
				t.Errorf("PaymentIntent created with return_url %q", ret)
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// signedEvent builds a Stripe event around obj and signs it as Stripe
// would for the endpoint's secret.
func signedEvent(t *testing.T, secret, id, typ string, obj map[string]any) ([]byte, string) {
	t.Helper()
	b, err := json.Marshal(map[string]any{"id": id, "object": "event", "type": typ, "api_version": "2024-06-20", "created": time.Now().Unix(), "data": map[string]any{"object": obj}})
	if err != nil {
		t.Fatal(err)
	}
	return b, webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: b, Secret: secret}).Header
}

// TestStripeTopUpSettlesByWebhook runs a top-up in Stripe mode, against
// stripe-mock: the card is linked by its PaymentMethod, the charge needs
// 3-D Secure (the member is sent to the issuer's page), and signed
// webhook events do the rest — payment_intent.succeeded credits the
// wallet, a second delivery of it changes nothing, payout.paid settles
// the top-up (the corrected Lookup sees the balance transaction
// available), and charge.refunded takes the refunded part back out of
// the wallet, once. Both databases; the book auditor after.
func TestStripeTopUpSettlesByWebhook(t *testing.T) {
	base := threeDSStripe(t, stripeMockURL(t))
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		key := make([]byte, 32)
		f, err := funding.New(e.db, e.ledger, e.comp, e.bank, rails.NewStripe("sk_test_123", base, &http.Client{Timeout: 10 * time.Second}),
			funding.Config{EncryptionKey: key, Clock: e.clock.Now, CardReturnURL: "https://nestegg.example/money/movements/{id}/return"})
		if err != nil {
			t.Fatal(err)
		}
		const secret = "whsec_test_topup"
		wh := rails.NewStripeWebhook(secret, 0)
		deliver := func(body []byte, header string) {
			t.Helper()
			ev, err := wh.Event(body, header)
			if err != nil {
				t.Fatalf("Event: %v", err)
			}
			if err := f.CardEvent(e.ctx, ev); err != nil {
				t.Fatalf("CardEvent(%s): %v", ev.Type, err)
			}
		}
		user := "usr_stripe_" + strings.ReplaceAll(t.Name(), "/", "_")
		card, err := f.LinkCard(e.ctx, user, "pm_card_visa")
		if err != nil {
			t.Fatalf("LinkCard: %v", err)
		}
		m, err := f.TopUp(e.ctx, user, funding.TopUpInput{CardID: card.ID, Amount: usd(1000), IdempotencyKey: "stripe-topup-1"})
		if err != nil {
			t.Fatalf("TopUp: %v", err)
		}
		if m.Status != funding.StatusRequiresAction {
			t.Fatalf("TopUp = %s, want requires_action", m.Status)
		}
		if u, err := f.AuthenticationURL(e.ctx, user, m.ID); err != nil || !strings.HasPrefix(u, "https://hooks.stripe.com/") {
			t.Errorf("AuthenticationURL = %q, %v; want the issuer's page", u, err)
		}
		if w := e.wallet(user); w.CreditsPosted != 0 {
			t.Fatalf("wallet before the charge succeeded = %+v", w)
		}
		gross := m.Amount.Minor + m.Fee.Minor
		ext := externalID(t, db, m.ID)

		pi := map[string]any{"id": ext, "object": "payment_intent", "amount": gross, "currency": "usd", "status": "succeeded", "created": time.Now().Unix(), "metadata": map[string]any{"nestegg_reference": m.ID}}
		body, h := signedEvent(t, secret, "evt_pi_"+m.ID, "payment_intent.succeeded", pi)
		deliver(body, h)
		deliver(body, h) // Stripe delivers again: nothing more happens
		if got := status(t, f, user, m.ID); got != funding.StatusSucceeded {
			t.Fatalf("after payment_intent.succeeded: %s", got)
		}
		if w := e.wallet(user); w.CreditsPosted-w.DebitsPosted != 1000 {
			t.Fatalf("wallet = %+v, want 10.00", w)
		}
		// Another charge's event (its amount is not this top-up's) is not
		// booked against it.
		other := map[string]any{"id": ext, "object": "payment_intent", "amount": gross + 1, "currency": "usd", "status": "payment_failed", "created": time.Now().Unix(), "metadata": map[string]any{"nestegg_reference": m.ID}}
		body, h = signedEvent(t, secret, "evt_other_"+m.ID, "payment_intent.payment_failed", other)
		deliver(body, h)

		// An event of a type Nestegg does not act on is taken (and its
		// id recorded), not failed: a failure would have Stripe deliver
		// it again for days.
		body, h = signedEvent(t, secret, "evt_cus_"+m.ID, "customer.created", map[string]any{"id": "cus_1", "object": "customer"})
		deliver(body, h)

		po := map[string]any{"id": "po_1", "object": "payout", "amount": gross, "currency": "usd", "status": "paid", "created": time.Now().Unix()}
		body, h = signedEvent(t, secret, "evt_po_"+m.ID, "payout.paid", po)
		deliver(body, h)
		if got := status(t, f, user, m.ID); got != funding.StatusSettled {
			t.Fatalf("after payout.paid: %s, want settled", got)
		}

		ch := map[string]any{"id": "ch_1", "object": "charge", "amount": gross, "amount_refunded": 400, "currency": "usd", "payment_intent": ext, "status": "succeeded", "created": time.Now().Unix()}
		body, h = signedEvent(t, secret, "evt_re1_"+m.ID, "charge.refunded", ch)
		deliver(body, h)
		ch["amount_refunded"] = 400 // a later event that repeats the total books nothing more
		body, h = signedEvent(t, secret, "evt_re2_"+m.ID, "charge.refunded", ch)
		deliver(body, h)
		if w := e.wallet(user); w.CreditsPosted-w.DebitsPosted != 600 {
			t.Fatalf("wallet after a refund of 4.00 = %d, want 6.00", w.CreditsPosted-w.DebitsPosted)
		}
		if got := status(t, f, user, m.ID); got != funding.StatusSettled {
			t.Errorf("after the refund: %s, want settled still", got)
		}
	})
}

func externalID(t *testing.T, db *store.DB, id string) string {
	t.Helper()
	var ext string
	if err := db.Reader().QueryRowContext(t.Context(), "SELECT external_id FROM funding_movements WHERE id = $1", id).Scan(&ext); err != nil || ext == "" {
		t.Fatalf("external id of %s = %q, %v", id, ext, err)
	}
	return ext
}

func status(t *testing.T, f *funding.Service, user, id string) funding.Status {
	t.Helper()
	m, err := f.Movement(t.Context(), user, id)
	if err != nil {
		t.Fatal(err)
	}
	return m.Status
}

// TestStripeRefundBeforePayout: a top-up refunded in full at Stripe
// before its payout, after the member spent most of it. The card gets
// the amount and the fee back: the wallet gives what it has, the rest
// becomes the member's receivable, the fee comes out of fee revenue (the
// member does not pay it twice); nothing is left for a payout, so the
// top-up is settled and payout.paid moves no cash for it. Both databases;
// the book auditor after.
func TestStripeRefundBeforePayout(t *testing.T) {
	base := threeDSStripe(t, stripeMockURL(t))
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		f, err := funding.New(e.db, e.ledger, e.comp, e.bank, rails.NewStripe("sk_test_123", base, &http.Client{Timeout: 10 * time.Second}),
			funding.Config{EncryptionKey: make([]byte, 32), Clock: e.clock.Now, CardReturnURL: "https://nestegg.example/money/movements/{id}/return"})
		if err != nil {
			t.Fatal(err)
		}
		const secret = "whsec_test_refund"
		wh := rails.NewStripeWebhook(secret, 0)
		deliver := func(id, typ string, obj map[string]any) {
			t.Helper()
			body, h := signedEvent(t, secret, id, typ, obj)
			ev, err := wh.Event(body, h)
			if err != nil {
				t.Fatalf("Event: %v", err)
			}
			if err := f.CardEvent(e.ctx, ev); err != nil {
				t.Fatalf("CardEvent(%s): %v", typ, err)
			}
		}
		user := "usr_refund_" + strings.ReplaceAll(t.Name(), "/", "_")
		card, err := f.LinkCard(e.ctx, user, "pm_card_mastercard")
		if err != nil {
			t.Fatal(err)
		}
		m, err := f.TopUp(e.ctx, user, funding.TopUpInput{CardID: card.ID, Amount: usd(1000), IdempotencyKey: "stripe-refund-1"})
		if err != nil {
			t.Fatal(err)
		}
		gross, ext := m.Amount.Minor+m.Fee.Minor, externalID(t, db, m.ID)
		if m.Fee.Minor == 0 {
			t.Fatal("the top-up has no fee: the test wants one to refund")
		}
		deliver("evt_ok_"+m.ID, "payment_intent.succeeded", map[string]any{"id": ext, "object": "payment_intent", "amount": gross, "currency": "usd", "status": "succeeded", "metadata": map[string]any{"nestegg_reference": m.ID}})
		e.spend(user, 700)
		fees := func() int64 {
			a, err := e.ledger.Account(e.ctx, ledger.PlatformID("USD", ledger.KindFeeRevenue))
			if err != nil {
				t.Fatal(err)
			}
			return a.CreditsPosted - a.DebitsPosted
		}
		feesBefore := fees()

		deliver("evt_refund_"+m.ID, "charge.refunded", map[string]any{"id": "ch_r", "object": "charge", "amount": gross, "amount_refunded": gross, "currency": "usd", "payment_intent": ext, "status": "succeeded"})
		if w := e.wallet(user); w.CreditsPosted-w.DebitsPosted != 0 {
			t.Errorf("wallet after the refund = %d, want 0", w.CreditsPosted-w.DebitsPosted)
		}
		if owed, err := f.Receivable(e.ctx, user); err != nil || owed.Minor != 700 {
			t.Errorf("receivable = %v, %v; want 7.00 (spent before the refund)", owed, err)
		}
		if got := fees(); got != feesBefore-m.Fee.Minor {
			t.Errorf("fee revenue %d → %d, want the fee (%d) given back", feesBefore, got, m.Fee.Minor)
		}
		if got := status(t, f, user, m.ID); got != funding.StatusSettled {
			t.Fatalf("a top-up refunded in full before its payout is %s, want settled", got)
		}
		cash := func() int64 {
			a, err := e.ledger.Account(e.ctx, ledger.PlatformID("USD", ledger.KindCash))
			if err != nil {
				t.Fatal(err)
			}
			return a.DebitsPosted - a.CreditsPosted
		}
		before := cash()
		deliver("evt_po_"+m.ID, "payout.paid", map[string]any{"id": "po_r", "object": "payout", "amount": 0, "currency": "usd", "status": "paid"})
		if got := cash(); got != before {
			t.Errorf("payout.paid moved %d of cash for a refunded top-up", got-before)
		}
		if a, err := e.ledger.Account(e.ctx, ledger.PlatformID("USD", ledger.KindCardClearing)); err != nil || a.DebitsPosted != a.CreditsPosted {
			t.Errorf("card clearing = %+v, %v; want nothing owed either way", a, err)
		}
	})
}
