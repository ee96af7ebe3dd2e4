package web_test

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/nestegg/nestegg/payments"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// TestStatementPages: a merchant with sales sees them on the wallet page
// (with the fee on its own line and the running balance), pages back with
// "Older", and opens a monthly statement and its CSV; nobody else sees it.
func TestStatementPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newStmtEnv(t, db)
		ctx := context.Background()
		bob, alice, carol := e.site.signup("bobshop"), e.site.signup("alice"), e.site.signup("carol")
		id := func(handle string) string {
			u, err := e.social.UserByHandle(ctx, handle)
			if err != nil {
				t.Fatal(err)
			}
			return u.ID
		}
		e.sell(t, id("bobshop"), id("alice"))

		w := bob.get("/wallet")
		wantStatus(t, "merchant's wallet", w, http.StatusOK)
		wantBody(t, "merchant's wallet", w, "Purchase", "from <a href=\"/u/alice\">@alice</a>", "&#43;$5.00", "Fee for purchase", "<span class=\"pill\">Fee</span>", "-$0.25", "$4.75", "Monthly statements")
		// No line is pending, so nothing says what pending lines are.
		wantNoBody(t, "merchant's wallet", w, "Nothing here yet", ">Older<", "Pending lines are set aside")

		// 21 more lines: the first page holds 20, "Older" has the rest.
		for i := 0; i < 21; i++ {
			if _, err := e.pay.Send(ctx, payments.SendInput{FromUserID: id("alice"), ToHandle: "bobshop", Amount: usdAmount(t, "0.01"),
				Note: "penny", IdempotencyKey: "penny-" + string(rune('a'+i))}); err != nil {
				t.Fatal(err)
			}
		}
		w = bob.get("/wallet")
		older := regexp.MustCompile(`href="([^"]*cursor=[^"]*)">Older<`).FindStringSubmatch(w.body)
		if older == nil {
			t.Fatalf("no Older link on a 23-line statement:\n%s", w.body)
		}
		wantBody(t, "first page", w, "$4.96") // 4.75 + 0.21, the newest balance
		page2 := bob.get(strings.ReplaceAll(older[1], "&amp;", "&"))
		wantStatus(t, "older page", page2, http.StatusOK)
		wantBody(t, "older page", page2, "Fee for purchase", "&#43;$5.00", "$4.75", "$5.00")
		wantNoBody(t, "older page", page2, ">Older<")

		month := time.Now().UTC().Format("2006-01")
		link := "/wallet/statements/" + month + "?asset=USD"
		wantBody(t, "month link", w, `href="`+link+`"`)
		m := bob.get(link)
		wantStatus(t, "monthly statement", m, http.StatusOK)
		wantBody(t, "monthly statement", m, "Statement for "+time.Now().UTC().Format("January 2006"), "Opening balance", "Closing balance",
			"<b>$4.96</b>", "(of which fees $0.25)", "Download CSV", `/wallet/statements/`+month+`.csv?asset=USD`, "@alice")
		csv := bob.get("/wallet/statements/" + month + ".csv?asset=USD")
		wantStatus(t, "statement CSV", csv, http.StatusOK)
		if ct := csv.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
			t.Errorf("CSV Content-Type = %q", ct)
		}
		wantBody(t, "statement CSV", csv, "time,id,movement_id,kind,description", "Opening balance", "Closing balance", ",5.00,", ",-0.25,", ",4.96\n")

		// The buyer sees her side; a member with no money sees no one's.
		wantBody(t, "buyer's wallet", alice.get("/wallet"), "Payment to <a href=\"/u/bobshop\">@bobshop</a>", "-$0.01", "$44.79")
		wantBody(t, "buyer's month", alice.get(link), "Purchase to <a href=\"/u/bobshop\">@bobshop</a>", "-$5.00", "Credit from the operator", "<b>$44.79</b>")
		cw := carol.get("/wallet")
		wantBody(t, "carol's wallet", cw, "Nothing here yet")
		wantNoBody(t, "carol's wallet", cw, "bobshop", "penny")
		cm := carol.get(link)
		wantStatus(t, "carol's month", cm, http.StatusOK)
		wantNoBody(t, "carol's month", cm, "bobshop", "penny", "$4.96")
		wantBody(t, "carol's month", cm, "No money moved")
		wantStatus(t, "a bad month", carol.get("/wallet/statements/2026-13"), http.StatusBadRequest)
		nobody := e.site.visitor()
		for _, p := range []string{link, "/wallet/statements/" + month + ".csv"} {
			if r := nobody.get(p); r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/login") {
				t.Errorf("nobody GET %s = %d %q, want 303 to /login", p, r.status, r.location)
			}
		}
	})
}
