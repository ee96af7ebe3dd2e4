package web_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

type verificationOut struct {
	Tier      string `json:"tier"`
	TierLevel int    `json:"tier_level"`
	Limits    struct {
		PerTransfer int64 `json:"per_transfer"`
	} `json:"limits"`
	Region   string `json:"region"`
	NextStep string `json:"next_step"`
	Check    *struct {
		Outcome string `json:"outcome"`
	} `json:"check"`
}

// TestVerificationAndItsSecrets walks a member up the tiers through the
// API and another through the pages (a mistake first), has the operator
// open one member's personal data (audited), and then looks for every
// piece of that data in every log line and every response but the
// operator's look: the member's own answers, the pages, the wallet, the
// audit log.
func TestVerificationAndItsSecrets(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		var logs bytes.Buffer
		log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		e, site := newFundingEnv(t, db, log)
		var rec fundingRecorder
		alice := e.signupMember(t, "alice")
		var v verificationOut
		rec.api(t, e, alice.token, 200, &v, "GET", "/api/v1/me/verification", "")
		if v.Tier != "unverified" || v.TierLevel != 0 || v.NextStep != "submit_identity" || v.Limits.PerTransfer != 500_00 || v.Check != nil {
			t.Fatalf("a new member's verification = %+v", v)
		}
		rec.api(t, e, alice.token, 409, nil, "POST", "/api/v1/me/verification/document", "{}")
		facts := `{"legal_name":"Zenobia Quartermaine","date_of_birth":"1984-02-29","line1":"77 Juniper Hollow","city":"Tallahassee","state":"FL","postal_code":"32301","country":"US","id_last4":"8642"}`
		rec.api(t, e, alice.token, 400, nil, "POST", "/api/v1/me/verification", strings.Replace(facts, "1984-02-29", "2019-01-01", 1))
		rec.api(t, e, alice.token, 200, &v, "POST", "/api/v1/me/verification", facts)
		if v.Tier != "identified" || v.TierLevel != 1 || v.NextStep != "verify_document" || v.Limits.PerTransfer != 1_500_00 || v.Region != "US-FL" {
			t.Fatalf("after the facts = %+v", v)
		}
		rec.api(t, e, alice.token, 409, nil, "POST", "/api/v1/me/verification", facts)
		rec.api(t, e, alice.token, 200, &v, "POST", "/api/v1/me/verification/document", `{"return_url":"https://example.com/back"}`)
		if v.Tier != "verified" || v.TierLevel != 2 || v.NextStep != "none" || v.Limits.PerTransfer != 5_000_00 {
			t.Fatalf("after the document = %+v", v)
		}
		// The wallet's limits follow the tier.
		var w struct {
			Limits struct {
				Tier        string `json:"tier"`
				PerTransfer int64  `json:"per_transfer"`
			} `json:"limits"`
		}
		rec.api(t, e, alice.token, 200, &w, "GET", "/api/v1/wallet", "")
		if w.Limits.Tier != "verified" || w.Limits.PerTransfer != 5_000_00 {
			t.Fatalf("wallet limits = %+v", w.Limits)
		}

		// The pages, on a phone: the tier, its limits and the next step; a
		// mistake says which field; then the check raises the tier.
		bob := site.signup(newHandle("bob"))
		p := rec.page(bob.get("/settings/verification"))
		for _, want := range []string{"Tier 0 · unverified", "Send per payment", "$500.00", "Add your legal name", `name="id_last4"`, "Tier 1 limits", "$1,500.00"} {
			if !strings.Contains(p.body, want) {
				t.Fatalf("verification page lacks %q:\n%s", want, p.body)
			}
		}
		form := []string{"legal_name", "Octavius Pemberton-Yale", "date_of_birth", "1979-11-03", "line1", "5 Quillfeather Row", "city", "Anchorage",
			"state", "AK", "postal_code", "99501", "country", "US", "id_last4", "97x"}
		p = rec.page(bob.post("/settings/verification", form...))
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, "last four digits of your SSN") || !strings.Contains(p.body, "5 Quillfeather Row") {
			t.Fatalf("a bad last four = %d:\n%s", p.status, p.body)
		}
		form[len(form)-1] = "9753"
		p = rec.page(bob.post("/settings/verification", form...))
		if p.status != http.StatusSeeOther {
			t.Fatalf("the facts = %d %s", p.status, p.body)
		}
		p = rec.page(bob.get("/settings/verification"))
		if !strings.Contains(p.body, "Tier 1 · identified") || !strings.Contains(p.body, "Verify my ID and selfie") {
			t.Fatalf("after the facts:\n%s", p.body)
		}
		rec.page(bob.post("/settings/verification/document"))
		p = rec.page(bob.get("/settings/verification"))
		if !strings.Contains(p.body, "Tier 2 · verified") || !strings.Contains(p.body, "highest limits") {
			t.Fatalf("after the document:\n%s", p.body)
		}
		rec.page(bob.get("/wallet"))

		// The operator looks, with a reason; the look is audited.
		rec.api(t, e, testKey, 400, nil, "POST", "/api/v1/operator/users/"+alice.id+"/identity", `{"reason":""}`)
		look := e.asWith(testKey, "POST", "/api/v1/operator/users/"+alice.id+"/identity", `{"reason":"case 7"}`)
		if look.Code != 200 || !strings.Contains(look.Body.String(), "Zenobia Quartermaine") || !strings.Contains(look.Body.String(), "8642") {
			t.Fatalf("operator identity = %d %s", look.Code, look.Body)
		}
		var audit struct {
			Entries []struct {
				Action  string `json:"action"`
				Reason  string `json:"reason"`
				ActorID string `json:"actor_id"`
			} `json:"data"`
		}
		rec.api(t, e, testKey, 200, &audit, "GET", "/api/v1/operator/audit?user_id="+alice.id, "")
		if len(audit.Entries) == 0 || audit.Entries[0].Action != "view_identity" || audit.Entries[0].Reason != "case 7" || audit.Entries[0].ActorID == "" {
			t.Fatalf("audit = %+v, want the look first", audit.Entries)
		}
		rec.api(t, e, testKey, 409, nil, "POST", "/api/v1/operator/users/"+alice.id+"/identity/review", `{"approve":true,"reason":"x"}`)

		all := rec.String() + logs.String()
		for _, secret := range []string{"Zenobia", "Quartermaine", "1984-02-29", "Juniper", "Tallahassee", "32301", "8642",
			// Bob's form came back to him once with his entries (not the
			// last four) after his mistake; the last four never.
			"9753"} {
			// Standing alone, not inside a longer run of digits or letters:
			// a timestamp's nanoseconds or an id may hold any four digits
			// by chance ("21:38:08.975322368Z").
			alone := regexp.MustCompile(`(^|[^0-9A-Za-z])` + regexp.QuoteMeta(secret) + `($|[^0-9A-Za-z])`)
			if loc := alone.FindStringIndex(all); loc != nil {
				i := loc[0]
				t.Errorf("%q leaks: …%s…", secret, all[max(0, i-200):min(len(all), i+100)])
			}
		}
	})
}
