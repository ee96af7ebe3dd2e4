package payments_test

import (
	"testing"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/payments"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// TestAuthorization: nobody sees, refunds, cancels or confirms what is
// another member's, whatever id they pass; and such attempts change nothing.
func TestAuthorization(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, options{})
		alice, bob, mallory := e.signup("alice"), e.signup("bob"), e.signup("mallory")
		e.fund(alice, "50")
		p := e.send(alice, "bob", "10", "k")
		r, err := e.pay.Request(e.ctx, payments.RequestInput{RequesterID: alice, FromHandle: "bob", Amount: usd(t, "1"), IdempotencyKey: "r"})
		must(t, "Request", err)
		sp, err := e.pay.Split(e.ctx, payments.SplitInput{InitiatorID: alice, Total: usd(t, "2"), With: []string{"bob"}, IdempotencyKey: "s"})
		must(t, "Split", err)
		post := e.post(alice, "@pay @bob $1", "")
		in := e.intentOf(alice, post)
		before := e.count("SELECT count(*) FROM ledger_transfers")

		for _, tc := range []struct {
			name string
			err  error
		}{
			{"Payment", func() error { _, err := e.pay.Payment(e.ctx, mallory, p.ID); return err }()},
			{"Refunds", func() error { _, err := e.pay.Refunds(e.ctx, mallory, p.ID); return err }()},
			{"Refund", func() error {
				_, err := e.pay.Refund(e.ctx, payments.RefundInput{UserID: mallory, PaymentID: p.ID, IdempotencyKey: "x"})
				return err
			}()},
			{"CancelHold", func() error { _, err := e.pay.CancelHold(e.ctx, mallory, p.ID); return err }()},
			{"RequestByID", func() error { _, err := e.pay.RequestByID(e.ctx, mallory, r.ID); return err }()},
			{"PayRequest", func() error { _, err := e.pay.PayRequest(e.ctx, mallory, r.ID, "x"); return err }()},
			{"DeclineRequest", func() error { _, err := e.pay.DeclineRequest(e.ctx, mallory, r.ID); return err }()},
			{"CancelRequest", func() error { _, err := e.pay.CancelRequest(e.ctx, mallory, r.ID); return err }()},
			{"SplitByID", func() error { _, err := e.pay.SplitByID(e.ctx, mallory, sp.ID); return err }()},
			{"Intent", func() error { _, err := e.pay.Intent(e.ctx, mallory, in.ID); return err }()},
			{"ConfirmIntent", func() error { _, err := e.pay.ConfirmIntent(e.ctx, mallory, in.ID); return err }()},
			{"CancelIntent", func() error { _, err := e.pay.CancelIntent(e.ctx, mallory, in.ID); return err }()},
			{"Payment(logged out)", func() error { _, err := e.pay.Payment(e.ctx, "", p.ID); return err }()},
		} {
			wantCode(t, tc.name+"(mallory)", tc.err, nestegg.NotFound)
		}
		if h, err := e.pay.History(e.ctx, mallory, payments.HistoryFilter{}, payments.Page{}); err != nil || len(h.Entries) != 0 {
			t.Fatalf("History(mallory) = %+v, %v, want nothing", h.Entries, err)
		}
		if f, err := e.pay.Feed(e.ctx, mallory, payments.Page{}); err != nil || len(f.Items) != 0 {
			t.Fatalf("Feed(mallory) = %+v, %v, want nothing of alice's private payment", f.Items, err)
		}
		if n := e.count("SELECT count(*) FROM ledger_transfers"); n != before {
			t.Fatalf("refused calls made %d transfers", n-before)
		}
		if got := e.intentOf(alice, post); got.Status != payments.IntentPending {
			t.Fatalf("intent after mallory = %+v", got)
		}
		e.wantBalance(alice, "USD", 40_00)
		e.wantBalance(bob, "USD", 10_00)
	})
}
