package revenue_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/commerce"
	"github.com/nestegg/nestegg/compliance"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/movement"
	"github.com/nestegg/nestegg/movement/movementtest"
	"github.com/nestegg/nestegg/payments"
	"github.com/nestegg/nestegg/revenue"
	"github.com/nestegg/nestegg/social"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

func usd(minor int64) money.Amount {
	a, _ := money.Lookup("USD")
	return money.Amount{Asset: a, Minor: minor}
}

// TestReportEqualsTheLedger runs a month of tips (5 % fee), coin sales
// (3 cents of spread a coin) and shop sales (2.5 % fee) on a fake clock,
// with activity the day before and the day after the month, and asks the
// dashboard for the month by day, week and month: each time its revenue
// equals, to the cent, what the ledger's revenue accounts gained over the
// month (their posted balances read at its start and its end), stream by
// stream as the sales made it, and the CSV export says the same.
func TestReportEqualsTheLedger(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
		end := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
		c := &clock{t: start.Add(-12 * time.Hour)}
		soc := social.New(db, social.Options{Clock: c.Now, Argon2: social.Argon2{Time: 1, MemoryKiB: 64, Threads: 1}})
		l := ledger.New(db, ledger.Options{Clock: c.Now})
		l.Start()
		t.Cleanup(func() { l.Close() })
		cc := compliance.DefaultConfig()
		cc.Clock = c.Now
		cc.Limits = nil // a month of sales by few members: no limits in the way
		comp := compliance.New(db, cc)
		k := movement.New(db, l, comp, c.Now)
		t.Cleanup(func() { movementtest.Audit(t, k) })
		pay, err := payments.New(db, l, soc, comp, payments.Config{Clock: c.Now, TipFeeBps: 500})
		if err != nil {
			t.Fatal(err)
		}
		shop, err := commerce.New(db, l, soc, comp, commerce.Config{Clock: c.Now, FeeBps: 250})
		if err != nil {
			t.Fatal(err)
		}
		signup := func(h string, kind social.Kind) string {
			a, err := soc.Signup(ctx, social.SignupInput{Handle: h, DisplayName: h, Email: h + "@example.com", Password: "correct horse battery", Kind: kind})
			if err != nil {
				t.Fatal(err)
			}
			return a.ID
		}
		fan, creator, shopID := signup("fan", social.Member), signup("creator", social.Member), signup("mugshop", social.Business)
		if _, err := pay.Credit(ctx, fan, usd(10_000_00), "fund", "test money"); err != nil {
			t.Fatal(err)
		}
		prod, err := shop.CreateProduct(ctx, shopID, commerce.ProductInput{Title: "Mug", Price: usd(20_00), Stock: 1000})
		if err != nil {
			t.Fatal(err)
		}
		offer, err := shop.CreateOffer(ctx, shopID, commerce.OfferInput{ProductID: prod.ID, Text: "Mugs"})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		day := func(tipMinor int64) {
			n++
			key := fmt.Sprintf("k%d", n)
			if _, err := pay.Tip(ctx, payments.TipInput{FromUserID: fan, ToHandle: "creator", Amount: usd(tipMinor), IdempotencyKey: "tip" + key}); err != nil {
				t.Fatal(err)
			}
			if _, err := pay.BuyCoins(ctx, fan, 100, "coins"+key); err != nil {
				t.Fatal(err)
			}
			if _, err := shop.Buy(ctx, commerce.BuyInput{BuyerID: fan, OfferID: offer.ID, IdempotencyKey: "buy" + key}); err != nil {
				t.Fatal(err)
			}
		}
		fee := func() int64 {
			a, err := l.Account(ctx, ledger.PlatformID("USD", ledger.KindFeeRevenue))
			if nestegg.Is(err, nestegg.NotFound) {
				return 0
			}
			if err != nil {
				t.Fatal(err)
			}
			return a.CreditsPosted - a.DebitsPosted
		}
		day(10_00) // the day before: not in the month
		atStart := fee()
		want := map[revenue.Stream]int64{}
		for d := 0; d < 30; d++ {
			c.set(start.Add(time.Duration(d)*24*time.Hour + 9*time.Hour))
			tip := int64(10_00 + d*1_13) // fees round down: not always whole
			day(tip)
			want[revenue.TipFees] += tip * 500 / 10_000
			want[revenue.CoinSpread] += 100 * 3
			want[revenue.ShopFees] += 20_00 * 250 / 10_000
		}
		atEnd := fee()
		c.set(end.Add(time.Hour))
		day(50_00) // the day after: not in the month either
		if creator == "" {
			t.Fatal("no creator")
		}

		rep := revenue.New(l, k, soc)
		for _, unit := range []revenue.Unit{revenue.Day, revenue.Week, revenue.Month} {
			r, err := rep.Report(ctx, "USD", start, end, unit, 1_000_000_00)
			if err != nil {
				t.Fatalf("Report(%s): %v", unit, err)
			}
			if r.Total.Revenue != atEnd-atStart {
				t.Errorf("%s: revenue %d, the ledger's fee revenue gained %d", unit, r.Total.Revenue, atEnd-atStart)
			}
			var sum int64
			for _, b := range r.Buckets {
				var streams int64
				for _, v := range b.ByStream {
					streams += v
				}
				if streams != b.Revenue {
					t.Errorf("%s %s: streams add to %d, revenue %d", unit, b.Start.Format(time.DateOnly), streams, b.Revenue)
				}
				sum += b.Revenue
			}
			if sum != r.Total.Revenue {
				t.Errorf("%s: buckets add to %d, total %d", unit, sum, r.Total.Revenue)
			}
			for _, st := range revenue.Streams() {
				if r.Total.ByStream[st] != want[st] {
					t.Errorf("%s: %s = %d, want %d", unit, st, r.Total.ByStream[st], want[st])
				}
			}
			wantBuckets := map[revenue.Unit]int{revenue.Day: 30, revenue.Week: 6, revenue.Month: 1}[unit]
			if len(r.Buckets) != wantBuckets {
				t.Errorf("%s: %d buckets, want %d", unit, len(r.Buckets), wantBuckets)
			}
			if r.Total.ActivePayers != 1 || r.Total.Payments != 90 || r.Total.NewMembers != 0 {
				t.Errorf("%s: active payers %d, payments %d, new members %d; want 1, 90, 0", unit, r.Total.ActivePayers, r.Total.Payments, r.Total.NewMembers)
			}
			if r.Total.TakeRateBps <= 0 || r.Total.TakeRateBps != r.Total.Revenue*10_000/r.Total.Volume {
				t.Errorf("%s: take rate %d bps of revenue %d on volume %d", unit, r.Total.TakeRateBps, r.Total.Revenue, r.Total.Volume)
			}
			// Revenue grows a little every day: the next year, at the
			// trend, earns more than 365 days at the month's average.
			if r.ProjectedYear <= 365*r.Total.Revenue/30 {
				t.Errorf("%s: projected year %d from a month of %d that grows", unit, r.ProjectedYear, r.Total.Revenue)
			}

			var buf bytes.Buffer
			if err := r.WriteCSV(&buf); err != nil {
				t.Fatal(err)
			}
			recs, err := csv.NewReader(&buf).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			col := map[string]int{}
			for i, h := range recs[0] {
				col[h] = i
			}
			var csvSum int64
			for _, rec := range recs[1 : len(recs)-1] {
				csvSum += minor(t, rec[col["revenue"]])
			}
			total := recs[len(recs)-1]
			if total[0] != "total" || minor(t, total[col["revenue"]]) != atEnd-atStart || csvSum != atEnd-atStart {
				t.Errorf("%s: CSV rows add to %d, its total row says %s, the ledger %d", unit, csvSum, total[col["revenue"]], atEnd-atStart)
			}
			if got := minor(t, total[col[string(revenue.TipFees)]]); got != want[revenue.TipFees] {
				t.Errorf("%s: CSV tip fees %d, want %d", unit, got, want[revenue.TipFees])
			}
		}
	})
}

func minor(t *testing.T, s string) int64 {
	t.Helper()
	a, err := money.Parse(s, "USD")
	if err != nil {
		t.Fatalf("CSV amount %q: %v", s, err)
	}
	return a.Minor
}

func TestReportRefusesBadPeriods(t *testing.T) {
	db := storetest.SQLite(t)
	l := ledger.New(db, ledger.Options{})
	comp := compliance.New(db, compliance.DefaultConfig())
	rep := revenue.New(l, movement.New(db, l, comp, nil), social.New(db, social.Options{}))
	d := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		from, to time.Time
		unit     revenue.Unit
	}{
		{d, d, revenue.Day},
		{d, d.AddDate(0, 0, -1), revenue.Day},
		{d.Add(time.Hour), d.AddDate(0, 0, 1), revenue.Day},
		{d, d.AddDate(3, 0, 0), revenue.Month},
		{d, d.AddDate(0, 0, 1), "year"},
	} {
		if _, err := rep.Report(context.Background(), "USD", c.from, c.to, c.unit, 0); !nestegg.Is(err, nestegg.Invalid) {
			t.Errorf("Report(%v, %v, %s) = %v, want Invalid", c.from, c.to, c.unit, err)
		}
	}
}
