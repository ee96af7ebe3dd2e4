package web_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/nestegg/nestegg/billing"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/social"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// TestBrowserCreatorSubscription drives Chromium on a phone screen
// (390×844): ann, funded, finds a creator's subscribers-only post locked,
// follows "Subscribe to read it" to the creator's tiers, reviews what
// leaves her wallet and subscribes, reads the post, upgrades to the dearer
// tier (the review says the prorated charge), and cancels, keeping the
// tier until the period's end. Then Premium: she takes it and her profile
// shows the verified check. Screenshots at phone and desktop widths go to
// browser-creator-<db>/.
func TestBrowserCreatorSubscription(t *testing.T) {
	chromium := needChromium(t)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		site := newPayPageSite(t, db)
		ctx := context.Background()
		cat, err := site.social.Signup(ctx, social.SignupInput{Handle: "cat", DisplayName: "Cat Creator", Email: "cat@example.com", Password: pagePassword, Kind: social.Creator})
		if err != nil {
			t.Fatal(err)
		}
		usd, _ := money.Lookup("USD")
		for i, price := range []int64{500, 1200} {
			if _, err := site.bill.CreatePlan(ctx, cat.ID, billing.PlanInput{Product: billing.CreatorProduct(cat.ID), Name: []string{"Fans", "Studio"}[i], Rank: i + 1,
				Period: billing.Monthly, Price: money.Amount{Asset: usd, Minor: price}, Benefits: "Recipes before anyone"}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := site.social.CreatePost(ctx, cat.ID, social.NewPost{Body: "The secret sauce is saffron and patience", SubscribersOnly: true}); err != nil {
			t.Fatal(err)
		}
		shots := artifactsDir(t, "browser-creator-"+filepath.Base(t.Name()))
		b := newBrowser(t, chromium)
		ann := b.tab(t)
		ann.do("phone screen", chromedp.EmulateViewport(390, 844))
		ann.signup(site.url, "ann", "Ann Archer")
		site.fund("ann", "$50")

		ann.navigate(site.url + "/u/cat")
		ann.waitText("#timeline", "This post is for @cat's subscribers")
		ann.shot(shots, "01-locked-post-phone")
		ann.submitLink(`#timeline a[href="/u/cat#tiers"]`)
		ann.waitText("#tiers", "Fans")
		ann.shot(shots, "02-tiers-phone")
		ann.submitLink(`#tiers a.button`)
		ann.waitText(".review", "Charged now")
		ann.waitText("#due", "$5.00")
		ann.shot(shots, "03-review-phone")
		ann.submit("#confirm")
		ann.waitText(".flash", "You subscribed to Fans: $5.00 charged")
		ann.navigate(site.url + "/u/cat")
		ann.waitText("#timeline", "saffron and patience")
		ann.shot(shots, "04-post-unlocked-phone")

		ann.navigate(site.url + "/subscriptions")
		ann.click("details.change summary")
		ann.submitLink(`details.change a[href*="/subscriptions/review"]`)
		ann.waitText(".review", "pay the difference for the rest of this period")
		ann.shot(shots, "05-review-upgrade-phone")
		ann.submit("#confirm")
		ann.waitText(".flash", "You are on Studio now")
		ann.shot(shots, "06-upgraded-phone")
		ann.submit(`form[action$="/cancel"] button`)
		ann.waitText(".flash", "Cancelled. You keep Studio until")
		ann.waitText("main", "Keep my subscription")
		ann.shot(shots, "07-cancelled-phone")
		ann.do("desktop screen", chromedp.EmulateViewport(1200, 900))
		ann.shot(shots, "08-cancelled-desktop")
		ann.do("phone screen", chromedp.EmulateViewport(390, 844))

		// Premium: the check on her profile.
		ann.navigate(site.url + "/subscriptions/review?plan=pln_premium_2_month")
		ann.waitText("#due", "$8.00")
		ann.submit("#confirm")
		ann.waitText(".flash", "You subscribed to Premium")
		ann.navigate(site.url + "/u/ann")
		ann.waitText("main h1", "✓")
		ann.shot(shots, "09-profile-verified-phone")
		b.checkErrors(t)
	})
}
