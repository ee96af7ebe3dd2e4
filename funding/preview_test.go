package funding_test

import (
	"strings"
	"testing"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/funding"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// TestPreviewWithdrawalSaysWhatWithdrawWouldRefuse: the review page's
// check finds, before the member confirms, what Withdraw then refuses:
// not enough money (the instant fee counted), a bank account not
// verified, a frozen account (compliance's rules for the withdrawal's
// movement kind); and it reserves nothing.
func TestPreviewWithdrawalSaysWhatWithdrawWouldRefuse(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		bank := e.verifiedBank("usr_a", "123456789")
		e.deposit("usr_a", bank, 50_00, "d1")
		e.day()
		e.wantBalance("usr_a", 50_00)
		wd := func(amount int64, sp funding.Speed, bankID string) funding.WithdrawInput {
			return funding.WithdrawInput{BankAccountID: bankID, Amount: usd(amount), Speed: sp, IdempotencyKey: "w-" + string(sp)}
		}
		if err := e.f.PreviewWithdrawal(e.ctx, "usr_a", wd(20_00, funding.Standard, bank)); err != nil {
			t.Fatalf("preview of $20 from $50: %v", err)
		}
		err := e.f.PreviewWithdrawal(e.ctx, "usr_a", wd(400_00, funding.Standard, bank))
		if !nestegg.Is(err, nestegg.InsufficientFunds) || !strings.Contains(nestegg.ErrorMessage(err), "you have $50.00; this needs $400.00") {
			t.Fatalf("preview of $400 from $50 = %v", err)
		}
		if _, err := e.f.Withdraw(e.ctx, "usr_a", wd(400_00, funding.Standard, bank)); !nestegg.Is(err, nestegg.InsufficientFunds) {
			t.Fatalf("Withdraw of $400 from $50 = %v; the preview said InsufficientFunds", err)
		}
		// $49.90 fits, but not with the instant fee.
		if err := e.f.PreviewWithdrawal(e.ctx, "usr_a", wd(49_90, funding.Instant, bank)); !nestegg.Is(err, nestegg.InsufficientFunds) {
			t.Fatalf("instant preview of $49.90 from $50 = %v", err)
		}
		// Over the unverified tier's $500 per payment, with the money
		// there: compliance's limit, in its words.
		e.deposit("usr_a", bank, 300_00, "d2")
		e.deposit("usr_a", bank, 300_00, "d3")
		e.day()
		err = e.f.PreviewWithdrawal(e.ctx, "usr_a", wd(550_00, funding.Standard, bank))
		if !nestegg.Is(err, nestegg.Forbidden) || !strings.Contains(nestegg.ErrorMessage(err), "over the limit") {
			t.Fatalf("preview of $550 (unverified tier) = %v", err)
		}
		pending, err := e.f.LinkBank(e.ctx, "usr_a", funding.BankInput{HolderName: "Alice Ample", RoutingNumber: "011000015", AccountNumber: "99887766"})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.f.PreviewWithdrawal(e.ctx, "usr_a", wd(10_00, funding.Standard, pending.ID)); !nestegg.Is(err, nestegg.Conflict) {
			t.Fatalf("preview to an unverified bank = %v", err)
		}
		if err := e.f.PreviewWithdrawal(e.ctx, "usr_b", wd(10_00, funding.Standard, bank)); !nestegg.Is(err, nestegg.NotFound) {
			t.Fatalf("preview to someone else's bank = %v", err)
		}
		if err := e.comp.Freeze(e.ctx, "usr_staff", "usr_a", "checking a report"); err != nil {
			t.Fatal(err)
		}
		err = e.f.PreviewWithdrawal(e.ctx, "usr_a", wd(10_00, funding.Standard, bank))
		if !nestegg.Is(err, nestegg.Forbidden) || !strings.Contains(nestegg.ErrorMessage(err), "frozen") {
			t.Fatalf("preview from a frozen account = %v", err)
		}
		if _, err := e.f.Withdraw(e.ctx, "usr_a", wd(10_00, funding.Standard, bank)); !nestegg.Is(err, nestegg.Forbidden) {
			t.Fatalf("Withdraw from a frozen account = %v; the preview said Forbidden", err)
		}
		// Nothing was reserved by the previews.
		e.wantBalance("usr_a", 650_00)
		if w := e.wallet("usr_a"); w.DebitsPending != 0 {
			t.Fatalf("previews held %d", w.DebitsPending)
		}
	})
}

// TestPreviewDepositSaysWhatDepositWouldRefuse: the deposit's review
// page finds a funding limit, an unverified account and a frozen account
// before the member confirms, as Deposit then refuses them.
func TestPreviewDepositSaysWhatDepositWouldRefuse(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		bank := e.verifiedBank("usr_a", "123456789")
		dep := func(amount int64, bankID string) funding.DepositInput {
			return funding.DepositInput{BankAccountID: bankID, Amount: usd(amount), IdempotencyKey: "d-2"}
		}
		if err := e.f.PreviewDeposit(e.ctx, "usr_a", dep(2_000_00, bank)); err != nil {
			t.Fatalf("preview of a first $2,000 deposit: %v", err)
		}
		e.deposit("usr_a", bank, 2_000_00, "d1")
		// The unverified tier's $2,500 a day.
		err := e.f.PreviewDeposit(e.ctx, "usr_a", dep(1_000_00, bank))
		if !nestegg.Is(err, nestegg.Forbidden) || !strings.Contains(nestegg.ErrorMessage(err), "limit") {
			t.Fatalf("preview of $1,000 more today = %v", err)
		}
		if _, err := e.f.Deposit(e.ctx, "usr_a", dep(1_000_00, bank)); !nestegg.Is(err, nestegg.Forbidden) {
			t.Fatalf("Deposit of $1,000 more today = %v; the preview said Forbidden", err)
		}
		pending, err := e.f.LinkBank(e.ctx, "usr_a", funding.BankInput{HolderName: "Alice Ample", RoutingNumber: "011000015", AccountNumber: "99887766"})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.f.PreviewDeposit(e.ctx, "usr_a", dep(10_00, pending.ID)); !nestegg.Is(err, nestegg.Conflict) {
			t.Fatalf("preview from an unverified bank = %v", err)
		}
		if err := e.comp.Freeze(e.ctx, "usr_staff", "usr_a", "checking a report"); err != nil {
			t.Fatal(err)
		}
		if err := e.f.PreviewDeposit(e.ctx, "usr_a", dep(10_00, bank)); !nestegg.Is(err, nestegg.Forbidden) || !strings.Contains(nestegg.ErrorMessage(err), "frozen") {
			t.Fatalf("preview from a frozen account = %v", err)
		}
	})
}
