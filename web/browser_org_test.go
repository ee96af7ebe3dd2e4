package web_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/nestegg/nestegg/compliance"
	"github.com/nestegg/nestegg/social"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// TestBrowserOrganization drives Chromium on a phone screen (390×844): a
// verified business takes the organization tier from its review page,
// buys two seats (the review says the prorated charge), invites ann; ann
// accepts on her Organization page and her profile shows the business's
// mark beside the gold badge's owner. Screenshots at phone and desktop
// widths go to browser-org-<db>/.
func TestBrowserOrganization(t *testing.T) {
	chromium := needChromium(t)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		site := newPayPageSite(t, db)
		ctx := context.Background()
		shots := artifactsDir(t, "browser-org-"+filepath.Base(t.Name()))
		b := newBrowser(t, chromium)
		acme := b.tab(t)
		acme.do("phone screen", chromedp.EmulateViewport(390, 844))
		acme.signup(site.url, "acme", "Acme Bakery")
		u, err := site.social.UserByHandle(ctx, "acme")
		if err != nil {
			t.Fatal(err)
		}
		if err := site.social.SetKind(ctx, u.ID, social.Business); err != nil {
			t.Fatal(err)
		}
		if err := site.comp.SetTier(ctx, "usr_staff", u.ID, compliance.Verified, "documents checked"); err != nil {
			t.Fatal(err)
		}
		site.fund("acme", "$1200")

		acme.navigate(site.url + "/organization")
		acme.waitText("main", "Verified Organizations")
		acme.shot(shots, "01-tier-plans-phone")
		acme.submitLink(`a[href*="pln_organization_1_month"]`)
		acme.waitText("#due", "$1,000.00")
		acme.shot(shots, "02-review-phone")
		acme.submit("#confirm")
		acme.waitText(".flash", "You subscribed to Verified Organizations")
		acme.navigate(site.url + "/organization")
		acme.waitText("#seats", "0 of 0 taken")
		acme.do("two seats", chromedp.SetValue(chromedp.CSS("#seats-n"), "2"))
		acme.submit(`form[action="/organization/seats/review"] button`)
		acme.waitText(".review", "Charged now")
		acme.shot(shots, "03-seats-review-phone")
		acme.submit("#confirm")
		acme.waitText(".flash", "You have 2 seats")
		ann := b.tab(t)
		ann.do("phone screen", chromedp.EmulateViewport(390, 844))
		ann.signup(site.url, "ann", "Ann Archer")
		acme.navigate(site.url + "/organization")
		acme.do("invite ann", chromedp.SendKeys(chromedp.CSS("#aff-handle"), "ann"))
		acme.submit(`form[action="/organization/affiliates"] button`)
		acme.waitText(".flash", "@ann is invited")
		acme.waitText("#affiliates", "INVITED")
		acme.shot(shots, "04-affiliates-phone")

		ann.navigate(site.url + "/organization")
		ann.waitText("#affiliation", "invites you to show its mark")
		ann.shot(shots, "05-invitation-phone")
		ann.submit(`form[action="/organization/invitations/acme/accept"] button`)
		ann.waitText(".flash", "You are an affiliate of @acme")
		ann.navigate(site.url + "/u/ann")
		ann.waitText("main", "@acme")
		ann.shot(shots, "06-profile-mark-phone")
		acme.navigate(site.url + "/u/acme")
		acme.waitText("main", "Acme Bakery")
		acme.do("desktop screen", chromedp.EmulateViewport(1200, 900))
		acme.navigate(site.url + "/organization")
		acme.waitText("#affiliates", "AFFILIATE")
		acme.shot(shots, "07-organization-desktop")
	})
}
