package web_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// TestGroupGiftPages: a gift started from the form shows its rule before
// anyone pledges; a pledge is reviewed, reserved, and withdrawn.
func TestGroupGiftPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		site := newPayPageSite(t, db)
		alice, _, carol := site.signup("alice"), site.signup("bob"), site.signup("carol")
		site.fund("carol", "$40")
		key := alice.formKey("/gifts")
		started := alice.post("/gifts", "title", "Bob's birthday", "to", "@bob", "target", "$60", "days", "7", "key", key)
		wantStatus(t, "start", started, http.StatusSeeOther)
		if !strings.HasPrefix(started.location, "/gifts/gft_") {
			t.Fatalf("start redirects to %q", started.location)
		}
		page := started.location
		wantBody(t, "carol sees the rule", carol.get(page), "Bob&#39;s birthday", "All or nothing", "$0.00</strong> of $60.00", "Review pledge")
		pkey := keyRE.FindStringSubmatch(carol.get(page).body)[1]
		review := carol.post(page+"/pledge", "amount", "$25", "key", pkey)
		wantStatus(t, "review", review, http.StatusOK)
		wantBody(t, "review", review, "Pledge $25.00", "All or nothing", "Reserved from your wallet now")
		site.wantBalance("carol", "$40.00")
		wantStatus(t, "pledge", carol.post(page+"/pledge", "amount", "$25", "key", pkey, "confirm", "yes"), http.StatusSeeOther)
		site.wantBalance("carol", "$15.00")
		shown := carol.get(page)
		wantBody(t, "after the pledge", shown, "$25.00</strong> of $60.00", "reserved", "Withdraw")
		wantBody(t, "alice sees pledges", alice.get(page), "@carol", "$25.00")
		pid := regexp1(t, shown.body, `/pledges/(pld_[0-9a-z]+)/withdraw`)
		wantStatus(t, "withdraw", carol.post("/pledges/"+pid+"/withdraw", "next", page), http.StatusSeeOther)
		site.wantBalance("carol", "$40.00")
		wantBody(t, "after withdrawing", carol.get(page), "withdrawn", "$0.00</strong> of $60.00")
	})
}

// regexp1 returns the first group of pattern's first match in s.
func regexp1(t testing.TB, s, pattern string) string {
	t.Helper()
	m := regexp.MustCompile(pattern).FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("no %s in\n%s", pattern, s)
	}
	return m[1]
}
