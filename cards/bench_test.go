package cards_test

import (
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/nestegg/nestegg/cards"
	"github.com/nestegg/nestegg/compliance"
	"github.com/nestegg/nestegg/rails"
	"github.com/nestegg/nestegg/store/storetest"
)

// BenchmarkAuthorize measures authorization decisions through the
// issuer's path on SQLite: the sandbox issuer asks the cards service about
// each purchase (SimulatePurchase → Authorize), which decides and places
// the ledger hold through the kernel's group commit, from 16 concurrent (NESTEGG_BENCH_WORKERS)
// merchants across 64 members' cards. It reports decisions per second and
// the latency percentiles, then runs the book auditor (newEnv's cleanup)
// and checks every approval held exactly its amount.
//
//	go test ./cards -run '^$' -bench BenchmarkAuthorize -benchtime 20000x
func BenchmarkAuthorize(b *testing.B) {
	db := storetest.SQLite(b)
	// Limits off: the benchmark measures decisions, not a tier's ceiling.
	e := newEnv(b, db, func(_ *cards.Config, cc *compliance.Config) { cc.Limits = nil })
	const members = 64
	workers := benchWorkers()
	var cs []cards.Card
	var users []string
	for i := range members {
		u := e.signup("m" + string(rune('a'+i/26)) + string(rune('a'+i%26)))
		e.fund(u, 1_000_000_00)
		users = append(users, u)
		cs = append(cs, e.issue(u))
	}
	lat := make([]time.Duration, b.N)
	var approved, declined int64
	var held [members]int64
	var mu sync.Mutex
	var wg sync.WaitGroup
	next := make(chan int)
	b.ResetTimer()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				m := i % members
				amount := int64(1_00 + i%500)
				start := time.Now()
				a, err := e.iss.SimulatePurchase(e.ctx, rails.Purchase{CardID: cs[m].IssuerCardID, Merchant: bean, Amount: amount, Currency: "USD"})
				lat[i] = time.Since(start)
				if err != nil {
					b.Errorf("SimulatePurchase: %v", err)
					continue
				}
				mu.Lock()
				if a.Approved {
					approved++
					held[m] += a.Amount
				} else {
					declined++
				}
				mu.Unlock()
			}
		}()
	}
	for i := range b.N {
		next <- i
	}
	close(next)
	wg.Wait()
	b.StopTimer()
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(lat[int(float64(len(lat)-1)*p)].Microseconds()) / 1000 }
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "decisions/s")
	b.ReportMetric(pct(0.50), "p50_ms")
	b.ReportMetric(pct(0.99), "p99_ms")
	b.ReportMetric(float64(lat[len(lat)-1].Microseconds())/1000, "max_ms")
	if declined != 0 {
		b.Errorf("%d of %d declined with money in every wallet", declined, b.N)
	}
	for m, u := range users {
		if got := e.wallet(u); got != 1_000_000_00-held[m] {
			b.Errorf("member %d: available %d, want %d less the %d approved", m, got, 1_000_000_00, held[m])
		}
	}
}

// benchWorkers is how many merchants ask at once: NESTEGG_BENCH_WORKERS,
// default 16.
func benchWorkers() int {
	if n, err := strconv.Atoi(os.Getenv("NESTEGG_BENCH_WORKERS")); err == nil && n > 0 {
		return n
	}
	return 16
}
