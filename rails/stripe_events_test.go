package rails_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v85"
	"github.com/stripe/stripe-go/v85/webhook"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/rails"
)

// fixture fetches one of stripe-mock's objects as Stripe serializes it,
// so that the events below carry real shapes, not hand-written ones.
func fixture(t *testing.T, base, path string) map[string]any {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+path, nil)
	req.SetBasicAuth("sk_test_123", "")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", path, res.StatusCode, body)
	}
	var o map[string]any
	if err := json.Unmarshal(body, &o); err != nil {
		t.Fatal(err)
	}
	return o
}

// stripeEvent wraps obj in an event of type typ.
func stripeEvent(t *testing.T, id, typ string, obj map[string]any) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]any{"id": id, "object": "event", "type": typ, "api_version": "2020-08-27", "created": time.Now().Unix(), "data": map[string]any{"object": obj}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestStripeWebhookContract reads webhook events built from stripe-mock's
// fixtures — a charge succeeding, the same charge refunded, a payout paid
// — and checks the signature: a good one is accepted; a wrong secret, a
// changed body, a missing header and a signature older than the
// tolerance are refused as Unauthenticated.
func TestStripeWebhookContract(t *testing.T) {
	base := stripeMock(t)
	const secret = "whsec_contract"
	w := rails.NewStripeWebhook(secret, 0)
	sign := func(payload []byte, secret string, at time.Time) string {
		return webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: secret, Timestamp: at}).Header
	}

	pi := fixture(t, base, "/v1/payment_intents/pi_contract")
	pi["status"], pi["amount"], pi["metadata"] = "succeeded", 1234, map[string]any{"nestegg_reference": "top_contract"}
	succeeded := stripeEvent(t, "evt_1", "payment_intent.succeeded", pi)
	ev, err := w.Event(succeeded, sign(succeeded, secret, time.Now()))
	if err != nil {
		t.Fatalf("Event(good signature) = %v", err)
	}
	if ev.ID != "evt_1" || ev.Charge == nil || ev.Charge.ID != "pi_contract" || ev.Charge.Status != rails.ChargeSucceeded || ev.Charge.Amount != 1234 || ev.Charge.Reference != "top_contract" {
		t.Errorf("Event = %+v (charge %+v)", ev, ev.Charge)
	}

	// A refund made at Stripe: stripe-mock makes it (the request is
	// checked against Stripe's API), and the charge it refunded comes back
	// in charge.refunded with its refunded total.
	sc := stripe.NewClient("sk_test_123", stripe.WithBackends(stripe.NewBackendsWithConfig(&stripe.BackendConfig{URL: stripe.String(base)})))
	re, err := sc.V1Refunds.Create(context.Background(), &stripe.RefundCreateParams{PaymentIntent: stripe.String("pi_contract"), Amount: stripe.Int64(500)})
	if err != nil || re.ID == "" {
		t.Fatalf("refund at stripe-mock: %v", err)
	}
	ch := fixture(t, base, "/v1/charges/"+re.Charge.ID)
	ch["payment_intent"], ch["amount"], ch["amount_refunded"], ch["refunded"] = "pi_contract", 1234, re.Amount, false
	refunded := stripeEvent(t, "evt_2", "charge.refunded", ch)
	ev, err = w.Event(refunded, sign(refunded, secret, time.Now()))
	if err != nil || ev.Charge == nil || ev.Charge.ID != "pi_contract" || ev.Charge.Refunded != 500 || ev.Charge.Amount != 1234 {
		t.Fatalf("Event(charge.refunded) = %+v, %v", ev, err)
	}

	po := fixture(t, base, "/v1/payouts/po_contract")
	po["status"] = "paid"
	paid := stripeEvent(t, "evt_3", "payout.paid", po)
	ev, err = w.Event(paid, sign(paid, secret, time.Now()))
	if err != nil || ev.Payout == nil || ev.Payout.ID != "po_contract" || ev.Payout.Status != "paid" || ev.Payout.Amount <= 0 {
		t.Fatalf("Event(payout.paid) = %+v, %v", ev, err)
	}

	other := stripeEvent(t, "evt_4", "customer.created", fixture(t, base, "/v1/customers/cus_1"))
	if ev, err := w.Event(other, sign(other, secret, time.Now())); err != nil || ev.Charge != nil || ev.Payout != nil {
		t.Errorf("Event(customer.created) = %+v, %v; want nothing to act on", ev, err)
	}

	changed := append([]byte{}, succeeded...)
	changed[len(changed)-2] = ' '
	for _, c := range []struct {
		name, header string
		body         []byte
	}{
		{"wrong secret", sign(succeeded, "whsec_other", time.Now()), succeeded},
		{"changed body", sign(succeeded, secret, time.Now()), changed},
		{"no header", "", succeeded},
		{"garbage header", "t=abc,v1=zz", succeeded},
		{"older than the tolerance", sign(succeeded, secret, time.Now().Add(-rails.DefaultWebhookTolerance-time.Minute)), succeeded},
	} {
		if _, err := w.Event(c.body, c.header); !nestegg.Is(err, nestegg.Unauthenticated) {
			t.Errorf("%s: Event = %v, want unauthenticated", c.name, err)
		}
	}
}

// FuzzStripeWebhookEvent signs whatever body it is given, so that the
// reading behind the signature is reached: any body is an event, or
// Invalid, never a panic; and a changed signature is always refused.
func FuzzStripeWebhookEvent(f *testing.F) {
	f.Add([]byte(`{"id":"evt_1","object":"event","type":"payment_intent.succeeded","data":{"object":{"id":"pi_1","status":"succeeded","amount":100}}}`))
	f.Add([]byte(`{"id":"evt_2","object":"event","type":"charge.refunded","data":{"object":{"id":"ch_1","payment_intent":"pi_1","amount_refunded":5}}}`))
	f.Add([]byte(`{"id":"evt_3","object":"event","type":"payout.paid","data":{"object":{"id":"po_1","amount":-1,"status":"paid"}}}`))
	f.Add([]byte(`{"id":"evt_4","type":"payment_intent.succeeded","data":{"object":[]}}`))
	w := rails.NewStripeWebhook("whsec_fuzz", 0)
	f.Fuzz(func(t *testing.T, body []byte) {
		h := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: "whsec_fuzz"}).Header
		ev, err := w.Event(body, h)
		if err != nil && !nestegg.Is(err, nestegg.Invalid) {
			t.Fatalf("Event(signed) = %v, want an event or invalid", err)
		}
		if err == nil && ev.ID == "" {
			t.Fatalf("Event(signed) = %+v without an id", ev)
		}
		if _, err := w.Event(body, h+"0"); !nestegg.Is(err, nestegg.Unauthenticated) {
			t.Fatalf("Event(bad signature) = %v, want unauthenticated", err)
		}
	})
}
