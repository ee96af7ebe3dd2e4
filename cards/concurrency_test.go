package cards_test

import (
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/nestegg/nestegg/rails"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// TestConcurrentAuthorizationsNeverOverspend: 64 purchases at once, for
// far more than the wallet holds, some allowing partial approval: the
// approved total never exceeds the balance, and what is available after
// is the balance less exactly what was approved.
func TestConcurrentAuthorizationsNeverOverspend(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		alice := e.signup("alice")
		const balance = 100_00
		e.fund(alice, balance)
		c := e.issue(alice)
		var mu sync.Mutex
		var approved, asked int64
		var wg sync.WaitGroup
		for i := range 64 {
			amount := int64(i%9+1) * 1_50
			asked += amount
			wg.Add(1)
			go func() {
				defer wg.Done()
				a, err := e.iss.SimulatePurchase(e.ctx, rails.Purchase{CardID: c.IssuerCardID, Merchant: bean, Amount: amount, Currency: "USD", PartialAllowed: i%4 == 0})
				if err != nil {
					t.Errorf("SimulatePurchase: %v", err)
					return
				}
				if a.Approved {
					if a.Amount <= 0 || a.Amount > amount {
						t.Errorf("approved %d of %d", a.Amount, amount)
					}
					mu.Lock()
					approved += a.Amount
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if asked <= 2*balance {
			t.Fatalf("the test asks for %d, not far more than %d", asked, balance)
		}
		if approved > balance || approved < balance-9*1_50 {
			t.Fatalf("approved %d against a balance of %d", approved, balance)
		}
		if got := e.wallet(alice); got != balance-approved {
			t.Fatalf("available %d, want %d less the approved %d", got, balance, approved)
		}
	})
}

// TestNoCardNumberAnywhere: after every card flow, no table holds the
// number of any card the issuer issued (nor its first twelve digits), in
// any column of any row.
func TestNoCardNumberAnywhere(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		alice, bob := e.signup("alice"), e.signup("bob")
		e.fund(alice, 200_00)
		e.fund(bob, 50_00)
		var numbers []string
		for _, u := range []string{alice, bob} {
			c := e.issue(u)
			numbers = append(numbers, e.reveal(u, c))
			a := e.buy(c, 20_00)
			inc, _ := e.iss.SimulateIncrement(e.ctx, a.ID, 2_00)
			if !inc.Approved {
				t.Fatalf("increment = %+v", inc)
			}
			tx, err := e.iss.SimulateCapture(e.ctx, a.ID, 25_00)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.iss.SimulateRefund(e.ctx, tx.ID, 3_00); err != nil {
				t.Fatal(err)
			}
			d, err := e.iss.SimulateDispute(e.ctx, tx.ID, "fraudulent")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.iss.SimulateDisputeOutcome(e.ctx, d.ID, true); err != nil {
				t.Fatal(err)
			}
			r := e.buy(c, 1_00)
			e.iss.SimulateReversal(e.ctx, r.ID)
			e.buy(c, 999_00) // declined
			e.cards.Freeze(e.ctx, u, c.ID)
			e.buy(c, 1_00) // declined: frozen
		}
		scanTables(t, db, numbers)
	})
}

// scanTables fails t if any value of any row of any table contains one of
// the numbers or its first twelve digits.
func scanTables(t *testing.T, db *store.DB, numbers []string) {
	t.Helper()
	q := "SELECT name FROM sqlite_master WHERE type = 'table'"
	if db.Dialect == store.Postgres {
		q = "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
	}
	rows, err := db.Reader().QueryContext(t.Context(), q)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		tables = append(tables, n)
	}
	rows.Close()
	if len(tables) < 20 {
		t.Fatalf("found only %d tables: %v", len(tables), tables)
	}
	cells := 0
	for _, table := range tables {
		rows, err := db.Reader().QueryContext(t.Context(), fmt.Sprintf(`SELECT * FROM "%s"`, table))
		if err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		cols, _ := rows.Columns()
		vals := make([]sql.RawBytes, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatalf("%s: %v", table, err)
			}
			for i, v := range vals {
				cells++
				s := string(v)
				for _, n := range numbers {
					if strings.Contains(s, n) || strings.Contains(s, n[:12]) {
						t.Errorf("%s.%s holds a card number", table, cols[i])
					}
				}
			}
		}
		rows.Close()
	}
	if cells < 500 {
		t.Fatalf("scanned only %d cells", cells)
	}
}
