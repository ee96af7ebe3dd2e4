package billing_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/billing"
	"github.com/nestegg/nestegg/compliance"
	"github.com/nestegg/nestegg/social"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// verify gives userID the verified tier: the organization tier's price is
// over an unverified account's limit per payment.
func (e *env) verify(userID string) {
	e.t.Helper()
	if err := e.comp.SetTier(e.ctx, "usr_staff", userID, compliance.Verified, "documents checked"); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) user(id string) social.User {
	e.t.Helper()
	u, err := e.social.UserByID(e.ctx, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

// TestOrganizationTier: a business subscribes to the organization tier and
// gets its badge; seats added mid-period are charged prorated, fewer seats
// apply at the renewal, which charges the plan plus each seat; affiliates
// take seats, show the organization's mark once they accept, and lose it
// when the organization's tier ends.
func TestOrganizationTier(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, billing.Config{})
		plans := append(billing.DefaultPremiumPlans(usd(0).Asset), billing.DefaultOrganizationPlans(usd(0).Asset)...)
		for range 2 { // a second start creates nothing
			if err := e.bill.EnsurePremium(e.ctx, plans); err != nil {
				t.Fatal(err)
			}
		}
		orgPlans, err := e.bill.Plans(e.ctx, billing.ProductOrganization, false)
		if err != nil || len(orgPlans) != 2 {
			t.Fatalf("organization plans = %+v, %v", orgPlans, err)
		}
		monthly := orgPlans[0]
		if monthly.Period != billing.Monthly || monthly.Price.Minor != 1000_00 || monthly.SeatPrice.Minor != 50_00 {
			t.Fatalf("monthly organization plan = %+v", monthly)
		}

		ann := e.signup("ann", social.Member)
		e.fund(ann, 2000_00)
		if _, err := e.bill.Subscribe(e.ctx, billing.SubscribeInput{UserID: ann, PlanID: monthly.ID, IdempotencyKey: e.key()}); !nestegg.Is(err, nestegg.Invalid) {
			t.Fatalf("a member subscribes to the organization tier: %v", err)
		}
		e.wantBalance(ann, 2000_00)

		biz := e.signup("biz", social.Business)
		e.fund(biz, 5000_00)
		if _, err := e.bill.Subscribe(e.ctx, billing.SubscribeInput{UserID: biz, PlanID: monthly.ID, IdempotencyKey: e.key()}); !nestegg.Is(err, nestegg.Forbidden) {
			t.Fatalf("an unverified business pays $1,000: %v", err)
		}
		e.verify(biz)
		sub := e.subscribe(biz, monthly.ID)
		e.wantBalance(biz, 4000_00)
		if u := e.user(biz); !u.Organization || u.Verified {
			t.Fatalf("after subscribing: organization %v, verified %v", u.Organization, u.Verified)
		}
		if _, err := e.social.InviteAffiliate(e.ctx, biz, "ann", sub.Seats); !nestegg.Is(err, nestegg.Conflict) || nestegg.ErrorParam(err) != "seats" {
			t.Fatalf("an invitation without seats: %v", err)
		}

		// Half of the 28-day period left (31 Jan to 28 Feb): two seats
		// cost half of 2 × $50.
		e.clock.Advance(14 * 24 * time.Hour)
		q, err := e.bill.QuoteSeats(e.ctx, biz, sub.ID, 2)
		if err != nil || !q.AtOnce || q.Now.Minor != 50_00 || q.Renews.Minor != 1100_00 {
			t.Fatalf("QuoteSeats(2) = %+v, %v", q, err)
		}
		key := e.key()
		for range 2 { // a retry charges once
			sub, err = e.bill.SetSeats(e.ctx, biz, sub.ID, 2, 0, key)
			if err != nil {
				t.Fatal(err)
			}
		}
		if sub.Seats != 2 || sub.Price.Minor != 1100_00 || sub.Paid != 1050_00 {
			t.Fatalf("after two seats: %+v", sub)
		}
		e.wantBalance(biz, 3950_00)
		if _, err := e.bill.SetSeats(e.ctx, biz, sub.ID, 3, 0, key); !nestegg.Is(err, nestegg.IdempotencyMismatch) {
			t.Fatalf("a key reused for another seat count: %v", err)
		}

		bob, cat := e.signup("bob", social.Member), e.signup("cat", social.Member)
		for _, h := range []string{"ann", "bob"} {
			if _, err := e.social.InviteAffiliate(e.ctx, biz, h, sub.Seats); err != nil {
				t.Fatalf("invite %s: %v", h, err)
			}
		}
		if _, err := e.social.InviteAffiliate(e.ctx, biz, "cat", sub.Seats); !nestegg.Is(err, nestegg.Conflict) {
			t.Fatalf("a third invitation on two seats: %v", err)
		}
		if _, err := e.social.InviteAffiliate(e.ctx, biz, "ann", sub.Seats+1); !nestegg.Is(err, nestegg.Conflict) || nestegg.ErrorParam(err) != "handle" {
			t.Fatalf("inviting ann twice: %v", err)
		}
		if e.user(ann).AffiliateOf != "" {
			t.Fatal("an invitation shows the mark before it is accepted")
		}
		if err := e.social.AcceptAffiliation(e.ctx, ann, "@biz"); err != nil {
			t.Fatal(err)
		}
		if got := e.user(ann).AffiliateOf; got != "biz" {
			t.Fatalf("ann's mark = %q, want biz", got)
		}
		if err := e.social.AcceptAffiliation(e.ctx, cat, "biz"); !nestegg.Is(err, nestegg.NotFound) {
			t.Fatalf("accepting without an invitation: %v", err)
		}
		if err := e.social.EndAffiliation(e.ctx, biz, bob, false); err != nil { // bob declines
			t.Fatal(err)
		}
		taken, err := e.social.SeatsTaken(e.ctx, biz)
		if err != nil || taken != 1 {
			t.Fatalf("SeatsTaken = %d, %v", taken, err)
		}
		if got := e.notified(biz, string(social.NotifyAffiliate)); len(got) != 2 {
			t.Fatalf("biz was told %q", got)
		}

		// Fewer seats: not below those taken, and from the period's end.
		if _, err := e.bill.SetSeats(e.ctx, biz, sub.ID, 0, taken, e.key()); !nestegg.Is(err, nestegg.Conflict) {
			t.Fatalf("lowering below the affiliates: %v", err)
		}
		sub, err = e.bill.SetSeats(e.ctx, biz, sub.ID, 1, taken, e.key())
		if err != nil || sub.Seats != 2 || sub.NextSeats != 1 {
			t.Fatalf("lowering to one seat: %+v, %v", sub, err)
		}
		e.wantBalance(biz, 3950_00)
		st := e.days(15) // past 28 Feb
		if st.Renewed != 1 {
			t.Fatalf("renewals = %+v", st)
		}
		sub = e.sub(biz, sub.ID)
		if sub.Seats != 1 || sub.NextSeats != -1 || sub.Price.Minor != 1050_00 || sub.PeriodNo != 1 {
			t.Fatalf("after the renewal: %+v", sub)
		}
		e.wantBalance(biz, 3950_00-1050_00)

		// The tier ends: the badge and the mark go; the affiliation waits.
		if _, err := e.bill.Cancel(e.ctx, biz, sub.ID); err != nil {
			t.Fatal(err)
		}
		e.days(35)
		if u := e.user(biz); u.Organization {
			t.Fatal("the badge stays after the tier ended")
		}
		if got := e.user(ann).AffiliateOf; got != "" {
			t.Fatalf("ann shows %q's mark after its tier ended", got)
		}
		if _, err := e.social.InviteAffiliate(e.ctx, biz, "cat", 5); !nestegg.Is(err, nestegg.Forbidden) {
			t.Fatalf("an invitation without the badge: %v", err)
		}
		e.books()
	})
}

// TestInvitationsNeverExceedSeats: many invitations at once for the last
// seats: exactly as many succeed as there are seats free.
func TestInvitationsNeverExceedSeats(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, billing.Config{})
		if err := e.bill.EnsurePremium(e.ctx, billing.DefaultOrganizationPlans(usd(0).Asset)); err != nil {
			t.Fatal(err)
		}
		orgPlans, err := e.bill.Plans(e.ctx, billing.ProductOrganization, false)
		if err != nil {
			t.Fatal(err)
		}
		biz := e.signup("biz", social.Business)
		e.fund(biz, 2000_00)
		e.verify(biz)
		sub := e.subscribe(biz, orgPlans[0].ID)
		if sub, err = e.bill.SetSeats(e.ctx, biz, sub.ID, 5, 0, e.key()); err != nil {
			t.Fatal(err)
		}
		const n = 24
		for i := range n {
			e.signup(fmt.Sprintf("m%d", i), social.Member)
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok, full := 0, 0
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := e.social.InviteAffiliate(e.ctx, biz, fmt.Sprintf("m%d", i), sub.Seats)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					ok++
				case nestegg.Is(err, nestegg.Conflict) && nestegg.ErrorParam(err) == "seats":
					full++
				default:
					t.Errorf("invite m%d: %v", i, err)
				}
			}()
		}
		wg.Wait()
		taken, err := e.social.SeatsTaken(e.ctx, biz)
		if ok != 5 || full != n-5 || taken != 5 {
			t.Fatalf("%d invited, %d refused for seats, %d seats taken (%v); want 5, %d, 5", ok, full, taken, err, n-5)
		}
	})
}
