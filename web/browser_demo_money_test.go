package web_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/nestegg/nestegg/compliance"
	"github.com/nestegg/nestegg/demo"
	"github.com/nestegg/nestegg/funding"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/movement"
	"github.com/nestegg/nestegg/movement/movementtest"
	"github.com/nestegg/nestegg/payments"
	"github.com/nestegg/nestegg/rails"
	"github.com/nestegg/nestegg/social"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
	"github.com/nestegg/nestegg/web"
)

// demoMoneyClock is the sandbox clock of these tests: what serve --demo
// sets (5s), shortened so that a test waits less.
const demoMoneyClock = time.Second

// newDemoMoneySite is the demo as `serve --demo` runs it, on real time:
// the demo community with its opening balances, funding on the sandbox
// rails on a short clock, and serve's funding jobs (the ACH file and the
// sync with the rails) running as often as serve runs them on that
// clock. The books are audited when the test ends.
func newDemoMoneySite(t *testing.T, db *store.DB) string {
	t.Helper()
	ctx := context.Background()
	tiny := social.Argon2{Time: 1, MemoryKiB: 64, Threads: 1}
	if _, err := demo.Seed(ctx, db, demo.Options{Argon2: tiny}); err != nil {
		t.Fatal(err)
	}
	l := ledger.New(db, ledger.Options{ValidAsset: validAsset})
	l.Start()
	t.Cleanup(func() { l.Close() })
	soc := social.New(db, social.Options{PayHandle: "pay", Argon2: tiny})
	comp := compliance.New(db, compliance.DefaultConfig())
	t.Cleanup(func() { movementtest.Audit(t, movement.New(db, l, comp, nil)) })
	pay, err := payments.New(db, l, soc, comp, payments.Config{})
	if err != nil {
		t.Fatal(err)
	}
	soc.SetPostHook(pay.OnPost)
	if _, err := demo.SeedMoney(ctx, soc, pay); err != nil {
		t.Fatal(err)
	}
	bank, err := rails.NewSandboxBank("", nil, rails.SettleAfter(demoMoneyClock))
	if err != nil {
		t.Fatal(err)
	}
	cards, err := rails.NewSandboxCards("", nil, rails.SettleAfter(demoMoneyClock))
	if err != nil {
		t.Fatal(err)
	}
	fund, err := funding.New(db, l, comp, bank, cards, funding.Config{EncryptionKey: bytes.Repeat([]byte{7}, 32), Sandbox: true})
	if err != nil {
		t.Fatal(err)
	}
	srv := web.New(web.Deps{DB: db, Ledger: l, Social: soc, Payments: pay, Compliance: comp, Funding: fund, SandboxCards: cards, Version: "test"})
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		hs.Close()
		srv.Close()
	})
	// serve's jobs on the sandbox clock (cmd/nestegg fundingJobs): the
	// ACH file on every tick, the sync every second; here a little more
	// often, so the test waits less. They stop before the ledger closes.
	jobs, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-jobs.Done():
				return
			case <-tick.C:
			}
			if _, err := fund.ExportACH(jobs); err != nil && jobs.Err() == nil {
				t.Errorf("ExportACH: %v", err)
			}
			if _, err := fund.Sync(jobs); err != nil && jobs.Err() == nil {
				t.Errorf("Sync: %v", err)
			}
		}
	}()
	t.Cleanup(func() {
		stop()
		wg.Wait()
	})
	return hs.URL
}

// TestBrowserDemoMoney is a demo member's money, on a phone-sized screen:
// Maya opens with her balance, links her bank and verifies it with the
// micro-deposits (which go out on the demo's clock), deposits and sees it
// become spendable, and withdraws at both speeds. Before, the ACH file
// went out once a day (so the bank could never be verified in a
// session), deposits never settled, and both withdrawals answered
// "Service Unavailable — Nestegg is busy right now": nothing had put cash
// in the platform's bank account.
func TestBrowserDemoMoney(t *testing.T) {
	chromium := needChromium(t)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		url := newDemoMoneySite(t, db)
		shots := artifactsDir(t, "demo-money-"+db.Dialect.String())
		b := newBrowser(t, chromium)
		maya := b.tab(t)
		maya.do("phone screen", chromedp.EmulateViewport(390, 844))

		maya.navigate(url + "/login")
		maya.do("log in", chromedp.SendKeys(chromedp.CSS("#f-handle"), "maya"), chromedp.SendKeys(chromedp.CSS("#f-password"), demo.Password))
		maya.submit(`form[action="/login"] button`)
		maya.waitText("#timeline", "#sketchbook")
		maya.navigate(url + "/money")
		maya.waitText("main", "You have $120.00 to spend")
		maya.shot(shots, "01-money-opening-balance")

		// Link a bank account.
		maya.click(`#banks details summary`)
		maya.do("bank form",
			chromedp.SendKeys(chromedp.CSS("#f-holder_name"), "Maya Okafor"),
			chromedp.SendKeys(chromedp.CSS("#f-routing_number"), testRouting),
			chromedp.SendKeys(chromedp.CSS("#f-account_number"), "55512345678"))
		maya.shot(shots, "02-link-bank")
		maya.submit(`form[action="/money/banks"] button`)
		maya.waitText(".flash", "Linked the account")
		maya.waitText("#banks", "Sandbox: they are")
		maya.shot(shots, "03-bank-linked")

		// Verify it with the micro-deposits the sandbox shows, once they
		// are in an ACH file (until then the answer says they are not
		// sent yet, costing no guess).
		banks, err := chromedp.Run(maya.ctx, chromedp.Text(chromedp.CSS("#banks"), chromedp.NodeVisible))
		if err != nil {
			t.Fatal(err)
		}
		amts := regexp.MustCompile(`they are (\d+)¢ and (\d+)¢`).FindStringSubmatch(banks)
		if amts == nil {
			t.Fatalf("no micro-deposit amounts on the page:\n%s", banks)
		}
		deadline := time.Now().Add(20 * demoMoneyClock)
		for {
			maya.do("verify form",
				chromedp.SendKeys(chromedp.CSS(`form[action$="/verify"] input[name="amount1"]`), amts[1]),
				chromedp.SendKeys(chromedp.CSS(`form[action$="/verify"] input[name="amount2"]`), amts[2]))
			maya.submit(`form[action$="/verify"] button`)
			txt, _ := chromedp.Run(maya.ctx, chromedp.Text(chromedp.CSS("main"), chromedp.NodeVisible))
			if strings.Contains(txt, "Verified") {
				break
			}
			if time.Now().After(deadline) {
				maya.shot(shots, "xx-verify-failed")
				t.Fatalf("the bank was not verified on the demo's clock; the page says:\n%s", txt)
			}
			time.Sleep(300 * time.Millisecond)
			maya.navigate(url + "/money")
		}
		maya.waitText(".flash", "Verified")
		maya.shot(shots, "04-bank-verified")

		// Deposit, and see it become spendable.
		maya.do("deposit form", chromedp.SendKeys(chromedp.CSS("#d-amount"), "25"))
		maya.submit(`form[action="/money/deposit"] button`)
		maya.waitText("main", "Check your deposit")
		maya.submit(`#confirm`)
		maya.waitText(".flash", "Deposit of $25.00 started")
		maya.shot(shots, "05-deposit-started")
		maya.reloadUntil("#status", "settled", 20*demoMoneyClock)
		maya.shot(shots, "06-deposit-settled")
		maya.navigate(url + "/money")
		maya.waitText("main", "You have $145.00 to spend")
		maya.shot(shots, "07-deposit-spendable")

		// Withdraw, instant then standard.
		maya.do("instant withdrawal form", chromedp.SendKeys(chromedp.CSS("#w-amount"), "10"),
			chromedp.Click(chromedp.CSS(`#withdraw input[name="speed"][value="instant"]`), chromedp.NodeVisible))
		maya.submit(`form[action="/money/withdraw"] button`)
		maya.waitText("main", "Check your withdrawal")
		maya.waitText("main", "$0.25 (instant)")
		maya.shot(shots, "08-instant-review")
		maya.submit(`#confirm`)
		maya.waitText(".flash", "Withdrawal of $10.00 started")
		maya.reloadUntil("#status", "settled", 10*demoMoneyClock)
		maya.shot(shots, "09-instant-settled")

		maya.navigate(url + "/money")
		maya.do("standard withdrawal form", chromedp.SendKeys(chromedp.CSS("#w-amount"), "10"))
		maya.submit(`form[action="/money/withdraw"] button`)
		maya.waitText("main", "None (standard)")
		maya.submit(`#confirm`)
		maya.waitText(".flash", "Withdrawal of $10.00 started")
		maya.reloadUntil("#status", "settled", 20*demoMoneyClock)
		maya.shot(shots, "10-standard-settled")

		maya.navigate(url + "/money")
		maya.waitText("main", "You have $124.75 to spend")
		maya.shot(shots, "11-money-after")
		b.checkErrors(t)
	})
}

// reloadUntil reloads the page until the element's text contains want:
// what the rails answer shows on the next load.
func (tb *tab) reloadUntil(sel, want string, within time.Duration) {
	tb.t.Helper()
	var last string
	for deadline := time.Now().Add(within); time.Now().Before(deadline); time.Sleep(250 * time.Millisecond) {
		if _, err := chromedp.RunResponse(tb.ctx, chromedp.Reload()); err != nil {
			last = err.Error()
			continue
		}
		txt, err := chromedp.Run(tb.ctx, chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible))
		if err != nil {
			last = err.Error()
			continue
		}
		if last = txt; strings.Contains(txt, want) {
			return
		}
	}
	tb.t.Fatalf("%s never showed %q within %v; it shows: %s", sel, want, within, last)
}

// TestPageWithdrawSaysWhy: when the platform's cash at the bank cannot
// pay a withdrawal out (the member's balance came from a card top-up the
// processor has not paid out yet), the Bank & cards page says so beside
// the form — money still on its way in, the balance untouched — with a
// 503, instead of an error page saying "Nestegg is busy right now".
func TestPageWithdrawSaysWhy(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e, site := newFundingEnv(t, db, nil)
		t.Cleanup(func() { movementtest.Audit(t, movement.New(db, e.ledger, e.comp, nil)) })
		h := newHandle("wren")
		u := site.signup(h)
		me, err := e.social.UserByHandle(context.Background(), h)
		if err != nil {
			t.Fatal(err)
		}
		card := e.linkedCard(t, me.ID, cardOK)
		if m, err := e.funds.TopUp(context.Background(), me.ID, funding.TopUpInput{CardID: card.ID, Amount: usd(50_00), IdempotencyKey: "t1"}); err != nil || m.Status != funding.StatusSucceeded {
			t.Fatalf("TopUp = %+v, %v", m, err)
		}
		bank := e.verifiedBank(t, me.ID)
		u.get("/money")
		for _, tc := range []struct{ speed, fee string }{{"standard", "0"}, {"instant", "30"}} {
			r := u.post("/money/withdraw", "bank_account_id", bank.ID, "amount", "20", "speed", tc.speed, "key", "w-"+tc.speed, "fee", tc.fee, "confirm", "yes")
			wantStatus(t, tc.speed+" withdrawal without platform cash", r, http.StatusServiceUnavailable)
			wantBody(t, tc.speed+" withdrawal without platform cash", r, "on its way in", "Your balance is untouched", `id="withdraw"`)
			wantNoBody(t, tc.speed+" withdrawal without platform cash", r, "busy")
		}
		wantBody(t, "money page", u.get("/money"), "You have <strong>$50.00</strong> to spend")
	})
}
