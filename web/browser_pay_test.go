package web_test

import (
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// TestBrowserPay drives Chromium through money in the web app: alice and
// bob sign up, bob posts, alice (funded by the operator) tips bob's post
// through the tip form and its confirmation page, then posts
// "@pay @bob $5 lunch", sees the pending badge on her post, and confirms
// it with the post's own button, which says what will leave. Bob finds both in his notifications
// and on his wallet page. Screenshots go to browser-pay-<db>/.
func TestBrowserPay(t *testing.T) {
	chromium := needChromium(t)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		site := newPayPageSite(t, db)
		shots := artifactsDir(t, "browser-pay-"+filepath.Base(t.Name()))
		b := newBrowser(t, chromium)
		alice, bob := b.tab(t), b.tab(t)

		alice.signup(site.url, "alice", "Alice Liddell")
		bob.signup(site.url, "bob", "Bob Builder")
		bob.compose("my new song is out, hope you like it #music")
		bob.waitText("#timeline", "my new song is out")
		bob.shot(shots, "01-bob-posted")

		site.fund("alice", "$50")
		alice.navigate(site.url + "/wallet")
		alice.waitText(".balances", "$50.00")
		alice.shot(shots, "02-alice-wallet-funded")

		// The tip: the form, then the confirmation page, then the money.
		alice.navigate(site.url + "/u/bob")
		alice.waitText("#timeline", "my new song is out")
		alice.submit(`#timeline article .actions a.tip`)
		alice.waitText("main h1", "Tip @bob")
		alice.do("fill tip", chromedp.SendKeys(chromedp.CSS("#f-amount"), "$3"), chromedp.SendKeys(chromedp.CSS("#f-note"), "great song"))
		alice.shot(shots, "03-alice-tip-form")
		alice.submit(`form[action$="/tip"] button.wide`)
		alice.waitText(".review", "Leaves your wallet")
		alice.waitText(".review", "$3.00")
		alice.shot(shots, "04-alice-tip-confirm")
		alice.submit("#confirm")
		alice.waitText(".flash", "You tipped @bob $3.00")
		alice.shot(shots, "05-alice-tipped")

		// Money in a post: pending until alice confirms it in the app.
		alice.navigate(site.url + "/")
		alice.compose("@pay @bob $5 lunch")
		alice.waitText("#timeline article .paybadge", "Payment pending confirmation")
		alice.shot(shots, "06-alice-post-command-pending")
		// One confirmation: the post's own button says what it sends.
		alice.waitText("#timeline article .intent-actions", "Send $5.00 to @bob")
		alice.shot(shots, "07-alice-confirm-post-command")
		alice.submit(`#timeline article form[action$="/confirm"] button`)
		alice.waitText(".flash", "completed")
		alice.waitText("#timeline article .paybadge", "Payment completed")
		alice.shot(shots, "08-alice-post-command-completed")

		bob.navigate(site.url + "/notifications")
		bob.waitText("main", "tipped you $3.00: great song")
		bob.waitText("main", "sent you $5.00: lunch")
		bob.shot(shots, "09-bob-notifications")
		bob.navigate(site.url + "/wallet")
		bob.waitText(".balances", "$8.00")
		bob.waitText("#history", "lunch")
		bob.waitText("#history", "great song")
		bob.waitText("#tips", "$3.00")
		bob.shot(shots, "10-bob-wallet")
		site.wantBalance("alice", "$42.00")

		b.checkErrors(t)
	})
}
