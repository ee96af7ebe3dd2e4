package savings_test

import (
	"bytes"
	"math/big"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/savings"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// model is what the test expects of one member, kept apart from the code
// under test: the balance it has moved, and the exact interest as a
// rational number.
type model struct {
	balance int64
	exact   *big.Rat // Σ day's balance × rate / 365 / 10,000, in minor units
	paid    int64
}

// modelRate is the marginal rate of a balance's band, written again here
// from the convention in doc.go.
func dayInterest(balance int64, tiers []savings.Tier) *big.Rat {
	r := new(big.Rat)
	for i, t := range tiers {
		hi := balance
		if i+1 < len(tiers) && tiers[i+1].From < hi {
			hi = tiers[i+1].From
		}
		if hi > t.From {
			part := new(big.Rat).SetFrac64((hi-t.From)*t.Bps, 365*10_000)
			r.Add(r, part)
		}
	}
	return r
}

// TestYearOfAccrual: over random balance paths through a leap year (money
// moved in and out most days, a raise, a tiered cut), the interest paid
// plus the fraction carried equals the exact rational interest on the
// day-end balances; each month's payout is the whole minor units the
// exact sum has reached; the year-end summary matches the payouts.
func TestYearOfAccrual(t *testing.T) {
	for seed := uint64(1); seed <= 2; seed++ {
		t.Run("seed"+strconv.FormatUint(seed, 10), func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) { yearOfAccrual(t, db, seed) })
		})
	}
}

func yearOfAccrual(t *testing.T, db *store.DB, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 2028))
	first := date(2028, 1, 1)
	e := newEnv(t, db, first.Add(8*time.Hour))
	tag := strconv.FormatUint(seed, 10)
	users := []string{e.signup("ann" + tag), e.signup("ben" + tag)}
	versions := []struct {
		from  time.Time
		tiers []savings.Tier
	}{
		{first, []savings.Tier{flat(400)}},
		{date(2028, 4, 15), []savings.Tier{flat(475)}},
		{date(2028, 9, 1), []savings.Tier{{From: 0, Bps: 300}, {From: 5_000_00, Bps: 450}}},
	}
	models := map[string]*model{}
	for _, u := range users {
		e.fund(u, 50_000_00)
		e.open(u)
		models[u] = &model{exact: new(big.Rat)}
	}
	for _, v := range versions {
		e.setRate(v.from, v.tiers...)
	}
	tiersOn := func(d time.Time) []savings.Tier {
		var ts []savings.Tier
		for _, v := range versions {
			if !v.from.After(d) {
				ts = v.tiers
			}
		}
		return ts
	}
	// monthExact is each member's exact interest summed through the end of
	// each month, for the payouts.
	paidBefore := map[string]int64{}
	var summaryWant int64 // paid during 2028
	for d := first; d.Before(date(2029, 1, 2)); d = d.AddDate(0, 0, 1) {
		e.clock.Set(d.Add(12 * time.Hour))
		st := e.run()
		if d.Day() == 1 && d != first {
			// The month just ended is paid now: floor(exact through its
			// end) less what was paid before.
			var want int64
			for _, u := range users {
				m := models[u]
				whole := new(big.Int).Quo(m.exact.Num(), m.exact.Denom()).Int64()
				owed := whole - paidBefore[u]
				paidBefore[u] = whole
				m.balance += owed
				m.paid += owed
				want += owed
				if d.Year() == 2028 {
					summaryWant += owed
				}
			}
			if st.Paid != want {
				t.Fatalf("%s: paid %d, the model owes %d", d.Format(time.DateOnly), st.Paid, want)
			}
		} else if st.Paid != 0 {
			t.Fatalf("%s: paid %d mid-month", d.Format(time.DateOnly), st.Paid)
		}
		if d.Year() == 2029 {
			break
		}
		// The day's moves: in, out, or nothing, of random amounts.
		for _, u := range users {
			m := models[u]
			switch rng.IntN(4) {
			case 0, 1:
				amt := 1 + rng.Int64N(3_000_00)
				if e.wallet(u) >= amt {
					e.deposit(u, amt)
					m.balance += amt
				}
			case 2:
				if m.balance > 0 {
					amt := 1 + rng.Int64N(m.balance)
					e.withdraw(u, amt)
					m.balance -= amt
				}
			}
			if got := e.get(u).Balance; got != m.balance {
				t.Fatalf("%s: %s's savings = %d, the model has %d", d.Format(time.DateOnly), u, got, m.balance)
			}
			// The day's interest on its end balance (nothing else moves today).
			m.exact.Add(m.exact, dayInterest(m.balance, tiersOn(d)))
		}
	}
	// What is paid plus what is carried is the exact rational interest to
	// the day (the 1st of January 2029 is not over, so not accrued).
	var total int64
	for _, u := range users {
		m := models[u]
		a := e.get(u)
		got := new(big.Rat).SetFrac64(a.PaidTotal*savings.Denominator+a.AccruedNumerator, savings.Denominator)
		if got.Cmp(m.exact) != 0 || a.PaidTotal != m.paid || a.AccruedNumerator >= savings.Denominator {
			t.Fatalf("%s: paid %d + carried %d/%d = %s, the exact interest is %s (model paid %d)", u, a.PaidTotal, a.AccruedNumerator,
				savings.Denominator, got.FloatString(8), m.exact.FloatString(8), m.paid)
		}
		if m.paid == 0 {
			t.Fatalf("%s earned nothing: the path is too poor to test", u)
		}
		total += a.PaidTotal
	}
	if got := -e.platform(ledger.KindInterestExpense); got != total {
		t.Fatalf("interest expense %d, paid %d", got, total)
	}
	// The year-end summary: interest paid during 2028 (December's was paid
	// in 2029), matching the payouts.
	sums, err := e.sav.Summaries(e.ctx, 2028, "")
	if err != nil {
		t.Fatal(err)
	}
	var sum int64
	for _, s := range sums {
		sum += s.Interest
		if s.Payouts != 11 && s.Payouts != 12 {
			t.Errorf("%s: %d payouts in 2028", s.UserID, s.Payouts)
		}
	}
	if sum != summaryWant || len(sums) != 2 {
		t.Fatalf("2028 summaries %+v sum to %d, payouts in 2028 were %d", sums, sum, summaryWant)
	}
	var buf bytes.Buffer
	if err := savings.WriteCSV(&buf, sums); err != nil {
		t.Fatal(err)
	}
	recs := readCSV(t, buf.String())
	if len(recs) != 3 || recs[0][5] != "interest_income" {
		t.Fatalf("CSV = %q", recs)
	}
	var csvSum int64
	for _, r := range recs[1:] {
		n, err := strconv.ParseInt(r[6], 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		csvSum += n
	}
	if csvSum != summaryWant {
		t.Fatalf("CSV sums to %d, want %d", csvSum, summaryWant)
	}
	one, err := e.sav.Summaries(e.ctx, 2028, users[0])
	if err != nil || len(one) != 1 || one[0].UserID != users[0] {
		t.Fatalf("one member's summary = %+v, %v", one, err)
	}
}
