package web_test

import (
	"net/http"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// TestBrowserSettingsAndRevenue: on a phone, an admin changes the tip fee
// in Console → Settings with a reason (a value out of range first, which
// is refused at the setting); a member's next tip pays it; the admin reads
// it on Console → Revenue, drawn as SVG; the same pages on a desktop
// screen. Screenshots go to browser-settings-<db>/.
func TestBrowserSettingsAndRevenue(t *testing.T) {
	chromium := needChromium(t)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaffSite(t, db)
		shots := artifactsDir(t, "browser-settings-"+filepath.Base(t.Name()))
		b := newBrowser(t, chromium)
		admin := b.phoneTab(t)
		base := s.site.url

		admin.login(base, "staffadmin")
		admin.navigate(base + "/staff")
		admin.submit(`a[href="/staff/settings"]`)
		admin.waitText("main", "Tip fee")
		const form = `#set-fees-tip_bps form`
		admin.do("type a fee out of range", chromedp.SetValue(chromedp.CSS(form+` input[name="value"]`), "20000"),
			chromedp.SendKeys(chromedp.CSS(form+` input[name="reason"]`), "typo"))
		admin.submit(form + ` button`)
		admin.waitText("#e-set-fees-tip_bps", "Tip fee must be from 0 bps")
		admin.shot(shots, "01-phone-fee-refused")
		admin.do("type the fee", chromedp.SetValue(chromedp.CSS(form+` input[name="value"]`), "250"),
			chromedp.SetValue(chromedp.CSS(form+` input[name="reason"]`), "creators' fee from December"))
		admin.submit(form + ` button`)
		admin.waitText(".flash", "Tip fee is now 250 bps (2.5%).")
		admin.waitText("#set-fees-tip_bps", "creators' fee from December")
		admin.shot(shots, "02-phone-fee-changed")

		p := &payEnv{apiEnv: s.e, t: t}
		alice, bob := p.signupMember(t, "alice"), p.signupMember(t, "bob")
		p.credit(alice, "$100")
		p.call(alice, http.StatusCreated, nil, "POST", "/api/v1/users/"+bob.handle+"/tips", `{"amount":"$40"}`)

		admin.navigate(base + "/staff")
		admin.submit(`a[href="/staff/revenue"]`)
		admin.waitText("#rev-total", "$1.00")
		admin.shot(shots, "03-phone-revenue")

		desk := b.tab(t)
		desk.do("desktop screen", chromedp.EmulateViewport(1280, 900))
		desk.login(base, "stafffinance")
		desk.navigate(base + "/staff/revenue?unit=week")
		desk.waitText("#rev-total", "$1.00")
		desk.shot(shots, "04-desktop-revenue")
		desk.navigate(base + "/staff/settings")
		desk.waitText("main", "creators' fee from December")
		desk.shot(shots, "05-desktop-settings")
		b.checkErrors(t)
	})
}
