package billing_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/billing"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/social"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

func TestBound(t *testing.T) {
	a := time.Date(2026, 1, 31, 12, 0, 0, 0, time.UTC)
	want := []string{"2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30", "2026-05-31"}
	for n, w := range want {
		if got := billing.Bound(a, billing.Monthly, n).Format("2006-01-02"); got != w {
			t.Errorf("Bound(31 Jan, month, %d) = %s, want %s", n, got, w)
		}
	}
	leap := time.Date(2028, 2, 29, 0, 0, 0, 0, time.UTC)
	if got := billing.Bound(leap, billing.Yearly, 1).Format("2006-01-02"); got != "2029-02-28" {
		t.Errorf("Bound(29 Feb 2028, year, 1) = %s", got)
	}
	if got := billing.Bound(leap, billing.Yearly, 4).Format("2006-01-02"); got != "2032-02-29" {
		t.Errorf("Bound(29 Feb 2028, year, 4) = %s", got)
	}
}

func TestUpgradeRounding(t *testing.T) {
	s := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	e := s.Add(30 * 24 * time.Hour)
	L := int64(30 * 24 * 3600)
	worth := 300 * L
	// A third of the way through, $3 → $8: 5 × 2/3 = 333.33… → 333.
	now := s.Add(10 * 24 * time.Hour)
	w, due, err := billing.Upgrade(s, e, now, worth, 300, 300, 800)
	if err != nil || due != 333 || w != 300*L+500*(L*2/3) {
		t.Fatalf("Upgrade = %d, %d, %v; want due 333", w, due, err)
	}
	// Then $8 → $16 at two thirds: the period is worth 300/3 + 800/3 + 1600/3
	// = 900 exactly; 300 + 333 were paid: 267 more.
	now = s.Add(20 * 24 * time.Hour)
	_, due, err = billing.Upgrade(s, e, now, w, 633, 800, 1600)
	if err != nil || due != 267 {
		t.Fatalf("second Upgrade due = %d, %v; want 267", due, err)
	}
}

// TestYearOfRenewals runs a year day by day: a charge at each period's
// start, on the right day (31 January → 28 February → 31 March …), revenue
// recognized daily that adds up to what was charged once the periods are
// over, and the books right every day.
func TestYearOfRenewals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, billing.Config{})
		ann := e.signup("ann", social.Member)
		e.fund(ann, 200_00)
		prem := e.plan(billing.PlatformOwner, billing.ProductPremium, "Premium", 2, billing.Monthly, 800)
		sub := e.subscribe(ann, prem.ID)
		if sub.Status != billing.Active || !sub.PeriodEnd.Equal(time.Date(2026, 2, 28, 12, 0, 0, 0, time.UTC)) || sub.Paid != 800 {
			t.Fatalf("Subscribe = %+v", sub)
		}
		e.wantBalance(ann, 192_00)
		// Half a month in, about half of the first charge is revenue.
		e.days(14)
		r := e.books()
		if r.Recognized < 350 || r.Recognized > 450 {
			t.Errorf("after 14 of 28 days recognized %d of 800", r.Recognized)
		}
		st := e.days(351) // to 31 January 2027
		if st.Renewed != 12 {
			t.Errorf("a year renewed %d times, want 12", st.Renewed)
		}
		e.wantBalance(ann, 200_00-13*800)
		receipts, err := e.bill.Receipts(e.ctx, ann, 100)
		if err != nil || len(receipts) != 13 {
			t.Fatalf("Receipts = %d, %v", len(receipts), err)
		}
		if got := len(e.notified(ann, billing.NotifyReceipt)); got != 13 {
			t.Errorf("%d receipts notified, want 13", got)
		}
		var charged int64
		for i, c := range receipts {
			charged += c.Amount.Minor
			if i > 0 && !c.End.Equal(receipts[i-1].Start) {
				t.Errorf("receipt %d ends %v, the next starts %v", i, c.End, receipts[i-1].Start)
			}
		}
		sub = e.sub(ann, sub.ID)
		if _, err := e.bill.Cancel(e.ctx, ann, sub.ID); err != nil {
			t.Fatal(err)
		}
		st = e.days(31)
		if st.Ended != 1 {
			t.Errorf("cancelled: %d ended", st.Ended)
		}
		r = e.books()
		if r.Recognized != charged || r.Deferred != 0 {
			t.Errorf("after every period: recognized %d, deferred %d; charged %d", r.Recognized, r.Deferred, charged)
		}
		if got := e.platform(ledger.KindFeeRevenue); got != charged {
			t.Errorf("fee revenue %d, want %d", got, charged)
		}
	})
}

// TestUpgradeDowngradeCancel: an upgrade charges the rest of the period at
// once, prorated; a downgrade and a cancellation wait for the period's
// end, with access until then.
func TestUpgradeDowngradeCancel(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, billing.Config{})
		ann := e.signup("ann", social.Member)
		e.fund(ann, 100_00)
		basic := e.plan(billing.PlatformOwner, billing.ProductPremium, "Basic", 1, billing.Monthly, 300)
		prem := e.plan(billing.PlatformOwner, billing.ProductPremium, "Premium", 2, billing.Monthly, 800)
		e.clock.t = time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC) // a 30-day April
		sub := e.subscribe(ann, basic.ID)
		e.days(10)
		up, err := e.bill.ChangePlan(e.ctx, ann, sub.ID, prem.ID, e.key())
		if err != nil {
			t.Fatal(err)
		}
		// 20 of 30 days left: (800 − 300) × 2/3 = 333.33… → 333.
		if up.PlanID != prem.ID || up.Paid != 300+333 || up.Price.Minor != 800 {
			t.Fatalf("upgrade = %+v", up)
		}
		e.wantBalance(ann, 100_00-300-333)
		// Downgrade: nothing now, Basic from 1 May.
		down, err := e.bill.ChangePlan(e.ctx, ann, sub.ID, basic.ID, e.key())
		if err != nil || down.PlanID != prem.ID || down.NextPlanID != basic.ID {
			t.Fatalf("downgrade = %+v, %v", down, err)
		}
		e.wantBalance(ann, 100_00-633)
		e.days(20) // 1 May
		sub = e.sub(ann, sub.ID)
		if sub.PlanID != basic.ID || sub.Paid != 300 || sub.PeriodNo != 1 {
			t.Fatalf("after the downgrade's renewal: %+v", sub)
		}
		e.wantBalance(ann, 100_00-633-300)
		if _, err := e.bill.Cancel(e.ctx, ann, sub.ID); err != nil {
			t.Fatal(err)
		}
		e.days(30) // 31 May: still the May period
		if _, ok, _ := e.bill.Access(e.ctx, ann, billing.ProductPremium); !ok {
			t.Error("cancelled: no access before the period's end")
		}
		e.days(1) // 1 June
		if _, ok, _ := e.bill.Access(e.ctx, ann, billing.ProductPremium); ok {
			t.Error("cancelled: access after the period's end")
		}
		if s := e.sub(ann, sub.ID); s.Status != billing.Ended {
			t.Errorf("status %s, want ended", s.Status)
		}
		e.wantBalance(ann, 100_00-633-300)
		if len(e.notified(ann, billing.NotifyEnded)) != 1 {
			t.Error("no notice of the end")
		}
		e.books()
	})
}

// TestGraceAndLapse: a renewal without money is retried on days 1, 3 and
// 5, the member told each time; access stays; then it lapses. Paying again
// restores it.
func TestGraceAndLapse(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, billing.Config{})
		ann := e.signup("ann", social.Member)
		e.fund(ann, 800)
		prem := e.plan(billing.PlatformOwner, billing.ProductPremium, "Premium", 2, billing.Monthly, 800)
		e.clock.t = time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
		sub := e.subscribe(ann, prem.ID)
		st := e.days(30) // 1 May: the renewal fails
		if st.Failed != 1 {
			t.Fatalf("renewal without money: %+v", st)
		}
		sub = e.sub(ann, sub.ID)
		if sub.Status != billing.PastDue || !sub.NextAttemptAt.Equal(time.Date(2026, 5, 2, 0, 0, 0, 0, time.UTC)) {
			t.Fatalf("after a failure: %s, next %v", sub.Status, sub.NextAttemptAt)
		}
		if _, ok, _ := e.bill.Access(e.ctx, ann, billing.ProductPremium); !ok {
			t.Error("no access in the grace period")
		}
		st = e.days(4) // 2 and 4 May
		if st.Failed != 2 {
			t.Fatalf("retries on days 1 and 3: %+v", st)
		}
		st = e.days(2) // 6 May
		if st.Lapsed != 1 {
			t.Fatalf("day 5: %+v", st)
		}
		if got := len(e.notified(ann, billing.NotifyFailed)); got != 3 {
			t.Errorf("%d failure notices, want 3", got)
		}
		if got := e.notified(ann, billing.NotifyLapsed); len(got) != 1 || !strings.Contains(got[0], "Subscribe again") {
			t.Errorf("lapse notices: %q", got)
		}
		if _, ok, _ := e.bill.Access(e.ctx, ann, billing.ProductPremium); ok {
			t.Error("access after the lapse")
		}
		e.wantBalance(ann, 0)
		e.fund(ann, 800)
		back := e.subscribe(ann, prem.ID)
		if back.ID != sub.ID || back.Status != billing.Active || !back.PeriodStart.Equal(e.clock.Now()) {
			t.Fatalf("restored: %+v", back)
		}
		e.wantBalance(ann, 0)
		e.books()
	})
}

// TestPayNowRestoresPastDue: paying a past-due subscription charges the
// period that began at the last one's end.
func TestPayNowRestoresPastDue(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, billing.Config{})
		ann := e.signup("ann", social.Member)
		e.fund(ann, 800)
		prem := e.plan(billing.PlatformOwner, billing.ProductPremium, "Premium", 2, billing.Monthly, 800)
		e.clock.t = time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
		sub := e.subscribe(ann, prem.ID)
		e.days(32)
		_, err := e.bill.PayNow(e.ctx, ann, sub.ID, "pay-1")
		if !nestegg.Is(err, nestegg.InsufficientFunds) {
			t.Fatalf("PayNow without money = %v", err)
		}
		e.fund(ann, 800)
		got, err := e.bill.PayNow(e.ctx, ann, sub.ID, "pay-2")
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != billing.Active || !got.PeriodStart.Equal(time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)) ||
			!got.PeriodEnd.Equal(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)) {
			t.Fatalf("paid: %+v", got)
		}
		again, err := e.bill.PayNow(e.ctx, ann, sub.ID, "pay-2")
		if err != nil || again.PeriodNo != got.PeriodNo {
			t.Fatalf("replay: %+v, %v", again, err)
		}
		e.wantBalance(ann, 0)
		e.books()
	})
}

// TestPriceChangeFromNextPeriod: subscribers are told at once, and the new
// price applies from the first period starting after the notice.
func TestPriceChangeFromNextPeriod(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, billing.Config{})
		ann := e.signup("ann", social.Member)
		e.fund(ann, 100_00)
		prem := e.plan(billing.PlatformOwner, billing.ProductPremium, "Premium", 2, billing.Monthly, 800)
		e.clock.t = time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
		sub := e.subscribe(ann, prem.ID)
		e.days(27) // 28 April: the change takes effect 5 May
		if _, err := e.bill.SetPrice(e.ctx, "someone", prem.ID, usd(900)); !nestegg.Is(err, nestegg.Forbidden) {
			t.Errorf("SetPrice by a stranger = %v", err)
		}
		p, err := e.bill.SetPrice(e.ctx, billing.PlatformOwner, prem.ID, usd(900))
		if err != nil || p.Price.Minor != 800 || p.Next.Minor != 900 {
			t.Fatalf("SetPrice = %+v, %v", p, err)
		}
		if n := e.notified(ann, billing.NotifyPrice); len(n) != 1 || !strings.Contains(n[0], "$9.00") {
			t.Errorf("price notices: %q", n)
		}
		e.days(3) // 1 May renews at the old price
		if s := e.sub(ann, sub.ID); s.Price.Minor != 800 {
			t.Errorf("1 May renewal at %d, want 800", s.Price.Minor)
		}
		e.days(31) // 1 June at the new
		if s := e.sub(ann, sub.ID); s.Price.Minor != 900 || s.Paid != 900 {
			t.Errorf("1 June renewal at %d, want 900", s.Price.Minor)
		}
		e.wantBalance(ann, 100_00-800-800-900)
		e.books()
	})
}

// TestRefunds: staff refund a charge in full, and another prorated; the
// subscription of a refunded period ends.
func TestRefunds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, billing.Config{})
		ann := e.signup("ann", social.Member)
		bob := e.signup("bob", social.Member)
		staff := e.signup("opal", social.Member)
		if err := e.social.OperatorSetStaffRole(e.ctx, staff, social.Support); err != nil {
			t.Fatal(err)
		}
		e.fund(ann, 100_00)
		e.fund(bob, 100_00)
		prem := e.plan(billing.PlatformOwner, billing.ProductPremium, "Premium", 2, billing.Monthly, 900)
		e.clock.t = time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
		sa := e.subscribe(ann, prem.ID)
		sb := e.subscribe(bob, prem.ID)
		e.days(10)
		ra, _ := e.bill.Receipts(e.ctx, ann, 1)
		rb, _ := e.bill.Receipts(e.ctx, bob, 1)
		if _, err := e.bill.Refund(e.ctx, billing.RefundInput{StaffID: bob, ChargeID: ra[0].ID, IdempotencyKey: "r0"}); !nestegg.Is(err, nestegg.Forbidden) {
			t.Errorf("refund by a member = %v", err)
		}
		before := e.platform(ledger.KindDeferredRevenue)
		full, err := e.bill.Refund(e.ctx, billing.RefundInput{StaffID: staff, ChargeID: ra[0].ID, IdempotencyKey: "r1"})
		if err != nil || full.Refunded != 900 {
			t.Fatalf("full refund = %+v, %v", full, err)
		}
		e.wantBalance(ann, 100_00)
		// 10 days of 30 recognized (300) left 600 deferred: the refund took
		// those 600 and 300 back from revenue.
		e.refundedDeferred += 600
		if got := before - e.platform(ledger.KindDeferredRevenue); got != 600 {
			t.Errorf("deferred revenue fell %d, want 600", got)
		}
		if _, err := e.bill.Refund(e.ctx, billing.RefundInput{StaffID: staff, ChargeID: ra[0].ID, IdempotencyKey: "r2"}); !nestegg.Is(err, nestegg.Conflict) {
			t.Errorf("a second refund = %v", err)
		}
		again, err := e.bill.Refund(e.ctx, billing.RefundInput{StaffID: staff, ChargeID: ra[0].ID, IdempotencyKey: "r1"})
		if err != nil || again.ID != full.ID {
			t.Errorf("replay = %+v, %v", again, err)
		}
		pro, err := e.bill.Refund(e.ctx, billing.RefundInput{StaffID: staff, ChargeID: rb[0].ID, Prorated: true, IdempotencyKey: "r3"})
		if err != nil || pro.Refunded != 600 {
			t.Fatalf("prorated refund = %+v, %v", pro, err)
		}
		e.refundedDeferred += 600
		e.wantBalance(bob, 100_00-300)
		for _, id := range []struct{ u, s string }{{ann, sa.ID}, {bob, sb.ID}} {
			if s := e.sub(id.u, id.s); s.Status != billing.Ended {
				t.Errorf("refunded subscription %s", s.Status)
			}
		}
		if len(e.notified(ann, billing.NotifyRefund)) != 1 {
			t.Error("no refund notice")
		}
		e.days(40)
		r := e.books()
		if r.Deferred != 0 || e.platform(ledger.KindFeeRevenue) != 300 {
			t.Errorf("after refunds: %+v, revenue %d", r, e.platform(ledger.KindFeeRevenue))
		}
	})
}

// TestCreatorPlan: a creator's subscriber pays the creator; the
// platform's cut goes from the creator to deferred revenue in the same
// movement.
func TestCreatorPlan(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, billing.Config{CreatorCutBps: 1250})
		cat := e.signup("cat", social.Creator)
		ann := e.signup("ann", social.Member)
		e.fund(ann, 100_00)
		if _, err := e.bill.CreatePlan(e.ctx, ann, billing.PlanInput{Product: billing.CreatorProduct(cat), Name: "Fan", Period: billing.Monthly, Price: usd(500)}); !nestegg.Is(err, nestegg.Forbidden) {
			t.Errorf("a plan for somebody else's product = %v", err)
		}
		fan := e.plan(cat, billing.CreatorProduct(cat), "Fan", 1, billing.Monthly, 499)
		if _, err := e.bill.Subscribe(e.ctx, billing.SubscribeInput{UserID: cat, PlanID: fan.ID, IdempotencyKey: "self"}); !nestegg.Is(err, nestegg.Invalid) {
			t.Errorf("subscribing to yourself = %v", err)
		}
		e.subscribe(ann, fan.ID)
		// 12.5% of 499 = 62.375 → 62 to the platform; the creator keeps 437.
		e.wantBalance(ann, 100_00-499)
		e.wantBalance(cat, 437)
		if got := e.platform(ledger.KindDeferredRevenue); got != 62 {
			t.Errorf("deferred %d, want 62", got)
		}
		cs, err := e.bill.CreatorCharges(e.ctx, cat, 10)
		if err != nil || len(cs) != 1 || cs[0].Platform != 62 {
			t.Fatalf("CreatorCharges = %+v, %v", cs, err)
		}
		if n, _ := e.bill.Subscribers(e.ctx, billing.CreatorProduct(cat)); n[fan.ID] != 1 {
			t.Errorf("Subscribers = %v", n)
		}
		e.days(40)
		e.wantBalance(cat, 2*437)
		e.books()
	})
}

// TestTwoProcessesRenewOnce: two services on one database run the job at
// the same moments; every period is charged once.
func TestTwoProcessesRenewOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, billing.Config{})
		other, err := billing.New(db, e.ledger, e.social, e.comp, billing.Config{Clock: e.clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		prem := e.plan(billing.PlatformOwner, billing.ProductPremium, "Premium", 2, billing.Monthly, 800)
		var users []string
		for i := range 6 {
			u := e.signup(fmt.Sprintf("user%d", i), social.Member)
			e.fund(u, 5000)
			e.subscribe(u, prem.ID)
			users = append(users, u)
		}
		for range 3 {
			e.clock.Advance(31 * 24 * time.Hour)
			errs := make(chan error, 2)
			for _, b := range []*billing.Service{e.bill, other} {
				go func() { _, err := b.Run(e.ctx); errs <- err }()
			}
			for range 2 {
				if err := <-errs; err != nil {
					t.Fatal(err)
				}
			}
		}
		for _, u := range users {
			e.wantBalance(u, 5000-4*800)
		}
		e.books()
	})
}

// TestCreatorTiers: a creator offers at most three active tiers; a member
// offers none; a subscriber with access is SubscribedTo the creator until
// a cancelled period ends; earnings sum the charges net of the cut.
func TestCreatorTiers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, billing.Config{})
		cat := e.signup("cat", social.Creator)
		ann := e.signup("ann", social.Member)
		if _, err := e.bill.CreatePlan(e.ctx, ann, billing.PlanInput{Product: billing.CreatorProduct(ann), Name: "Mine", Period: billing.Monthly, Price: usd(500)}); !nestegg.Is(err, nestegg.Forbidden) {
			t.Errorf("a member's tier = %v", err)
		}
		var tiers []billing.Plan
		for i, p := range []int64{300, 500, 1000} {
			tiers = append(tiers, e.plan(cat, billing.CreatorProduct(cat), fmt.Sprintf("Tier %d", i), i+1, billing.Monthly, p))
		}
		if _, err := e.bill.CreatePlan(e.ctx, cat, billing.PlanInput{Product: billing.CreatorProduct(cat), Name: "Fourth", Period: billing.Monthly, Price: usd(2000)}); !nestegg.Is(err, nestegg.Conflict) {
			t.Errorf("a fourth tier = %v", err)
		}
		if _, err := e.bill.UpdatePlan(e.ctx, cat, tiers[2].ID, tiers[2].Name, "", false); err != nil {
			t.Fatal(err)
		}
		e.plan(cat, billing.CreatorProduct(cat), "Fourth", 4, billing.Monthly, 2000)
		e.fund(ann, 100_00)
		if got, _ := e.bill.SubscribedTo(e.ctx, ann, []string{cat}); got[cat] {
			t.Error("subscribed before subscribing")
		}
		sub := e.subscribe(ann, tiers[1].ID)
		if got, err := e.bill.SubscribedTo(e.ctx, ann, []string{cat, ann}); err != nil || !got[cat] || got[ann] {
			t.Errorf("SubscribedTo = %v, %v", got, err)
		}
		if _, err := e.bill.Cancel(e.ctx, ann, sub.ID); err != nil {
			t.Fatal(err)
		}
		e.days(20)
		if got, _ := e.bill.SubscribedTo(e.ctx, ann, []string{cat}); !got[cat] {
			t.Error("cancelled: no access before the period's end")
		}
		e.days(20)
		if got, _ := e.bill.SubscribedTo(e.ctx, ann, []string{cat}); got[cat] {
			t.Error("access after the cancelled period ended")
		}
		es, err := e.bill.CreatorEarnings(e.ctx, cat, start.Add(-time.Hour))
		if err != nil || len(es) != 1 || es[0].Gross != 500 || es[0].Fee != 50 || es[0].Net != 450 || es[0].Charges != 1 {
			t.Errorf("CreatorEarnings = %+v, %v", es, err)
		}
		e.books()
	})
}
