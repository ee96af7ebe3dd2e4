package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/nestegg/nestegg/compliance"
	"github.com/nestegg/nestegg/funding"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/payments"
	"github.com/nestegg/nestegg/rails"
	"github.com/nestegg/nestegg/social"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
	"github.com/nestegg/nestegg/web"
)

// newClockFundingEnv is newFundingEnv with the sandbox rails on a short
// clock, as serve --demo runs them (rails.SettleAfter).
func newClockFundingEnv(t testing.TB, db *store.DB, settle time.Duration) (*apiEnv, *pageSite) {
	t.Helper()
	fclock := &pageClock{t: time.Now()}
	l := ledger.New(db, ledger.Options{ValidAsset: validAsset})
	l.Start()
	soc := social.New(db, social.Options{PayHandle: "pay", Clock: fclock.Now, Argon2: social.Argon2{Time: 1, MemoryKiB: 64, Threads: 1}})
	comp := compliance.New(db, compliance.DefaultConfig())
	pay, err := payments.New(db, l, soc, comp, payments.Config{})
	if err != nil {
		t.Fatal(err)
	}
	soc.SetPostHook(pay.OnPost)
	bank, err := rails.NewSandboxBank("", fclock.Now, rails.SettleAfter(settle))
	if err != nil {
		t.Fatal(err)
	}
	cards, err := rails.NewSandboxCards("", fclock.Now, rails.SettleAfter(settle))
	if err != nil {
		t.Fatal(err)
	}
	fund, err := funding.New(db, l, comp, bank, cards, funding.Config{EncryptionKey: bytes.Repeat([]byte{9}, 32), Sandbox: true, Clock: fclock.Now})
	if err != nil {
		t.Fatal(err)
	}
	srv := web.New(web.Deps{DB: db, Ledger: l, Social: soc, Payments: pay, Compliance: comp, Funding: fund, SandboxCards: cards, Version: "test"})
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		hs.Close()
		srv.Close()
		l.Close()
	})
	e := &apiEnv{t: t, db: db, ledger: l, social: soc, pay: pay, comp: comp, srv: srv, funds: fund, cards: cards, fclock: fclock}
	return e, &pageSite{t: t, url: hs.URL, social: soc, clock: fclock}
}

// TestFundingPagesSayTheSandboxClock: on the demo's 5-second sandbox
// clock the deposit and withdrawal pages, and the API's quote and
// movements, say seconds, not the business days of a real bank (which
// the same pages still say on the real schedule: TestFundingLeaks).
func TestFundingPagesSayTheSandboxClock(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e, site := newClockFundingEnv(t, db, 5*time.Second)
		ctx := context.Background()
		h := newHandle("clk")
		bob := site.signup(h)
		u, err := e.social.UserByHandle(ctx, h)
		if err != nil {
			t.Fatal(err)
		}
		bank := e.verifiedBank(t, u.ID)
		bob.get("/money")
		r := bob.post("/money/deposit", "bank_account_id", bank.ID, "amount", "40", "key", "clkdep")
		wantBody(t, "deposit review", r, "Check your deposit", "in about 10 seconds")
		wantNoBody(t, "deposit review", r, "business day")
		r = bob.post("/money/deposit", "bank_account_id", bank.ID, "amount", "40", "key", "clkdep", "confirm", "yes")
		wantStatus(t, "deposit", r, http.StatusSeeOther)
		dep := bob.get(r.location)
		wantBody(t, "deposit status", dep, "every 5 seconds on the sandbox clock", "in about 10 seconds")
		wantNoBody(t, "deposit status", dep, "business day", "daily")

		e.fundWallet(t, u.ID, 100_00)
		r = bob.post("/money/withdraw", "bank_account_id", bank.ID, "amount", "20", "speed", "standard", "key", "clkwd")
		wantBody(t, "withdrawal review", r, "Check your withdrawal", "Arrives in about 10 seconds.")
		r = bob.post("/money/withdraw", "bank_account_id", bank.ID, "amount", "20", "speed", "standard", "key", "clkwd", "fee", "0", "confirm", "yes")
		wantStatus(t, "withdrawal", r, http.StatusSeeOther)
		wd := bob.get(r.location)
		wantBody(t, "withdrawal status", wd, "arrives in about 10 seconds")
		wantNoBody(t, "withdrawal status", wd, "business day")
		if _, err := e.funds.ExportACH(ctx); err != nil {
			t.Fatal(err)
		}
		wantBody(t, "withdrawal in a file", bob.get(r.location), "it arrives in about 5 seconds")

		var q map[string]struct{ Arrives string }
		e.call(t, http.StatusOK, &q, "GET", "/api/v1/withdrawals/quote?amount=2000", e.memberToken(t), "")
		if q["standard"].Arrives != "in about 10 seconds" || q["instant"].Arrives != "in minutes" {
			b, _ := json.Marshal(q)
			t.Fatalf("quote on the sandbox clock: %s", b)
		}
	})
}
