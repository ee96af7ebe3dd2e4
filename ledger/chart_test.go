package ledger_test

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// TestChartOnFirstUse has 32 first requests on a fresh database each
// ensure the COIN chart and move money into platform:COIN:liability at
// once, as the first coin purchases do: every one succeeds, in one
// process and across two (two ledgers on one database).
func TestChartOnFirstUse(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ls := []*ledger.Ledger{newLedger(t, db, time.Now), newLedger(t, db, time.Now)}
		var wg sync.WaitGroup
		errs := make(chan error, 32)
		for i := range 32 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				l := ls[i%2]
				if err := l.EnsurePlatform(ctx, "COIN"); err != nil {
					errs <- fmt.Errorf("EnsurePlatform: %w", err)
					return
				}
				res, err := l.Submit(ctx, []ledger.Transfer{{ID: fmt.Sprintf("coin%d", i), DebitAccountID: ledger.PlatformID("COIN", ledger.KindEquity),
					CreditAccountID: ledger.PlatformID("COIN", ledger.KindLiability), Amount: 5, Asset: "COIN", Code: "coin_buy"}})
				if err == nil {
					err = ledger.Refused(res)
				}
				if err != nil {
					errs <- fmt.Errorf("request %d: %w", i, err)
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		li, err := ls[0].PlatformAccount(ctx, "COIN", ledger.KindLiability)
		if err != nil || li.CreditsPosted != 32*5 {
			t.Fatalf("liability = %+v, %v; want 160 credited", li, err)
		}
	})
}

// TestChartCompleted: a chart an older version left incomplete (one
// account created, the rest not) is completed by EnsurePlatform, and by
// PlatformAccount for a missing kind, rather than taken as whole.
func TestChartCompleted(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if err := db.Write(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, "INSERT INTO ledger_accounts (id, asset, kind, owner, flags, debits_pending, debits_posted, credits_pending, credits_posted, created_at) VALUES ('platform:USD:platform_cash', 'USD', 'platform_cash', 'platform', 2, 0, 0, 0, 0, 1)")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		l := newLedger(t, db, time.Now)
		if _, err := l.PlatformAccount(ctx, "USD", ledger.KindCash); err != nil {
			t.Fatal(err)
		}
		if err := l.EnsurePlatform(ctx, "USD"); err != nil {
			t.Fatalf("EnsurePlatform: %v", err)
		}
		for _, k := range ledger.PlatformKinds {
			if _, err := l.Account(ctx, ledger.PlatformID("USD", k)); err != nil {
				t.Errorf("after EnsurePlatform: %v", err)
			}
		}
	})
}
