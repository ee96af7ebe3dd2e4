package payments_test

import (
	"testing"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/compliance"
	"github.com/nestegg/nestegg/payments"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// TestPreview (issue 11 item 20): Preview tells a confirmation page what
// confirming would run into — not enough money, a limit, a frozen
// account, a cooling-off hold — as Send then decides, and writes nothing
// (no audit row, no usage, no money).
func TestPreview(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		cc := compliance.DefaultConfig()
		cc.CoolingOffAbove = 100_00
		e := newEnv(t, db, options{comp: &cc})
		alice, bob := e.signup("alice"), e.signup("bob")
		e.fund(alice, "600")
		audits := func() int {
			t.Helper()
			p, err := e.comp.Audit(e.ctx, alice, "", 0)
			must(t, "Audit", err)
			return len(p.Entries)
		}
		before := audits()
		preview := func(amount string) (payments.Preview, error) {
			t.Helper()
			return e.pay.Preview(e.ctx, payments.PreviewInput{FromUserID: alice, ToUserID: bob, Kind: payments.KindSend, Amount: usd(t, amount)})
		}

		pv, err := preview("5")
		if err != nil || pv.Available.Minor != 600_00 || !pv.HoldUntil.IsZero() {
			t.Fatalf("Preview($5) = %+v, %v", pv, err)
		}
		if _, err := preview("5000"); !nestegg.Is(err, nestegg.InsufficientFunds) || nestegg.ErrorMessage(err) != "you have $600.00; this needs $5,000.00" {
			t.Fatalf("Preview($5,000) = %v, want insufficient funds saying both", err)
		}
		if _, err := preview("501"); !nestegg.Is(err, nestegg.Forbidden) {
			t.Fatalf("Preview($501) = %v, want the per-payment limit", err)
		}
		pv, err = preview("200")
		if err != nil || pv.HoldUntil.IsZero() || pv.HoldReason == "" {
			t.Fatalf("Preview($200 to someone new) = %+v, %v; want a hold", pv, err)
		}
		must(t, "Freeze", e.comp.Freeze(e.ctx, "usr_staff", alice, "a report"))
		before++ // the freeze is audited
		if _, err := preview("5"); !nestegg.Is(err, nestegg.Forbidden) || nestegg.ErrorMessage(err) != "your account is frozen; contact support" {
			t.Fatalf("Preview when frozen = %v", err)
		}
		if n := audits(); n != before {
			t.Fatalf("previews wrote %d audit rows", n-before)
		}
		e.wantBalance(alice, "USD", 600_00)

		// What Preview said is what Send does.
		_, err = e.pay.Send(e.ctx, payments.SendInput{FromUserID: alice, ToHandle: "bob", Amount: usd(t, "5"), IdempotencyKey: "p-1"})
		if !nestegg.Is(err, nestegg.Forbidden) {
			t.Fatalf("Send when frozen = %v", err)
		}
		e.checkBooks()
	})
}
