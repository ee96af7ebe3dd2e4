package rails_test

import (
	"context"
	"testing"
	"time"

	"github.com/nestegg/nestegg/rails"
)

// TestSandboxChargesListed: the sandbox lists every charge it made, each
// as Lookup returns it (a confirmed charge as confirmed), from since on.
func TestSandboxChargesListed(t *testing.T) {
	now := time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	s, err := rails.NewSandboxCards("", clock)
	if err != nil {
		t.Fatal(err)
	}
	var _ rails.ChargeLister = s
	ctx := context.Background()
	charge := func(number, key string) rails.Charge {
		c, err := s.Tokenize(ctx, "usr_a", rails.CardDetails{Number: number, ExpMonth: 12, ExpYear: 2030, CVC: "123"})
		if err != nil {
			t.Fatal(err)
		}
		ch, err := s.Charge(ctx, rails.ChargeRequest{IdempotencyKey: key, Token: c.Token, Amount: 10_00, Currency: "USD"})
		if err != nil {
			t.Fatal(err)
		}
		return ch
	}
	old := charge("4242424242424242", "k0")
	now = now.Add(time.Hour)
	ok := charge("4242424242424242", "k1")
	tds := charge("4000002500003155", "k2")
	if _, err := s.Confirm(ctx, tds.ID); err != nil {
		t.Fatal(err)
	}
	got, err := s.Charges(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]rails.ChargeStatus{ok.ID: rails.ChargeSucceeded, tds.ID: rails.ChargeSucceeded}
	if len(got) != len(want) {
		t.Fatalf("Charges = %+v; want %v (not %s, made before since)", got, want, old.ID)
	}
	for _, c := range got {
		if want[c.ID] != c.Status {
			t.Errorf("Charges has %s %s; want %v", c.ID, c.Status, want)
		}
	}
}
