package payments_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/compliance"
	"github.com/nestegg/nestegg/payments"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// TestGroupCommitOfMembersPayments has 64 members pay at once — some with
// too little money, some frozen — and checks that the payments share
// database transactions (fewer commits than payments, counted by the
// ledger), that every refusal left nothing behind but, for a denial, its
// audit row, and that every acknowledged payment is there.
func TestGroupCommitOfMembersPayments(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, options{})
		const n = 64
		payers := make([]string, n)
		payees := make([]string, n)
		for i := range n {
			payers[i] = e.signup(fmt.Sprintf("payer%02d", i))
			payees[i] = e.signup(fmt.Sprintf("payee%02d", i))
			switch i % 4 {
			case 1: // too little money: refused for funds
				e.fund(payers[i], "1")
			case 2: // frozen: denied by the checkpoint
				e.fund(payers[i], "10")
				must(t, "Freeze", e.comp.Freeze(e.ctx, "usr_staff", payers[i], "review"))
			default:
				e.fund(payers[i], "10")
			}
		}
		before := e.ledger.Stats()
		type outcome struct {
			p   payments.Payment
			err error
		}
		out := make([]outcome, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				p, err := e.pay.Send(e.ctx, payments.SendInput{FromUserID: payers[i], ToHandle: fmt.Sprintf("payee%02d", i),
					Amount: usd(t, "5"), IdempotencyKey: fmt.Sprintf("gc-%d", i)})
				out[i] = outcome{p, err}
			}()
		}
		close(start)
		wg.Wait()
		after := e.ledger.Stats()
		commits, requests := after.Batches-before.Batches, after.Requests-before.Requests
		t.Logf("%d payments in %d commits", requests, commits)
		if requests != n {
			t.Fatalf("the ledger carried %d requests, want %d", requests, n)
		}
		if commits >= n {
			t.Errorf("%d payments took %d commits: no group commit", n, commits)
		}
		for i, o := range out {
			switch i % 4 {
			case 1:
				wantCode(t, "Send without the money", o.err, nestegg.InsufficientFunds)
				e.wantBalance(payers[i], "USD", 100)
			case 2:
				wantCode(t, "Send frozen", o.err, nestegg.Forbidden)
				e.wantBalance(payers[i], "USD", 10_00)
			default:
				must(t, "Send", o.err)
				if got, err := e.pay.Payment(e.ctx, payers[i], o.p.ID); err != nil || got.Amount.Minor != 5_00 {
					t.Errorf("acknowledged payment %s = %+v, %v", o.p.ID, got, err)
				}
				e.wantBalance(payees[i], "USD", 5_00)
				continue
			}
			// A refusal leaves no payment, and no money moved.
			h, err := e.pay.History(e.ctx, payers[i], payments.HistoryFilter{}, payments.Page{})
			must(t, "History", err)
			for _, en := range h.Entries {
				if en.Kind == payments.KindSend {
					t.Errorf("refused payment of %s left %+v", payers[i], en)
				}
			}
			e.wantBalance(payees[i], "USD", 0)
			// A denial's audit row stays; a refusal for funds leaves none
			// (it was allowed, then failed: it never happened).
			log, err := e.comp.Audit(e.ctx, payers[i], "", 50)
			must(t, "Audit", err)
			denials := 0
			for _, en := range log.Entries {
				if en.Action == "check" && en.Kind == compliance.KindP2P && en.Outcome == string(compliance.Deny) {
					denials++
				}
				if en.Action == "check" && en.Kind == compliance.KindP2P && en.Outcome == string(compliance.Allow) {
					t.Errorf("refused payment of %s left an allow row in the audit log", payers[i])
				}
			}
			if want := map[bool]int{true: 1, false: 0}[i%4 == 2]; denials != want {
				t.Errorf("payer %d: %d denials in the audit log, want %d", i, denials, want)
			}
		}
	})
}
