package payments_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/money"
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
		e.audited("starting the gift")
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
		e.audited("carol's pledge")
		_, err = e.pay.Pledge(e.ctx, dan, g.ID, usd(t, "15"), "d1")
		must(t, "Pledge(dan)", err)
		e.audited("dan's pledge, reaching the target")
		_, err = e.pay.Pledge(e.ctx, bob, g.ID, usd(t, "1"), "b1")
		wantCode(t, "Pledge(the recipient)", err, nestegg.Invalid)
		e.audited("the recipient's refused pledge")
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
		e.audited("a pledge and a withdrawal refused after the deadline")
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
		e.audited("the target reached: every pledge taken, the recipient paid")
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
		e.audited("starting the gift")
		_, err := e.pay.Pledge(e.ctx, carol, g.ID, usd(t, "20"), "c1")
		must(t, "Pledge(carol)", err)
		e.audited("carol's pledge")
		pd, err := e.pay.Pledge(e.ctx, dan, g.ID, usd(t, "10"), "d1")
		must(t, "Pledge(dan)", err)
		e.audited("dan's pledge")
		_, err = e.pay.Pledge(e.ctx, alice, g.ID, usd(t, "45"), "a1")
		must(t, "Pledge(alice)", err)
		e.audited("alice's pledge")
		_, err = e.pay.Pledge(e.ctx, carol, g.ID, usd(t, "40"), "c-too-much")
		wantCode(t, "Pledge beyond the wallet", err, nestegg.InsufficientFunds)
		e.audited("a pledge beyond the wallet, refused")
		// Dan withdraws: his money is his again, and the total drops below
		// further from the target (20 + 45 = 65 < 100).
		w, err := e.pay.WithdrawPledge(e.ctx, dan, pd.ID)
		must(t, "WithdrawPledge", err)
		if w.Status != payments.PledgeWithdrawn {
			t.Fatalf("withdrawn pledge = %+v", w)
		}
		e.wantBalance(dan, "USD", 50_00)
		e.audited("dan's withdrawal")
		if _, err := e.pay.WithdrawPledge(e.ctx, dan, pd.ID); err != nil {
			t.Fatalf("withdrawing twice: %v", err)
		}
		e.audited("dan's withdrawal again")
		_, err = e.pay.WithdrawPledge(e.ctx, carol, pd.ID)
		wantCode(t, "WithdrawPledge(not theirs)", err, nestegg.NotFound)
		e.audited("a withdrawal of someone else's pledge, refused")
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
		e.audited("the deadline missed: every pledge released")
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

// TestGroupGiftSteps: random pledges and withdrawals by four members to
// gifts with random targets, checked against a model after every step —
// each member's spendable balance, the gift's pledged total — with the
// book auditor run after every step too; at the deadline the gift pays
// the recipient everything pledged when the model says the target was
// reached, and otherwise releases every pledge.
func TestGroupGiftSteps(t *testing.T) {
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		rng := rand.New(rand.NewPCG(uint64(seed), 19))
		e := newEnv(t, db, options{})
		organizer, recipient := e.signup("olive"), e.signup("rory")
		members := []string{e.signup("m1"), e.signup("m2"), e.signup("m3"), e.signup("m4")}
		spendable := map[string]int64{}
		for _, m := range members {
			e.fund(m, "40")
			spendable[m] = 40_00
		}
		received := int64(0)
		for round := range 3 {
			target := int64(20_00 + rng.IntN(100_00))
			g, err := e.pay.StartGroupGift(e.ctx, payments.GroupGiftInput{OrganizerID: organizer, RecipientHandle: "rory",
				Target: usd(t, fmt.Sprintf("%d.%02d", target/100, target%100)), Title: fmt.Sprintf("round %d", round),
				Deadline: e.clock.Now().Add(time.Hour), IdempotencyKey: fmt.Sprintf("round-%d", round)})
			must(t, "StartGroupGift", err)
			e.audited("starting a gift")
			type pledge struct {
				id, by string
				amount int64
				live   bool
			}
			var pledges []*pledge
			pledged := int64(0)
			for step := range 12 {
				var what string
				if live := slicesLive(pledges, func(p *pledge) bool { return p.live }); len(live) > 0 && rng.IntN(3) == 0 {
					p := pledges[live[rng.IntN(len(live))]]
					what = fmt.Sprintf("step %d: %s withdraws %d", step, p.by, p.amount)
					w, err := e.pay.WithdrawPledge(e.ctx, p.by, p.id)
					must(t, what, err)
					if w.Status != payments.PledgeWithdrawn {
						t.Fatalf("%s: pledge is %s", what, w.Status)
					}
					p.live = false
					spendable[p.by] += p.amount
					pledged -= p.amount
				} else {
					by := members[rng.IntN(len(members))]
					amount := int64(1 + rng.IntN(25_00))
					what = fmt.Sprintf("step %d: %s pledges %d", step, by, amount)
					p, err := e.pay.Pledge(e.ctx, by, g.ID, money.Amount{Asset: g.Target.Asset, Minor: amount}, fmt.Sprintf("r%d-s%d", round, step))
					switch {
					case amount > spendable[by]:
						wantCode(t, what+" (more than the wallet holds)", err, nestegg.InsufficientFunds)
					default:
						must(t, what, err)
						pledges = append(pledges, &pledge{id: p.ID, by: by, amount: amount, live: true})
						spendable[by] -= amount
						pledged += amount
					}
				}
				e.audited(what)
				for _, m := range members {
					e.wantBalance(m, "USD", spendable[m])
				}
				got, err := e.pay.GroupGift(e.ctx, organizer, g.ID)
				must(t, "GroupGift", err)
				if got.Pledged != pledged {
					t.Fatalf("after %s: the gift has %d pledged, the model %d", what, got.Pledged, pledged)
				}
			}
			e.clock.Advance(2 * time.Hour)
			n, err := e.pay.SettleGroupGifts(e.ctx)
			if err != nil || n != 1 {
				t.Fatalf("SettleGroupGifts = %d, %v", n, err)
			}
			reached := pledged >= target
			what := fmt.Sprintf("round %d's deadline (target %d, pledged %d)", round, target, pledged)
			e.audited(what)
			t.Logf("%s: reached %v", what, reached)
			got, err := e.pay.GroupGift(e.ctx, organizer, g.ID)
			must(t, "GroupGift", err)
			for _, p := range pledges {
				if !p.live {
					continue
				}
				if !reached {
					spendable[p.by] += p.amount
				}
			}
			if reached {
				received += pledged
				if got.Status != payments.GiftPaid {
					t.Fatalf("%s: gift is %s, want paid", what, got.Status)
				}
			} else if got.Status != payments.GiftFailed {
				t.Fatalf("%s: gift is %s, want failed", what, got.Status)
			}
			for _, p := range got.Pledges {
				want := payments.PledgeWithdrawn
				for _, q := range pledges {
					if q.id == p.ID && q.live {
						want = payments.PledgeReleased
						if reached {
							want = payments.PledgeTaken
						}
					}
				}
				if p.Status != want {
					t.Fatalf("%s: pledge %s is %s, want %s", what, p.ID, p.Status, want)
				}
			}
			for _, m := range members {
				e.wantBalance(m, "USD", spendable[m])
			}
			e.wantBalance(recipient, "USD", received)
		}
	})
}

// slicesLive returns the indexes of the elements of s that keep holds.
func slicesLive[T any](s []T, keep func(T) bool) []int {
	var out []int
	for i, v := range s {
		if keep(v) {
			out = append(out, i)
		}
	}
	return out
}
