package web_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// The browser tests of issue 11 items 18–20, on a phone-sized screen
// (390×844), on both databases: a person finishes each flow in Chromium.
// Screenshots go to browser-variant-<db>/, browser-command-<db>/ and
// browser-review-<db>/.

// phoneTab is a tab in its own browser context with a phone's screen.
func (b *browser) phoneTab(t *testing.T) *tab {
	tb := b.tab(t)
	tb.do("phone screen", chromedp.EmulateViewport(390, 844))
	return tb
}

// TestBrowserHashtagVariant (item 18): bea buys a mug that comes in Cream
// and Charcoal by posting its hashtag, picks Charcoal on the Orders
// page's Confirm form, and has her Charcoal mug; a second post that names
// the variant ("#BuyNestMug cream") comes with it already chosen.
func TestBrowserHashtagVariant(t *testing.T) {
	chromium := needChromium(t)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		site := newChecksSite(t, db)
		shots := artifactsDir(t, "browser-variant-"+filepath.Base(t.Name()))
		b := newBrowser(t, chromium)
		bea := b.phoneTab(t)

		site.signup("mugshop")
		site.variantOffer("mugshop")
		bea.signup(site.url, "bea", "Bea Buyer")
		site.fund("bea", "$50")

		bea.navigate(site.url + "/")
		bea.compose("I want one! #BuyNestMug")
		bea.waitText("#timeline", "I want one!")
		bea.navigate(site.url + "/notifications")
		bea.waitText("main", "choose Cream or Charcoal in your orders")
		bea.shot(shots, "01-bea-told-to-choose")

		bea.navigate(site.url + "/orders")
		bea.waitText("#pending", "Nest mug for $12.00")
		bea.shot(shots, "02-bea-orders-choose")
		bea.do("choose Charcoal", chromedp.SetValue(chromedp.CSS(`#pending select[name="variant"]`), "Charcoal"))
		bea.shot(shots, "03-bea-chose-charcoal")
		bea.submit(`#pending form.confirm-purchase button`)
		bea.waitText(".flash", "Bought Nest mug (Charcoal) for $12.00.")
		bea.waitText("#orders", "Nest mug (Charcoal)")
		bea.shot(shots, "04-bea-bought-charcoal")
		site.wantBalance("bea", "$38.00")

		bea.navigate(site.url + "/")
		bea.compose("another, in cream please #BuyNestMug")
		bea.waitText("#timeline", "another, in cream")
		bea.navigate(site.url + "/orders")
		bea.waitText("#pending", "Nest mug for $12.00")
		if v, err := chromedp.Run(bea.ctx, chromedp.Value(chromedp.CSS(`#pending select[name="variant"]`))); err != nil || v != "Cream" {
			t.Fatalf("the variant named in the post is not chosen: %q, %v", v, err)
		}
		bea.shot(shots, "05-bea-cream-preselected")
		bea.submit(`#pending form.confirm-purchase button`)
		bea.waitText(".flash", "Bought Nest mug (Cream) for $12.00.")
		bea.shot(shots, "06-bea-bought-cream")
		site.wantBalance("bea", "$26.00")
		b.checkErrors(t)
	})
}

// TestBrowserPostCommand (item 19): alice posts "@pay @bob $5 lunch"; bob
// is told nothing and reads the post without its amount; alice confirms
// with the one button on her post; bob is told of the payment; a post
// that cannot be read says why on the post.
func TestBrowserPostCommand(t *testing.T) {
	chromium := needChromium(t)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		site := newChecksSite(t, db)
		shots := artifactsDir(t, "browser-command-"+filepath.Base(t.Name()))
		b := newBrowser(t, chromium)
		alice, bob := b.phoneTab(t), b.phoneTab(t)

		alice.signup(site.url, "alice", "Alice Liddell")
		bob.signup(site.url, "bob", "Bob Builder")
		site.fund("alice", "$20")

		alice.navigate(site.url + "/")
		alice.compose("@pay @bob $5 lunch")
		alice.waitText("#timeline article .paybadge", "Payment pending confirmation · $5.00 to @bob")
		alice.waitText("#timeline article .intent-actions", "Send $5.00 to @bob")
		alice.shot(shots, "01-alice-command-pending")

		bob.navigate(site.url + "/notifications")
		bob.waitText("main", "Notifications")
		if txt, _ := chromedp.Run(bob.ctx, chromedp.Text(chromedp.CSS("main"))); containsAny(txt, "$5", "mentioned you") {
			t.Fatalf("bob was told of the unconfirmed command:\n%s", txt)
		}
		bob.shot(shots, "02-bob-told-nothing")
		bob.navigate(site.url + "/u/alice")
		bob.waitText("#timeline", "••• lunch")
		if txt, _ := chromedp.Run(bob.ctx, chromedp.Text(chromedp.CSS("#timeline"))); containsAny(txt, "$5") {
			t.Fatalf("bob sees the amount on alice's post:\n%s", txt)
		}
		bob.shot(shots, "03-bob-sees-no-amount")

		alice.submit(`#timeline article .intent-actions form[action$="/confirm"] button`)
		alice.waitText(".flash", "Done: your post's payment is completed.")
		alice.waitText("#timeline article .paybadge", "Payment completed")
		alice.shot(shots, "04-alice-confirmed-once")
		site.wantBalance("alice", "$15.00")

		bob.navigate(site.url + "/notifications")
		bob.waitText("main", "sent you $5.00: lunch")
		bob.shot(shots, "05-bob-paid")

		alice.navigate(site.url + "/")
		alice.compose("@pay @bob lunch")
		alice.waitText("#timeline article .paybadge", "No payment: this post could not be read as one")
		alice.waitText("#timeline article .payreason", "is not a valid amount")
		alice.shot(shots, "06-alice-told-why")
		b.checkErrors(t)
	})
}

// TestBrowserReviewChecks (item 20): alice, with $50, asks to send
// $5,000; the review page says she has too little and offers no button;
// she changes the amount and sends $5. Frozen, she is told so on the
// review page, before confirming.
func TestBrowserReviewChecks(t *testing.T) {
	chromium := needChromium(t)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		site := newChecksSite(t, db)
		shots := artifactsDir(t, "browser-review-"+filepath.Base(t.Name()))
		b := newBrowser(t, chromium)
		alice := b.phoneTab(t)

		alice.signup(site.url, "alice", "Alice Liddell")
		site.signup("bob")
		site.fund("alice", "$50")

		alice.navigate(site.url + "/pay?mode=send&to=bob")
		alice.do("fill", chromedp.SendKeys(chromedp.CSS("#f-amount"), "5000"), chromedp.SendKeys(chromedp.CSS("#f-note"), "rent"))
		alice.submit(`form[action="/pay"] button.wide`)
		alice.waitText("#problem", "Not enough money: you have $50.00; this needs $5,000.00.")
		if n, err := chromedp.Run(alice.ctx, chromedp.Evaluate[int](`document.querySelectorAll("#confirm").length`)); err != nil || n != 0 {
			t.Fatalf("the review page offers to send $5,000 from $50: %d buttons, %v", n, err)
		}
		alice.shot(shots, "01-alice-too-little")

		alice.submit(`.review a[href^="/pay?"]`)
		alice.waitText("main h1", "Send money")
		alice.do("change the amount", chromedp.SetValue(chromedp.CSS("#f-amount"), "5"))
		alice.submit(`form[action="/pay"] button.wide`)
		alice.waitText(".review", "Leaves your wallet")
		alice.shot(shots, "02-alice-review-ok")
		alice.submit("#confirm")
		alice.waitText(".flash", "You sent $5.00 to @bob")
		alice.shot(shots, "03-alice-sent")
		site.wantBalance("alice", "$45.00")

		if err := site.comp.Freeze(context.Background(), "usr_staff", site.userID("alice"), "checking a report"); err != nil {
			t.Fatal(err)
		}
		alice.navigate(site.url + "/pay?mode=send&to=bob&amount=3")
		alice.submit(`form[action="/pay"] button.wide`)
		alice.waitText("#problem", "your account is frozen; contact support")
		alice.shot(shots, "04-alice-frozen")
		site.wantBalance("alice", "$45.00")
		b.checkErrors(t)
	})
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
