package web_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// TestWithdrawReviewChecksFirst: the withdrawal's review page checks the
// wallet and compliance before it offers the button: "Withdraw $400.00"
// from a $50 wallet, or anything from a frozen account, says what is
// wrong and how to fix it instead; a withdrawal that fits is offered. The
// deposit's review checks compliance the same way.
func TestWithdrawReviewChecksFirst(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e, site := newFundingEnv(t, db, nil)
		ctx := context.Background()
		h := newHandle("wdr")
		bob := site.signup(h)
		u, err := e.social.UserByHandle(ctx, h)
		if err != nil {
			t.Fatal(err)
		}
		bank := e.verifiedBank(t, u.ID)
		e.fundWallet(t, u.ID, 50_00)
		bob.get("/money")
		review := func(amount, speed string) pageResp {
			t.Helper()
			r := bob.post("/money/withdraw", "bank_account_id", bank.ID, "amount", amount, "speed", speed, "key", "rvw-"+amount+speed)
			wantStatus(t, "withdrawal review "+amount, r, http.StatusOK)
			return r
		}
		r := review("400", "standard")
		wantBody(t, "review of $400 from $50", r, "Check your withdrawal", `id="problem"`, "Not enough money: you have $50.00; this needs $400.00.", `href="/money#deposit"`)
		wantNoBody(t, "review of $400 from $50", r, `id="confirm"`)
		// The instant fee counts.
		r = review("49.90", "instant")
		wantBody(t, "instant review of $49.90 from $50", r, "Not enough money", "this needs $50.65")
		wantNoBody(t, "instant review of $49.90 from $50", r, `id="confirm"`)
		r = review("20", "standard")
		wantBody(t, "review of $20 from $50", r, `id="confirm"`, "Withdraw $20.00")
		wantNoBody(t, "review of $20 from $50", r, `id="problem"`)

		if err := e.comp.Freeze(ctx, "usr_staff", u.ID, "checking a report"); err != nil {
			t.Fatal(err)
		}
		r = review("20", "standard")
		wantBody(t, "review from a frozen account", r, "This can&#39;t go through: your account is frozen; contact support.", `href="/wallet"`)
		wantNoBody(t, "review from a frozen account", r, `id="confirm"`)
		r = bob.post("/money/deposit", "bank_account_id", bank.ID, "amount", "40", "key", "rvw-dep")
		wantBody(t, "deposit review from a frozen account", r, "Check your deposit", "This can&#39;t go through: your account is frozen; contact support.")
		wantNoBody(t, "deposit review from a frozen account", r, `id="confirm"`)
		// Nothing was sent or held by the reviews.
		if b, _ := e.pay.Balance(ctx, u.ID, "USD"); b.Minor != 50_00 {
			t.Fatalf("balance after the reviews = %d, want 5000", b.Minor)
		}
	})
}
