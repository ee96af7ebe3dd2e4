package funding_test

import (
	"strings"
	"testing"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/funding"
	"github.com/nestegg/nestegg/rails"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// TestWithdrawCashShortSaysWhy: a member whose balance came from a card
// top-up the processor has not paid out yet asks to withdraw, at either
// speed, while the platform's cash at the bank is empty. The refusal
// says what is wrong (money still on its way in to the platform, their
// balance untouched) instead of the kernel's bare "payouts are paused",
// which the pages showed as "Nestegg is busy right now"; nothing moves.
// Once the processor pays out, the same withdrawal goes through.
func TestWithdrawCashShortSaysWhy(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		bank := e.verifiedBank("usr_a", "123456789")
		c, err := e.cards.Tokenize(e.ctx, "usr_a", rails.CardDetails{Number: "4242424242424242", ExpMonth: 12, ExpYear: 2040, CVC: "123"})
		if err != nil {
			t.Fatal(err)
		}
		card, err := e.f.LinkCard(e.ctx, "usr_a", c.Token)
		if err != nil {
			t.Fatal(err)
		}
		if m, err := e.f.TopUp(e.ctx, "usr_a", funding.TopUpInput{CardID: card.ID, Amount: usd(50_00), IdempotencyKey: "t1"}); err != nil || m.Status != funding.StatusSucceeded {
			t.Fatalf("TopUp = %+v, %v", m, err)
		}
		e.wantBalance("usr_a", 50_00)
		for _, speed := range []funding.Speed{funding.Standard, funding.Instant} {
			fee, _ := e.f.WithdrawalFee(speed, 20_00)
			f := usd(fee)
			_, err := e.f.Withdraw(e.ctx, "usr_a", funding.WithdrawInput{BankAccountID: bank, Amount: usd(20_00), Speed: speed, Fee: &f, IdempotencyKey: "w-" + string(speed)})
			msg := nestegg.ErrorMessage(err)
			if !nestegg.Is(err, nestegg.Unavailable) || !strings.Contains(msg, "on its way in") || !strings.Contains(msg, "balance is untouched") {
				t.Fatalf("%s withdrawal with no platform cash = %v (message %q), want unavailable saying why", speed, err, msg)
			}
			e.wantBalance("usr_a", 50_00)
			if w := e.wallet("usr_a"); w.DebitsPending != 0 {
				t.Fatalf("%s withdrawal refused but %d reserved", speed, w.DebitsPending)
			}
		}
		// The processor pays the top-up out: the cash is there now, and
		// the same key goes through (a refusal for want of cash is not
		// the key's answer).
		e.clock.Advance(rails.PayoutDelay + time.Minute)
		e.sync()
		fee, _ := e.f.WithdrawalFee(funding.Standard, 20_00)
		f := usd(fee)
		if m, err := e.f.Withdraw(e.ctx, "usr_a", funding.WithdrawInput{BankAccountID: bank, Amount: usd(20_00), Speed: funding.Standard, Fee: &f, IdempotencyKey: "w-standard"}); err != nil || m.Status != funding.StatusPending {
			t.Fatalf("Withdraw after the payout = %+v, %v", m, err)
		}
		e.wantBalance("usr_a", 30_00)
		e.reconciled()
	})
}
