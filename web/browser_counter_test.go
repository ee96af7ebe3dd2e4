package web_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/nestegg/nestegg/social"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// TestBrowserCounterPaid drives two phones (390×844): a café makes a code
// for a sale on its counter page; bea opens the code's link, adds a tip,
// reviews and pays; the café's page, untouched, turns to "Paid by @bea"
// (htmx polls the sale's status). Screenshots go to browser-counter-<db>/.
func TestBrowserCounterPaid(t *testing.T) {
	chromium := needChromium(t)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		site := newShopPageSite(t, db)
		shots := artifactsDir(t, "browser-counter-"+filepath.Base(t.Name()))
		b := newBrowser(t, chromium)
		cafe, bea := b.tab(t), b.tab(t)
		cafe.do("phone screen", chromedp.EmulateViewport(390, 844))
		bea.do("phone screen", chromedp.EmulateViewport(390, 844))

		cafe.signup(site.url, "nestcafe", "The Nest Café")
		u, err := site.social.UserByHandle(context.Background(), "nestcafe")
		if err != nil {
			t.Fatal(err)
		}
		if err := site.social.SetKind(context.Background(), u.ID, social.Business); err != nil {
			t.Fatal(err)
		}
		cafe.navigate(site.url + "/shop/counter")
		cafe.waitText("main h1", "Counter")
		cafe.shot(shots, "01-cafe-counter")
		cafe.do("new sale", chromedp.SendKeys(chromedp.CSS(`#new-sale input[name="amount"]`), "$4.50"),
			chromedp.SendKeys(chromedp.CSS(`#new-sale input[name="description"]`), "Flat white"))
		cafe.submit(`#make-sale`)
		cafe.waitText("#sale-status", "Waiting for payment")
		cafe.shot(shots, "02-cafe-shows-code")
		attr, err := chromedp.Run(cafe.ctx, chromedp.AttributeValue(chromedp.CSS("#code-link"), "href"))
		link := attr.Value
		if err != nil || link == "" {
			t.Fatalf("the sale's link: %q, %v", link, err)
		}

		bea.signup(site.url, "bea", "Bea Buyer")
		site.fund("bea", "$20")
		bea.navigate(link)
		bea.waitText("main h1", "Pay The Nest Café")
		bea.waitText("#amount", "$4.50")
		bea.do("tip", chromedp.SendKeys(chromedp.CSS(`input[name="tip"]`), "$0.50"))
		bea.shot(shots, "03-bea-scanned")
		bea.submit("#pay")
		bea.waitText("main", "Pay $5.00")
		bea.shot(shots, "04-bea-reviews")
		bea.submit("#confirm")
		bea.waitText("main h1", "Paid · $5.00")
		bea.shot(shots, "05-bea-paid")
		site.wantBalance("bea", "$15.00")

		cafe.waitText("#sale-status", "Paid by @bea")
		cafe.shot(shots, "06-cafe-sees-paid")
		b.checkErrors(t)
	})
}
