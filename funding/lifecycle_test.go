package funding_test

import (
	"database/sql"
	"testing"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/funding"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/rails"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

func TestDepositSettled(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		bank := e.verifiedBank("usr_alice", "123456789")
		m := e.deposit("usr_alice", bank, 100_00, "d1")
		if m.Status != funding.StatusPending {
			t.Fatalf("Deposit = %+v", m)
		}
		if again := e.deposit("usr_alice", bank, 100_00, "d1"); again.ID != m.ID {
			t.Fatalf("a replay made a new deposit %s", again.ID)
		}
		if _, err := e.f.Deposit(e.ctx, "usr_alice", funding.DepositInput{BankAccountID: bank, Amount: usd(5), IdempotencyKey: "d1"}); !nestegg.Is(err, nestegg.IdempotencyMismatch) {
			t.Fatalf("reused key = %v, want idempotency mismatch", err)
		}
		if w := e.wallet("usr_alice"); w.Balance() != 0 || w.CreditsPending != 100_00 {
			t.Fatalf("before settlement: wallet %+v, want 0 spendable, 100.00 incoming", w)
		}
		e.reconciled()
		e.day()
		e.status("usr_alice", m.ID, funding.StatusSettled)
		e.wantBalance("usr_alice", 100_00)
		e.reconciled()
		// Nobody else sees it.
		if _, err := e.f.Movement(e.ctx, "usr_bob", m.ID); !nestegg.Is(err, nestegg.NotFound) {
			t.Fatalf("another member's movement = %v, want not found", err)
		}
	})
}

func TestDepositReturned(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		for _, spent := range []bool{false, true} {
			user := "usr_r" + map[bool]string{false: "keep", true: "spend"}[spent]
			bank := e.verifiedBank(user, "5550001") // the sandbox returns it R01
			m := e.deposit(user, bank, 100_00, "d1")
			e.day()
			e.status(user, m.ID, funding.StatusSettled)
			e.wantBalance(user, 100_00)
			if spent {
				e.spend(user, 60_00)
			}
			e.clock.Advance(rails.ReturnDelay)
			e.sync()
			got := e.status(user, m.ID, funding.StatusReturned)
			if got.ReturnCode != "R01" || got.Reason == "" {
				t.Fatalf("returned deposit = %+v", got)
			}
			e.wantBalance(user, 0)
			owed, _ := e.f.Receivable(e.ctx, user)
			want := int64(0)
			if spent {
				want = 60_00
			}
			if owed.Minor != want || got.Shortfall.Minor != want {
				t.Fatalf("spent=%v: receivable %d, shortfall %d, want %d", spent, owed.Minor, got.Shortfall.Minor, want)
			}
			e.reconciled()
			if !spent {
				continue
			}
			// Withdrawals wait until the debt is paid; the next deposit pays it.
			if _, err := e.f.Withdraw(e.ctx, user, funding.WithdrawInput{BankAccountID: bank, Amount: usd(1), IdempotencyKey: "w"}); !nestegg.Is(err, nestegg.Conflict) {
				t.Fatalf("Withdraw while owing = %v, want conflict", err)
			}
			good := e.verifiedBank(user, "123456789")
			e.deposit(user, good, 100_00, "d2")
			e.day()
			e.wantBalance(user, 40_00)
			if owed, _ := e.f.Receivable(e.ctx, user); owed.Minor != 0 {
				t.Fatalf("receivable after the next deposit = %d, want 0", owed.Minor)
			}
			e.reconciled()
		}
	})
}

func TestDepositReturnedByImportedFile(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		bank := e.verifiedBank("usr_a", "4440003")
		m := e.deposit("usr_a", bank, 25_00, "d1")
		if _, err := e.f.ExportACH(e.ctx); err != nil {
			t.Fatal(err)
		}
		// The operator imports the bank's return file before the bank
		// settled anything: the deposit never lands.
		e.clock.Advance(rails.ReturnDelay + 25*time.Hour)
		// One return file for each origination file: the micro-deposits',
		// sent before the account was verified, and the deposit's.
		files, err := e.bank.ReturnFiles(e.ctx)
		if err != nil || len(files) != 2 {
			t.Fatalf("ReturnFiles = %d, %v", len(files), err)
		}
		var applied, returns int
		for _, f := range files {
			res, err := e.f.ImportReturns(e.ctx, f.Data)
			if err != nil {
				t.Fatal(err)
			}
			applied, returns = applied+res.Applied, returns+res.Returns
		}
		if applied != 3 || returns != 3 {
			t.Fatalf("ImportReturns applied %d of %d; want the deposit and both micro-deposits", applied, returns)
		}
		if got := e.status("usr_a", m.ID, funding.StatusReturned); got.ReturnCode != "R03" {
			t.Fatalf("return code %s, want R03", got.ReturnCode)
		}
		for _, f := range files {
			if res, _ := e.f.ImportReturns(e.ctx, f.Data); res.Applied != 0 {
				t.Fatalf("a second import applied %d", res.Applied)
			}
		}
		e.sync()
		e.wantBalance("usr_a", 0)
		e.reconciled()
	})
}

func TestWithdrawals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		bank := e.verifiedBank("usr_a", "123456789")
		e.deposit("usr_a", bank, 200_00, "d1")
		e.day()
		e.wantBalance("usr_a", 200_00)

		// Standard: free, reserved until the bank settles it.
		w, err := e.f.Withdraw(e.ctx, "usr_a", funding.WithdrawInput{BankAccountID: bank, Amount: usd(50_00), Speed: funding.Standard, IdempotencyKey: "w1"})
		if err != nil || w.Status != funding.StatusPending || w.Fee.Minor != 0 {
			t.Fatalf("Withdraw(standard) = %+v, %v", w, err)
		}
		e.wantBalance("usr_a", 150_00)
		e.reconciled()
		e.day()
		e.status("usr_a", w.ID, funding.StatusSettled)
		e.wantBalance("usr_a", 150_00)
		e.reconciled()

		// Instant: the fee is quoted, confirmed, and paid at once.
		fee, _ := e.f.WithdrawalFee(funding.Instant, 100_00)
		if fee != 1_50 {
			t.Fatalf("instant fee on 100.00 = %d, want 150", fee)
		}
		wrong := usd(1_00)
		if _, err := e.f.Withdraw(e.ctx, "usr_a", funding.WithdrawInput{BankAccountID: bank, Amount: usd(100_00), Speed: funding.Instant, Fee: &wrong, IdempotencyKey: "w2"}); !nestegg.Is(err, nestegg.Conflict) {
			t.Fatalf("Withdraw with a stale fee = %v, want conflict", err)
		}
		shown := usd(fee)
		w, err = e.f.Withdraw(e.ctx, "usr_a", funding.WithdrawInput{BankAccountID: bank, Amount: usd(100_00), Speed: funding.Instant, Fee: &shown, IdempotencyKey: "w3"})
		if err != nil || w.Status != funding.StatusSettled || w.Fee.Minor != 1_50 {
			t.Fatalf("Withdraw(instant) = %+v, %v", w, err)
		}
		e.wantBalance("usr_a", 48_50)
		rev, _ := e.ledger.Account(e.ctx, "platform:USD:fee_revenue")
		if rev.CreditsPosted != 1_50 {
			t.Fatalf("fee revenue %d, want 150", rev.CreditsPosted)
		}
		if _, err := e.f.Withdraw(e.ctx, "usr_a", funding.WithdrawInput{BankAccountID: bank, Amount: usd(100_00), IdempotencyKey: "w4"}); !nestegg.Is(err, nestegg.InsufficientFunds) {
			t.Fatalf("Withdraw over the balance = %v, want insufficient funds", err)
		}
		e.reconciled()

		// An instant payout to an account the bank refuses gives it all back.
		closed := e.verifiedBank("usr_a", "4440002")
		w, err = e.f.Withdraw(e.ctx, "usr_a", funding.WithdrawInput{BankAccountID: closed, Amount: usd(10_00), Speed: funding.Instant, IdempotencyKey: "w5"})
		if err != nil || w.Status != funding.StatusReturned || w.ReturnCode != "R02" {
			t.Fatalf("Withdraw(instant, closed) = %+v, %v", w, err)
		}
		e.wantBalance("usr_a", 48_50)
		e.reconciled()
	})
}

func TestCardTopUps(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		link := func(number string) string {
			c, err := e.cards.Tokenize(e.ctx, "usr_a", rails.CardDetails{Number: number, ExpMonth: 12, ExpYear: 2030, CVC: "123"})
			if err != nil {
				t.Fatal(err)
			}
			card, err := e.f.LinkCard(e.ctx, "usr_a", c.Token)
			if err != nil || card.Last4 != number[12:] || card.Masked != "••••"+number[12:] {
				t.Fatalf("LinkCard = %+v, %v", card, err)
			}
			return card.ID
		}
		good := link("4242424242424242")
		fee, _ := e.f.TopUpFee(50_00)
		if fee != 1_75 {
			t.Fatalf("top-up fee on 50.00 = %d, want 175 (2.9%% + 0.30)", fee)
		}
		m, err := e.f.TopUp(e.ctx, "usr_a", funding.TopUpInput{CardID: good, Amount: usd(50_00), IdempotencyKey: "t1"})
		if err != nil || m.Status != funding.StatusSucceeded || m.Fee.Minor != 1_75 {
			t.Fatalf("TopUp = %+v, %v", m, err)
		}
		e.wantBalance("usr_a", 50_00)
		e.reconciled()
		for _, tc := range []struct{ number, code string }{
			{"4000000000000002", "generic_decline"},
			{"4000000000009995", "insufficient_funds"},
			{"4000000000000069", "expired_card"},
		} {
			m, err := e.f.TopUp(e.ctx, "usr_a", funding.TopUpInput{CardID: link(tc.number), Amount: usd(20_00), IdempotencyKey: "t-" + tc.number})
			if err != nil || m.Status != funding.StatusDeclined || m.ReturnCode != tc.code || m.Reason == "" {
				t.Fatalf("TopUp(%s) = %+v, %v; want declined %s with a reason", tc.number, m, err, tc.code)
			}
			e.wantBalance("usr_a", 50_00)
		}
		m, err = e.f.TopUp(e.ctx, "usr_a", funding.TopUpInput{CardID: link("4000002500003155"), Amount: usd(10_00), IdempotencyKey: "t3ds"})
		if err != nil || m.Status != funding.StatusRequiresAction {
			t.Fatalf("TopUp(3-D Secure) = %+v, %v", m, err)
		}
		e.wantBalance("usr_a", 50_00)
		e.reconciled()
		if m, err = e.f.ConfirmTopUp(e.ctx, "usr_a", m.ID); err != nil || m.Status != funding.StatusSucceeded {
			t.Fatalf("ConfirmTopUp = %+v, %v", m, err)
		}
		e.wantBalance("usr_a", 60_00)
		e.reconciled()
		// The processor pays out: card clearing empties into cash.
		e.clock.Advance(rails.PayoutDelay + time.Minute)
		e.sync()
		e.status("usr_a", m.ID, funding.StatusSettled)
		cc, _ := e.ledger.Account(e.ctx, "platform:USD:card_clearing")
		if cc.DebitsPosted != cc.CreditsPosted {
			t.Fatalf("card clearing after payout: %+v", cc)
		}
		e.reconciled()
	})
}

func TestNACHAFileMatchesClearing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		b1 := e.verifiedBank("usr_a", "123456789")
		e.deposit("usr_a", b1, 300_00, "seed")
		e.day()
		b2 := e.verifiedBank("usr_b", "222233334444")
		e.clock.Advance(25 * time.Hour)
		e.sync() // b2's micro-deposits settle
		e.deposit("usr_a", b1, 125_00, "d1")
		e.deposit("usr_b", b2, 75_50, "d2")
		if _, err := e.f.Withdraw(e.ctx, "usr_a", funding.WithdrawInput{BankAccountID: b1, Amount: usd(40_00), IdempotencyKey: "w1"}); err != nil {
			t.Fatal(err)
		}
		f, err := e.f.ExportACH(e.ctx)
		if err != nil || f.ID == "" {
			t.Fatalf("ExportACH = %+v, %v", f, err)
		}
		p, err := rails.ReadNACHA(f.Data)
		if err != nil {
			t.Fatalf("the file does not parse back with moov-io/ach: %v", err)
		}
		bc, _ := e.ledger.Account(e.ctx, "platform:USD:bank_clearing")
		if p.TotalDebit != bc.DebitsPending || p.TotalCredit != bc.CreditsPending {
			t.Fatalf("file totals debit %d credit %d; clearing pending debits %d credits %d", p.TotalDebit, p.TotalCredit, bc.DebitsPending, bc.CreditsPending)
		}
		if p.TotalDebit != 200_50 || len(p.Entries) != 3 {
			t.Fatalf("file: debit %d, %d entries; want 200.50 and 3 (2 deposits, 1 withdrawal; the micro-deposits went before b2 was verified)", p.TotalDebit, len(p.Entries))
		}
		if again, err := e.f.ExportACH(e.ctx); err != nil || again.ID != "" {
			t.Fatalf("a second export = %+v, %v; want nothing to send", again, err)
		}
		e.reconciled()
	})
}

func TestReconcileCatchesMismatch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		bank := e.verifiedBank("usr_a", "123456789")
		m := e.deposit("usr_a", bank, 100_00, "d1")
		e.day()
		e.reconciled()
		// A stray transfer on the clearing account, and a movement whose
		// amount no longer matches the bank's entry.
		if _, err := e.ledger.Submit(e.ctx, []ledger.Transfer{{ID: "stray", DebitAccountID: "platform:USD:bank_clearing", CreditAccountID: "platform:USD:equity", Amount: 1, Asset: "USD", Code: "oops"}}); err != nil {
			t.Fatal(err)
		}
		if err := db.Write(e.ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(e.ctx, "UPDATE funding_movements SET amount = 99 WHERE id = $1", m.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		rep, err := e.f.Reconcile(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		found := map[string]bool{}
		for _, mm := range rep.Mismatches {
			found[mm.Check] = true
		}
		if !found["bank_clearing_posted_balance"] || !found["entry_amount"] || len(rep.Mismatches) != 2 {
			t.Fatalf("Reconcile = %+v; want bank_clearing_posted_balance and entry_amount", rep.Mismatches)
		}
	})
}

func TestVerifyAttemptsAndCompliance(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		if _, err := e.f.LinkBank(e.ctx, "usr_a", funding.BankInput{HolderName: "A", RoutingNumber: "011000016", AccountNumber: "123456789"}); nestegg.ErrorParam(err) != "routing_number" {
			t.Fatalf("bad routing = %v", err)
		}
		b, err := e.f.LinkBank(e.ctx, "usr_a", funding.BankInput{HolderName: "A", RoutingNumber: "011000015", AccountNumber: "123456789"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.f.LinkBank(e.ctx, "usr_a", funding.BankInput{HolderName: "A", RoutingNumber: "011000015", AccountNumber: "123456789"}); !nestegg.Is(err, nestegg.Conflict) {
			t.Fatalf("linking twice = %v, want conflict", err)
		}
		if _, err := e.f.Deposit(e.ctx, "usr_a", funding.DepositInput{BankAccountID: b.ID, Amount: usd(1_00), IdempotencyKey: "x"}); !nestegg.Is(err, nestegg.Conflict) {
			t.Fatalf("deposit from an unverified account = %v, want conflict", err)
		}
		if _, err := e.f.ExportACH(e.ctx); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < funding.MaxVerifyAttempts; i++ {
			if _, err := e.f.VerifyBank(e.ctx, "usr_a", b.ID, 100, 100); !nestegg.Is(err, nestegg.Invalid) {
				t.Fatalf("wrong amounts = %v", err)
			}
		}
		if got, _ := e.f.BankAccount(e.ctx, "usr_a", b.ID); got.Status != funding.BankFailed {
			t.Fatalf("after %d wrong tries: %s", funding.MaxVerifyAttempts, got.Status)
		}
		var sealed string
		db.Reader().QueryRowContext(e.ctx, "SELECT account_enc FROM funding_banks WHERE id = $1", b.ID).Scan(&sealed)
		if sealed == "" || sealed == "123456789" {
			t.Fatalf("the account number is not sealed: %q", sealed)
		}
		// A frozen member moves nothing.
		good := e.verifiedBank("usr_f", "123450009")
		if err := db.Write(e.ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(e.ctx, "UPDATE compliance_users SET frozen = 1 WHERE user_id = 'usr_f'")
			if err == nil {
				_, err = tx.ExecContext(e.ctx, "INSERT INTO compliance_users (user_id, frozen, updated_at) VALUES ('usr_f', 1, 0) ON CONFLICT (user_id) DO UPDATE SET frozen = 1")
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.f.Deposit(e.ctx, "usr_f", funding.DepositInput{BankAccountID: good, Amount: usd(1_00), IdempotencyKey: "x"}); !nestegg.Is(err, nestegg.Forbidden) {
			t.Fatalf("a frozen member's deposit = %v, want forbidden", err)
		}
	})
}
