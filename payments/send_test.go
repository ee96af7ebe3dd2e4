package payments_test

import (
	"testing"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/compliance"
	"github.com/nestegg/nestegg/payments"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

func TestSend(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, options{})
		alice, bob := e.signup("alice"), e.signup("bob")
		e.wantBalance(alice, "USD", 0)
		e.fund(alice, "100")
		e.wantBalance(alice, "USD", 100_00)
		e.hasNotification(alice, payments.NotifyCredit)

		in := payments.SendInput{FromUserID: alice, ToHandle: "@Bob", Amount: usd(t, "12.34"), Note: "lunch", IdempotencyKey: "k1"}
		p, err := e.pay.Send(e.ctx, in)
		must(t, "Send", err)
		if p.Status != payments.StatusCompleted || p.PayeeID != bob || p.Amount.Minor != 1234 || p.Audience != payments.Private || p.Note != "lunch" {
			t.Fatalf("Send = %+v", p)
		}
		e.wantBalance(alice, "USD", 100_00-1234)
		e.wantBalance(bob, "USD", 1234)
		if n := e.hasNotification(bob, payments.NotifyReceived); n.Actor == nil || n.Actor.ID != alice || n.Text != "sent you $12.34: lunch" {
			t.Fatalf("bob's notification = %+v", n)
		}

		// A retry returns the first payment and pays nothing more.
		again, err := e.pay.Send(e.ctx, in)
		must(t, "Send again", err)
		if again.ID != p.ID {
			t.Fatalf("retry made payment %s, want %s", again.ID, p.ID)
		}
		e.wantBalance(bob, "USD", 1234)
		// The same key with another body is a conflict.
		other := in
		other.Amount = usd(t, "1")
		_, err = e.pay.Send(e.ctx, other)
		wantCode(t, "Send(same key, other amount)", err, nestegg.IdempotencyMismatch)

		// Who may see it.
		if _, err := e.pay.Payment(e.ctx, bob, p.ID); err != nil {
			t.Fatalf("Payment(payee) = %v", err)
		}
		carol := e.signup("carol")
		_, err = e.pay.Payment(e.ctx, carol, p.ID)
		wantCode(t, "Payment(stranger)", err, nestegg.NotFound)

		bad := []struct {
			name string
			in   payments.SendInput
			code nestegg.Code
		}{
			{"to yourself", payments.SendInput{FromUserID: alice, ToHandle: "alice", Amount: usd(t, "1"), IdempotencyKey: "x1"}, nestegg.Invalid},
			{"to nobody", payments.SendInput{FromUserID: alice, ToHandle: "nobody", Amount: usd(t, "1"), IdempotencyKey: "x2"}, nestegg.NotFound},
			{"not a handle", payments.SendInput{FromUserID: alice, ToHandle: "no body", Amount: usd(t, "1"), IdempotencyKey: "x3"}, nestegg.Invalid},
			{"zero", payments.SendInput{FromUserID: alice, ToHandle: "bob", IdempotencyKey: "x4"}, nestegg.Invalid},
			{"no key", payments.SendInput{FromUserID: alice, ToHandle: "bob", Amount: usd(t, "1")}, nestegg.Invalid},
			{"euro not offered", payments.SendInput{FromUserID: alice, ToHandle: "bob", Amount: usd(t, "€1"), IdempotencyKey: "x5"}, nestegg.Invalid},
			{"bad audience", payments.SendInput{FromUserID: alice, ToHandle: "bob", Amount: usd(t, "1"), Audience: "world", IdempotencyKey: "x6"}, nestegg.Invalid},
			{"from nobody", payments.SendInput{FromUserID: "usr_nobody", ToHandle: "bob", Amount: usd(t, "1"), IdempotencyKey: "x7"}, nestegg.NotFound},
			{"too much", payments.SendInput{FromUserID: alice, ToHandle: "bob", Amount: usd(t, "90"), IdempotencyKey: "x8"}, nestegg.InsufficientFunds},
			{"from an empty wallet", payments.SendInput{FromUserID: carol, ToHandle: "bob", Amount: usd(t, "0.01"), IdempotencyKey: "x9"}, nestegg.InsufficientFunds},
		}
		payments0 := e.count("SELECT count(*) FROM payments")
		transfers0 := e.count("SELECT count(*) FROM ledger_transfers")
		for _, tc := range bad {
			_, err := e.pay.Send(e.ctx, tc.in)
			wantCode(t, "Send "+tc.name, err, tc.code)
		}
		// A refused payment leaves nothing behind.
		if n := e.count("SELECT count(*) FROM payments"); n != payments0 {
			t.Fatalf("payments rows = %d after refusals, want %d", n, payments0)
		}
		if n := e.count("SELECT count(*) FROM ledger_transfers"); n != transfers0 {
			t.Fatalf("ledger transfers = %d after refusals, want %d", n, transfers0)
		}
		e.wantBalance(alice, "USD", 100_00-1234)
		e.wantBalance(bob, "USD", 1234)
		// Retrying after topping up succeeds under the same key.
		e.fund(alice, "10")
		_, err = e.pay.Send(e.ctx, bad[8].in)
		must(t, "Send after top-up", err)
		e.checkBooks()
	})
}

func TestSendBlocked(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, options{})
		alice, bob, carol := e.signup("alice"), e.signup("bob"), e.signup("carol")
		e.fund(alice, "10")
		e.fund(carol, "10")
		must(t, "Block", e.social.Block(e.ctx, bob, alice))
		must(t, "Block", e.social.Block(e.ctx, carol, bob))
		_, err := e.pay.Send(e.ctx, payments.SendInput{FromUserID: alice, ToHandle: "bob", Amount: usd(t, "1"), IdempotencyKey: "k"})
		wantCode(t, "Send to who blocked you", err, nestegg.Forbidden)
		_, err = e.pay.Send(e.ctx, payments.SendInput{FromUserID: carol, ToHandle: "bob", Amount: usd(t, "1"), IdempotencyKey: "k"})
		wantCode(t, "Send to whom you blocked", err, nestegg.Forbidden)
		_, err = e.pay.Request(e.ctx, payments.RequestInput{RequesterID: alice, FromHandle: "bob", Amount: usd(t, "1"), IdempotencyKey: "k"})
		wantCode(t, "Request from who blocked you", err, nestegg.Forbidden)
		e.wantBalance(alice, "USD", 10_00)
		e.wantBalance(bob, "USD", 0)
	})
}

func TestPolicy(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		cc := compliance.DefaultConfig()
		cc.CoolingOffAbove = 50_00
		cc.CoolingOffHold = time.Hour
		e := newEnv(t, db, options{comp: &cc})
		alice, bob := e.signup("alice"), e.signup("bob")
		e.fund(alice, "5000")

		// Per-transfer limit for the unverified; verified may send more.
		_, err := e.pay.Send(e.ctx, payments.SendInput{FromUserID: alice, ToHandle: "bob", Amount: usd(t, "500.01"), IdempotencyKey: "big"})
		wantCode(t, "Send over the limit", err, nestegg.Forbidden)
		if msg := nestegg.ErrorMessage(err); msg == "" || msg == "forbidden" {
			t.Fatalf("denial message = %q, want a reason", msg)
		}
		// The denial is on record even though nothing moved.
		audit, err := e.comp.Audit(e.ctx, alice, "", 0)
		must(t, "Audit", err)
		if len(audit.Entries) == 0 || audit.Entries[0].Outcome != "deny" || audit.Entries[0].Amount != 500_01 {
			t.Fatalf("audit = %+v, want the denial first", audit.Entries)
		}
		if n := e.count("SELECT count(*) FROM payments WHERE payer_id = $1", alice); n != 0 {
			t.Fatalf("%d payments after a denial", n)
		}

		// Cooling-off: a first payment over $50 to someone new is held.
		held, err := e.pay.Send(e.ctx, payments.SendInput{FromUserID: alice, ToHandle: "bob", Amount: usd(t, "60"), IdempotencyKey: "h1"})
		must(t, "Send held", err)
		if held.Status != payments.StatusHeld || held.HoldUntil.IsZero() {
			t.Fatalf("Send = %+v, want held", held)
		}
		e.wantBalance(alice, "USD", 5000_00-60_00)
		e.wantBalance(bob, "USD", 0)
		ws, err := e.pay.Balances(e.ctx, bob)
		must(t, "Balances", err)
		if ws[0].Incoming != 60_00 {
			t.Fatalf("bob's wallet = %+v, want 60.00 incoming", ws[0])
		}
		e.hasNotification(alice, payments.NotifyHeld)
		// Only the payer may cancel.
		_, err = e.pay.CancelHold(e.ctx, bob, held.ID)
		wantCode(t, "CancelHold(payee)", err, nestegg.NotFound)
		c, err := e.pay.CancelHold(e.ctx, alice, held.ID)
		must(t, "CancelHold", err)
		if c.Status != payments.StatusCancelled {
			t.Fatalf("CancelHold = %+v", c)
		}
		_, err = e.pay.CancelHold(e.ctx, alice, held.ID)
		must(t, "CancelHold twice", err)
		e.wantBalance(alice, "USD", 5000_00)

		// Held again, then released when the hold ends.
		held, err = e.pay.Send(e.ctx, payments.SendInput{FromUserID: alice, ToHandle: "bob", Amount: usd(t, "70"), IdempotencyKey: "h2"})
		must(t, "Send held", err)
		if n, err := e.pay.ReleaseHolds(e.ctx); err != nil || n != 0 {
			t.Fatalf("ReleaseHolds before the time = %d, %v", n, err)
		}
		e.clock.Advance(time.Hour)
		if n, err := e.pay.ReleaseHolds(e.ctx); err != nil || n != 1 {
			t.Fatalf("ReleaseHolds = %d, %v, want 1", n, err)
		}
		e.wantBalance(bob, "USD", 70_00)
		e.hasNotification(bob, payments.NotifyReceived)
		e.hasNotification(alice, payments.NotifyHoldReleased)
		_, err = e.pay.CancelHold(e.ctx, alice, held.ID)
		wantCode(t, "CancelHold after release", err, nestegg.Conflict)
		// Bob is no longer new: no hold.
		p, err := e.pay.Send(e.ctx, payments.SendInput{FromUserID: alice, ToHandle: "bob", Amount: usd(t, "80"), IdempotencyKey: "h3"})
		must(t, "Send to a known payee", err)
		if p.Status != payments.StatusCompleted {
			t.Fatalf("Send = %+v, want completed", p)
		}

		// A hold not released within the grace lapses: the payer has it back.
		carol := e.signup("carol")
		lapsed, err := e.pay.Send(e.ctx, payments.SendInput{FromUserID: alice, ToHandle: "carol", Amount: usd(t, "60"), IdempotencyKey: "h4"})
		must(t, "Send held", err)
		e.clock.Advance(time.Hour + 8*24*time.Hour)
		if _, err := e.ledger.ExpirePending(e.ctx); err != nil {
			t.Fatal(err)
		}
		if n, err := e.pay.ReleaseHolds(e.ctx); err != nil || n != 0 {
			t.Fatalf("ReleaseHolds after lapse = %d, %v", n, err)
		}
		got, _ := e.pay.Payment(e.ctx, alice, lapsed.ID)
		if got.Status != payments.StatusFailed {
			t.Fatalf("lapsed hold = %+v, want failed", got)
		}
		e.wantBalance(carol, "USD", 0)

		// Daily limit: $1,000 for the unverified, counted from payments.
		for i, amt := range []string{"400", "400"} {
			_, err := e.pay.Send(e.ctx, payments.SendInput{FromUserID: alice, ToHandle: "bob", Amount: usd(t, amt), IdempotencyKey: "d" + string(rune('0'+i))})
			must(t, "Send under the daily limit", err)
		}
		_, err = e.pay.Send(e.ctx, payments.SendInput{FromUserID: alice, ToHandle: "bob", Amount: usd(t, "200.01"), IdempotencyKey: "d9"})
		wantCode(t, "Send over the daily limit", err, nestegg.Forbidden)
		// A denial leaves nothing but its audit row: the key may be tried again.
		must(t, "SetTier", e.comp.SetTier(e.ctx, "usr_staff", alice, compliance.Verified, "id checked"))
		_, err = e.pay.Send(e.ctx, payments.SendInput{FromUserID: alice, ToHandle: "bob", Amount: usd(t, "200.01"), IdempotencyKey: "d9"})
		must(t, "Send verified", err)

		// Frozen accounts cannot send, or refund, but can be paid.
		must(t, "Freeze", e.comp.Freeze(e.ctx, "usr_staff", alice, "review"))
		_, err = e.pay.Send(e.ctx, payments.SendInput{FromUserID: alice, ToHandle: "bob", Amount: usd(t, "1"), IdempotencyKey: "f1"})
		wantCode(t, "Send frozen", err, nestegg.Forbidden)
		_, err = e.pay.Tip(e.ctx, payments.TipInput{FromUserID: alice, ToHandle: "bob", Amount: usd(t, "1"), IdempotencyKey: "f2"})
		wantCode(t, "Tip frozen", err, nestegg.Forbidden)
		_, err = e.pay.BuyCoins(e.ctx, alice, 10, "f3")
		wantCode(t, "BuyCoins frozen", err, nestegg.Forbidden)
		e.send(bob, "alice", "1", "to-frozen")
		e.checkBooks()
	})
}
