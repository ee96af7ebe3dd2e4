package rails_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/rails"
)

func TestSandboxCards(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	s, err := rails.NewSandboxCards("", func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		number, status, decline string
	}{
		{"4242 4242 4242 4242", "succeeded", ""},
		{"4000000000000002", "declined", "generic_decline"},
		{"4000000000009995", "declined", "insufficient_funds"},
		{"4000000000000069", "declined", "expired_card"},
		{"4000002500003155", "requires_action", ""},
	} {
		c, err := s.Tokenize(ctx, "usr_a", rails.CardDetails{Number: tc.number, ExpMonth: 12, ExpYear: 2030, CVC: "123"})
		if err != nil {
			t.Fatalf("Tokenize(%s): %v", tc.number, err)
		}
		if strings.Contains(c.Token, strings.ReplaceAll(tc.number, " ", "")) || c.Brand != "visa" || c.Owner != "usr_a" || c.Last4 != tc.number[len(tc.number)-4:] {
			t.Fatalf("Tokenize(%s) = %+v", tc.number, c)
		}
		got, err := s.Card(ctx, c.Token)
		if err != nil || got != c {
			t.Fatalf("Card(%s) = %+v, %v; want %+v", c.Token, got, err, c)
		}
		ch, err := s.Charge(ctx, rails.ChargeRequest{IdempotencyKey: "k" + tc.number, Token: c.Token, Amount: 1000, Currency: "USD"})
		if err != nil || string(ch.Status) != tc.status || ch.DeclineCode != tc.decline {
			t.Fatalf("Charge(%s) = %+v, %v; want %s %s", tc.number, ch, err, tc.status, tc.decline)
		}
		if ch.Status == rails.ChargeRequiresAction {
			if ch, err = s.Confirm(ctx, ch.ID); err != nil || ch.Status != rails.ChargeSucceeded {
				t.Fatalf("Confirm = %+v, %v", ch, err)
			}
		}
	}
	for _, d := range []rails.CardDetails{
		{Number: "4242424242424241", ExpMonth: 1, ExpYear: 2030, CVC: "123"},
		{Number: "4242424242424242", ExpMonth: 1, ExpYear: 2020, CVC: "123"},
		{Number: "4242424242424242", ExpMonth: 1, ExpYear: 2030, CVC: "12"},
	} {
		_, err := s.Tokenize(ctx, "usr_a", d)
		if !nestegg.Is(err, nestegg.Invalid) || strings.Contains(err.Error(), d.Number) {
			t.Errorf("Tokenize(bad) = %v, want invalid without the number", err)
		}
	}
}

// TestSandboxTokensIssued: the sandbox describes only the tokens it issued
// (a well-formed token anyone could write is refused), with the member it
// issued each to, also after a restart on the same directory.
func TestSandboxTokensIssued(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := rails.NewSandboxCards(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Tokenize(ctx, "", rails.CardDetails{Number: "4242424242424242", ExpMonth: 12, ExpYear: 2040, CVC: "123"}); !nestegg.Is(err, nestegg.Invalid) {
		t.Fatalf("Tokenize without an owner = %v, want invalid", err)
	}
	c, err := s.Tokenize(ctx, "usr_a", rails.CardDetails{Number: "4242424242424242", ExpMonth: 12, ExpYear: 2040, CVC: "123"})
	if err != nil {
		t.Fatal(err)
	}
	forged := "tok_sbx_ok_visa_4242_122040_" + "a1b2c3d4e5f6"
	if _, err := s.Card(ctx, forged); nestegg.ErrorParam(err) != "token" {
		t.Fatalf("Card(forged) = %v, want invalid token", err)
	}
	again, err := rails.NewSandboxCards(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := again.Card(ctx, c.Token); err != nil || got.Owner != "usr_a" || got.Last4 != "4242" {
		t.Fatalf("Card after a restart = %+v, %v; want usr_a's", got, err)
	}
}
