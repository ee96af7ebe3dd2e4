package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/settings"
	"github.com/nestegg/nestegg/social"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// TestRevenueDashboard: a tip with a fee shows on the console's revenue
// page, in its CSV and in the API, as the ledger's fee revenue; a bad
// period is a clear 400.
func TestRevenueDashboard(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newStaffSite(t, db)
		ctx := context.Background()
		if _, err := s.e.set.Set(ctx, settings.TipFeeBps, 1000, 0, s.id[social.Admin], "test"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.e.set.Set(ctx, settings.RevenueTarget, 1_000_000_00, 0, s.id[social.Admin], "test"); err != nil {
			t.Fatal(err)
		}
		p := &payEnv{apiEnv: s.e, t: t}
		alice, bob := p.signupMember(t, "alice"), p.signupMember(t, "bob")
		p.credit(alice, "$100")
		p.call(alice, http.StatusCreated, nil, "POST", "/api/v1/users/"+bob.handle+"/tips", `{"amount":"$12.34"}`)
		fee, err := s.e.ledger.Account(ctx, ledger.PlatformID("USD", ledger.KindFeeRevenue))
		if err != nil || fee.CreditsPosted-fee.DebitsPosted != 1_23 {
			t.Fatalf("fee revenue = %+v, %v; want $1.23", fee, err)
		}
		page := s.browser[social.Finance].get("/staff/revenue?unit=week")
		if page.status != 200 || !strings.Contains(page.body, `id="rev-total">$1.23<`) || !strings.Contains(page.body, "<svg class=\"chart\"") ||
			!strings.Contains(page.body, "$1,000,000.00") {
			t.Fatalf("revenue page = %d\n%.4000s", page.status, page.body)
		}
		csvr := s.browser[social.Admin].get("/staff/revenue.csv")
		if csvr.status != 200 || !strings.HasPrefix(csvr.header.Get("Content-Type"), "text/csv") || !strings.Contains(csvr.body, "\ntotal,") {
			t.Fatalf("CSV = %d %v\n%s", csvr.status, csvr.header, csvr.body)
		}
		total := csvr.body[strings.Index(csvr.body, "\ntotal,")+1:]
		if f := strings.Split(strings.TrimSpace(total), ","); f[2] != "1.23" || f[12] != "1.23" {
			t.Errorf("CSV total row %q: tip fees and revenue should be 1.23", total)
		}
		res := s.e.asWith(s.token[social.Finance], "GET", "/api/v1/staff/revenue?unit=month", "")
		var rep struct {
			Total struct {
				Revenue  int64            `json:"revenue"`
				ByStream map[string]int64 `json:"revenue_by_stream"`
				Volume   int64            `json:"payment_volume"`
			} `json:"total"`
		}
		if res.Code != 200 || json.Unmarshal(res.Body.Bytes(), &rep) != nil || rep.Total.Revenue != 1_23 || rep.Total.ByStream["Tip fees"] != 1_23 || rep.Total.Volume != 12_34 {
			t.Fatalf("API = %d %s", res.Code, res.Body)
		}
		for _, q := range []string{"from=yesterday", "unit=year", "from=2026-01-01&to=2025-01-01", "from=2020-01-01&to=2026-01-01"} {
			if r := s.browser[social.Admin].get("/staff/revenue?" + q); r.status != http.StatusBadRequest {
				t.Errorf("revenue?%s = %d, want 400", q, r.status)
			}
			if r := s.e.asWith(s.token[social.Admin], "GET", "/api/v1/staff/revenue?"+q, ""); r.Code != http.StatusBadRequest {
				t.Errorf("API revenue?%s = %d, want 400", q, r.Code)
			}
		}
	})
}
