package web_test

import (
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// login signs a tab in through the login form.
func (tb *tab) login(base, handle string) {
	tb.t.Helper()
	tb.navigate(base + "/login")
	tb.do("fill login form",
		chromedp.SendKeys(chromedp.CSS("#f-handle"), handle),
		chromedp.SendKeys(chromedp.CSS("#f-password"), pagePassword))
	tb.submit(`form[action="/login"] button`)
}

// TestBrowserConsole: on a phone, an admin opens the console, finds a
// member and makes them a moderator with a reason, and reads the change
// in the audit log; the new moderator sees a console with only their
// role's pages. Screenshots go to browser-console-<db>/.
func TestBrowserConsole(t *testing.T) {
	chromium := needChromium(t)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaffSite(t, db)
		s.site.signup("newbie")
		shots := artifactsDir(t, "browser-console-"+filepath.Base(t.Name()))
		b := newBrowser(t, chromium)
		admin := b.phoneTab(t)
		base := s.site.url

		admin.login(base, "staffadmin")
		admin.waitText("header", "Console")
		admin.submit(`#nav-console`)
		admin.waitText("main", "What your role may use")
		admin.shot(shots, "01-admin-console")

		admin.submit(`a[href="/staff/roles"]`)
		admin.waitText("main", "Staff and roles")
		admin.do("find newbie", chromedp.SendKeys(chromedp.CSS(`input[name="handle"]`), "@newbie"))
		admin.submit(`form[action="/staff/roles"] button`)
		admin.waitText("#found", "@newbie")
		admin.do("choose moderator", chromedp.SetValue(chromedp.CSS(`#found select[name="role"]`), "moderator"),
			chromedp.SendKeys(chromedp.CSS(`#found input[name="reason"]`), "joins trust and safety"))
		admin.shot(shots, "02-admin-gives-a-role")
		admin.submit(`#found button`)
		admin.waitText(".flash", "@newbie is now moderator.")
		admin.waitText("#staff-newbie", "moderator")
		admin.shot(shots, "03-staff-list")

		admin.navigate(base + "/staff/audit")
		admin.waitText("main", "joins trust and safety")
		admin.shot(shots, "04-audit-log")

		admin.navigate(base + "/staff/members")
		admin.do("search members", chromedp.SendKeys(chromedp.CSS(`input[name="q"]`), "newb"))
		admin.submit(`form.member-search button`)
		admin.waitText("main", "newbie@example.com")
		admin.shot(shots, "05-member-search")
		admin.submit(`.member-row a.name`)
		admin.waitText("#balances", "$0.00")
		admin.shot(shots, "06-member-page")

		mod := b.phoneTab(t)
		mod.login(base, "newbie")
		mod.navigate(base + "/staff")
		mod.waitText("#my-role", "MODERATOR")
		mod.waitText("main", "Check reviews")
		mod.shot(shots, "07-moderator-console")
		mod.navigate(base + "/staff/roles")
		mod.waitText("main", "this is for staff (admin)")
		mod.shot(shots, "08-moderator-refused-roles")
		b.checkErrors(t)
	})
}
