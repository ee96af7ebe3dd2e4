package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// TestRedPacketPages: a packet sent from the form after its review,
// opened by the two people it is for (a third is told it is empty), and
// the sender's page saying who got what.
func TestRedPacketPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		site := newPayPageSite(t, db)
		alice, bob, carol, dan := site.signup("alice"), site.signup("bob"), site.signup("carol"), site.signup("dan")
		site.fund("alice", "$50")
		key := alice.formKey("/redpackets")
		fields := []string{"amount", "$10", "shares", "2", "split", "even", "to", "@bob @carol @dan", "message", "Happy new year", "cover", "gold", "key", key}
		review := alice.post("/redpackets", fields...)
		wantStatus(t, "review", review, http.StatusOK)
		wantBody(t, "review", review, "Send a red packet", "$10.00", "@bob @carol @dan", `name="confirm" value="yes"`)
		site.wantBalance("alice", "$50.00")
		sent := alice.post("/redpackets", append(fields, "confirm", "yes")...)
		wantStatus(t, "send", sent, http.StatusSeeOther)
		if !strings.HasPrefix(sent.location, "/redpackets/rpk_") {
			t.Fatalf("send redirects to %q", sent.location)
		}
		site.wantBalance("alice", "$40.00")
		page := sent.location
		wantBody(t, "bob sees it", bob.get(page), "Red packet from", "Happy new year", "Open it")
		wantStatus(t, "bob opens", bob.post(page+"/open"), http.StatusSeeOther)
		wantBody(t, "bob's share", bob.get(page), "You got", "$5.00")
		wantStatus(t, "carol opens", carol.post(page+"/open"), http.StatusSeeOther)
		late := dan.post(page + "/open")
		wantStatus(t, "dan opens", late, http.StatusSeeOther)
		wantBody(t, "dan is told", dan.get(page), "Too late", "Every share was opened")
		site.wantBalance("bob", "$5.00")
		site.wantBalance("carol", "$5.00")
		site.wantBalance("dan", "$0.00")
		wantBody(t, "alice sees who", alice.get(page), "Who opened what", "@bob", "@carol")
		wantBody(t, "alice's list", alice.get("/redpackets"), "2 of 2 opened")
		stranger := site.signup("eve")
		wantStatus(t, "a stranger", stranger.get(page), http.StatusNotFound)
	})
}
