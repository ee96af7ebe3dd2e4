package web_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/nestegg/nestegg/funding"
	"github.com/nestegg/nestegg/payments"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// TestOperatorCannotMoveMembersMoney: the raw ledger API is the operator's
// own; a member's money moves only through movements. Posting the hold of a
// top-up waiting for 3-D Secure (issue 11 item 10: it credited the wallet
// while funding still said requires_action), or a transfer into or out of
// a member's wallet, is refused, and nothing changes.
func TestOperatorCannotMoveMembersMoney(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e, _ := newFundingEnv(t, db, nil)
		alice := e.signupMember(t, "alice")
		c := e.linkedCard(t, alice.id, card3DS)
		ctx := context.Background()
		m, err := e.funds.TopUp(ctx, alice.id, funding.TopUpInput{CardID: c.ID, Amount: usd(20_00), IdempotencyKey: "3ds"})
		if err != nil || m.Status != funding.StatusRequiresAction {
			t.Fatalf("TopUp = %+v, %v", m, err)
		}
		wallet := payments.WalletID(alice.id, "USD")
		var list struct {
			Data []struct {
				ID      string `json:"id"`
				Pending bool   `json:"pending"`
			} `json:"data"`
		}
		e.ok(http.StatusOK, &list, "GET", "/api/v1/accounts/"+wallet+"/transfers", "")
		hold := ""
		for _, tr := range list.Data {
			if tr.Pending {
				hold = tr.ID
			}
		}
		if hold == "" {
			t.Fatalf("the top-up's hold is not among the wallet's transfers: %+v", list.Data)
		}
		w := e.do("POST", "/api/v1/transfers/"+hold+"/post", `{"id":"operator-post"}`, "Idempotency-Key", "op-post")
		if w.Code != http.StatusForbidden {
			t.Fatalf("operator posts a top-up's hold = %d %s, want 403", w.Code, w.Body)
		}
		w = e.do("POST", "/api/v1/transfers", fmt.Sprintf(`{"id":"operator-gift","debit_account_id":"platform:USD:platform_cash","credit_account_id":%q,"amount":100,"asset":"USD","code":"gift"}`, wallet),
			"Idempotency-Key", "op-gift")
		if w.Code != http.StatusForbidden {
			t.Fatalf("operator transfer into a wallet = %d %s, want 403", w.Code, w.Body)
		}
		var acct struct {
			CreditsPosted  int64 `json:"credits_posted"`
			CreditsPending int64 `json:"credits_pending"`
		}
		e.ok(http.StatusOK, &acct, "GET", "/api/v1/accounts/"+wallet, "")
		if acct.CreditsPosted != 0 || acct.CreditsPending == 0 {
			t.Fatalf("wallet after the refused operator transfers = %+v, want nothing posted and the hold still pending", acct)
		}
		if got, _ := e.funds.Movement(ctx, alice.id, m.ID); got.Status != funding.StatusRequiresAction {
			t.Fatalf("top-up after the refused post is %s", got.Status)
		}
	})
}
