package payments_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/compliance"
	"github.com/nestegg/nestegg/payments"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

func TestRequests(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, options{})
		alice, bob, carol := e.signup("alice"), e.signup("bob"), e.signup("carol")
		e.fund(bob, "50")

		r, err := e.pay.Request(e.ctx, payments.RequestInput{RequesterID: alice, FromHandle: "bob", Amount: usd(t, "20"), Note: "tickets", IdempotencyKey: "r1"})
		must(t, "Request", err)
		if r.Status != payments.RequestOpen || r.PayerID != bob {
			t.Fatalf("Request = %+v", r)
		}
		again, err := e.pay.Request(e.ctx, payments.RequestInput{RequesterID: alice, FromHandle: "bob", Amount: usd(t, "20"), Note: "tickets", IdempotencyKey: "r1"})
		must(t, "Request again", err)
		if again.ID != r.ID {
			t.Fatalf("retried request is %s, want %s", again.ID, r.ID)
		}
		_, err = e.pay.Request(e.ctx, payments.RequestInput{RequesterID: alice, FromHandle: "bob", Amount: usd(t, "21"), IdempotencyKey: "r1"})
		wantCode(t, "Request(reused key)", err, nestegg.Conflict)
		_, err = e.pay.Request(e.ctx, payments.RequestInput{RequesterID: alice, FromHandle: "alice", Amount: usd(t, "1"), IdempotencyKey: "r2"})
		wantCode(t, "Request(yourself)", err, nestegg.Invalid)
		if n := e.hasNotification(bob, payments.NotifyRequested); n.Text != "asks you for $20.00: tickets" {
			t.Fatalf("bob's notification = %+v", n)
		}

		// Nobody but the payer pays, nobody but the parties sees it.
		_, err = e.pay.PayRequest(e.ctx, carol, r.ID, "p1")
		wantCode(t, "PayRequest(stranger)", err, nestegg.NotFound)
		_, err = e.pay.PayRequest(e.ctx, alice, r.ID, "p1")
		wantCode(t, "PayRequest(requester)", err, nestegg.NotFound)
		_, err = e.pay.RequestByID(e.ctx, carol, r.ID)
		wantCode(t, "RequestByID(stranger)", err, nestegg.NotFound)
		_, err = e.pay.DeclineRequest(e.ctx, alice, r.ID)
		wantCode(t, "DeclineRequest(requester)", err, nestegg.NotFound)
		_, err = e.pay.CancelRequest(e.ctx, bob, r.ID)
		wantCode(t, "CancelRequest(payer)", err, nestegg.NotFound)

		p, err := e.pay.PayRequest(e.ctx, bob, r.ID, "p1")
		must(t, "PayRequest", err)
		if p.RequestID != r.ID || p.Amount.Minor != 20_00 || p.PayeeID != alice {
			t.Fatalf("PayRequest = %+v", p)
		}
		p2, err := e.pay.PayRequest(e.ctx, bob, r.ID, "p1")
		must(t, "PayRequest again", err)
		if p2.ID != p.ID {
			t.Fatalf("retried PayRequest made %s, want %s", p2.ID, p.ID)
		}
		_, err = e.pay.PayRequest(e.ctx, bob, r.ID, "p2")
		wantCode(t, "PayRequest(paid)", err, nestegg.Conflict)
		e.wantBalance(alice, "USD", 20_00)
		e.wantBalance(bob, "USD", 30_00)
		e.hasNotification(alice, payments.NotifyRequestPaid)
		got, err := e.pay.RequestByID(e.ctx, alice, r.ID)
		must(t, "RequestByID", err)
		if got.Status != payments.RequestPaid || got.PaymentID != p.ID {
			t.Fatalf("paid request = %+v", got)
		}

		// Decline and cancel.
		r2, err := e.pay.Request(e.ctx, payments.RequestInput{RequesterID: alice, FromHandle: "bob", Amount: usd(t, "5"), IdempotencyKey: "r3"})
		must(t, "Request", err)
		d, err := e.pay.DeclineRequest(e.ctx, bob, r2.ID)
		must(t, "DeclineRequest", err)
		if d.Status != payments.RequestDeclined {
			t.Fatalf("DeclineRequest = %+v", d)
		}
		e.hasNotification(alice, payments.NotifyRequestDeclined)
		_, err = e.pay.PayRequest(e.ctx, bob, r2.ID, "p3")
		wantCode(t, "PayRequest(declined)", err, nestegg.Conflict)
		_, err = e.pay.CancelRequest(e.ctx, alice, r2.ID)
		wantCode(t, "CancelRequest(declined)", err, nestegg.Conflict)
		r3, err := e.pay.Request(e.ctx, payments.RequestInput{RequesterID: alice, FromHandle: "bob", Amount: usd(t, "5"), IdempotencyKey: "r4"})
		must(t, "Request", err)
		_, err = e.pay.CancelRequest(e.ctx, alice, r3.ID)
		must(t, "CancelRequest", err)
		e.hasNotification(bob, payments.NotifyRequestCanceled)

		in, err := e.pay.Requests(e.ctx, bob, payments.RequestFilter{Incoming: true}, payments.Page{})
		must(t, "Requests", err)
		if len(in.Requests) != 3 || in.Requests[0].ID != r3.ID {
			t.Fatalf("bob's incoming requests = %+v", in.Requests)
		}
		open, err := e.pay.Requests(e.ctx, alice, payments.RequestFilter{Status: payments.RequestOpen}, payments.Page{})
		must(t, "Requests(open)", err)
		if len(open.Requests) != 0 {
			t.Fatalf("alice's open requests = %+v", open.Requests)
		}
		e.checkBooks()
	})
}

func TestRequestPaidWithHold(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		cc := compliance.DefaultConfig()
		cc.CoolingOffAbove = 10_00
		e := newEnv(t, db, options{comp: &cc})
		alice, bob := e.signup("alice"), e.signup("bob")
		e.fund(bob, "50")
		r, err := e.pay.Request(e.ctx, payments.RequestInput{RequesterID: alice, FromHandle: "bob", Amount: usd(t, "20"), IdempotencyKey: "r1"})
		must(t, "Request", err)
		p, err := e.pay.PayRequest(e.ctx, bob, r.ID, "p1")
		must(t, "PayRequest", err)
		if p.Status != payments.StatusHeld {
			t.Fatalf("PayRequest = %+v, want held", p)
		}
		// Cancelling the hold reopens the request, which can be paid again.
		_, err = e.pay.CancelHold(e.ctx, bob, p.ID)
		must(t, "CancelHold", err)
		got, _ := e.pay.RequestByID(e.ctx, bob, r.ID)
		if got.Status != payments.RequestOpen {
			t.Fatalf("request after cancelled hold = %+v, want open", got)
		}
		e.clock.Advance(25 * time.Hour)
		p2, err := e.pay.PayRequest(e.ctx, bob, r.ID, "p2")
		must(t, "PayRequest again", err)
		if p2.ID == p.ID {
			t.Fatal("a new key made no new payment")
		}
		e.checkBooks()
	})
}

func TestSplit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, options{})
		alice := e.signup("alice")
		others := []string{e.signup("bob"), e.signup("carol"), e.signup("dave")}
		cases := []struct {
			total       string
			with        []string
			includeSelf bool
			own         int64
			shares      []int64
		}{
			{"60", []string{"bob", "carol"}, true, 20_00, []int64{20_00, 20_00}},
			{"10", []string{"bob", "carol"}, true, 334, []int64{333, 333}}, // the initiator takes the odd cent
			{"10", []string{"bob", "carol", "dave"}, false, 0, []int64{334, 333, 333}},
			{"0.05", []string{"@bob", "@carol", "bob", "alice"}, false, 2, []int64{2, 1}}, // duplicates dropped, naming yourself includes you
			{"100.01", []string{"bob"}, false, 0, []int64{100_01}},
		}
		for i, tc := range cases {
			key := fmt.Sprintf("s%d", i)
			in := payments.SplitInput{InitiatorID: alice, Total: usd(t, tc.total), With: tc.with, IncludeSelf: tc.includeSelf, Note: "dinner", IdempotencyKey: key}
			sp, err := e.pay.Split(e.ctx, in)
			must(t, "Split", err)
			var sum, own int64
			var got []int64
			for _, sh := range sp.Shares {
				sum += sh.Amount
				if sh.UserID == alice {
					own = sh.Amount
					if sh.RequestID != "" {
						t.Errorf("the initiator's share was requested: %+v", sh)
					}
					continue
				}
				got = append(got, sh.Amount)
				r, err := e.pay.RequestByID(e.ctx, sh.UserID, sh.RequestID)
				must(t, "RequestByID", err)
				if r.Amount.Minor != sh.Amount || r.SplitID != sp.ID || r.RequesterID != alice {
					t.Errorf("share request = %+v, want %d of split %s", r, sh.Amount, sp.ID)
				}
			}
			if sum != sp.Total.Minor || own != tc.own || fmt.Sprint(got) != fmt.Sprint(tc.shares) {
				t.Fatalf("Split(%s with %v) = own %d, shares %v (sum %d), want own %d, shares %v (sum %d)",
					tc.total, tc.with, own, got, sum, tc.own, tc.shares, sp.Total.Minor)
			}
			again, err := e.pay.Split(e.ctx, in)
			must(t, "Split again", err)
			if again.ID != sp.ID || fmt.Sprint(again.Shares) != fmt.Sprint(sp.Shares) {
				t.Fatalf("retried Split = %+v, want %+v", again, sp)
			}
			viewed, err := e.pay.SplitByID(e.ctx, others[0], sp.ID)
			must(t, "SplitByID", err)
			if fmt.Sprint(viewed.Shares) != fmt.Sprint(sp.Shares) {
				t.Fatalf("SplitByID = %+v, want %+v", viewed.Shares, sp.Shares)
			}
		}
		stranger := e.signup("eve")
		_, err := e.pay.SplitByID(e.ctx, stranger, "spl_nope")
		wantCode(t, "SplitByID(none)", err, nestegg.NotFound)
		_, err = e.pay.Split(e.ctx, payments.SplitInput{InitiatorID: alice, Total: usd(t, "0.02"), With: []string{"bob", "carol"}, IncludeSelf: true, IdempotencyKey: "tiny"})
		wantCode(t, "Split(too small)", err, nestegg.Invalid)
		_, err = e.pay.Split(e.ctx, payments.SplitInput{InitiatorID: alice, Total: usd(t, "5"), With: []string{"alice"}, IdempotencyKey: "alone"})
		wantCode(t, "Split(only yourself)", err, nestegg.Invalid)
		_, err = e.pay.Split(e.ctx, payments.SplitInput{InitiatorID: alice, Total: usd(t, "5"), With: []string{"ghost"}, IdempotencyKey: "ghost"})
		wantCode(t, "Split(nobody)", err, nestegg.NotFound)
		_, err = e.pay.Split(e.ctx, payments.SplitInput{InitiatorID: alice, Total: usd(t, "61"), With: []string{"bob", "carol"}, IncludeSelf: true, IdempotencyKey: "s0"})
		wantCode(t, "Split(reused key)", err, nestegg.Conflict)
	})
}

func TestRefunds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, options{})
		alice, bob, carol := e.signup("alice"), e.signup("bob"), e.signup("carol")
		e.fund(alice, "100")
		p := e.send(alice, "bob", "30", "k")

		// Only the payee refunds.
		_, err := e.pay.Refund(e.ctx, payments.RefundInput{UserID: alice, PaymentID: p.ID, Amount: 100, IdempotencyKey: "r"})
		wantCode(t, "Refund(payer)", err, nestegg.NotFound)
		_, err = e.pay.Refund(e.ctx, payments.RefundInput{UserID: carol, PaymentID: p.ID, Amount: 100, IdempotencyKey: "r"})
		wantCode(t, "Refund(stranger)", err, nestegg.NotFound)

		r1, err := e.pay.Refund(e.ctx, payments.RefundInput{UserID: bob, PaymentID: p.ID, Amount: 10_00, Reason: "too much", IdempotencyKey: "r1"})
		must(t, "Refund 10", err)
		again, err := e.pay.Refund(e.ctx, payments.RefundInput{UserID: bob, PaymentID: p.ID, Amount: 10_00, Reason: "too much", IdempotencyKey: "r1"})
		must(t, "Refund 10 again", err)
		if again.ID != r1.ID {
			t.Fatalf("retried refund %s, want %s", again.ID, r1.ID)
		}
		_, err = e.pay.Refund(e.ctx, payments.RefundInput{UserID: bob, PaymentID: p.ID, Amount: 5_00, IdempotencyKey: "r1"})
		wantCode(t, "Refund(reused key)", err, nestegg.IdempotencyMismatch)
		e.hasNotification(alice, payments.NotifyRefund)
		// A partly refunded payment refunds again, never past what is left.
		_, err = e.pay.Refund(e.ctx, payments.RefundInput{UserID: bob, PaymentID: p.ID, Amount: 20_01, IdempotencyKey: "r2"})
		wantCode(t, "Refund(more than left)", err, nestegg.Invalid)
		_, err = e.pay.Refund(e.ctx, payments.RefundInput{UserID: bob, PaymentID: p.ID, Amount: 15_00, IdempotencyKey: "r2"})
		must(t, "Refund 15", err)
		got, _ := e.pay.Payment(e.ctx, bob, p.ID)
		if got.Refunded != 25_00 || got.Refundable() != 5_00 {
			t.Fatalf("payment after refunds = %+v", got)
		}
		// Amount 0 refunds the rest.
		r3, err := e.pay.Refund(e.ctx, payments.RefundInput{UserID: bob, PaymentID: p.ID, IdempotencyKey: "r3"})
		must(t, "Refund the rest", err)
		if r3.Amount.Minor != 5_00 {
			t.Fatalf("Refund(rest) = %+v, want 5.00", r3)
		}
		_, err = e.pay.Refund(e.ctx, payments.RefundInput{UserID: bob, PaymentID: p.ID, Amount: 1, IdempotencyKey: "r4"})
		wantCode(t, "Refund(fully refunded)", err, nestegg.Invalid)
		e.wantBalance(alice, "USD", 100_00)
		e.wantBalance(bob, "USD", 0)
		rs, err := e.pay.Refunds(e.ctx, alice, p.ID)
		must(t, "Refunds", err)
		if len(rs) != 3 {
			t.Fatalf("Refunds = %d, want 3", len(rs))
		}

		// A payee who spent the money cannot refund it: nothing changes.
		p2 := e.send(alice, "bob", "10", "k2")
		e.send(bob, "carol", "8", "spend")
		_, err = e.pay.Refund(e.ctx, payments.RefundInput{UserID: bob, PaymentID: p2.ID, IdempotencyKey: "r5"})
		wantCode(t, "Refund(spent)", err, nestegg.InsufficientFunds)
		got, _ = e.pay.Payment(e.ctx, bob, p2.ID)
		if got.Refunded != 0 || e.count("SELECT count(*) FROM refunds WHERE payment_id = $1", p2.ID) != 0 {
			t.Fatalf("a failed refund left %+v", got)
		}
		// Partial refund within what is left in the wallet works.
		_, err = e.pay.Refund(e.ctx, payments.RefundInput{UserID: bob, PaymentID: p2.ID, Amount: 2_00, IdempotencyKey: "r5"})
		must(t, "Refund 2", err)
		e.checkBooks()
	})
}
