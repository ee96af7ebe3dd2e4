package commerce_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/commerce"
	"github.com/nestegg/nestegg/funding"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// TestQRCardPay pays a counter code with a saved card, with a tip: the
// card is charged the sale, the tip and the card fee into the wallet and
// the code is paid from there in one call; a retry charges once; a code
// already paid, a changed fee and a declined card charge nothing.
func TestQRCardPay(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newCardShop(t, db, 290, 30)
		cafe, bea, carl := e.merchant("cafe"), e.member("bea"), e.member("carl")
		beaCard := e.card(bea, "4242424242424242")
		carlCard := e.card(carl, "4242424242424242")
		declined := e.card(carl, "4000000000000002")
		code, err := e.shop.CreateQR(e.ctx, commerce.QRInput{MerchantID: cafe, Amount: usd(12_00), Description: "2 lattes", IdempotencyKey: "sale"})
		must(t, "CreateQR", err)
		fee, err := e.shop.CardFee(usd(13_00))
		must(t, "CardFee", err)
		if fee.Minor != 38+30 {
			t.Fatalf("CardFee($13.00) = %d, want 68 (2.9%% rounded, plus 30)", fee.Minor)
		}
		in := commerce.QRCardPayInput{QRPayInput: commerce.QRPayInput{PayerID: bea, Token: code.Token, Tip: usd(1_00), IdempotencyKey: "bea-pays"},
			CardID: beaCard, CardFee: &fee}
		got, err := e.shop.PayQRWithCard(e.ctx, in)
		must(t, "PayQRWithCard", err)
		if !got.Paid() || got.Payment.Amount.Minor != 12_00 || got.Payment.Tip != 1_00 || got.Payment.Fee != 36 ||
			got.TopUp.Amount.Minor != 13_00 || got.TopUp.Fee.Minor != fee.Minor || got.TopUp.Status != funding.StatusSucceeded {
			t.Fatalf("PayQRWithCard = %+v", got)
		}
		e.wantBalance("bea", bea, 0) // charged into the wallet, paid out of it
		again, err := e.shop.PayQRWithCard(e.ctx, in)
		if err != nil || again.Payment.ID != got.Payment.ID || e.topUps(bea) != 1 {
			t.Fatalf("a retry = %+v, %v with %d card charges; want the same payment and one charge", again, err, e.topUps(bea))
		}
		counter, err := e.shop.QR(e.ctx, cafe, code.ID)
		if err != nil || counter.Status != commerce.QRPaid || counter.Payment.PayerHandle != "bea" {
			t.Fatalf("the counter sees %+v, %v", counter, err)
		}
		// The code is paid: carl's card is not charged.
		_, err = e.shop.PayQRWithCard(e.ctx, commerce.QRCardPayInput{QRPayInput: commerce.QRPayInput{PayerID: carl, Token: code.Token, IdempotencyKey: "carl-1"},
			CardID: carlCard})
		wantCode(t, "paying a paid code by card", err, nestegg.Conflict)
		// A fee other than the one in force is refused, not charged.
		static, err := e.shop.StaticQR(e.ctx, cafe, "")
		must(t, "StaticQR", err)
		stale := usd(10)
		_, err = e.shop.PayQRWithCard(e.ctx, commerce.QRCardPayInput{QRPayInput: commerce.QRPayInput{PayerID: carl, Token: static.Token, Amount: usd(5_00),
			IdempotencyKey: "carl-2"}, CardID: carlCard, CardFee: &stale})
		wantCode(t, "a changed card fee", err, nestegg.Conflict)
		// A declined card: nothing charged, nothing paid.
		d, err := e.shop.PayQRWithCard(e.ctx, commerce.QRCardPayInput{QRPayInput: commerce.QRPayInput{PayerID: carl, Token: static.Token, Amount: usd(5_00),
			IdempotencyKey: "carl-3"}, CardID: declined})
		must(t, "PayQRWithCard(declined)", err)
		if d.Paid() || d.TopUp.Status != funding.StatusDeclined {
			t.Fatalf("declined card = %+v", d)
		}
		_, err = e.shop.PayQRWithCard(e.ctx, commerce.QRCardPayInput{QRPayInput: commerce.QRPayInput{PayerID: carl, Token: static.Token, Amount: usd(5_00),
			IdempotencyKey: "carl-4"}, CardID: beaCard})
		wantCode(t, "someone else's card", err, nestegg.NotFound)
		e.wantBalance("carl", carl, 0)
		tk, err := e.shop.DayTakings(e.ctx, cafe, e.clock.Now())
		if err != nil || tk.Count != 1 || tk.Sales != 12_00 || tk.Tips != 1_00 {
			t.Fatalf("takings = %+v, %v; want bea's one payment", tk, err)
		}
		e.cardConserved()
	})
}

// TestQRSettleToBank: a café that chose its bank account gets its takings
// settled to the wallet less the operator's fee and sent on to the bank as
// one free withdrawal — once, with two processes settling at once;
// choosing the wallet again stops the payouts; a payout the wallet can no
// longer cover, or to a bank account since removed, fails, leaves the
// money where it is and says why.
func TestQRSettleToBank(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newCardShop(t, db, 0, 0)
		other := newCardShop(t, db, 0, 0)
		cafe, bea := e.merchant("cafe"), e.member("bea")
		e.fund(bea, 100_00)
		err := e.shop.SetQRPayout(e.ctx, bea, "")
		wantCode(t, "SetQRPayout by a member", err, nestegg.Forbidden)
		bank := linkedBank(e, cafe, "000123456789", true)
		pending := linkedBank(e, cafe, "000123459999", false)
		err = e.shop.SetQRPayout(e.ctx, cafe, pending)
		wantCode(t, "SetQRPayout to an unverified bank", err, nestegg.Conflict)
		err = e.shop.SetQRPayout(e.ctx, cafe, "bnk_nothing")
		wantCode(t, "SetQRPayout to no such bank", err, nestegg.NotFound)
		must(t, "SetQRPayout", e.shop.SetQRPayout(e.ctx, cafe, bank))
		if b, err := e.shop.QRPayoutBank(e.ctx, cafe); err != nil || b != bank {
			t.Fatalf("QRPayoutBank = %q, %v", b, err)
		}
		static, err := e.shop.StaticQR(e.ctx, cafe, "")
		must(t, "StaticQR", err)
		for i, amount := range []int64{4_00, 6_00, 10_00} {
			_, err := e.shop.PayQR(e.ctx, commerce.QRPayInput{PayerID: bea, Token: static.Token, Amount: usd(amount), Tip: usd(int64(i) * 50),
				IdempotencyKey: "p" + string(rune('0'+i))})
			must(t, "PayQR", err)
		}
		e.clock.Advance(25 * time.Hour)
		other.clock.Advance(26 * time.Hour)
		var wg sync.WaitGroup
		var n1, n2 int
		var e1, e2 error
		wg.Add(2)
		go func() { defer wg.Done(); n1, e1 = e.shop.SettleQR(e.ctx) }()
		go func() { defer wg.Done(); n2, e2 = other.shop.SettleQR(e.ctx) }()
		wg.Wait()
		if e1 != nil || e2 != nil || n1+n2 != 1 {
			t.Fatalf("two settling processes: %d %v, %d %v; want one settlement", n1, e1, n2, e2)
		}
		// 20.00 of sales (3% fee: 60) and 1.50 of tips: 20.90 on to the bank.
		e.wantBalance("cafe", cafe, 0)
		withdrawals := withdrawalsOf(e, cafe)
		if len(withdrawals) != 1 || withdrawals[0].Amount.Minor != 20_90 || withdrawals[0].Fee.Minor != 0 || withdrawals[0].MethodID != bank {
			t.Fatalf("withdrawals = %+v; want one of $20.90 to %s, free", withdrawals, bank)
		}
		tk, err := e.shop.DayTakings(e.ctx, cafe, e.clock.Now())
		must(t, "DayTakings", err)
		if len(tk.Settlements) != 1 || tk.Settlements[0].Payout != "sent" || tk.Settlements[0].PayoutID != withdrawals[0].ID ||
			tk.Settlements[0].Net != 20_90 || tk.Settlements[0].Fee != 60 {
			t.Fatalf("settlements = %+v", tk.Settlements)
		}
		// Settling again sends nothing more.
		if n, err := other.shop.SettleQR(e.ctx); err != nil || n != 0 {
			t.Fatalf("SettleQR again = %d, %v", n, err)
		}

		// Choosing the wallet again: the next settlement stays there.
		_, err = e.shop.PayQR(e.ctx, commerce.QRPayInput{PayerID: bea, Token: static.Token, Amount: usd(8_00), IdempotencyKey: "p-later"})
		must(t, "PayQR", err)
		e.clock.Advance(25 * time.Hour)
		must(t, "SetQRPayout(wallet)", e.shop.SetQRPayout(e.ctx, cafe, ""))
		if n, err := e.shop.SettleQR(e.ctx); err != nil || n != 1 {
			t.Fatalf("SettleQR to the wallet = %d, %v", n, err)
		}
		e.wantBalance("cafe", cafe, 8_00-24)
		if n := len(withdrawalsOf(e, cafe)); n != 1 {
			t.Fatalf("%d withdrawals after a settlement to the wallet, want still 1", n)
		}

		// A process settles and stops before paying out (here: one with no
		// bank rail); the café spends its wallet meanwhile; the next run
		// finds the payout due, cannot make it, and says so: the money
		// that is left stays in the wallet.
		must(t, "SetQRPayout", e.shop.SetQRPayout(e.ctx, cafe, bank))
		_, err = e.shop.PayQR(e.ctx, commerce.QRPayInput{PayerID: bea, Token: static.Token, Amount: usd(2_00), IdempotencyKey: "p-last"})
		must(t, "PayQR", err)
		e.clock.Advance(25 * time.Hour)
		crashed, err := commerce.New(db, e.ledger, e.social, e.comp, commerce.Config{QRFeeBps: 300, Clock: e.clock.Now})
		must(t, "commerce.New", err)
		if n, err := crashed.SettleQR(e.ctx); err != nil || n != 1 {
			t.Fatalf("SettleQR without a bank rail = %d, %v", n, err)
		}
		e.wantBalance("cafe", cafe, 7_76+1_94)
		_, err = e.f.Withdraw(e.ctx, cafe, funding.WithdrawInput{BankAccountID: bank, Amount: usd(9_00), IdempotencyKey: "cafe-own"})
		must(t, "the café's own withdrawal", err)
		if n, err := e.shop.SettleQR(e.ctx); err != nil || n != 0 {
			t.Fatalf("SettleQR = %d, %v", n, err)
		}
		e.wantBalance("cafe", cafe, 70)
		tk, err = e.shop.DayTakings(e.ctx, cafe, e.clock.Now())
		must(t, "DayTakings", err)
		if len(tk.Settlements) != 1 || tk.Settlements[0].Payout != "failed" || tk.Settlements[0].PayoutReason == "" {
			t.Fatalf("settlements = %+v; want the payout failed with its reason", tk.Settlements)
		}
		told := false
		for _, n := range e.notifications(cafe) {
			told = told || strings.Contains(n.Text, "could not be sent to your bank")
		}
		if !told {
			t.Fatalf("the café was not told its payout failed: %+v", e.notifications(cafe))
		}

		// The bank account removed: the next payout fails, the money stays.
		must(t, "RemoveBank", e.f.RemoveBank(e.ctx, cafe, bank))
		_, err = e.shop.PayQR(e.ctx, commerce.QRPayInput{PayerID: bea, Token: static.Token, Amount: usd(3_00), IdempotencyKey: "p-removed"})
		must(t, "PayQR", err)
		e.clock.Advance(25 * time.Hour)
		if n, err := e.shop.SettleQR(e.ctx); err != nil || n != 1 {
			t.Fatalf("SettleQR = %d, %v", n, err)
		}
		e.wantBalance("cafe", cafe, 70+3_00-9)
		tk, err = e.shop.DayTakings(e.ctx, cafe, e.clock.Now())
		must(t, "DayTakings", err)
		if len(tk.Settlements) != 1 || tk.Settlements[0].Payout != "failed" || tk.Settlements[0].PayoutReason == "" {
			t.Fatalf("settlements = %+v", tk.Settlements)
		}
		if n, err := e.shop.SettleQR(e.ctx); err != nil || n != 0 {
			t.Fatalf("SettleQR after a failed payout = %d, %v", n, err)
		}
		e.wantBalance("cafe", cafe, 70+3_00-9)
		if n := len(withdrawalsOf(e, cafe)); n != 2 {
			t.Fatalf("%d withdrawals, want the payout and the café's own", n)
		}
	})
}

func withdrawalsOf(e *cardShop, user string) []funding.Movement {
	e.t.Helper()
	ms, err := e.f.Movements(e.ctx, user, 0)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []funding.Movement
	for _, m := range ms {
		if m.Kind == funding.KindWithdrawal {
			out = append(out, m)
		}
	}
	return out
}

// linkedBank links a sandbox bank account to user, verified when asked.
func linkedBank(e *cardShop, user, account string, verify bool) string {
	e.t.Helper()
	b, err := e.f.LinkBank(e.ctx, user, funding.BankInput{HolderName: "Bean There", RoutingNumber: "011000015", AccountNumber: account})
	if err != nil {
		e.t.Fatalf("LinkBank: %v", err)
	}
	if !verify {
		return b.ID
	}
	m, err := e.f.SandboxMicroDeposits(e.ctx, user, b.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.f.ExportACH(e.ctx); err != nil {
		e.t.Fatalf("ExportACH: %v", err)
	}
	if _, err := e.f.VerifyBank(e.ctx, user, b.ID, m[0], m[1]); err != nil {
		e.t.Fatalf("VerifyBank: %v", err)
	}
	return b.ID
}
