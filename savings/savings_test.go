package savings_test

import (
	"bytes"
	"encoding/csv"
	"go/scanner"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/savings"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// TestMoveBothWays: money moves between wallet and savings at once, both
// ways; a replayed key moves nothing; refusals change nothing.
func TestMoveBothWays(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, date(2027, 1, 1).Add(9*time.Hour))
		alice := e.signup("alice")
		e.fund(alice, 100_00)
		if _, err := e.sav.Deposit(e.ctx, alice, usd(10_00), "k-early"); !nestegg.Is(err, nestegg.NotFound) {
			t.Fatalf("Deposit before Open = %v, want NotFound", err)
		}
		e.open(alice)
		if again := e.open(alice); again.Balance != 0 {
			t.Fatalf("Open twice: balance %d", again.Balance)
		}
		tr, err := e.sav.Deposit(e.ctx, alice, usd(60_00), "k1")
		if err != nil || tr.Replayed {
			t.Fatalf("Deposit = %+v, %v", tr, err)
		}
		if tr2, err := e.sav.Deposit(e.ctx, alice, usd(60_00), "k1"); err != nil || !tr2.Replayed || tr2.MovementID != tr.MovementID {
			t.Fatalf("replayed Deposit = %+v, %v; want the first", tr2, err)
		}
		if _, err := e.sav.Deposit(e.ctx, alice, usd(61_00), "k1"); !nestegg.Is(err, nestegg.IdempotencyMismatch) {
			t.Fatalf("Deposit with a reused key = %v, want IdempotencyMismatch", err)
		}
		if got, want := e.wallet(alice), int64(40_00); got != want {
			t.Fatalf("wallet = %d, want %d", got, want)
		}
		if got := e.get(alice).Balance; got != 60_00 {
			t.Fatalf("savings = %d, want 6000", got)
		}
		e.withdraw(alice, 15_00)
		for _, tc := range []struct {
			name string
			err  func() error
			code nestegg.Code
		}{
			{"more than the wallet", func() error { _, err := e.sav.Deposit(e.ctx, alice, usd(55_01), "x2"); return err }, nestegg.InsufficientFunds},
			{"more than savings", func() error { _, err := e.sav.Withdraw(e.ctx, alice, usd(45_01), "x3"); return err }, nestegg.InsufficientFunds},
			{"zero", func() error { _, err := e.sav.Deposit(e.ctx, alice, usd(0), "x4"); return err }, nestegg.Invalid},
			{"negative", func() error { _, err := e.sav.Withdraw(e.ctx, alice, usd(-1), "x5"); return err }, nestegg.Invalid},
			{"no key", func() error { _, err := e.sav.Withdraw(e.ctx, alice, usd(1), ""); return err }, nestegg.Invalid},
			{"beyond the limit", func() error {
				_, err := e.sav.Deposit(e.ctx, alice, usd(savings.MaxBalance+1), "x6")
				return err
			}, nestegg.Invalid},
		} {
			if err := tc.err(); !nestegg.Is(err, tc.code) {
				t.Errorf("%s: %v, want %s", tc.name, err, tc.code)
			}
		}
		if w, s := e.wallet(alice), e.get(alice).Balance; w != 55_00 || s != 45_00 {
			t.Fatalf("after refusals: wallet %d savings %d, want 5500 and 4500", w, s)
		}
		// The savings statement lists both moves, newest first.
		p, err := e.sav.Statement(e.ctx, alice, "USD", nestegg.Page{})
		if err != nil || len(p.Lines) != 2 || p.Lines[0].Label != "Moved from savings" || p.Lines[1].Label != "Moved to savings" || p.Lines[0].Balance != 45_00 {
			t.Fatalf("Statement = %+v, %v", p, err)
		}
	})
}

// TestRateChangesFromTheirDate: a raise applies from its day; a cut needs
// notice and tells the holders; the carried fraction is exact.
func TestRateChangesFromTheirDate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, date(2027, 1, 1).Add(9*time.Hour))
		alice := e.signup("alice")
		e.fund(alice, 10_000_00)
		e.open(alice)
		e.deposit(alice, 10_000_00)
		e.setRate(date(2027, 1, 1), flat(365))  // $1.00 a day on $10,000
		e.setRate(date(2027, 1, 11), flat(730)) // a raise: no notice needed
		if n := e.notified(alice, savings.NotifyRate); len(n) != 0 {
			t.Fatalf("a raise notified: %v", n)
		}
		e.toDay(date(2027, 1, 6))
		if a := e.get(alice); a.AccruedMinor != 5_00 || a.AccruedNumerator != 5*100*savings.Denominator {
			t.Fatalf("after 5 days accrued %d (%d), want 500", a.AccruedMinor, a.AccruedNumerator)
		}
		e.toDay(date(2027, 1, 20))
		if a := e.get(alice); a.AccruedMinor != 10*100+9*200 {
			t.Fatalf("after 19 days accrued %d, want %d", a.AccruedMinor, 10*100+9*200)
		}
		st := e.toDay(date(2027, 2, 1))
		jan := int64(10*100 + 21*200)
		if st.Payouts != 1 || st.Paid != jan {
			t.Fatalf("February 1st: %+v, want January's %d paid", st, jan)
		}
		if a := e.get(alice); a.Balance != 10_000_00+jan || a.AccruedNumerator != 0 || a.PaidTotal != jan {
			t.Fatalf("after January's payout: %+v", a)
		}
		if got := e.platform(ledger.KindInterestExpense); got != -jan {
			t.Fatalf("interest expense = %d, want %d", got, -jan)
		}
		// A cut sooner than the notice is refused; with notice, alice hears.
		if _, err := e.sav.SetRate(e.ctx, savings.RateInput{Asset: "USD", EffectiveOn: date(2027, 2, 3), Tiers: []savings.Tier{flat(365)}}); !nestegg.Is(err, nestegg.Invalid) {
			t.Fatalf("a cut in two days = %v, want Invalid", err)
		}
		if _, err := e.sav.SetRate(e.ctx, savings.RateInput{Asset: "USD", EffectiveOn: date(2027, 1, 31), Tiers: []savings.Tier{flat(900)}}); !nestegg.Is(err, nestegg.Invalid) {
			t.Fatalf("a rate for a day past = %v, want Invalid", err)
		}
		e.setRate(date(2027, 2, 8), flat(365))
		if n := e.notified(alice, savings.NotifyRate); len(n) != 1 || !strings.Contains(n[0], "7.30% to 3.65% on 8 Feb 2027") {
			t.Fatalf("cut notifications = %q", n)
		}
		st = e.toDay(date(2027, 3, 1))
		b := 10_000_00 + jan
		feb := b*730*7 + b*365*21
		if st.Paid != feb/savings.Denominator {
			t.Fatalf("February paid %d, want %d", st.Paid, feb/savings.Denominator)
		}
		if a := e.get(alice); a.AccruedNumerator != feb%savings.Denominator || a.AccruedNumerator == 0 {
			t.Fatalf("carried %d, want %d", a.AccruedNumerator, feb%savings.Denominator)
		}
		if n := e.notified(alice, savings.NotifyInterest); len(n) != 2 {
			t.Fatalf("interest notifications = %q", n)
		}
	})
}

// TestTiers: each band of the balance earns its band's rate.
func TestTiers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, date(2027, 5, 1).Add(9*time.Hour))
		alice, bob := e.signup("alice"), e.signup("bob")
		e.fund(alice, 2_000_00)
		e.fund(bob, 2_000_00)
		e.open(alice)
		e.open(bob)
		e.deposit(alice, 2_000_00) // $1,000 at 1 %, $1,000 at 10 %
		e.deposit(bob, 500_00)     // all in the first band
		e.setRate(date(2027, 5, 1), savings.Tier{From: 0, Bps: 100}, savings.Tier{From: 1_000_00, Bps: 1000})
		e.toDay(date(2027, 5, 2))
		if got, want := e.get(alice).AccruedNumerator, int64(1_000_00*100+1_000_00*1000); got != want {
			t.Fatalf("alice's day = %d, want %d", got, want)
		}
		if got, want := e.get(bob).AccruedNumerator, int64(500_00*100); got != want {
			t.Fatalf("bob's day = %d, want %d", got, want)
		}
		// Tiers must start at 0 and rise.
		for _, bad := range [][]savings.Tier{{}, {{From: 5, Bps: 1}}, {{From: 0, Bps: 1}, {From: 0, Bps: 2}}, {{From: 0, Bps: savings.MaxBps + 1}}} {
			if _, err := e.sav.SetRate(e.ctx, savings.RateInput{Asset: "USD", EffectiveOn: date(2027, 6, 1), Tiers: bad}); !nestegg.Is(err, nestegg.Invalid) {
				t.Errorf("SetRate(%v) = %v, want Invalid", bad, err)
			}
		}
		// Lowering only the top band is a cut too.
		if _, err := e.sav.SetRate(e.ctx, savings.RateInput{Asset: "USD", EffectiveOn: date(2027, 5, 3),
			Tiers: []savings.Tier{{From: 0, Bps: 100}, {From: 1_000_00, Bps: 900}}}); !nestegg.Is(err, nestegg.Invalid) {
			t.Fatalf("a cut of the top band without notice = %v, want Invalid", err)
		}
	})
}

// TestJobsInTwoProcesses: two processes run the jobs at once every day of
// two months: each day accrues once and each month is paid once.
func TestJobsInTwoProcesses(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		start := date(2027, 3, 1).Add(9 * time.Hour)
		e := newEnv(t, db, start)
		other := newEnv(t, db, start)
		var users []string
		for _, h := range []string{"alice", "bob", "carol"} {
			u := e.signup(h)
			e.fund(u, 1_000_00)
			e.open(u)
			e.deposit(u, 1_000_00)
			users = append(users, u)
		}
		e.setRate(date(2027, 3, 1), flat(500))
		var days, payouts int
		var paid int64
		for d := date(2027, 3, 2); !d.After(date(2027, 5, 1)); d = d.AddDate(0, 0, 1) {
			e.clock.Set(d.Add(12 * time.Hour))
			other.clock.Set(d.Add(12 * time.Hour))
			var wg sync.WaitGroup
			var st [2]savings.Stats
			var errs [2]error
			for i, x := range []*env{e, other} {
				wg.Add(1)
				go func() { defer wg.Done(); st[i], errs[i] = x.sav.Run(x.ctx) }()
			}
			wg.Wait()
			for i := range st {
				if errs[i] != nil {
					t.Fatalf("%s: Run: %v", d.Format(time.DateOnly), errs[i])
				}
				days += st[i].Days
				payouts += st[i].Payouts
				paid += st[i].Paid
			}
		}
		if want := 3 * 61; days != want { // 1 March to 30 April
			t.Fatalf("days accrued = %d, want %d", days, want)
		}
		if payouts != 6 {
			t.Fatalf("payouts = %d, want 6 (3 members × 2 months)", payouts)
		}
		var total int64
		for _, u := range users {
			total += e.get(u).PaidTotal
		}
		if total != paid || -e.platform(ledger.KindInterestExpense) != paid {
			t.Fatalf("paid %d by the jobs, %d by the accounts, %d by the ledger", paid, total, -e.platform(ledger.KindInterestExpense))
		}
	})
}

// TestMargin: the bank's yield is interest income; the margin nets the
// interest paid against it.
func TestMargin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, date(2027, 1, 1).Add(9*time.Hour))
		alice := e.signup("alice")
		e.fund(alice, 10_000_00)
		e.open(alice)
		e.deposit(alice, 10_000_00)
		e.setRate(date(2027, 1, 1), flat(365))
		e.toDay(date(2027, 2, 1)) // January: 31 × $1.00
		id, err := e.sav.RecordYield(e.ctx, savings.YieldInput{Asset: "USD", Amount: 45_00, Month: "2027-01", Note: "partner bank statement", Key: "y1"})
		if err != nil {
			t.Fatal(err)
		}
		if again, err := e.sav.RecordYield(e.ctx, savings.YieldInput{Asset: "USD", Amount: 45_00, Month: "2027-01", Note: "partner bank statement", Key: "y1"}); err != nil || again != id {
			t.Fatalf("replayed RecordYield = %s, %v; want %s", again, err, id)
		}
		for _, bad := range []savings.YieldInput{{Amount: 0, Month: "2027-01", Key: "y2"}, {Amount: 1, Month: "January", Key: "y3"}, {Amount: 1, Month: "2027-01"}} {
			if _, err := e.sav.RecordYield(e.ctx, bad); !nestegg.Is(err, nestegg.Invalid) {
				t.Errorf("RecordYield(%+v) = %v, want Invalid", bad, err)
			}
		}
		months, total, err := e.sav.Margin(e.ctx, "USD", 2027)
		if err != nil {
			t.Fatal(err)
		}
		if months[0].Income != 45_00 || months[0].Expense != 31_00 || months[0].Net != 14_00 || total.Net != 14_00 {
			t.Fatalf("Margin = %+v, total %+v", months[0], total)
		}
		if got := e.platform(ledger.KindInterestIncome); got != 45_00 {
			t.Fatalf("interest income account = %d, want 4500", got)
		}
	})
}

// TestNoFloats: the package's source never names a floating-point type.
func TestNoFloats(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var s scanner.Scanner
		fset := token.NewFileSet()
		s.Init(fset.AddFile(f, -1, len(src)), src, nil, 0)
		for {
			pos, tok, lit := s.Scan()
			if tok == token.EOF {
				break
			}
			if tok == token.FLOAT || (tok == token.IDENT && (lit == "float64" || lit == "float32")) {
				t.Errorf("%s: %s", fset.Position(pos), lit)
			}
		}
	}
}

func readCSV(t *testing.T, s string) [][]string {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewBufferString(s)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}
