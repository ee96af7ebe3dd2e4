package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/nestegg/nestegg/billing"
	"github.com/nestegg/nestegg/compliance"
	"github.com/nestegg/nestegg/movement"
	"github.com/nestegg/nestegg/movement/movementtest"
	"github.com/nestegg/nestegg/social"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// ownOrganization makes userID a verified business on the monthly
// organization tier, and returns the subscription's id.
func (e *apiEnv) ownOrganization(t *testing.T, userID string) string {
	t.Helper()
	ctx := context.Background()
	if err := e.social.SetKind(ctx, userID, social.Business); err != nil {
		t.Fatal(err)
	}
	if err := e.comp.SetTier(ctx, "usr_staff", userID, compliance.Verified, "documents checked"); err != nil {
		t.Fatal(err)
	}
	e.fundWallet(t, userID, 1200_00)
	sub, err := e.bill.Subscribe(ctx, billing.SubscribeInput{UserID: userID, PlanID: "pln_organization_1_month", IdempotencyKey: "org-" + userID})
	if err != nil {
		t.Fatalf("Subscribe: %v", err)
	}
	return sub.ID
}

// invite has orgID (with a seat bought) invite the member with handle.
func (e *apiEnv) invite(t *testing.T, orgID, subID, handle string) {
	t.Helper()
	ctx := context.Background()
	if _, err := e.bill.SetSeats(ctx, orgID, subID, 1, 0, "seat-"+orgID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.social.InviteAffiliate(ctx, orgID, handle, 1); err != nil {
		t.Fatal(err)
	}
}

// orgAuthzCases are the organization routes' (org_api.go).
var orgAuthzCases = map[string]func(t *testing.T, e *apiEnv, w *authzWorld) authzCase{
	"POST /api/v1/subscriptions/{id}/seats": func(t *testing.T, e *apiEnv, w *authzWorld) authzCase {
		sub := e.ownOrganization(t, w.owner.id)
		return authzCase{path: "/api/v1/subscriptions/" + sub + "/seats", body: `{"seats":2}`, nobody: s401, stranger: s404, owner: s200}
	},
	"GET /api/v1/organization": func(t *testing.T, e *apiEnv, w *authzWorld) authzCase {
		sub := e.ownOrganization(t, w.owner.id)
		return authzCase{path: "/api/v1/organization", nobody: s401, stranger: s404, owner: s200, private: []string{sub}}
	},
	"POST /api/v1/organization/affiliates": func(t *testing.T, e *apiEnv, w *authzWorld) authzCase {
		sub := e.ownOrganization(t, w.owner.id)
		if _, err := e.bill.SetSeats(context.Background(), w.owner.id, sub, 1, 0, "seat-"+w.owner.id); err != nil {
			t.Fatal(err)
		}
		return authzCase{path: "/api/v1/organization/affiliates", body: fmt.Sprintf(`{"handle":%q}`, w.other.handle), nobody: s401, stranger: s403, owner: s201}
	},
	"DELETE /api/v1/organization/affiliates/{handle}": func(t *testing.T, e *apiEnv, w *authzWorld) authzCase {
		e.invite(t, w.owner.id, e.ownOrganization(t, w.owner.id), w.other.handle)
		return authzCase{path: "/api/v1/organization/affiliates/" + w.other.handle, nobody: s401, stranger: s404, owner: s204}
	},
	"GET /api/v1/affiliations": func(t *testing.T, e *apiEnv, w *authzWorld) authzCase {
		e.invite(t, w.other.id, e.ownOrganization(t, w.other.id), w.owner.handle)
		// The invitation is the owner's to see: the other's handle shows
		// in no one else's list.
		return authzCase{path: "/api/v1/affiliations", nobody: s401, stranger: s200, owner: s200, private: []string{`"handle":"` + w.other.handle + `"`}}
	},
	"POST /api/v1/affiliations/{handle}/accept": func(t *testing.T, e *apiEnv, w *authzWorld) authzCase {
		e.invite(t, w.other.id, e.ownOrganization(t, w.other.id), w.owner.handle)
		return authzCase{path: "/api/v1/affiliations/" + w.other.handle + "/accept", nobody: s401, stranger: s404, owner: s200}
	},
	"DELETE /api/v1/affiliations/{handle}": func(t *testing.T, e *apiEnv, w *authzWorld) authzCase {
		e.invite(t, w.other.id, e.ownOrganization(t, w.other.id), w.owner.handle)
		return authzCase{path: "/api/v1/affiliations/" + w.other.handle, nobody: s401, stranger: s404, owner: s204}
	},
	// Staff only (admin, support): neither member is staff.
	"POST /api/v1/staff/members/{id}/official/grant": func(_ *testing.T, _ *apiEnv, w *authzWorld) authzCase {
		return authzCase{path: "/api/v1/staff/members/" + w.owner.id + "/official/grant", body: `{"reason":"mine"}`, nobody: s401, stranger: s403, owner: s403}
	},
	"POST /api/v1/staff/members/{id}/official/remove": func(_ *testing.T, _ *apiEnv, w *authzWorld) authzCase {
		return authzCase{path: "/api/v1/staff/members/" + w.owner.id + "/official/remove", body: `{"reason":"mine"}`, nobody: s401, stranger: s403, owner: s403}
	},
}

// TestOrganizationThroughTheAPI: a business buys the organization tier and
// a seat, invites a member who accepts and then shows the organization's
// mark in the API; support grants the official label with a reason, which
// the audit log keeps, and a grant without a reason changes nothing. The
// books hold after.
func TestOrganizationThroughTheAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAPI(t, db)
		t.Cleanup(func() { movementtest.Audit(t, movement.New(db, e.ledger, e.comp, nil)) })
		ctx := context.Background()
		biz, ann, cat := e.signupMember(t, "biz"), e.signupMember(t, "ann"), e.signupMember(t, "cat")
		var plans struct {
			Data []struct {
				ID        string `json:"id"`
				SeatPrice int64  `json:"seat_price"`
			} `json:"data"`
		}
		e.call(t, http.StatusOK, &plans, "GET", "/api/v1/plans?product=organization", "", "")
		if len(plans.Data) != 2 || plans.Data[0].SeatPrice != 50_00 {
			t.Fatalf("organization plans = %+v", plans)
		}
		sub := e.ownOrganization(t, biz.id)
		res := e.asWith(biz.token, "POST", "/api/v1/subscriptions/"+sub+"/seats", `{"seats":1}`)
		wantError(t, "seats without a key", res, s400, "")
		var s struct {
			Seats int   `json:"seats"`
			Price int64 `json:"price"`
		}
		if res := e.asWith(biz.token, "POST", "/api/v1/subscriptions/"+sub+"/seats", `{"seats":1}`, "Idempotency-Key", "one-seat"); res.Code != s200 {
			t.Fatalf("seats = %d %s", res.Code, res.Body)
		} else if err := json.Unmarshal(res.Body.Bytes(), &s); err != nil || s.Seats != 1 || s.Price != 1050_00 {
			t.Fatalf("seats answer = %+v, %v", s, err)
		}
		e.call(t, s201, nil, "POST", "/api/v1/organization/affiliates", biz.token, fmt.Sprintf(`{"handle":%q}`, ann.handle))
		res = e.as(biz.token, "POST", "/api/v1/organization/affiliates", fmt.Sprintf(`{"handle":%q}`, cat.handle))
		wantError(t, "a second invitation on one seat", res, http.StatusConflict, "")
		// Two seats, then one from the period's end: the second cannot be
		// filled meanwhile (the renewal would find more affiliates than seats).
		if res := e.asWith(biz.token, "POST", "/api/v1/subscriptions/"+sub+"/seats", `{"seats":2}`, "Idempotency-Key", "two-seats"); res.Code != s200 {
			t.Fatalf("two seats = %d %s", res.Code, res.Body)
		}
		if res := e.asWith(biz.token, "POST", "/api/v1/subscriptions/"+sub+"/seats", `{"seats":1}`, "Idempotency-Key", "back-to-one"); res.Code != s200 {
			t.Fatalf("back to one seat = %d %s", res.Code, res.Body)
		}
		res = e.as(biz.token, "POST", "/api/v1/organization/affiliates", fmt.Sprintf(`{"handle":%q}`, cat.handle))
		wantError(t, "an invitation on a seat that goes at the period's end", res, http.StatusConflict, "")
		e.call(t, s200, nil, "POST", "/api/v1/affiliations/"+biz.handle+"/accept", ann.token, "")
		body := string(e.call(t, s200, nil, "GET", "/api/v1/users/"+ann.handle, ann.token, ""))
		if !strings.Contains(body, `"affiliate_of":"`+biz.handle+`"`) {
			t.Fatalf("ann's profile does not show the mark: %s", body)
		}
		body = string(e.call(t, s200, nil, "GET", "/api/v1/organization", biz.token, ""))
		if !strings.Contains(body, `"seats_taken":1`) || !strings.Contains(body, `"status":"active"`) {
			t.Fatalf("organization = %s", body)
		}

		// The official label: support, with a reason.
		sup := e.signupMember(t, "support")
		if err := e.social.OperatorSetStaffRole(ctx, sup.id, social.Support); err != nil {
			t.Fatal(err)
		}
		res = e.as(sup.token, "POST", "/api/v1/staff/members/"+ann.id+"/official/grant", `{}`)
		wantError(t, "a grant without a reason", res, s400, "")
		if u, _ := e.social.UserByID(ctx, ann.id); u.Official {
			t.Fatal("a grant without a reason gave the label")
		}
		e.call(t, s200, nil, "POST", "/api/v1/staff/members/"+ann.id+"/official/grant", sup.token, `{"reason":"city council's press office"}`)
		body = string(e.call(t, s200, nil, "GET", "/api/v1/users/"+ann.handle, "", ""))
		if !strings.Contains(body, `"official":true`) {
			t.Fatalf("ann is not official: %s", body)
		}
		res = e.as(sup.token, "POST", "/api/v1/staff/members/"+ann.id+"/official/grant", `{"reason":"again"}`)
		wantError(t, "granting twice", res, http.StatusConflict, "")
		page, err := e.comp.StaffAudit(ctx, "", 10)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, en := range page.Entries {
			if en.Action == "grant_official" && en.Reason == "city council's press office" && en.Outcome == "done" && en.ActorID == sup.id {
				found = true
			}
		}
		if !found {
			t.Fatalf("the grant is not in the audit log: %+v", page.Entries)
		}
		e.call(t, s200, nil, "POST", "/api/v1/staff/members/"+ann.id+"/official/remove", sup.token, `{"reason":"left the office"}`)
		if u, _ := e.social.UserByID(ctx, ann.id); u.Official {
			t.Fatal("the label stayed after its removal")
		}
	})
}
