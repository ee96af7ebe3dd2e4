package web_test

import (
	"context"
	"database/sql"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/nestegg/nestegg/commerce"
	"github.com/nestegg/nestegg/compliance"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/payments"
	"github.com/nestegg/nestegg/social"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
	"github.com/nestegg/nestegg/web"
)

// newShopPageSite is newPayPageSite with the shop wired in, as serve does.
func newShopPageSite(t testing.TB, db *store.DB) *payPageSite {
	t.Helper()
	clock := &pageClock{t: time.Now()}
	soc := social.New(db, social.Options{Clock: clock.Now, Argon2: social.Argon2{Time: 1, MemoryKiB: 64, Threads: 1}})
	l := ledger.New(db, ledger.Options{ValidAsset: validAsset})
	l.Start()
	ccfg := compliance.DefaultConfig()
	ccfg.Clock = clock.Now
	comp := compliance.New(db, ccfg)
	pay, err := payments.New(db, l, soc, comp, payments.Config{Clock: clock.Now})
	if err != nil {
		t.Fatalf("payments.New: %v", err)
	}
	shop, err := commerce.New(db, l, soc, comp, commerce.Config{FeeBps: 250, Clock: clock.Now})
	if err != nil {
		t.Fatalf("commerce.New: %v", err)
	}
	soc.SetPostHook(func(ctx context.Context, tx *sql.Tx, p social.Post) error {
		if err := pay.OnPost(ctx, tx, p); err != nil {
			return err
		}
		return shop.OnPost(ctx, tx, p)
	})
	srv := web.New(web.Deps{DB: db, Ledger: l, Social: soc, Payments: pay, Compliance: comp, Commerce: shop, Version: "test"})
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		hs.Close()
		srv.Close()
		l.Close()
	})
	return &payPageSite{pageSite: &pageSite{t: t, url: hs.URL, social: soc, clock: clock}, pay: pay}
}

// TestBrowserShop drives Chromium through buying from a post: a café (a
// business profile) adds a mug to its catalogue and posts an offer; bea,
// funded, finds the offer on the café's profile and buys it with one tap
// (htmx: no page change), adds her shipping address on her orders page,
// and the café sees the order with the address on its shop page.
// Screenshots go to browser-shop-<db>/.
func TestBrowserShop(t *testing.T) {
	chromium := needChromium(t)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		site := newShopPageSite(t, db)
		shots := artifactsDir(t, "browser-shop-"+filepath.Base(t.Name()))
		b := newBrowser(t, chromium)
		cafe, bea := b.tab(t), b.tab(t)

		cafe.signup(site.url, "nestcafe", "The Nest Café")
		u, err := site.social.UserByHandle(context.Background(), "nestcafe")
		if err != nil {
			t.Fatal(err)
		}
		if err := site.social.SetKind(context.Background(), u.ID, social.Business); err != nil {
			t.Fatal(err)
		}
		cafe.navigate(site.url + "/shop")
		cafe.waitText("main h1", "Shop")
		cafe.do("fill product", chromedp.SendKeys(chromedp.CSS(`form[action="/shop/products"] input[name="title"]`), "Nest mug"),
			chromedp.SendKeys(chromedp.CSS(`form[action="/shop/products"] input[name="price"]`), "$12"))
		cafe.shot(shots, "01-cafe-adds-product")
		cafe.submit(`form[action="/shop/products"] button`)
		cafe.waitText(".flash", "Added Nest mug to your catalogue")
		cafe.do("hashtag", chromedp.SendKeys(chromedp.CSS(`#catalogue form[action="/shop/offers"] input[name="hashtag"]`), "BuyNestMug"))
		cafe.submit(`#catalogue form[action="/shop/offers"] button`)
		cafe.waitText(".flash", "Posted your offer of Nest mug")
		cafe.waitText("#offers", "#BuyNestMug")
		cafe.shot(shots, "02-cafe-offer-posted")

		bea.signup(site.url, "bea", "Bea Buyer")
		site.fund("bea", "$50")
		bea.navigate(site.url + "/u/nestcafe")
		bea.waitText("#timeline article .postoffer", "$12.00")
		bea.waitText("#timeline article .postoffer", "10 left")
		bea.shot(shots, "03-bea-sees-offer")
		before, err := chromedp.Run(bea.ctx, chromedp.Location())
		if err != nil {
			t.Fatal(err)
		}
		bea.click("#timeline article .postoffer button.buy")
		bea.waitText("#timeline article .postoffer .flash", "Bought Nest mug for $12.00")
		bea.waitText("#timeline article .postoffer", "9 left")
		if after, err := chromedp.Run(bea.ctx, chromedp.Location()); err != nil || after != before {
			t.Fatalf("the one-tap buy changed the page: %s → %s (%v)", before, after, err)
		}
		bea.shot(shots, "04-bea-bought-in-place")
		site.wantBalance("bea", "$38.00")

		bea.navigate(site.url + "/orders")
		bea.waitText("#orders", "Nest mug")
		bea.do("address", chromedp.SendKeys(chromedp.CSS(`#orders input[name="address"]`), "1 Nest Lane, Eggtown"))
		bea.submit(`#orders form[action$="/address"] button`)
		bea.waitText(".flash", "Saved your shipping address")
		bea.shot(shots, "05-bea-orders")

		cafe.navigate(site.url + "/shop")
		cafe.waitText("#sales", "Nest mug")
		cafe.waitText("#sales", "from @bea")
		cafe.waitText("#sales", "paid")
		cafe.waitText("#sales .address", "1 Nest Lane, Eggtown")
		cafe.shot(shots, "06-cafe-sees-order")
		cafe.do("tracking", chromedp.SendKeys(chromedp.CSS(`#sales input[name="tracking"]`), "Parcel NE123"))
		cafe.submit(`#sales form[action$="/ship"] button`)
		cafe.waitText("#sales", "shipped")
		cafe.shot(shots, "07-cafe-shipped")
		site.wantBalance("nestcafe", "$11.70")

		b.checkErrors(t)
	})
}
