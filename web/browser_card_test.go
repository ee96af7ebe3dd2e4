package web_test

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/nestegg/nestegg/cards"
	"github.com/nestegg/nestegg/compliance"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/movement"
	"github.com/nestegg/nestegg/movement/movementtest"
	"github.com/nestegg/nestegg/payments"
	"github.com/nestegg/nestegg/rails"
	"github.com/nestegg/nestegg/savings"
	"github.com/nestegg/nestegg/social"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
	"github.com/nestegg/nestegg/web"
)

// TestBrowserCard drives a phone (390×844): ivy, funded, opens savings and
// moves $50 in, then goes from her wallet to Debit card, gets a virtual
// card, sees its number once on the sandbox issuer's page (a second look
// is refused), freezes the card (a purchase is declined), unfreezes it,
// buys $4.50 at Bean There Café through the sandbox network and sees it
// pending, then the merchant captures it and it is paid, with cash back;
// then the card page and the wallet's history at desktop width. No page
// of Nestegg's (the issuer's reveal page aside) shows the number.
// Screenshots go to browser-card-<db>/.
func TestBrowserCard(t *testing.T) {
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
		iss, err := rails.NewSandboxIssuer("", clock.Now)
		if err != nil {
			t.Fatal(err)
		}
		crd, err := cards.New(db, l, soc, comp, iss, cards.Config{Clock: clock.Now, Simulator: iss, InterchangeBps: 100, CashbackBps: 100, CashbackByCategory: map[string]int64{"5812": 200}})
		if err != nil {
			t.Fatal(err)
		}
		iss.Listen(crd)
		srv := web.New(web.Deps{DB: db, Ledger: l, Social: soc, Payments: pay, Compliance: comp, Savings: sav, Cards: crd, SandboxIssuer: iss, Version: "test"})
		hs := httptest.NewServer(srv)
		t.Cleanup(func() {
			hs.Close()
			srv.Close()
			l.Close()
		})
		t.Cleanup(func() { movementtest.Audit(t, movement.New(db, l, comp, nil)) })
		site := &payPageSite{pageSite: &pageSite{t: t, url: hs.URL, social: soc, clock: clock}, pay: pay}

		shots := artifactsDir(t, "browser-card-"+filepath.Base(t.Name()))
		b := newBrowser(t, chromium)
		ivy := b.tab(t)
		ivy.do("phone screen", chromedp.EmulateViewport(390, 844))
		ivy.signup(site.url, "ivy", "Ivy Spender")
		site.fund("ivy", "$200")

		// Savings first: money moves from the wallet at once.
		ivy.navigate(site.url + "/wallet")
		ivy.submitLink("#savings-link")
		ivy.submit("#open-savings")
		ivy.do("amount in", chromedp.SendKeys(chromedp.CSS(`#savings-move input[name="amount"]`), "$50"))
		ivy.submit("#to-savings")
		ivy.waitText(".flash", "$50.00 moved to savings")
		ivy.shot(shots, "01-savings-phone")

		// The card.
		ivy.navigate(site.url + "/wallet")
		ivy.submitLink("#card-link")
		ivy.waitText("main h1", "Debit card")
		ivy.waitText("#card-issue", "$150.00")
		ivy.shot(shots, "02-no-card-phone")
		ivy.submit("#issue-card")
		ivy.waitText(".flash", "is ready to use")
		last4, err := chromedp.Run(ivy.ctx, chromedp.Text(chromedp.CSS(".card-last4"), chromedp.NodeVisible))
		if err != nil || !regexp.MustCompile(`^\d{4}$`).MatchString(last4) {
			t.Fatalf("last four on the page %q, %v", last4, err)
		}
		ivy.waitText(".card-status", "Active")
		ivy.shot(shots, "03-card-issued-phone")

		// The number, once, on the issuer's page.
		ivy.submit(".reveal-card")
		number, err := chromedp.Run(ivy.ctx, chromedp.Text(chromedp.CSS("#revealed-number"), chromedp.NodeVisible))
		digits := strings.ReplaceAll(number, " ", "")
		if err != nil || len(digits) != 16 || !strings.HasSuffix(digits, last4) {
			t.Fatalf("revealed %q (%v), want sixteen digits ending %s", number, err, last4)
		}
		ivy.shot(shots, "04-number-once-phone")
		reveal, err := chromedp.Run(ivy.ctx, chromedp.Location())
		if err != nil {
			t.Fatal(err)
		}
		ivy.navigate(reveal)
		ivy.waitText("main", "used or has expired")

		// Frozen, a purchase is declined; unfrozen, it works.
		ivy.navigate(site.url + "/money/card")
		ivy.submit(".freeze-card")
		ivy.waitText(".flash", "is frozen")
		ivy.waitText(".card-status", "Frozen")
		ivy.do("amount", chromedp.SendKeys(chromedp.CSS(`#card-simulate-0 input[name="amount"]`), "$4.50"))
		ivy.submit(".simulate-purchase")
		ivy.waitText(".flash", "Declined at Bean There Café: the card is frozen")
		ivy.waitText("#card-activity-0", "Declined")
		ivy.shot(shots, "05-frozen-declined-phone")
		ivy.submit(".unfreeze-card")
		ivy.waitText(".flash", "is unfrozen")
		ivy.waitText(".card-status", "Active")

		// A purchase: pending, then captured.
		ivy.do("amount", chromedp.SendKeys(chromedp.CSS(`#card-simulate-0 input[name="amount"]`), "$4.50"))
		ivy.submit(".simulate-purchase")
		ivy.waitText(".flash", "$4.50 approved at Bean There Café: pending")
		ivy.waitText("#card-activity-0 tr.card-line.pending", "Pending")
		ivy.waitText("#card-activity-0 tr.card-line.pending", "Restaurants (5812)")
		site.wantBalance("ivy", "$145.50")
		ivy.shot(shots, "06-purchase-pending-phone")
		ivy.submit(".capture-purchase")
		ivy.waitText(".flash", "The merchant captured $4.50")
		ivy.waitText("#card-activity-0 tr.card-line.captured", "Paid")
		ivy.waitText("#card-activity-0 tr.card-line.captured", "$0.09 cash back")
		site.wantBalance("ivy", "$145.59")
		ivy.shot(shots, "07-purchase-captured-phone")

		ivy.do("desktop screen", chromedp.EmulateViewport(1280, 900))
		ivy.navigate(site.url + "/money/card")
		ivy.waitText("#card-activity-0", "Bean There Café")
		ivy.shot(shots, "08-card-desktop")
		ivy.navigate(site.url + "/wallet")
		ivy.waitText("main", "Card cash back")
		ivy.waitText("main", "Bean There Café")
		ivy.shot(shots, "09-wallet-history-desktop")
		for _, page := range []string{"/money/card", "/wallet", "/savings"} {
			ivy.navigate(site.url + page)
			html, err := chromedp.Run(ivy.ctx, chromedp.OuterHTML(chromedp.CSS("html")))
			if err != nil || strings.Contains(html, digits) || strings.Contains(html, digits[:12]) {
				t.Fatalf("%s shows the card's number (%v)", page, err)
			}
		}
		b.checkErrors(t)
		_ = context.Background()
	})
}
