package rails_test

import (
	"context"
	"net"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/nestegg/nestegg/rails"
)

// EnvStripeMock names the stripe-mock address the contract test uses.
const envStripeMock = "NESTEGG_TEST_STRIPE_MOCK"

// stripeMock returns stripe-mock's base URL, skipping without it except
// under CI=true, where a missing stripe-mock fails: CI must never pass by
// skipping.
func stripeMock(t *testing.T) string {
	t.Helper()
	u := os.Getenv(envStripeMock)
	if u == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true but %s is not set: the stripe-mock contract test must run in CI", envStripeMock)
		}
		t.Skipf("%s not set; skipping the stripe-mock contract test", envStripeMock)
	}
	host := u
	if len(host) > 7 && host[:7] == "http://" {
		host = host[7:]
	}
	c, err := net.DialTimeout("tcp", host, 2*time.Second)
	if err != nil {
		t.Fatalf("stripe-mock at %s unreachable: %v", u, err)
	}
	c.Close()
	return u
}

// TestStripeContract drives the Stripe adapter against stripe-mock, which
// checks every request against Stripe's OpenAPI description and answers
// with fixtures: the adapter's requests are well-formed and its parsing
// of the answers holds.
func TestStripeContract(t *testing.T) {
	s := rails.NewStripe("sk_test_123", stripeMock(t), &http.Client{Timeout: 10 * time.Second})
	ctx := context.Background()
	c, err := s.Card(ctx, "pm_card_visa")
	if err != nil {
		t.Fatalf("Card: %v", err)
	}
	if c.Token == "" || c.Last4 == "" || c.Brand == "" || c.ExpMonth == 0 {
		t.Errorf("Card = %+v, want token, brand, last4, expiry", c)
	}
	ch, err := s.Charge(ctx, rails.ChargeRequest{IdempotencyKey: "contract-1", Token: "pm_card_visa", Amount: 1234, Currency: "USD", Description: "Nestegg top-up"})
	if err != nil {
		t.Fatalf("Charge: %v", err)
	}
	if ch.ID == "" || ch.Status == "" || ch.Amount <= 0 {
		t.Errorf("Charge = %+v", ch)
	}
	if _, err := s.Confirm(ctx, ch.ID); err != nil {
		t.Fatalf("Confirm: %v", err)
	}
	got, err := s.Lookup(ctx, ch.ID)
	if err != nil || got.ID == "" {
		t.Fatalf("Lookup = %+v, %v", got, err)
	}
	// The payout is seen: stripe-mock answers the expanded balance
	// transaction (status available, its fee and net) only when Lookup
	// asks for the expansion; unexpanded it is a bare id and PaidOut
	// stays false forever.
	if !got.PaidOut || got.Net <= 0 || got.Fee < 0 || got.Fee > got.Net+got.Fee {
		t.Errorf("Lookup = %+v, want paid out with the balance transaction's fee and net", got)
	}
	// Reconciliation lists the account's intents (stripe-mock's fixtures
	// carry no Nestegg reference, so none is Nestegg's).
	var _ rails.ChargeLister = s
	if _, err := s.Charges(ctx, time.Now().Add(-24*time.Hour)); err != nil {
		t.Fatalf("Charges: %v", err)
	}
}
