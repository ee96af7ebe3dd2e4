package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/nestegg/nestegg/social"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// TestCounterPages: a café's counter code paid with a typed amount and a
// tip after a review; a sale's code paid once (its status fragment says
// who paid; a second payer is told it was paid); an altered code refused;
// the café refunds from its takings.
func TestCounterPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		site := newShopPageSite(t, db)
		cafe, bea, carl := site.signup("nestcafe"), site.signup("bea"), site.signup("carl")
		u, err := site.social.UserByHandle(context.Background(), "nestcafe")
		if err != nil {
			t.Fatal(err)
		}
		if err := site.social.SetKind(context.Background(), u.ID, social.Business); err != nil {
			t.Fatal(err)
		}
		site.fund("bea", "$20")
		site.fund("carl", "$20")
		wantStatus(t, "a member's counter", bea.get("/shop/counter"), http.StatusForbidden)
		counter := cafe.get("/shop/counter")
		wantBody(t, "counter", counter, "Your counter code", "<svg", "takings")
		static := regexp1(t, counter.body, `href="https?://[^"]+(/q/v1\.[^"]+)"`)

		page := bea.get(static)
		wantBody(t, "the static code", page, "Pay", "@nestcafe", "Fee: none for you", `name="amount"`)
		key := keyRE.FindStringSubmatch(page.body)[1]
		review := bea.post(static, "amount", "$4.50", "tip", "$0.50", "key", key)
		wantStatus(t, "review", review, http.StatusOK)
		wantBody(t, "review", review, "Pay $5.00", "None for you", "$0.50")
		site.wantBalance("bea", "$20.00")
		paid := bea.post(static, "amount", "$4.50", "tip", "$0.50", "key", key, "confirm", "yes")
		wantStatus(t, "pay", paid, http.StatusSeeOther)
		wantBody(t, "receipt", bea.get(paid.location), "Paid · $5.00", "@nestcafe")
		site.wantBalance("bea", "$15.00")

		skey := keyRE.FindStringSubmatch(cafe.get("/shop/counter").body)[1]
		sale := cafe.post("/shop/counter", "amount", "$3", "description", "flat white", "minutes", "15", "key", skey)
		wantStatus(t, "new sale", sale, http.StatusSeeOther)
		salePage := cafe.get(sale.location)
		wantBody(t, "sale page", salePage, "$3.00", "flat white", "Waiting for payment", `hx-trigger="every 2s"`)
		link := regexp1(t, salePage.body, `id="code-link" href="https?://[^"]+(/q/v1\.[^"]+)"`)
		// An altered code is refused.
		altered := strings.Replace(link, ".300.USD.", ".100.USD.", 1)
		wantStatus(t, "an altered code", bea.get(altered), http.StatusBadRequest)
		k2 := keyRE.FindStringSubmatch(bea.get(link).body)[1]
		wantStatus(t, "pay the sale", bea.post(link, "tip", "", "key", k2, "confirm", "yes"), http.StatusSeeOther)
		status := cafe.get(sale.location + "/status")
		wantBody(t, "status fragment", status, "Paid", "by @bea")
		wantNoBody(t, "status fragment", status, "hx-trigger")
		wantBody(t, "a second payer", carl.get(link), "already paid")
		site.wantBalance("carl", "$20.00")

		takings := cafe.get("/shop/counter")
		wantBody(t, "takings", takings, "from @bea", "$8.00")
		pid := regexp1(t, takings.body, `/shop/counter/payments/(qrp_[0-9a-f]+)/refund`)
		rk := regexp1(t, takings.body, `name="key" value="([^"]+-`+pid+`)"`)
		wantStatus(t, "refund review", cafe.post("/shop/counter/payments/"+pid+"/refund", "key", rk), http.StatusOK)
		wantStatus(t, "refund", cafe.post("/shop/counter/payments/"+pid+"/refund", "key", rk, "confirm", "yes"), http.StatusSeeOther)
		wantBody(t, "after the refund", cafe.get("/shop/counter"), "refunded")
	})
}
