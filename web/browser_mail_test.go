package web_test

import (
	"context"
	"encoding/base64"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/nestegg/nestegg/social"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// TestBrowserMail drives Chromium through email, reading each message
// from the development sink's folder as a mail client would: alice signs
// up on a phone-sized screen and sees "verify your email" until she opens
// the link from her verification mail; bob does the same; alice pays bob
// and both get a receipt (bob's is opened in the browser to look at);
// alice forgets her password, asks for a link, and sets a new one: her
// session in another browser is logged out, the link does not work twice,
// and a link left for more than an hour is refused. Screenshots at 390 px
// go to browser-mail-<db>/.
func TestBrowserMail(t *testing.T) {
	chromium := needChromium(t)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		site := newMailSite(t, db)
		shots := artifactsDir(t, "browser-mail-"+filepath.Base(t.Name()))
		b := newBrowser(t, chromium)
		alice, bob, laptop := b.tab(t), b.tab(t), b.tab(t)
		alice.do("phone viewport", chromedp.EmulateViewport(390, 844))

		// Address verification.
		alice.signup(site.url, "alice", "Alice Liddell")
		alice.waitText(".verify-banner", "Verify your email")
		alice.shot(shots, "01-signed-up-verify-banner")
		site.flush()
		verify := site.lastMail("alice@example.com", "Confirm your email address")
		alice.navigate(verify.link(t, "/verify-email"))
		alice.waitText("main h1", "Confirm your email address")
		alice.shot(shots, "02-verify-link")
		alice.submit(`form[action="/verify-email"] button`)
		alice.waitText(".flash", "your email address is confirmed")
		alice.waitText("main", "VERIFIED") // the pill, upper-cased by the style
		if n := countNodes(alice, ".verify-banner"); n != 0 {
			t.Errorf("the verify banner is still shown after verifying")
		}
		alice.shot(shots, "03-verified")
		// The weekly summary can be turned off.
		alice.click("#f-weekly_summary")
		alice.submit(`form[action="/settings/email"] button`)
		alice.waitText(".flash", "no weekly summary")
		if a, err := site.social.UserByHandle(context.Background(), "alice"); err != nil {
			t.Fatal(err)
		} else if acct, _ := site.social.Account(context.Background(), a.ID); acct.WeeklySummary {
			t.Error("the weekly summary is still on after unticking it")
		}
		alice.shot(shots, "03b-weekly-off")
		// The link is single-use.
		alice.navigate(verify.link(t, "/verify-email"))
		alice.submit(`form[action="/verify-email"] button`)
		alice.waitText("main", "expired, was already used")

		bob.signup(site.url, "bob", "Bob Builder")
		site.flush()
		bob.navigate(site.lastMail("bob@example.com", "Confirm your email").link(t, "/verify-email"))
		bob.submit(`form[action="/verify-email"] button`)
		bob.waitText(".flash", "confirmed")

		// A receipt after a payment, for each side.
		site.fund("alice", "$20")
		alice.navigate(site.url + "/")
		alice.compose("@pay @bob $5 lunch")
		alice.waitText("#timeline article .intent-actions", "Send $5.00 to @bob")
		alice.submit(`#timeline article form[action$="/confirm"] button`)
		alice.waitText(".flash", "completed")
		site.flush()
		paid := site.lastMail("alice@example.com", "Receipt: You paid $5.00 to @bob")
		got := site.lastMail("bob@example.com", "Receipt: You received $5.00 from @alice")
		for _, m := range []sentMail{paid, got} {
			if !strings.Contains(m.text, "lunch") || !strings.Contains(m.text, "Reference:") || m.html == "" {
				t.Errorf("receipt %q:\n%s", m.subject, m.text)
			}
		}
		alice.navigate("data:text/html;base64," + base64.StdEncoding.EncodeToString([]byte(got.html)))
		alice.waitText("body", "You received $5.00 from @alice")
		alice.shot(shots, "04-receipt-email")

		// Password reset: alice is also logged in on her laptop.
		laptop.navigate(site.url + "/login")
		laptop.do("log in", chromedp.SendKeys(chromedp.CSS("#f-handle"), "alice"), chromedp.SendKeys(chromedp.CSS("#f-password"), pagePassword))
		laptop.submit(`form[action="/login"] button`)
		laptop.waitText("nav", "Log out")

		alice.navigate(site.url + "/")
		alice.submit(`form[action="/logout"] button`)
		alice.navigate(site.url + "/login")
		alice.shot(shots, "05-login-forgot-link")
		alice.submit(`a[href="/password/forgot"]`)
		alice.do("email", chromedp.SendKeys(chromedp.CSS("#f-email"), "alice@example.com"))
		alice.shot(shots, "06-forgot-form")
		alice.submit(`form[action="/password/forgot"] button`)
		alice.waitText("main", "If an account has the address alice@example.com")
		alice.shot(shots, "07-forgot-sent")
		// An unknown address gets the same page, and no mail.
		before := len(site.mails("", ""))
		alice.navigate(site.url + "/password/forgot")
		alice.do("email", chromedp.SendKeys(chromedp.CSS("#f-email"), "nobody@example.com"))
		alice.submit(`form[action="/password/forgot"] button`)
		alice.waitText("main", "If an account has the address nobody@example.com")
		site.flush()
		reset := site.lastMail("alice@example.com", "Reset your Nestegg password")
		if after := len(site.mails("", "")); after != before+1 {
			t.Errorf("%d new messages after asking for alice and for nobody, want 1", after-before)
		}
		link := reset.link(t, "/password/reset")
		alice.navigate(link)
		alice.waitText("main", "For @alice")
		alice.do("new password", chromedp.SendKeys(chromedp.CSS("#f-new_password"), "a fresh new password"),
			chromedp.SendKeys(chromedp.CSS("#f-new_password2"), "a fresh new password"))
		alice.shot(shots, "08-reset-form")
		alice.submit(`form[action="/password/reset"] button`)
		alice.waitText(".flash", "Your password is changed")
		alice.shot(shots, "09-reset-done")
		alice.do("log in", chromedp.SendKeys(chromedp.CSS("#f-handle"), "alice"), chromedp.SendKeys(chromedp.CSS("#f-password"), "a fresh new password"))
		alice.submit(`form[action="/login"] button`)
		alice.waitText("nav", "Log out")

		// The laptop's session ended with the reset.
		laptop.navigate(site.url + "/settings")
		laptop.waitText("main h1", "Log in")

		// The link works once.
		alice.navigate(link)
		alice.waitText("main", "This link has expired or was already used")
		alice.shot(shots, "10-reset-link-used")

		// A link older than an hour is refused.
		l, ok, err := site.social.RequestPasswordReset(context.Background(), "alice@example.com")
		if !ok || err != nil {
			t.Fatal(ok, err)
		}
		if err := site.out.SendReset(context.Background(), l); err != nil {
			t.Fatal(err)
		}
		site.flush()
		old := site.lastMail("alice@example.com", "Reset your Nestegg password").link(t, "/password/reset")
		if old == link {
			t.Fatal("the same link twice")
		}
		site.clock.Advance(social.ResetLinkTTL + 1)
		alice.navigate(old)
		alice.waitText("main", "This link has expired or was already used")

		b.checkErrors(t)
	})
}

func countNodes(tb *tab, sel string) int {
	tb.t.Helper()
	n, err := chromedp.Run(tb.ctx, chromedp.Evaluate[int]("document.querySelectorAll("+jsString(sel)+").length"))
	if err != nil {
		tb.t.Fatal(err)
	}
	return n
}

func jsString(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}
