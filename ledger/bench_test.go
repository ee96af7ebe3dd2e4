package ledger_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// BenchmarkSubmit measures in-process ledger throughput: single-transfer
// Submit calls from parallel goroutines (group commit gathers them) and
// batches of 1000, among 10,000 wallets, on each database.
func BenchmarkSubmit(b *testing.B) {
	for _, dbName := range []string{"sqlite", "postgres"} {
		b.Run(dbName, func(b *testing.B) {
			var db *store.DB
			if dbName == "sqlite" {
				db = storetest.SQLite(b)
			} else {
				db = storetest.Postgres(b)
			}
			ctx := context.Background()
			l := newLedger(b, db, time.Now)
			eq, _ := l.PlatformAccount(ctx, "USD", ledger.KindEquity)
			const n = 10_000
			ids := make([]string, n)
			var fund []ledger.Transfer
			for i := range ids {
				ids[i] = wallet(b, l, fmt.Sprintf("w%d", i)).ID
				fund = append(fund, ledger.Transfer{ID: "fund" + ids[i], DebitAccountID: eq.ID, CreditAccountID: ids[i], Amount: 1 << 40, Asset: "USD", Code: "fund"})
			}
			submit(b, l, fund[:5000]...)
			submit(b, l, fund[5000:]...)
			var seq atomic.Int64
			next := func() ledger.Transfer {
				i := seq.Add(1)
				return ledger.Transfer{ID: fmt.Sprintf("b%d", i), DebitAccountID: ids[i*7919%n], CreditAccountID: ids[(i*7919+1)%n], Amount: 1, Asset: "USD", Code: "bench"}
			}
			b.Run("single", func(b *testing.B) {
				b.SetParallelism(32) // 32 × GOMAXPROCS concurrent submitters
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if _, err := l.Submit(ctx, []ledger.Transfer{next()}); err != nil {
							b.Error(err)
						}
					}
				})
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "transfers/s")
			})
			b.Run("batch1000", func(b *testing.B) {
				batch := make([]ledger.Transfer, 1000)
				for i := 0; i < b.N; i++ {
					for k := range batch {
						batch[k] = next()
					}
					if _, err := l.Submit(ctx, batch); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.N*1000)/b.Elapsed().Seconds(), "transfers/s")
			})
		})
	}
}
