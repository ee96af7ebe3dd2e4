package web_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/nestegg/nestegg/compliance"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/movement"
	"github.com/nestegg/nestegg/movement/movementtest"
	"github.com/nestegg/nestegg/payments"
	"github.com/nestegg/nestegg/savings"
	"github.com/nestegg/nestegg/social"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
	"github.com/nestegg/nestegg/web"
	"net/http/httptest"
)

// TestBrowserSavings drives a phone (390×844): gus, funded, goes from his
// wallet to Savings, opens them, moves $400 in and $50 back (a move of
// more than savings hold is refused on the page and moves nothing), and,
// three days later, sees interest accrued and the moves in the history;
// then the same page at desktop width, and on the 1st the month's interest
// paid as a line of the history. Screenshots go to
// browser-savings-<db>/.
func TestBrowserSavings(t *testing.T) {
	chromium := needChromium(t)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		clock := &pageClock{t: time.Now()}
		soc := social.New(db, social.Options{Clock: clock.Now, Argon2: social.Argon2{Time: 1, MemoryKiB: 64, Threads: 1}})
		l := ledger.New(db, ledger.Options{ValidAsset: validAsset})
		l.Start()
		ccfg := compliance.DefaultConfig()
		ccfg.Clock = clock.Now
		comp := compliance.New(db, ccfg)
		pay, err := payments.New(db, l, soc, comp, payments.Config{Clock: clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		sav := savings.New(db, l, soc, comp, savings.Config{Clock: clock.Now})
		srv := web.New(web.Deps{DB: db, Ledger: l, Social: soc, Payments: pay, Compliance: comp, Savings: sav, Version: "test"})
		hs := httptest.NewServer(srv)
		t.Cleanup(func() {
			hs.Close()
			srv.Close()
			l.Close()
		})
		t.Cleanup(func() { movementtest.Audit(t, movement.New(db, l, comp, nil)) })
		site := &payPageSite{pageSite: &pageSite{t: t, url: hs.URL, social: soc, clock: clock}, pay: pay}
		ctx := context.Background()
		if _, err := sav.SetRate(ctx, savings.RateInput{Asset: "USD", EffectiveOn: clock.Now(), Tiers: []savings.Tier{{From: 0, Bps: 500}}}); err != nil {
			t.Fatal(err)
		}

		shots := artifactsDir(t, "browser-savings-"+filepath.Base(t.Name()))
		b := newBrowser(t, chromium)
		gus := b.tab(t)
		gus.do("phone screen", chromedp.EmulateViewport(390, 844))
		gus.signup(site.url, "gus", "Gus Saver")
		site.fund("gus", "$500")
		gus.navigate(site.url + "/wallet")
		gus.submitLink("#savings-link")
		gus.waitText("main h1", "Savings")
		gus.waitText("#savings-open", "5.00%")
		gus.shot(shots, "01-savings-closed")
		gus.submit("#open-savings")
		gus.waitText(".flash", "Your savings are open")
		gus.do("amount in", chromedp.SendKeys(chromedp.CSS(`#savings-move input[name="amount"]`), "$400"))
		gus.submit("#to-savings")
		gus.waitText(".flash", "$400.00 moved to savings")
		gus.waitText("#savings-amount", "$400.00")
		gus.shot(shots, "02-moved-in")
		gus.do("amount out", chromedp.SendKeys(chromedp.CSS(`#savings-move input[name="amount"]`), "$450"))
		gus.submit("#to-wallet")
		gus.waitText("#savings-move", "Your savings hold less than $450.00")
		gus.shot(shots, "03-too-much-out")
		gus.navigate(site.url + "/savings")
		gus.do("amount out", chromedp.SendKeys(chromedp.CSS(`#savings-move input[name="amount"]`), "$50"))
		gus.submit("#to-wallet")
		gus.waitText(".flash", "$50.00 moved to your wallet")
		gus.waitText("#savings-amount", "$350.00")
		site.wantBalance("gus", "$150.00")

		// Three days pass; the job accrues them.
		clock.Advance(72 * time.Hour)
		if _, err := sav.Run(ctx); err != nil {
			t.Fatal(err)
		}
		gus.navigate(site.url + "/savings")
		accrued, err := chromedp.Run(gus.ctx, chromedp.Text(chromedp.CSS("#savings-accrued"), chromedp.NodeVisible))
		if err != nil {
			t.Fatal(err)
		}
		a, err := sav.Get(ctx, mustUser(t, soc, "gus"), "USD")
		if err != nil || a.AccruedNumerator == 0 || !strings.HasPrefix(accrued, "$0.") || accrued == "$0.000000" {
			t.Fatalf("accrued on the page %q, in savings %+v (%v)", accrued, a, err)
		}
		gus.waitText("#savings-balance", "Earning 5.00% a year")
		gus.waitText("#savings-history", "Moved from savings")
		gus.waitText("#savings-history", "Moved to savings")
		gus.shot(shots, "04-interest-accrued-phone")
		gus.do("desktop screen", chromedp.EmulateViewport(1280, 900))
		gus.navigate(site.url + "/savings")
		gus.waitText("#savings-accrued", accrued)
		gus.shot(shots, "05-interest-accrued-desktop")

		// On the 1st the month's interest is paid into savings: a line of
		// its own in the history.
		now := clock.Now()
		clock.Advance(time.Date(now.Year(), now.Month()+1, 1, 12, 0, 0, 0, time.UTC).Sub(now))
		st, err := sav.Run(ctx)
		if err != nil || st.Paid == 0 {
			t.Fatalf("the month's payout: %+v, %v", st, err)
		}
		gus.navigate(site.url + "/savings")
		gus.waitText("#savings-history", "Savings interest")
		gus.waitText("#savings-balance", "Interest paid so far: $")
		gus.shot(shots, "06-interest-paid-desktop")
		b.checkErrors(t)
	})
}

func mustUser(t *testing.T, soc *social.Service, handle string) string {
	t.Helper()
	u, err := soc.UserByHandle(context.Background(), handle)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}
