package web_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// TestBrowserRedPacket drives two phones (390×844): ada sends a red
// packet for bo and cy from its form, after the review; bo finds it in his
// notifications and opens it; cy opens hers too; ada's packet page shows
// who opened what. Screenshots go to browser-redpacket-<db>/.
func TestBrowserRedPacket(t *testing.T) {
	chromium := needChromium(t)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		site := newShopPageSite(t, db)
		ctx := context.Background()
		shots := artifactsDir(t, "browser-redpacket-"+filepath.Base(t.Name()))
		b := newBrowser(t, chromium)
		ada, bo := b.tab(t), b.tab(t)
		ada.do("phone screen", chromedp.EmulateViewport(390, 844))
		bo.do("phone screen", chromedp.EmulateViewport(390, 844))
		ada.signup(site.url, "ada", "Ada Lovelace")
		bo.signup(site.url, "bo", "Bo Peep")
		site.signup("cy")
		site.fund("ada", "$30")

		ada.navigate(site.url + "/redpackets")
		ada.waitText("main h1", "Red packets")
		ada.do("fill the packet",
			chromedp.SendKeys(chromedp.CSS(`input[name="amount"]`), "$8.88"),
			chromedp.SetValue(chromedp.CSS(`input[name="shares"]`), "2"),
			chromedp.SendKeys(chromedp.CSS(`input[name="to"]`), "@bo @cy"),
			chromedp.SendKeys(chromedp.CSS(`input[name="message"]`), "Happy new year!"))
		ada.shot(shots, "01-ada-fills-packet")
		ada.submit(`form[action="/redpackets"] button`)
		ada.waitText("main", "Send $8.88 red packet")
		ada.shot(shots, "02-ada-reviews")
		ada.submit("#confirm")
		ada.waitText("#packet-status", "0 of 2 shares taken")
		ada.shot(shots, "03-ada-sent")
		site.wantBalance("ada", "$21.12")

		bo.navigate(site.url + "/notifications")
		bo.waitText("main", "sent you a red packet")
		bo.shot(shots, "04-bo-notified")
		bo.submit("a.paylink")
		bo.waitText("main h1", "Red packet from @ada")
		bo.shot(shots, "05-bo-sees-packet")
		bo.submit("#open")
		bo.waitText("#my-share", "You got")
		bo.shot(shots, "06-bo-opened")

		cy, err := site.social.UserByHandle(ctx, "cy")
		if err != nil {
			t.Fatal(err)
		}
		sent, err := site.pay.RedPacketsSent(ctx, mustUserID(t, site, "ada"))
		if err != nil || len(sent) != 1 {
			t.Fatalf("ada's packets = %+v, %v", sent, err)
		}
		cys, err := site.pay.OpenRedPacket(ctx, cy.ID, sent[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		ada.navigate(site.url + "/redpackets/" + sent[0].ID)
		ada.waitText("#packet-status", "Every share was opened")
		ada.waitText("main", "@bo")
		ada.waitText("main", "@cy")
		ada.waitText("main", cys.Mine.Amount.String())
		ada.shot(shots, "07-ada-sees-who-opened-what")
		b.checkErrors(t)
	})
}

// TestBrowserGroupGift drives two phones (390×844): ada starts a group
// gift for cy and its page shows the rule before anyone pledges; bo finds
// it from its post, reads the rule, pledges after the review (reserved in
// his wallet); a second pledge reaches the target; at the deadline the
// job takes every pledge and pays cy, and the gift's page says so.
// Screenshots go to browser-groupgift-<db>/.
func TestBrowserGroupGift(t *testing.T) {
	chromium := needChromium(t)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		site := newShopPageSite(t, db)
		ctx := context.Background()
		shots := artifactsDir(t, "browser-groupgift-"+filepath.Base(t.Name()))
		b := newBrowser(t, chromium)
		ada, bo := b.tab(t), b.tab(t)
		ada.do("phone screen", chromedp.EmulateViewport(390, 844))
		bo.do("phone screen", chromedp.EmulateViewport(390, 844))
		ada.signup(site.url, "ada", "Ada Lovelace")
		bo.signup(site.url, "bo", "Bo Peep")
		site.signup("cy")
		site.signup("di")
		site.fund("bo", "$50")
		site.fund("di", "$50")
		if err := site.social.Follow(ctx, mustUserID(t, site, "bo"), mustUserID(t, site, "ada")); err != nil {
			t.Fatal(err)
		}

		ada.navigate(site.url + "/gifts")
		ada.waitText("main h1", "Start a group gift")
		ada.do("fill the gift",
			chromedp.SendKeys(chromedp.CSS(`input[name="title"]`), "Cy's new bike"),
			chromedp.SendKeys(chromedp.CSS(`input[name="to"]`), "@cy"),
			chromedp.SendKeys(chromedp.CSS(`input[name="target"]`), "$60"),
			chromedp.SetValue(chromedp.CSS(`input[name="days"]`), "3"))
		ada.shot(shots, "01-ada-starts-gift")
		ada.submit(`form[action="/gifts"] button`)
		ada.waitText("#rule", "All or nothing")
		ada.shot(shots, "02-ada-gift-posted")

		// Bo sees the post on his timeline, with the rule, and follows its
		// link to the gift.
		bo.navigate(site.url + "/")
		bo.waitText("#timeline", "All or nothing")
		bo.shot(shots, "03-bo-sees-post")
		bo.submit(`#timeline a[href^="/gifts/gft_"]`)
		bo.waitText("#rule", "All or nothing")
		bo.do("pledge", chromedp.SendKeys(chromedp.CSS(`input[name="amount"]`), "$35"))
		bo.shot(shots, "04-bo-reads-rule")
		bo.submit(`form[action$="/pledge"] button`)
		bo.waitText("main", "Pledge $35.00")
		bo.shot(shots, "05-bo-reviews-pledge")
		bo.submit("#confirm")
		bo.waitText(".flash", "You pledged $35.00")
		bo.waitText("main", "$35.00 of $60.00")
		bo.shot(shots, "06-bo-pledged")
		site.wantBalance("bo", "$15.00")

		loc, err := chromedp.Run(bo.ctx, chromedp.Location())
		if err != nil {
			t.Fatal(err)
		}
		g, err := site.pay.GroupGift(ctx, mustUserID(t, site, "bo"), loc[strings.LastIndex(loc, "/")+1:])
		if err != nil {
			t.Fatalf("the gift at %s: %v", loc, err)
		}
		if _, err := site.pay.Pledge(ctx, mustUserID(t, site, "di"), g.ID, usd(25_00), "di-pledge"); err != nil {
			t.Fatal(err)
		}
		bo.navigate(site.url + "/gifts/" + g.ID)
		bo.waitText("main", "$60.00 of $60.00")
		bo.shot(shots, "07-target-reached")

		site.clock.Advance(4 * 24 * time.Hour)
		if n, err := site.pay.SettleGroupGifts(ctx); err != nil || n != 1 {
			t.Fatalf("SettleGroupGifts = %d, %v", n, err)
		}
		bo.navigate(site.url + "/gifts/" + g.ID)
		bo.waitText("#gift-status", "Target reached: @cy got $60.00")
		bo.waitText("main", "paid to @cy")
		bo.shot(shots, "08-bo-sees-paid")
		site.wantBalance("cy", "$60.00")
		site.wantBalance("bo", "$15.00")
		b.checkErrors(t)
	})
}

func mustUserID(t *testing.T, site *payPageSite, handle string) string {
	t.Helper()
	u, err := site.social.UserByHandle(context.Background(), handle)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}
