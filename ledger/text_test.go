package ledger_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// TestBadTextRefusedAlone (issue 11 item 9): a transfer whose text the
// database would refuse (PostgreSQL: NUL or invalid UTF-8, 22021) is refused
// with its request alone, before it joins a batch, and never fails the
// other requests sharing that batch.
func TestBadTextRefusedAlone(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		// A long MaxWait makes every concurrent request land in one batch.
		l := ledger.New(db, ledger.Options{MaxWait: 50 * time.Millisecond})
		l.Start()
		defer l.Close()
		eq, _ := l.PlatformAccount(ctx, "USD", ledger.KindEquity)
		b := wallet(t, l, "b")
		good := func(id string) ledger.Transfer {
			return ledger.Transfer{ID: id, DebitAccountID: eq.ID, CreditAccountID: b.ID, Amount: 1, Asset: "USD", Code: "x", Reference: "ref-" + id}
		}
		bad := []struct {
			field string
			mod   func(*ledger.Transfer)
		}{
			{"reference", func(t *ledger.Transfer) { t.Reference = "a\x00b" }},
			{"reference", func(t *ledger.Transfer) { t.Reference = "caf\xe9" }},
			{"reference", func(t *ledger.Transfer) { t.Reference = strings.Repeat("r", 300) }},
			{"id", func(t *ledger.Transfer) { t.ID = "id\x00" }},
			{"code", func(t *ledger.Transfer) { t.Code = "\xff" }},
			{"debit_account_id", func(t *ledger.Transfer) { t.DebitAccountID = "acct\x00" }},
			{"credit_account_id", func(t *ledger.Transfer) { t.CreditAccountID = "\xfe" }},
			{"asset", func(t *ledger.Transfer) { t.Asset = "US\x00D" }},
			{"pending_id", func(t *ledger.Transfer) { t.PendingID = "p\x00" }},
		}
		var wg sync.WaitGroup
		goodRes := make([][]ledger.Result, 40)
		for i := range goodRes {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				res, err := l.Submit(ctx, []ledger.Transfer{good(fmt.Sprintf("g%d-a", i)), good(fmt.Sprintf("g%d-b", i))})
				if err != nil {
					t.Errorf("good request %d: %v", i, err)
				}
				goodRes[i] = res
			}(i)
		}
		for k, c := range bad {
			for _, with := range []bool{false, true} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					ts := []ledger.Transfer{good(fmt.Sprintf("x%d-%v-a", k, with)), good(fmt.Sprintf("x%d-%v-b", k, with))}
					c.mod(&ts[1])
					var err error
					if with {
						_, err = l.SubmitWith(ctx, ts, &ledger.Rider{})
					} else {
						_, err = l.Submit(ctx, ts)
					}
					var ne *nestegg.Error
					want := "transfers[1]." + c.field
					if !nestegg.Is(err, nestegg.Invalid) || !errors.As(err, &ne) || ne.Param != want {
						t.Errorf("bad %s (SubmitWith %v): err %v, want Invalid naming %s", c.field, with, err, want)
					}
				}()
			}
		}
		wg.Wait()
		for i, res := range goodRes {
			for _, r := range res {
				if r.Status != ledger.StatusOK {
					t.Errorf("good request %d: %s %s", i, r.ID, r.Status)
				}
			}
		}
		if acc, _ := l.Account(ctx, b.ID); acc.Balance() != 80 {
			t.Errorf("b = %d, want 80 (the good requests only)", acc.Balance())
		}
		// The refused requests left nothing behind, not even their good half.
		if _, err := l.Transfer(ctx, "x0-false-a"); !nestegg.Is(err, nestegg.NotFound) {
			t.Errorf("refused request's first transfer: %v, want not found", err)
		}
	})
}

// TestDatabaseTextRefusalIsInvalid: text that slips past the checks in
// front of the database (the web edge, the ledger's) is the client's
// Invalid, not an internal error: PostgreSQL's 22021 is translated
// (store/dialect.go). SQLite stores any bytes.
func TestDatabaseTextRefusalIsInvalid(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		if db.Dialect != store.Postgres {
			t.Skip("SQLite stores NUL and invalid UTF-8")
		}
		for _, v := range []string{"a\x00b", "caf\xe9"} {
			err := db.Write(context.Background(), func(tx *sql.Tx) error {
				var s string
				return tx.QueryRow("SELECT $1::text", v).Scan(&s)
			})
			if !nestegg.Is(err, nestegg.Invalid) {
				t.Errorf("%q: %v, want Invalid", v, err)
			}
		}
	})
}
