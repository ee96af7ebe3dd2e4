package rails_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/rails"
)

// testClock is a clock tests move by hand.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// TestSandboxBankShortClock: on SettleAfter's clock the sandbox bank
// settles entries that long after it received their file, not on their
// effective date (tomorrow), and returns a returning entry that long after
// it settled; the clock lives in its directory, so a restart keeps it.
func TestSandboxBankShortClock(t *testing.T) {
	ctx := context.Background()
	clk := &testClock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)}
	dir := t.TempDir()
	b, err := rails.NewSandboxBank(dir, clk.Now, rails.SettleAfter(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	data, err := rails.WriteNACHA(origination(t, clk.Now()))
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Transmit(ctx, rails.File{Name: "f1.ach", Data: data}); err != nil {
		t.Fatal(err)
	}
	status := func(b *rails.SandboxBank) map[string]rails.Record {
		t.Helper()
		rs, err := b.Records(ctx)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]rails.Record{}
		for _, r := range rs {
			m[r.Trace] = r
		}
		return m
	}
	if r := status(b)["091000010000001"]; r.Status != rails.RecordPending {
		t.Fatalf("at once: %+v, want pending", r)
	}
	clk.Advance(4 * time.Second)
	if r := status(b)["091000010000001"]; r.Status != rails.RecordPending {
		t.Fatalf("after 4s: %+v, want pending", r)
	}
	clk.Advance(time.Second)
	again, err := rails.NewSandboxBank(dir, clk.Now, rails.SettleAfter(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	m := status(again)
	if r := m["091000010000001"]; r.Status != rails.RecordSettled || !r.Effective.Equal(clk.Now()) {
		t.Fatalf("after 5s (restarted): %+v, want settled now", r)
	}
	if r := m["091000010000002"]; r.Status != rails.RecordSettled {
		t.Fatalf("a returning account after 5s: %+v, want settled first", r)
	}
	if fs, err := again.ReturnFiles(ctx); err != nil || len(fs) != 0 {
		t.Fatalf("ReturnFiles after 5s = %d, %v; want none yet", len(fs), err)
	}
	clk.Advance(5 * time.Second)
	if r := status(again)["091000010000002"]; r.Status != rails.RecordReturned || r.ReturnCode != "R01" {
		t.Fatalf("after 10s: %+v, want returned R01", r)
	}
	fs, err := again.ReturnFiles(ctx)
	if err != nil || len(fs) != 1 {
		t.Fatalf("ReturnFiles after 10s = %d, %v", len(fs), err)
	}
	if p, err := rails.ReadNACHA(fs[0].Data); err != nil || len(p.Entries) != 1 || p.Entries[0].OriginalTrace != "091000010000002" {
		t.Fatalf("the return file = %+v, %v", p, err)
	}

	// Without the option, the same bank directory keeps the real schedule
	// for files it receives.
	real, _ := rails.NewSandboxBank(t.TempDir(), clk.Now)
	if err := real.Transmit(ctx, rails.File{Name: "f2.ach", Data: data}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Hour)
	if r := status(real)["091000010000001"]; r.Status != rails.RecordPending {
		t.Fatalf("real schedule after an hour: %+v, want pending until the effective date", r)
	}
}

// TestSandboxCardsShortClock: on SettleAfter's clock a charge is paid out
// that long after it succeeded, instead of two days.
func TestSandboxCardsShortClock(t *testing.T) {
	ctx := context.Background()
	clk := &testClock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)}
	for _, tc := range []struct {
		opts  []rails.SandboxOption
		after time.Duration
	}{
		{[]rails.SandboxOption{rails.SettleAfter(3 * time.Second)}, 3 * time.Second},
		{nil, rails.PayoutDelay},
	} {
		s, err := rails.NewSandboxCards("", clk.Now, tc.opts...)
		if err != nil {
			t.Fatal(err)
		}
		c, err := s.Tokenize(ctx, "usr_a", rails.CardDetails{Number: "4242424242424242", ExpMonth: 12, ExpYear: 2040, CVC: "123"})
		if err != nil {
			t.Fatal(err)
		}
		ch, err := s.Charge(ctx, rails.ChargeRequest{IdempotencyKey: "k" + tc.after.String(), Token: c.Token, Amount: 500, Currency: "usd"})
		if err != nil || ch.Status != rails.ChargeSucceeded || ch.PaidOut {
			t.Fatalf("Charge = %+v, %v", ch, err)
		}
		clk.Advance(tc.after - time.Millisecond)
		if ch, _ = s.Lookup(ctx, ch.ID); ch.PaidOut {
			t.Fatalf("paid out before %v", tc.after)
		}
		clk.Advance(time.Millisecond)
		if ch, _ = s.Lookup(ctx, ch.ID); !ch.PaidOut {
			t.Fatalf("not paid out after %v", tc.after)
		}
	}
}

// TestSandboxChargeForgedToken: the sandbox charges only tokens it
// issued. A token's text names the card's behaviour ("ok" always
// succeeds), so before this check anyone could write one and be charged
// successfully, with the money paid out to the platform's cash.
func TestSandboxChargeForgedToken(t *testing.T) {
	ctx := context.Background()
	s, err := rails.NewSandboxCards(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	forged := "tok_sbx_ok_visa_4242_122040_a1b2c3d4e5f6"
	ch, err := s.Charge(ctx, rails.ChargeRequest{IdempotencyKey: "forged", Token: forged, Amount: 100_000_00, Currency: "usd"})
	if nestegg.ErrorParam(err) != "token" || !nestegg.Is(err, nestegg.Invalid) {
		t.Fatalf("Charge(forged token) = %+v, %v; want invalid token", ch, err)
	}
	// The same text issued by another sandbox (another install) is not
	// this one's either.
	other, _ := rails.NewSandboxCards("", nil)
	c, err := other.Tokenize(ctx, "usr_a", rails.CardDetails{Number: "4242424242424242", ExpMonth: 12, ExpYear: 2040, CVC: "123"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Charge(ctx, rails.ChargeRequest{IdempotencyKey: "other", Token: c.Token, Amount: 100, Currency: "usd"}); !nestegg.Is(err, nestegg.Invalid) {
		t.Fatalf("Charge(another sandbox's token) = %v, want invalid", err)
	}
	if ch, err := other.Charge(ctx, rails.ChargeRequest{IdempotencyKey: "own", Token: c.Token, Amount: 100, Currency: "usd"}); err != nil || ch.Status != rails.ChargeSucceeded {
		t.Fatalf("Charge(own token) = %+v, %v", ch, err)
	}
}
