package web_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/chromedp"

	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// fakeStripeJS stands in for https://js.stripe.com/v3, which this machine
// cannot reach: the browser loads it from that address (so the page's
// Content-Security-Policy must allow it, and would block it otherwise),
// and it does what the card page uses of Stripe.js — mount a card field,
// and make a PaymentMethod of it — answering a new PaymentMethod id,
// which the server then retrieves from stripe-mock and links. It records
// what the page asked of it.
const fakeStripeJS = `window.Stripe = function (key) {
  window.__stripe = {key: key, created: 0};
  return {
    elements: function () { return { create: function (type) { return { mount: function (sel) {
      var f = document.createElement("input"); f.id = "fake-stripe-field"; f.setAttribute("aria-label", "Card (Stripe)");
      document.querySelector(sel).appendChild(f); window.__stripe.mounted = type; } }; } }; },
    createPaymentMethod: function (req) { window.__stripe.created++; return Promise.resolve({paymentMethod: {id: "pm_fake_" + Math.random().toString(36).slice(2), type: req.type}}); }
  };
};`

// TestBrowserStripeCard adds a card in Stripe mode in Chromium, at phone
// width then at desktop width: the card page loads Stripe.js from
// js.stripe.com under the page's own policy (a fake of it, above), the
// script mounts the card field, the form posts only the PaymentMethod id
// Stripe.js made, and the card is linked at stripe-mock. The sandbox's
// card number field is not on the page. Screenshots in
// browser-stripe-<db>/.
func TestBrowserStripeCard(t *testing.T) {
	chromium := needChromium(t)
	base := stripeThreeDS(t, stripeMockURL(t))
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ss := newStripeSite(t, db, base)
		shots := artifactsDir(t, "browser-stripe-"+filepath.Base(t.Name()))
		b := newBrowser(t, chromium)
		for i, w := range []struct {
			name          string
			width, height int64
		}{{"phone", 390, 844}, {"desktop", 1280, 900}} {
			tb := b.tab(t)
			tb.do("screen", chromedp.EmulateViewport(w.width, w.height))
			served := make(chan string, 4)
			tb.do("serve js.stripe.com", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
				events := cdp.Events(ctx, tg, fetch.RequestPaused)
				go func() {
					for ev, err := range events {
						if err != nil {
							return
						}
						served <- ev.Request.URL
						cdp.Call(ctx, tg, fetch.FulfillRequest, fetch.FulfillRequestParams{RequestID: ev.RequestID, ResponseCode: 200,
							ResponseHeaders: []*fetch.HeaderEntry{{Name: "Content-Type", Value: "text/javascript"}}, Body: []byte(fakeStripeJS)})
					}
				}()
				_, err := cdp.Call(ctx, tg, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: "https://js.stripe.com/*"}}})
				return err
			}))
			handle := []string{"stripephone", "stripedesk"}[i]
			tb.signup(ss.site.url, handle, "Stripe "+w.name)
			tb.navigate(ss.site.url + "/money")
			tb.do("open the card form", chromedp.Click(chromedp.CSS(`#cards summary`), chromedp.NodeVisible))
			tb.waitVisible("#fake-stripe-field")
			if u := <-served; u != "https://js.stripe.com/v3" {
				t.Errorf("the page loaded %q from Stripe, want https://js.stripe.com/v3", u)
			}
			if n, _ := chromedp.Run(tb.ctx, chromedp.Evaluate[int](`document.querySelectorAll('input[name="number"], input[name="cvc"]').length`)); n != 0 {
				t.Errorf("Stripe mode's card page has %d card number or CVC fields of its own", n)
			}
			if k, _ := chromedp.Run(tb.ctx, chromedp.Evaluate[string](`window.__stripe.key + "/" + window.__stripe.mounted`)); k != ss.pk+"/card" {
				t.Errorf("Stripe.js was started as %q, want %q", k, ss.pk+"/card")
			}
			tb.shot(shots, w.name+"-01-card-form")
			tb.submit(`#stripe-card-form button`)
			tb.waitText(".flash", "Added your")
			tb.waitText("#cards", "exp ")
			tb.shot(shots, w.name+"-02-card-added")
			u, err := ss.soc.UserByHandle(t.Context(), handle)
			if err != nil {
				t.Fatal(err)
			}
			cards, err := ss.fund.Cards(t.Context(), u.ID)
			if err != nil || len(cards) != 1 || !strings.Contains(cards[0].Masked, cards[0].Last4) {
				t.Fatalf("%s's cards = %+v, %v; want the one Stripe.js made", handle, cards, err)
			}
		}
		b.checkErrors(t)
	})
}

// waitVisible waits for the element to be visible.
func (tb *tab) waitVisible(sel string) {
	tb.t.Helper()
	tb.do("wait for "+sel, chromedp.WaitVisible(chromedp.CSS(sel)))
}
