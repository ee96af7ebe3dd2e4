package funding_test

import (
	"errors"
	"testing"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/compliance"
	"github.com/nestegg/nestegg/funding"
	"github.com/nestegg/nestegg/movement"
	"github.com/nestegg/nestegg/rails"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// The default limits for an unverified member: spending $500 per
// transfer and $1,000 a day; bringing money in $2,500 a day.

func TestWithdrawalsCountTowardSpendingLimits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		bank := e.verifiedBank("usr_a", "123456789")
		e.deposit("usr_a", bank, 2_000_00, "d1")
		e.day()
		withdraw := func(key string, amount int64, speed funding.Speed) (funding.Movement, error) {
			return e.f.Withdraw(e.ctx, "usr_a", funding.WithdrawInput{BankAccountID: bank, Amount: usd(amount), Speed: speed, IdempotencyKey: key})
		}
		if _, err := withdraw("w-big", 600_00, funding.Standard); !nestegg.Is(err, nestegg.Forbidden) {
			t.Fatalf("Withdraw(600.00, over the per-transfer limit) = %v, want forbidden", err)
		}
		if _, err := withdraw("w1", 400_00, funding.Standard); err != nil {
			t.Fatalf("Withdraw(400.00) = %v", err)
		}
		// 400 withdrawn + 700 paid is over the day's 1,000.
		if err := e.pay("usr_a", 700_00); !nestegg.Is(err, nestegg.Forbidden) {
			t.Fatalf("a payment of 700.00 after withdrawing 400.00 = %v, want forbidden", err)
		}
		e.spend("usr_a", 500_00)
		if _, err := withdraw("w2", 50_00, funding.Instant); err != nil {
			t.Fatalf("Withdraw(50.00, instant) = %v", err)
		}
		e.wantBalance("usr_a", 2_000_00-400_00-500_00-50_00-75)
		// 950 used; 200 more is over the limit though the wallet has it.
		_, err := withdraw("w3", 200_00, funding.Standard)
		if !nestegg.Is(err, nestegg.Forbidden) || !errors.Is(err, movement.ErrDenied) {
			t.Fatalf("Withdraw(200.00) with 50.00 left of the day's limit = %v, want forbidden by the checkpoint", err)
		}
		e.wantBalance("usr_a", 2_000_00-400_00-500_00-50_00-75)
		if ms, _ := e.f.Movements(e.ctx, "usr_a", 0); len(ms) != 3 {
			t.Fatalf("movements after a refused withdrawal: %d, want 3 (a deposit, two withdrawals)", len(ms))
		}
		e.reconciled()
	})
}

func TestFundingVelocityLimits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		bank := e.verifiedBank("usr_b", "123456789")
		tok, err := e.cards.Tokenize(e.ctx, "usr_b", rails.CardDetails{Number: "4242424242424242", ExpMonth: 12, ExpYear: 2030, CVC: "123"})
		if err != nil {
			t.Fatal(err)
		}
		card, err := e.f.LinkCard(e.ctx, "usr_b", tok.Token)
		if err != nil {
			t.Fatal(err)
		}
		e.deposit("usr_b", bank, 2_000_00, "d1")
		// The deposit counts when it is made, not when it settles.
		if _, err := e.f.TopUp(e.ctx, "usr_b", funding.TopUpInput{CardID: card.ID, Amount: usd(600_00), IdempotencyKey: "t1"}); !nestegg.Is(err, nestegg.Forbidden) {
			t.Fatalf("TopUp(600.00) with 500.00 left of the day's funding limit = %v, want forbidden", err)
		}
		m, err := e.f.TopUp(e.ctx, "usr_b", funding.TopUpInput{CardID: card.ID, Amount: usd(500_00), IdempotencyKey: "t2"})
		if err != nil || m.Status != funding.StatusSucceeded {
			t.Fatalf("TopUp(500.00), the rest of the day's funding limit = %+v, %v", m, err)
		}
		if _, err := e.f.Deposit(e.ctx, "usr_b", funding.DepositInput{BankAccountID: bank, Amount: usd(1), IdempotencyKey: "d2"}); !nestegg.Is(err, nestegg.Forbidden) {
			t.Fatalf("Deposit(0.01) over the day's funding limit = %v, want forbidden", err)
		}
		if ms, _ := e.f.Movements(e.ctx, "usr_b", 0); len(ms) != 2 {
			t.Fatalf("movements: %d, want 2 (the refused ones left none)", len(ms))
		}
		// Money brought in is not spending: the spending limit is untouched.
		if a, err := e.comp.Allowance(e.ctx, "usr_b"); err != nil || a.UsedDay != 0 {
			t.Fatalf("spending used after funding = %+v, %v; want 0", a, err)
		}
		e.wantBalance("usr_b", 500_00)
		e.reconciled()
	})
}

// TestDenialKeepsItsAuditRow: funding wraps every error ("deposit: …"); a
// denial must still commit its audit row and leave nothing else.
func TestDenialKeepsItsAuditRow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		bank := e.verifiedBank("usr_f", "123456789")
		e.deposit("usr_f", bank, 100_00, "d1")
		e.day()
		tok, err := e.cards.Tokenize(e.ctx, "usr_f", rails.CardDetails{Number: "4242424242424242", ExpMonth: 12, ExpYear: 2030, CVC: "123"})
		if err != nil {
			t.Fatal(err)
		}
		card, err := e.f.LinkCard(e.ctx, "usr_f", tok.Token)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.comp.Freeze(e.ctx, "usr_staff", "usr_f", "test"); err != nil {
			t.Fatal(err)
		}
		tries := []struct {
			kind compliance.Kind
			try  func() error
		}{
			{"deposit", func() error {
				_, err := e.f.Deposit(e.ctx, "usr_f", funding.DepositInput{BankAccountID: bank, Amount: usd(10_00), IdempotencyKey: "d2"})
				return err
			}},
			{"withdrawal", func() error {
				_, err := e.f.Withdraw(e.ctx, "usr_f", funding.WithdrawInput{BankAccountID: bank, Amount: usd(10_00), IdempotencyKey: "w1"})
				return err
			}},
			{"instant_withdrawal", func() error {
				_, err := e.f.Withdraw(e.ctx, "usr_f", funding.WithdrawInput{BankAccountID: bank, Amount: usd(10_00), Speed: funding.Instant, IdempotencyKey: "w2"})
				return err
			}},
			{"card_topup", func() error {
				_, err := e.f.TopUp(e.ctx, "usr_f", funding.TopUpInput{CardID: card.ID, Amount: usd(10_00), IdempotencyKey: "t1"})
				return err
			}},
		}
		for _, tc := range tries {
			// Twice: the same key asks the checkpoint again, and is
			// denied again, on record again.
			for range 2 {
				err := tc.try()
				if !nestegg.Is(err, nestegg.Forbidden) || !errors.Is(err, movement.ErrDenied) || errors.Unwrap(err) == nil {
					t.Fatalf("%s by a frozen member = %v, want a wrapped denial", tc.kind, err)
				}
			}
		}
		page, err := e.comp.Audit(e.ctx, "usr_f", "", 200)
		if err != nil {
			t.Fatal(err)
		}
		denied := map[compliance.Kind]int{}
		for _, en := range page.Entries {
			if en.Action == "check" && en.Outcome == string(compliance.Deny) {
				denied[en.Kind]++
			}
		}
		for _, tc := range tries {
			if denied[tc.kind] != 2 {
				t.Errorf("audit rows denying %s: %d, want 2 (%+v)", tc.kind, denied[tc.kind], denied)
			}
		}
		if ms, _ := e.f.Movements(e.ctx, "usr_f", 0); len(ms) != 1 {
			t.Fatalf("movements: %d, want only the first deposit", len(ms))
		}
		e.wantBalance("usr_f", 100_00)
		e.reconciled()
	})
}
