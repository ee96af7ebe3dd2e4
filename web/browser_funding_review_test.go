package web_test

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// TestBrowserWithdrawReviewChecks: on a phone, withdrawing $400 from a
// $50 wallet shows what is wrong and how to fix it on the review page,
// with no button to confirm; $20 is offered.
func TestBrowserWithdrawReviewChecks(t *testing.T) {
	chromium := needChromium(t)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e, site := newFundingEnv(t, db, nil)
		shots := artifactsDir(t, "browser-withdraw-review-"+db.Dialect.String())
		b := newBrowser(t, chromium)
		wren := b.phoneTab(t)
		h := newHandle("wren")
		wren.signup(site.url, h, "Wren Example")
		u, err := e.social.UserByHandle(context.Background(), h)
		if err != nil {
			t.Fatal(err)
		}
		e.verifiedBank(t, u.ID)
		e.fundWallet(t, u.ID, 50_00)

		wren.navigate(site.url + "/money")
		wren.do("withdraw $400", chromedp.SendKeys(chromedp.CSS("#w-amount"), "400"))
		wren.submit(`form[action="/money/withdraw"] button`)
		wren.waitText("#problem", "Not enough money: you have $50.00; this needs $400.00.")
		if n, err := chromedp.Run(wren.ctx, chromedp.Evaluate[int](`document.querySelectorAll("#confirm").length`)); err != nil || n != 0 {
			t.Fatalf("the review page offers to withdraw $400 from $50: %d buttons, %v", n, err)
		}
		wren.shot(shots, "01-too-little")

		wren.navigate(site.url + "/money")
		wren.do("withdraw $20", chromedp.SendKeys(chromedp.CSS("#w-amount"), "20"))
		wren.submit(`form[action="/money/withdraw"] button`)
		wren.waitText("main", "Arrives in 1 to 3 business days.")
		wren.shot(shots, "02-review-ok")
		wren.submit("#confirm")
		wren.waitText(".flash", "Withdrawal of $20.00 started")
		b.checkErrors(t)
	})
}
