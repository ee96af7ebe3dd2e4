package funding_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/funding"
	"github.com/nestegg/nestegg/rails"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// losingSandbox is the sandbox card processor whose answers to Charge
// are lost on their way back while lose is set: the charge is made.
type losingSandbox struct {
	*rails.SandboxCards
	lose atomic.Bool
}

func (l *losingSandbox) Charge(ctx context.Context, req rails.ChargeRequest) (rails.Charge, error) {
	c, err := l.SandboxCards.Charge(ctx, req)
	if err == nil && l.lose.Load() {
		return rails.Charge{}, nestegg.Errorf(nestegg.Unavailable, "the answer was lost on the way")
	}
	return c, err
}

// TestReconcileRepairsALostSandboxCharge: the sandbox card processor
// keeps the top-up's id with each charge (as Stripe does in metadata), so
// reconciliation credits a top-up whose charge's answer was lost
// (charge_not_credited, repaired) instead of reporting a charge nobody
// knows (charge_not_in_books).
func TestReconcileRepairsALostSandboxCharge(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		cards := &losingSandbox{SandboxCards: e.cards}
		e.f = e.service(e.ledger, cards)
		tok, err := e.cards.Tokenize(e.ctx, "usr_a", rails.CardDetails{Number: "4242424242424242", ExpMonth: 12, ExpYear: 2040, CVC: "123"})
		if err != nil {
			t.Fatal(err)
		}
		card, err := e.f.LinkCard(e.ctx, "usr_a", tok.Token)
		if err != nil {
			t.Fatal(err)
		}
		cards.lose.Store(true)
		lost, err := e.f.TopUp(e.ctx, "usr_a", funding.TopUpInput{CardID: card.ID, Amount: usd(20_00), IdempotencyKey: "lost-1"})
		if err != nil || lost.Status != funding.StatusPending {
			t.Fatalf("TopUp with the answer lost = %+v, %v; want pending", lost, err)
		}
		cards.lose.Store(false)
		e.wantBalance("usr_a", 0)

		rep, err := e.f.Reconcile(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Mismatches) != 1 || rep.Mismatches[0].Check != "charge_not_credited" || rep.Mismatches[0].Reference != lost.ID ||
			!strings.HasSuffix(rep.Mismatches[0].Got, "credited now") {
			t.Fatalf("Reconcile = %+v; want the lost charge credited to top-up %s", rep.Mismatches, lost.ID)
		}
		e.status("usr_a", lost.ID, funding.StatusSucceeded)
		e.wantBalance("usr_a", 20_00)
		// Repaired once: nothing left to report.
		if rep, err = e.f.Reconcile(e.ctx); err != nil || len(rep.Mismatches) != 0 {
			t.Fatalf("Reconcile again = %+v, %v; want nothing", rep.Mismatches, err)
		}
		e.wantBalance("usr_a", 20_00)
		e.conserved()
	})
}
