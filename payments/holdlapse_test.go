package payments_test

import (
	"testing"
	"time"

	"github.com/nestegg/nestegg/compliance"
	"github.com/nestegg/nestegg/payments"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// TestRequestPaidWithLapsedHold (issue 11 item 6): a request paid by a
// payment that cooling-off held, whose reservation lapsed before
// ReleaseHolds ran (the worker was down past the grace), is open again:
// the payment failed, the payer has the money back, and the request can
// be paid. Before the kernel (a6aff51) the payment was marked failed and
// the request stayed "paid" by it, so it could never be paid again.
func TestRequestPaidWithLapsedHold(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		cc := compliance.DefaultConfig()
		cc.CoolingOffAbove = 10_00
		cc.CoolingOffHold = time.Hour
		e := newEnv(t, db, options{comp: &cc, cfg: payments.Config{HoldGrace: 24 * time.Hour}})
		alice, bob := e.signup("alice"), e.signup("bob")
		e.fund(bob, "50")
		r, err := e.pay.Request(e.ctx, payments.RequestInput{RequesterID: alice, FromHandle: "bob", Amount: usd(t, "20"), IdempotencyKey: "r1"})
		must(t, "Request", err)
		p, err := e.pay.PayRequest(e.ctx, bob, r.ID, "p1")
		must(t, "PayRequest", err)
		if p.Status != payments.StatusHeld || p.HoldUntil.IsZero() {
			t.Fatalf("PayRequest = %+v, want held", p)
		}
		if got, _ := e.pay.RequestByID(e.ctx, bob, r.ID); got.Status != payments.RequestPaid || got.PaymentID != p.ID {
			t.Fatalf("request while held = %+v, want paid by %s", got, p.ID)
		}
		e.wantBalance(bob, "USD", 30_00)

		// The worker is down past the hold and its grace: the ledger voids
		// the reservation, and the late ReleaseHolds finds it lapsed.
		e.clock.Advance(p.HoldUntil.Sub(e.clock.Now()) + 24*time.Hour + time.Minute)
		if _, err := e.ledger.ExpirePending(e.ctx); err != nil {
			t.Fatalf("ExpirePending: %v", err)
		}
		if n, err := e.pay.ReleaseHolds(e.ctx); err != nil || n != 0 {
			t.Fatalf("ReleaseHolds after the lapse = %d, %v; want 0 released", n, err)
		}
		if got, _ := e.pay.Payment(e.ctx, bob, p.ID); got.Status != payments.StatusFailed {
			t.Fatalf("lapsed payment = %+v, want failed", got)
		}
		got, err := e.pay.RequestByID(e.ctx, bob, r.ID)
		must(t, "RequestByID", err)
		if got.Status != payments.RequestOpen || got.PaymentID != "" {
			t.Fatalf("request after the lapse = %+v, want open with no payment", got)
		}
		e.wantBalance(bob, "USD", 50_00)
		e.wantBalance(alice, "USD", 0)
		e.hasNotification(bob, payments.NotifyHoldCancelled)
		// A second run finds nothing to do.
		if n, err := e.pay.ReleaseHolds(e.ctx); err != nil || n != 0 {
			t.Fatalf("ReleaseHolds again = %d, %v", n, err)
		}

		// The request can be paid again, and this time the money arrives.
		p2, err := e.pay.PayRequest(e.ctx, bob, r.ID, "p2")
		must(t, "PayRequest after the lapse", err)
		if p2.ID == p.ID {
			t.Fatal("paying again answered with the lapsed payment")
		}
		if got, _ := e.pay.RequestByID(e.ctx, bob, r.ID); got.Status != payments.RequestPaid || got.PaymentID != p2.ID {
			t.Fatalf("request paid again = %+v, want paid by %s", got, p2.ID)
		}
		if p2.Status == payments.StatusHeld {
			e.clock.Advance(p2.HoldUntil.Sub(e.clock.Now()) + time.Minute)
			if n, err := e.pay.ReleaseHolds(e.ctx); err != nil || n != 1 {
				t.Fatalf("ReleaseHolds of the second payment = %d, %v; want 1", n, err)
			}
		}
		if got, _ := e.pay.Payment(e.ctx, bob, p2.ID); got.Status != payments.StatusCompleted {
			t.Fatalf("second payment = %+v, want completed", got)
		}
		e.wantBalance(bob, "USD", 30_00)
		e.wantBalance(alice, "USD", 20_00)
		e.checkBooks()
	})
}
