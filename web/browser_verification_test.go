package web_test

import (
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// TestBrowserVerification walks a member up the tiers on a phone (390×844):
// the facts form (a wrong date first),
// tier 1, then the document check to tier 2. Screenshots go to
// browser-verification-<db>/.
func TestBrowserVerification(t *testing.T) {
	chromium := needChromium(t)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		site := newPayPageSite(t, db)
		shots := artifactsDir(t, "browser-verification-"+filepath.Base(t.Name()))
		b := newBrowser(t, chromium)
		m := b.phoneTab(t)
		m.signup(site.url, "vera", "Vera Tiers")
		m.navigate(site.url + "/settings/verification")
		m.waitText("#tier", "Tier 0")
		m.shot(shots, "01-tier0")
		m.do("fill the form",
			chromedp.SendKeys(chromedp.CSS("#f-legal_name"), "Vera Tiers"),
			chromedp.SetValue(chromedp.CSS("#f-date_of_birth"), "2015-06-01"),
			chromedp.SendKeys(chromedp.CSS("#f-line1"), "4 Elm Street"),
			chromedp.SendKeys(chromedp.CSS("#f-city"), "Boise"),
			chromedp.SendKeys(chromedp.CSS("#f-state"), "ID"),
			chromedp.SendKeys(chromedp.CSS("#f-postal_code"), "83702"),
			chromedp.SendKeys(chromedp.CSS("#f-id_last4"), "1357"))
		m.shot(shots, "02-form-filled")
		m.submit("#next-step button")
		m.waitText("#next-step", "18 or older")
		m.shot(shots, "03-too-young")
		m.do("fix the date and retype the last four",
			chromedp.SetValue(chromedp.CSS("#f-date_of_birth"), "1985-06-01"),
			chromedp.SendKeys(chromedp.CSS("#f-id_last4"), "1357"))
		m.submit("#next-step button")
		m.waitText("#tier", "Tier 1")
		m.shot(shots, "04-tier1")
		m.submit("#next-step button")
		m.waitText("#tier", "Tier 2")
		m.waitText("#next-step", "highest limits")
		m.shot(shots, "05-tier2")
	})
}
