package web_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// fund creates a USD wallet for owner holding amount, funded from equity.
func (e *apiEnv) fund(id, owner string, amount int64) ledger.Account {
	e.t.Helper()
	var eq, wallet ledger.Account
	e.ok(200, &eq, "GET", "/api/v1/platform/accounts/USD/equity", "")
	e.ok(201, &wallet, "POST", "/api/v1/accounts",
		fmt.Sprintf(`{"id":%q,"asset":"usd","kind":"wallet","owner":%q,"debits_must_not_exceed_credits":true}`, id, owner))
	if amount > 0 {
		e.ok(201, nil, "POST", "/api/v1/transfers",
			fmt.Sprintf(`{"id":"fund-%s","debit_account_id":%q,"credit_account_id":%q,"amount":%d,"asset":"USD","code":"deposit"}`, id, eq.ID, id, amount),
			"Idempotency-Key", "fund-"+id)
	}
	return wallet
}

func transferBody(id, from, to string, amount int64) string {
	return fmt.Sprintf(`{"id":%q,"debit_account_id":%q,"credit_account_id":%q,"amount":%d,"asset":"USD","code":"p2p"}`, id, from, to, amount)
}

func TestAccountsAndTransfers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAPI(t, db)
		alice := e.fund("alice", "usr_alice", 1000)
		if alice.Asset != "USD" || !alice.DebitsMustNotExceedCredits {
			t.Fatalf("created account = %+v, want USD with the constraint", alice)
		}
		e.fund("bob", "usr_bob", 0)

		var got ledger.Account
		e.ok(200, &got, "GET", "/api/v1/accounts/alice", "")
		if got.CreditsPosted != 1000 || got.Balance() != 1000 {
			t.Fatalf("alice = %+v, want 1000 credited", got)
		}

		var tr ledger.Transfer
		e.ok(201, &tr, "POST", "/api/v1/transfers", transferBody("t1", "alice", "bob", 300), "Idempotency-Key", "k1")
		if tr.ID != "t1" || tr.Amount != 300 || tr.Timestamp.IsZero() {
			t.Fatalf("transfer = %+v", tr)
		}
		// Same transfer id, new idempotency key: the ledger's "exists" is 200.
		var again ledger.Transfer
		e.ok(200, &again, "POST", "/api/v1/transfers", transferBody("t1", "alice", "bob", 300), "Idempotency-Key", "k1b")
		if diff := cmp.Diff(tr, again); diff != "" {
			t.Fatalf("replayed transfer differs (-first +again):\n%s", diff)
		}
		e.ok(200, &again, "GET", "/api/v1/transfers/t1", "")
		if diff := cmp.Diff(tr, again); diff != "" {
			t.Fatalf("GET transfer differs (-posted +got):\n%s", diff)
		}

		// Failures carry the ledger status as their code, through one table.
		for _, c := range []struct {
			body   string
			status int
			code   string
			param  string
		}{
			{transferBody("t2", "alice", "bob", 5000), 422, "exceeds_credits", "amount"},
			{transferBody("t1", "alice", "bob", 301), 409, "exists_with_different_fields", "id"},
			{transferBody("t3", "nobody", "bob", 1), 404, "debit_account_not_found", "debit_account_id"},
			{transferBody("t4", "alice", "alice", 1), 400, "accounts_must_be_different", "credit_account_id"},
			{transferBody("t5", "alice", "bob", 0), 400, "amount_must_be_positive", "amount"},
			{`{"id":"t6","debit_account_id":"alice","credit_account_id":"bob","amount":1,"asset":"XYZ","code":"p2p"}`, 400, "invalid", "asset"},
		} {
			w := e.do("POST", "/api/v1/transfers", c.body, "Idempotency-Key", "fail-"+c.code)
			if got := wantError(t, c.body, w, c.status, c.code); got.Error.Param != c.param {
				t.Errorf("%s: param %q, want %q", c.body, got.Error.Param, c.param)
			}
		}
		wantError(t, "missing account", e.do("GET", "/api/v1/accounts/nope", ""), 404, "not_found")
		wantError(t, "missing transfer", e.do("GET", "/api/v1/transfers/nope", ""), 404, "not_found")
		wantError(t, "bad kind", e.do("GET", "/api/v1/platform/accounts/USD/nope", ""), 400, "invalid")
		wantError(t, "bad asset", e.do("GET", "/api/v1/platform/accounts/XYZ/equity", ""), 400, "invalid")
		wantError(t, "conflicting account", e.do("POST", "/api/v1/accounts", `{"id":"alice","asset":"EUR","kind":"wallet","owner":"usr_alice"}`), 409, "conflict")

		// A batch answers one result per transfer, in order.
		var batch struct {
			Results []ledger.Result `json:"results"`
		}
		e.ok(200, &batch, "POST", "/api/v1/transfers/batch",
			`{"transfers":[`+transferBody("b1", "alice", "bob", 100)+","+transferBody("b2", "alice", "bob", 10000)+","+transferBody("t1", "alice", "bob", 300)+`]}`,
			"Idempotency-Key", "batch-1")
		var statuses []ledger.Status
		for _, r := range batch.Results {
			statuses = append(statuses, r.Status)
		}
		want := []ledger.Status{ledger.StatusOK, ledger.StatusExceedsCredits, ledger.StatusExists}
		if diff := cmp.Diff(want, statuses); diff != "" {
			t.Fatalf("batch statuses (-want +got):\n%s", diff)
		}
		if batch.Results[0].Transfer == nil || batch.Results[1].Transfer != nil {
			t.Fatalf("batch results = %+v", batch.Results)
		}
		wantError(t, "empty batch", e.do("POST", "/api/v1/transfers/batch", `{"transfers":[]}`, "Idempotency-Key", "batch-empty"), 400, "invalid")
		tooMany := `{"transfers":[` + strings.Repeat(`{"id":"x"},`, ledger.MaxBatch) + `{"id":"x"}]}`
		if got := wantError(t, "batch over the limit", e.do("POST", "/api/v1/transfers/batch", tooMany, "Idempotency-Key", "batch-big"), 413, "too_large"); got.Error.Param != "transfers" {
			t.Errorf("batch over the limit: param %q", got.Error.Param)
		}
		w := e.do("POST", "/api/v1/transfers/batch", `{"transfers":[{"id":"b9","asset":"NOPE"}]}`, "Idempotency-Key", "batch-asset")
		if got := wantError(t, "batch with a bad asset", w, 400, "invalid"); got.Error.Param != "transfers[0].asset" {
			t.Errorf("batch with a bad asset: param %q", got.Error.Param)
		}

		// History pages newest first.
		var ids []string
		cursor := ""
		for {
			var page struct {
				Data       []ledger.Transfer `json:"data"`
				NextCursor string            `json:"next_cursor"`
				HasMore    bool              `json:"has_more"`
			}
			e.ok(200, &page, "GET", "/api/v1/accounts/alice/transfers?limit=1&cursor="+cursor, "")
			for _, t := range page.Data {
				ids = append(ids, t.ID)
			}
			if page.HasMore != (page.NextCursor != "") {
				t.Fatalf("has_more %v with next_cursor %q", page.HasMore, page.NextCursor)
			}
			if !page.HasMore {
				break
			}
			cursor = page.NextCursor
		}
		if diff := cmp.Diff([]string{"b1", "t1", "fund-alice"}, ids); diff != "" {
			t.Fatalf("history (-want +got):\n%s", diff)
		}
		wantError(t, "bad limit", e.do("GET", "/api/v1/accounts/alice/transfers?limit=0", ""), 400, "invalid")
		wantError(t, "unknown query", e.do("GET", "/api/v1/accounts/alice/transfers?color=red", ""), 400, "invalid")
		wantError(t, "history of nobody", e.do("GET", "/api/v1/accounts/nope/transfers", ""), 404, "not_found")
	})
}

func TestPendingPostAndVoid(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAPI(t, db)
		e.fund("alice", "usr_alice", 1000)
		e.fund("shop", "usr_shop", 0)
		hold := func(id string, amount int64) {
			e.ok(201, nil, "POST", "/api/v1/transfers",
				fmt.Sprintf(`{"id":%q,"debit_account_id":"alice","credit_account_id":"shop","amount":%d,"asset":"USD","code":"purchase","pending":true}`, id, amount),
				"Idempotency-Key", "hold-"+id)
		}
		hold("h1", 400)
		hold("h2", 500)
		wantError(t, "over-reserve", e.do("POST", "/api/v1/transfers", transferBody("t-over", "alice", "shop", 200), "Idempotency-Key", "over"), 422, "exceeds_credits")

		var posted ledger.Transfer
		e.ok(201, &posted, "POST", "/api/v1/transfers/h1/post", `{"id":"h1-post","amount":300}`, "Idempotency-Key", "post-h1")
		if !posted.PostPending || posted.PendingID != "h1" || posted.Amount != 300 {
			t.Fatalf("post = %+v", posted)
		}
		e.ok(201, nil, "POST", "/api/v1/transfers/h2/void", `{"id":"h2-void"}`, "Idempotency-Key", "void-h2")
		wantError(t, "post a voided transfer", e.do("POST", "/api/v1/transfers/h2/post", `{"id":"h2-post"}`, "Idempotency-Key", "post-h2"), 409, "pending_transfer_already_voided")
		wantError(t, "post a missing transfer", e.do("POST", "/api/v1/transfers/nope/post", `{"id":"nope-post"}`, "Idempotency-Key", "post-nope"), 404, "pending_transfer_not_found")
		wantError(t, "post without id", e.do("POST", "/api/v1/transfers/h1/post", `{}`, "Idempotency-Key", "post-noid"), 400, "invalid")

		var a ledger.Account
		e.ok(200, &a, "GET", "/api/v1/accounts/alice", "")
		if a.DebitsPosted != 300 || a.DebitsPending != 0 || a.Balance() != 700 {
			t.Fatalf("alice after post and void = %+v, want 300 debited, nothing pending", a)
		}
	})
}
