package web_test

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/nestegg/nestegg/demo"
	"github.com/nestegg/nestegg/social"
	"github.com/nestegg/nestegg/store/storetest"
)

// TestBrowserDemoTour logs in to the demo community and photographs the
// main pages, on a desktop and a phone-sized screen, so that people can
// see how the app looks with real content. It fails on any JavaScript
// error (a Content-Security-Policy violation by htmx would be one).
func TestBrowserDemoTour(t *testing.T) {
	chromium := needChromium(t)
	db := storetest.SQLite(t)
	if _, err := demo.Seed(context.Background(), db, demo.Options{Argon2: social.Argon2{Time: 1, MemoryKiB: 64, Threads: 1}}); err != nil {
		t.Fatal(err)
	}
	site := newPageSite(t, db)
	shots := artifactsDir(t, "demo-tour")
	b := newBrowser(t, chromium)
	maya := b.tab(t)

	maya.navigate(site.url + "/login")
	maya.do("log in", chromedp.SendKeys(chromedp.CSS("#f-handle"), "maya"), chromedp.SendKeys(chromedp.CSS("#f-password"), demo.Password))
	maya.submit(`form[action="/login"] button`)
	maya.waitText("#timeline", "#sketchbook")
	maya.shot(shots, "01-home")
	maya.navigate(site.url + "/u/priya")
	maya.waitText("main", "Priya Raman")
	maya.shot(shots, "02-creator-profile")
	maya.navigate(site.url + "/tags/sketchbook")
	maya.shot(shots, "03-hashtag")
	maya.submit(`#timeline article a.time`)
	maya.waitText(".replies", "PERFECT")
	maya.shot(shots, "04-thread")
	maya.navigate(site.url + "/notifications")
	maya.shot(shots, "05-notifications")
	maya.navigate(site.url + "/search?q=an")
	maya.shot(shots, "06-search")
	maya.navigate(site.url + "/settings/tokens")
	maya.do("name a token", chromedp.SendKeys(chromedp.CSS("#f-name"), "laptop CLI"), chromedp.SendKeys(chromedp.CSS("#f-current_password"), demo.Password))
	maya.submit(`form[action="/settings/tokens"] button`)
	maya.waitText("main", "will not be shown again")
	maya.shot(shots, "07-token-created")
	maya.do("phone screen", chromedp.EmulateViewport(390, 844))
	maya.navigate(site.url + "/")
	maya.shot(shots, "08-home-phone")
	b.checkErrors(t)
}
