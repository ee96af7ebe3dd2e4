package payments_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/payments"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

func (e *env) startGift(organizer, to, target string, deadline time.Time) payments.GroupGift {
	e.t.Helper()
	g, err := e.pay.StartGroupGift(e.ctx, payments.GroupGiftInput{OrganizerID: organizer, RecipientHandle: to, Target: usd(e.t, target),
		Title: "Birthday present", Deadline: deadline, IdempotencyKey: "gift-" + to})
	if err != nil {
		e.t.Fatalf("StartGroupGift: %v", err)
	}
	return g
}

// TestGroupGiftReached: pledges that reach the target are all taken at
// the deadline and the recipient is paid once, even with two settling
// processes; pledges and withdrawals after the deadline are refused.
func TestGroupGiftReached(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, options{})
		other := newEnv(t, db, options{})
		alice, bob, carol, dan := e.signup("alice"), e.signup("bob"), e.signup("carol"), e.signup("dan")
		e.fund(carol, "50")
		e.fund(dan, "50")
		deadline := e.clock.Now().Add(48 * time.Hour)
		g := e.startGift(alice, "bob", "30", deadline)
		if g.Status != payments.GiftOpen || g.PostID == "" || !strings.Contains(g.Rule(), "All or nothing") {
			t.Fatalf("StartGroupGift = %+v", g)
		}
		post, err := e.social.Post(e.ctx, carol, g.PostID)
		must(t, "the gift's post", err)
		if !strings.Contains(post.Body, "All or nothing") || !strings.Contains(post.Body, "$30.00") {
			t.Fatalf("the post does not say the rule: %q", post.Body)
		}
		// Starting it again with the key is the same gift.
		if again := e.startGift(alice, "bob", "30", deadline); again.ID != g.ID {
			t.Fatalf("a retried start made gift %s, want %s", again.ID, g.ID)
		}
		p1, err := e.pay.Pledge(e.ctx, carol, g.ID, usd(t, "20"), "c1")
		must(t, "Pledge(carol)", err)
		_, err = e.pay.Pledge(e.ctx, dan, g.ID, usd(t, "15"), "d1")
		must(t, "Pledge(dan)", err)
		_, err = e.pay.Pledge(e.ctx, bob, g.ID, usd(t, "1"), "b1")
		wantCode(t, "Pledge(the recipient)", err, nestegg.Invalid)
		if p1.Status != payments.PledgeReserved {
			t.Fatalf("pledge = %+v", p1)
		}
		// Reserved: not spendable, not yet anyone else's.
		e.wantBalance(carol, "USD", 30_00)
		e.wantBalance(dan, "USD", 35_00)
		e.wantBalance(bob, "USD", 0)
		if n, err := e.pay.SettleGroupGifts(e.ctx); err != nil || n != 0 {
			t.Fatalf("SettleGroupGifts before the deadline = %d, %v", n, err)
		}
		e.clock.Advance(49 * time.Hour)
		other.clock.Advance(50 * time.Hour)
		_, err = e.pay.Pledge(e.ctx, carol, g.ID, usd(t, "1"), "c2")
		wantCode(t, "Pledge after the deadline", err, nestegg.Conflict)
		_, err = e.pay.WithdrawPledge(e.ctx, carol, p1.ID)
		wantCode(t, "WithdrawPledge after the deadline", err, nestegg.Conflict)
		var wg sync.WaitGroup
		var n1, n2 int
		var e1, e2 error
		wg.Add(2)
		go func() { defer wg.Done(); n1, e1 = e.pay.SettleGroupGifts(e.ctx) }()
		go func() { defer wg.Done(); n2, e2 = other.pay.SettleGroupGifts(e.ctx) }()
		wg.Wait()
		if e1 != nil || e2 != nil || n1+n2 != 1 {
			t.Fatalf("two settling processes: %d %v, %d %v; want one settlement", n1, e1, n2, e2)
		}
		e.wantBalance(bob, "USD", 35_00)
		e.wantBalance(carol, "USD", 30_00)
		e.wantBalance(dan, "USD", 35_00)
		got, err := e.pay.GroupGift(e.ctx, alice, g.ID)
		must(t, "GroupGift", err)
		if got.Status != payments.GiftPaid || got.Pledged != 35_00 || len(got.Pledges) != 2 {
			t.Fatalf("after the deadline: %+v", got)
		}
		for _, p := range got.Pledges {
			if p.Status != payments.PledgeTaken {
				t.Fatalf("pledge %s is %s, want taken", p.ID, p.Status)
			}
		}
		if n, err := e.pay.SettleGroupGifts(e.ctx); err != nil || n != 0 {
			t.Fatalf("SettleGroupGifts again = %d, %v", n, err)
		}
		e.hasNotification(bob, payments.NotifyGroupGift)
		e.checkBooks()
	})
}

// TestGroupGiftMissed: a gift that misses its target releases every
// pledge and pays nobody; a pledge withdrawn before the deadline is
// released at once.
func TestGroupGiftMissed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, options{})
		alice, bob, carol, dan := e.signup("alice"), e.signup("bob"), e.signup("carol"), e.signup("dan")
		e.fund(carol, "50")
		e.fund(dan, "50")
		e.fund(alice, "50")
		g := e.startGift(alice, "bob", "100", e.clock.Now().Add(time.Hour))
		_, err := e.pay.Pledge(e.ctx, carol, g.ID, usd(t, "20"), "c1")
		must(t, "Pledge(carol)", err)
		pd, err := e.pay.Pledge(e.ctx, dan, g.ID, usd(t, "10"), "d1")
		must(t, "Pledge(dan)", err)
		_, err = e.pay.Pledge(e.ctx, alice, g.ID, usd(t, "45"), "a1")
		must(t, "Pledge(alice)", err)
		_, err = e.pay.Pledge(e.ctx, carol, g.ID, usd(t, "40"), "c-too-much")
		wantCode(t, "Pledge beyond the wallet", err, nestegg.InsufficientFunds)
		// Dan withdraws: his money is his again, and the total drops below
		// further from the target (20 + 45 = 65 < 100).
		w, err := e.pay.WithdrawPledge(e.ctx, dan, pd.ID)
		must(t, "WithdrawPledge", err)
		if w.Status != payments.PledgeWithdrawn {
			t.Fatalf("withdrawn pledge = %+v", w)
		}
		e.wantBalance(dan, "USD", 50_00)
		if _, err := e.pay.WithdrawPledge(e.ctx, dan, pd.ID); err != nil {
			t.Fatalf("withdrawing twice: %v", err)
		}
		_, err = e.pay.WithdrawPledge(e.ctx, carol, pd.ID)
		wantCode(t, "WithdrawPledge(not theirs)", err, nestegg.NotFound)
		got, err := e.pay.GroupGift(e.ctx, carol, g.ID)
		must(t, "GroupGift", err)
		if got.Pledged != 65_00 || got.Pledgers != 2 || len(got.Pledges) != 1 {
			t.Fatalf("carol sees %+v", got)
		}
		e.clock.Advance(2 * time.Hour)
		n, err := e.pay.SettleGroupGifts(e.ctx)
		if err != nil || n != 1 {
			t.Fatalf("SettleGroupGifts = %d, %v", n, err)
		}
		e.wantBalance(bob, "USD", 0)
		e.wantBalance(carol, "USD", 50_00)
		e.wantBalance(alice, "USD", 50_00)
		got, err = e.pay.GroupGift(e.ctx, alice, g.ID)
		must(t, "GroupGift", err)
		if got.Status != payments.GiftFailed {
			t.Fatalf("gift = %s, want failed", got.Status)
		}
		for _, p := range got.Pledges {
			if p.Status != payments.PledgeReleased && p.Status != payments.PledgeWithdrawn {
				t.Fatalf("pledge %s is %s", p.ID, p.Status)
			}
		}
		if n, err := e.pay.SettleGroupGifts(e.ctx); err != nil || n != 0 {
			t.Fatalf("SettleGroupGifts again = %d, %v", n, err)
		}
		e.hasNotification(carol, payments.NotifyGroupGift)
		e.checkBooks()
	})
}

// TestGroupGiftRefusals: a bad start moves nothing and makes no gift.
func TestGroupGiftRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, options{})
		alice := e.signup("alice")
		e.signup("bob")
		for _, tc := range []struct {
			name string
			in   payments.GroupGiftInput
		}{
			{"past deadline", payments.GroupGiftInput{RecipientHandle: "bob", Target: usd(t, "5"), Title: "x", Deadline: e.clock.Now().Add(-time.Hour)}},
			{"far deadline", payments.GroupGiftInput{RecipientHandle: "bob", Target: usd(t, "5"), Title: "x", Deadline: e.clock.Now().Add(100 * 24 * time.Hour)}},
			{"no title", payments.GroupGiftInput{RecipientHandle: "bob", Target: usd(t, "5"), Deadline: e.clock.Now().Add(time.Hour)}},
			{"nobody", payments.GroupGiftInput{RecipientHandle: "zed", Target: usd(t, "5"), Title: "x", Deadline: e.clock.Now().Add(time.Hour)}},
		} {
			tc.in.OrganizerID, tc.in.IdempotencyKey = alice, tc.name
			if _, err := e.pay.StartGroupGift(e.ctx, tc.in); err == nil {
				t.Errorf("%s: StartGroupGift succeeded", tc.name)
			}
		}
		if n := e.count("SELECT count(*) FROM payment_group_gifts"); n != 0 {
			t.Fatalf("%d gifts made by refusals", n)
		}
	})
}
