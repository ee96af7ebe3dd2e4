package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// TestJurisdictionThroughTheAPI: a member whose verified address is in
// the US pays; one whose address is in Great Britain can neither pay nor
// be paid — the API says why — and still posts; their verification says
// they are outside.
func TestJurisdictionThroughTheAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e, _ := newFundingEnv(t, db, nil)
		us, us2, gb := e.signupMember(t, "usa"), e.signupMember(t, "usb"), e.signupMember(t, "gb")
		facts := func(state, country string) string {
			return fmt.Sprintf(`{"legal_name":"A Person","date_of_birth":"1980-01-01","line1":"1 High St","city":"Town","state":%q,"postal_code":"12345","country":%q,"id_last4":"1234"}`, state, country)
		}
		for m, body := range map[string]string{us.token: facts("NY", "US"), us2.token: facts("TX", "US"), gb.token: facts("LND", "GB")} {
			if w := e.asWith(m, "POST", "/api/v1/me/verification", body); w.Code != 200 {
				t.Fatalf("verification = %d %s", w.Code, w.Body)
			}
		}
		for _, m := range []member{us, gb} {
			w := e.asWith(testKey, "POST", "/api/v1/operator/credit", fmt.Sprintf(`{"handle":%q,"amount":5000,"reason":"test"}`, m.handle), "Idempotency-Key", "c-"+m.handle)
			if w.Code != http.StatusCreated {
				t.Fatalf("credit = %d %s", w.Code, w.Body)
			}
		}
		pay := func(from member, to member, key string) (int, string) {
			w := e.asWith(from.token, "POST", "/api/v1/payments", fmt.Sprintf(`{"to":%q,"amount":100}`, to.handle), "Idempotency-Key", key)
			return w.Code, w.Body.String()
		}
		if code, body := pay(us, us2, "in"); code != http.StatusCreated {
			t.Fatalf("inside → inside = %d %s, want 201", code, body)
		}
		if code, body := pay(gb, us, "out"); code != http.StatusForbidden || !strings.Contains(body, "licensed to move money only in the US") {
			t.Fatalf("outside → inside = %d %s, want 403 saying why", code, body)
		}
		if code, body := pay(us, gb, "to-out"); code != http.StatusForbidden || !strings.Contains(body, "can't receive money") {
			t.Fatalf("inside → outside = %d %s, want 403 saying why", code, body)
		}
		if w := e.asWith(gb.token, "POST", "/api/v1/posts", `{"text":"still here"}`); w.Code != http.StatusCreated {
			t.Fatalf("outside member posts = %d %s, want 201", w.Code, w.Body)
		}
		var v struct {
			Region  string `json:"region"`
			Outside bool   `json:"outside_licensed_regions"`
		}
		w := e.asWith(gb.token, "GET", "/api/v1/me/verification", "")
		if err := jsonUnmarshal(w.Body.Bytes(), &v); err != nil || v.Region != "GB-LND" || !v.Outside {
			t.Fatalf("verification = %s", w.Body)
		}
	})
}
