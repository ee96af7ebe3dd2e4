package billing_test

import (
	"strings"
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

// TestPostPerk: Premium's plans let their subscribers write longer posts
// (Basic 1,000 characters, Premium 4,000), from the moment the plan starts
// until it ends; the operator changes the perk; everyone else keeps 280.
func TestPostPerk(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, billing.Config{})
		e.social.SetPostLimit(e.bill.PostChars)
		if err := e.bill.EnsurePremium(e.ctx, append(billing.DefaultPremiumPlans(usd(0).Asset), billing.DefaultOrganizationPlans(usd(0).Asset)...)); err != nil {
			t.Fatal(err)
		}
		ann, bob := e.signup("ann", social.Member), e.signup("bob", social.Member)
		post := func(who string, n int) error {
			_, err := e.social.CreatePost(e.ctx, who, social.NewPost{Body: strings.Repeat("a", n)})
			return err
		}
		if err := post(bob, 281); !nestegg.Is(err, nestegg.Invalid) || !strings.Contains(nestegg.ErrorMessage(err), "Premium plans allow longer posts") {
			t.Fatalf("281 characters without a plan: %v", err)
		}
		if err := post(bob, 280); err != nil {
			t.Fatal(err)
		}
		e.fund(ann, 100_00)
		sub := e.subscribe(ann, "pln_premium_1_month")
		if n, err := e.bill.PostChars(e.ctx, ann); err != nil || n != 1000 {
			t.Fatalf("Basic's PostChars = %d, %v", n, err)
		}
		if err := post(ann, 1000); err != nil {
			t.Fatalf("1,000 characters on Basic: %v", err)
		}
		if err := post(ann, 1001); !nestegg.Is(err, nestegg.Invalid) || !strings.Contains(nestegg.ErrorMessage(err), "at most 1000 characters") {
			t.Fatalf("1,001 characters on Basic: %v", err)
		}
		if _, err := e.bill.ChangePlan(e.ctx, ann, sub.ID, "pln_premium_2_month", e.key()); err != nil {
			t.Fatal(err)
		}
		if err := post(ann, 4000); err != nil {
			t.Fatalf("4,000 characters on Premium: %v", err)
		}
		if _, err := e.bill.SetPerks(e.ctx, "pln_premium_2_month", 5000); err != nil {
			t.Fatal(err)
		}
		if err := post(ann, 5000); err != nil {
			t.Fatalf("5,000 characters after the perk grew: %v", err)
		}
		if _, err := e.bill.SetPerks(e.ctx, "pln_organization_1_month", 5000); !nestegg.Is(err, nestegg.Invalid) {
			t.Fatalf("a perk on the organization tier: %v", err)
		}
		if _, err := e.bill.SetPerks(e.ctx, "pln_premium_2_month", billing.MaxPostChars+1); !nestegg.Is(err, nestegg.Invalid) {
			t.Fatalf("a perk over the most: %v", err)
		}
		if _, err := e.bill.Cancel(e.ctx, ann, sub.ID); err != nil {
			t.Fatal(err)
		}
		if err := post(ann, 4000); err != nil {
			t.Fatalf("the perk went before the period ended: %v", err)
		}
		e.days(35)
		if err := post(ann, 281); !nestegg.Is(err, nestegg.Invalid) {
			t.Fatalf("281 characters after Premium ended: %v", err)
		}
	})
}
