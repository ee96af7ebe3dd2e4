package billing_test

import (
	"testing"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/billing"
	"github.com/nestegg/nestegg/payments"
	"github.com/nestegg/nestegg/social"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

func (e *env) verified(userID string) bool {
	e.t.Helper()
	u, err := e.social.UserByID(e.ctx, userID)
	if err != nil {
		e.t.Fatal(err)
	}
	return u.Verified
}

// TestVerifiedCheck: the check comes with Premium (not Basic) once the
// account is old enough, hides while a new display name awaits staff, and
// goes when Premium lapses.
func TestVerifiedCheck(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, billing.Config{})
		if err := e.bill.EnsurePremium(e.ctx, billing.DefaultPremiumPlans(usd(0).Asset)); err != nil {
			t.Fatal(err)
		}
		if err := e.bill.EnsurePremium(e.ctx, billing.DefaultPremiumPlans(usd(0).Asset)); err != nil {
			t.Fatal(err)
		}
		plans, err := e.bill.Plans(e.ctx, billing.ProductPremium, false)
		if err != nil || len(plans) != 6 {
			t.Fatalf("Plans = %d, %v", len(plans), err)
		}
		byName := map[string]billing.Plan{}
		for _, p := range plans {
			byName[p.Name] = p
		}
		if byName["Premium"].Price.Minor != 800 || byName["Premium+ (yearly)"].Price.Minor != 16000 {
			t.Fatalf("default prices: %+v", byName)
		}
		ann := e.signup("ann", social.Member)
		opal := e.signup("opal", social.Member)
		if err := e.social.OperatorSetStaffRole(e.ctx, opal, social.Support); err != nil {
			t.Fatal(err)
		}
		e.fund(ann, 100_00)
		sub := e.subscribe(ann, byName["Basic"].ID)
		e.clock.Advance(40 * 24 * time.Hour)
		e.run()
		if e.verified(ann) {
			t.Error("Basic gives the check")
		}
		if _, err := e.bill.ChangePlan(e.ctx, ann, sub.ID, byName["Premium"].ID, e.key()); err != nil {
			t.Fatal(err)
		}
		if !e.verified(ann) {
			t.Fatal("no check when Premium starts")
		}
		name := "Ann the Great"
		if _, err := e.social.UpdateProfile(e.ctx, ann, social.ProfileUpdate{DisplayName: &name}); err != nil {
			t.Fatal(err)
		}
		if e.verified(ann) {
			t.Error("the check shows while a new name awaits review")
		}
		if err := e.social.ApproveCheck(e.ctx, ann, ann); !nestegg.Is(err, nestegg.Forbidden) {
			t.Errorf("a member approves their own check: %v", err)
		}
		queue, err := e.social.CheckReviews(e.ctx, opal)
		if err != nil || len(queue) != 1 || queue[0].ID != ann {
			t.Fatalf("CheckReviews = %+v, %v", queue, err)
		}
		if err := e.social.ApproveCheck(e.ctx, opal, ann); err != nil {
			t.Fatal(err)
		}
		if !e.verified(ann) {
			t.Error("no check after staff approved the name")
		}
		// Lapse: empty the wallet and let the retries run out.
		if _, err := e.pay.Send(e.ctx, paymentTo(ann, "opal", e.balance(ann))); err != nil {
			t.Fatal(err)
		}
		e.days(40)
		if s := e.sub(ann, sub.ID); s.Status != billing.Lapsed {
			t.Fatalf("status %s, want lapsed", s.Status)
		}
		if e.verified(ann) {
			t.Error("the check stays after Premium lapsed")
		}
		// A new account waits for its age.
		bo := e.signup("bo", social.Member)
		e.fund(bo, 100_00)
		e.subscribe(bo, byName["Premium"].ID)
		if e.verified(bo) {
			t.Error("a day-old account has the check")
		}
		e.days(30)
		if !e.verified(bo) {
			t.Error("no check once the account is 30 days old")
		}
	})
}

func paymentTo(from, to string, minor int64) payments.SendInput {
	return payments.SendInput{FromUserID: from, ToHandle: to, Amount: usd(minor), IdempotencyKey: "drain-" + from}
}
