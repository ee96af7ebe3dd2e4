package web_test

import (
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// TestBrowserPremium drives Chromium on a phone screen (390×844) through
// Premium: ann, funded, opens Premium, chooses Basic, reviews what leaves
// her wallet and subscribes; upgrades to Premium (the review says the
// prorated amount charged now) and gets the verified check on her profile;
// then cancels, keeping Premium until the period's end. Screenshots at
// phone and desktop widths go to browser-premium-<db>/.
func TestBrowserPremium(t *testing.T) {
	chromium := needChromium(t)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		site := newPayPageSite(t, db)
		shots := artifactsDir(t, "browser-premium-"+filepath.Base(t.Name()))
		b := newBrowser(t, chromium)
		ann := b.tab(t)
		ann.do("phone screen", chromedp.EmulateViewport(390, 844))
		ann.signup(site.url, "ann", "Ann Archer")
		site.fund("ann", "$50")

		ann.navigate(site.url + "/premium")
		ann.waitText("main", "Premium+")
		ann.shot(shots, "01-premium-plans-phone")
		ann.submitLink(`a[href^="/subscriptions/review?plan=pln_premium_1_month"]`)
		ann.waitText(".review", "Charged now")
		ann.waitText("#due", "$3.00")
		ann.shot(shots, "02-review-basic-phone")
		ann.submit("#confirm")
		ann.waitText(".flash", "You subscribed to Basic: $3.00 charged")
		ann.waitText("main", "Next charge")
		ann.shot(shots, "03-subscribed-phone")

		// Upgrade: the review shows the prorated charge (a whole month
		// left: $5.00 or a cent less).
		ann.navigate(site.url + "/subscriptions/review?plan=pln_premium_2_month")
		ann.waitText(".review", "pay the difference for the rest of this period")
		ann.shot(shots, "04-review-upgrade-phone")
		ann.submit("#confirm")
		ann.waitText(".flash", "You are on Premium now")
		ann.shot(shots, "05-upgraded-phone")
		ann.navigate(site.url + "/u/ann")
		ann.waitText("main h1", "✓")
		ann.shot(shots, "06-profile-verified-phone")

		ann.navigate(site.url + "/subscriptions")
		ann.waitText("main", "Receipts")
		ann.submit(`form[action$="/cancel"] button`)
		ann.waitText(".flash", "Cancelled. You keep Premium until")
		ann.waitText("main", "Keep my subscription")
		ann.shot(shots, "07-cancelled-phone")
		ann.do("desktop screen", chromedp.EmulateViewport(1200, 900))
		ann.shot(shots, "08-cancelled-desktop")
		b.checkErrors(t)
	})
}
