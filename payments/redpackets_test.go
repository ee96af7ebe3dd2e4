package payments_test

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/money"
	"github.com/nestegg/nestegg/payments"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// TestRedPacketFlow: a packet to three people, opened by two, the third
// too late: each gets a share once, the sender sees who opened what, and
// the expiry returns the rest — the books hold throughout.
func TestRedPacketFlow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, options{})
		alice, bob, carol, dan, eve := e.signup("alice"), e.signup("bob"), e.signup("carol"), e.signup("dan"), e.signup("eve")
		e.fund(alice, "50")
		p, err := e.pay.SendRedPacket(e.ctx, payments.RedPacketInput{SenderID: alice, Amount: usd(t, "10"), Shares: 3,
			Split: payments.SplitAtRandom, Message: "happy new year", Cover: "gold", ToHandles: []string{"bob", "@carol", "dan"}, IdempotencyKey: "rp1"})
		must(t, "SendRedPacket", err)
		if p.Status != payments.PacketOpen || p.Shares != 3 || len(p.Recipients) != 3 || p.Amount.Minor != 1000 {
			t.Fatalf("SendRedPacket = %+v", p)
		}
		e.wantBalance(alice, "USD", 40_00)
		e.hasNotification(bob, payments.NotifyRedPacket)
		// A retry sends nothing more.
		again, err := e.pay.SendRedPacket(e.ctx, payments.RedPacketInput{SenderID: alice, Amount: usd(t, "10"), Shares: 3,
			Split: payments.SplitAtRandom, Message: "happy new year", Cover: "gold", ToHandles: []string{"bob", "@carol", "dan"}, IdempotencyKey: "rp1"})
		must(t, "SendRedPacket again", err)
		if again.ID != p.ID {
			t.Fatalf("retry made packet %s, want %s", again.ID, p.ID)
		}
		e.wantBalance(alice, "USD", 40_00)
		// Outsiders and the sender cannot open it.
		_, err = e.pay.OpenRedPacket(e.ctx, eve, p.ID)
		wantCode(t, "OpenRedPacket(outsider)", err, nestegg.NotFound)
		_, err = e.pay.OpenRedPacket(e.ctx, alice, p.ID)
		wantCode(t, "OpenRedPacket(sender)", err, nestegg.Invalid)

		b1, err := e.pay.OpenRedPacket(e.ctx, bob, p.ID)
		must(t, "Open(bob)", err)
		if b1.Mine == nil || b1.Mine.Amount.Minor < 1 || len(b1.Opens) != 1 {
			t.Fatalf("Open(bob) = %+v", b1)
		}
		b2, err := e.pay.OpenRedPacket(e.ctx, bob, p.ID)
		must(t, "Open(bob) again", err)
		if b2.Mine.Amount.Minor != b1.Mine.Amount.Minor {
			t.Fatalf("second open = %d, want the first share %d", b2.Mine.Amount.Minor, b1.Mine.Amount.Minor)
		}
		e.wantBalance(bob, "USD", b1.Mine.Amount.Minor)
		c, err := e.pay.OpenRedPacket(e.ctx, carol, p.ID)
		must(t, "Open(carol)", err)
		// Carol sees only her own share; alice sees both.
		if len(c.Opens) != 1 || c.Opens[0].UserID != carol {
			t.Fatalf("carol sees %+v", c.Opens)
		}
		seen, err := e.pay.RedPacket(e.ctx, alice, p.ID)
		must(t, "RedPacket(alice)", err)
		if len(seen.Opens) != 2 || seen.Opened != 2 {
			t.Fatalf("alice sees %+v", seen)
		}
		// Nothing expires early.
		n, err := e.pay.ExpireRedPackets(e.ctx)
		must(t, "ExpireRedPackets early", err)
		if n != 0 {
			t.Fatalf("expired %d packets early", n)
		}
		e.clock.Advance(payments.RedPacketTTL + time.Second)
		_, err = e.pay.OpenRedPacket(e.ctx, dan, p.ID)
		wantCode(t, "Open(dan) after expiry", err, nestegg.Conflict)
		n, err = e.pay.ExpireRedPackets(e.ctx)
		must(t, "ExpireRedPackets", err)
		if n != 1 {
			t.Fatalf("ExpireRedPackets = %d, want 1", n)
		}
		rest := 1000 - b1.Mine.Amount.Minor - c.Mine.Amount.Minor
		e.wantBalance(alice, "USD", 40_00+rest)
		if n, err := e.pay.ExpireRedPackets(e.ctx); err != nil || n != 0 {
			t.Fatalf("ExpireRedPackets again = %d, %v", n, err)
		}
		done, err := e.pay.RedPacket(e.ctx, alice, p.ID)
		must(t, "RedPacket", err)
		if done.Status != payments.PacketExpired || done.Returned != rest {
			t.Fatalf("after expiry: %+v, want returned %d", done, rest)
		}
		e.checkBooks()
	})
}

// TestRedPacketRace: 64 members open a 10-share packet at once: exactly
// 10 get money, the shares sum to the total, the rest are told it is
// empty; two expiry runs at once then find nothing to return.
func TestRedPacketRace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, options{})
		alice := e.signup("alice")
		e.fund(alice, "100")
		author := e.post(alice, "lunar new year packet in here", "")
		var ids []string
		for i := range 64 {
			ids = append(ids, e.signup("m"+string(rune('a'+i/26))+string(rune('a'+i%26))))
		}
		p, err := e.pay.SendRedPacket(e.ctx, payments.RedPacketInput{SenderID: alice, Amount: usd(t, "23.45"), Shares: 10, PostID: author.ID, IdempotencyKey: "race"})
		must(t, "SendRedPacket", err)
		var wg sync.WaitGroup
		var mu sync.Mutex
		var got int64
		winners, empties := 0, 0
		for _, id := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r, err := e.pay.OpenRedPacket(e.ctx, id, p.ID)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil && r.Mine != nil:
					winners++
					got += r.Mine.Amount.Minor
				case nestegg.Is(err, nestegg.Conflict):
					empties++
				default:
					t.Errorf("Open(%s) = %+v, %v", id, r, err)
				}
			}()
		}
		wg.Wait()
		if winners != 10 || empties != 54 || got != 23_45 {
			t.Fatalf("%d winners (%d cents), %d told empty; want 10 (2345), 54", winners, got, empties)
		}
		seen, err := e.pay.RedPacket(e.ctx, alice, p.ID)
		must(t, "RedPacket", err)
		if seen.Status != payments.PacketEmptied || len(seen.Opens) != 10 {
			t.Fatalf("packet = %s with %d opens", seen.Status, len(seen.Opens))
		}
		e.clock.Advance(payments.RedPacketTTL + time.Second)
		var n1, n2 int
		var e1, e2 error
		wg.Add(2)
		go func() { defer wg.Done(); n1, e1 = e.pay.ExpireRedPackets(e.ctx) }()
		go func() { defer wg.Done(); n2, e2 = e.pay.ExpireRedPackets(e.ctx) }()
		wg.Wait()
		if e1 != nil || e2 != nil || n1+n2 != 0 {
			t.Fatalf("expiry of an emptied packet: %d %v, %d %v", n1, e1, n2, e2)
		}
		e.checkBooks()
	})
}

// TestRedPacketExpiryTwoProcesses: two services (two processes) run the
// expiry at once: the rest goes back once.
func TestRedPacketExpiryTwoProcesses(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, options{})
		other := newEnv(t, db, options{})
		alice, bob := e.signup("alice"), e.signup("bob")
		e.fund(alice, "20")
		p, err := e.pay.SendRedPacket(e.ctx, payments.RedPacketInput{SenderID: alice, Amount: usd(t, "9"), Shares: 3, Split: payments.SplitEvenly, ToHandles: []string{"bob"}, IdempotencyKey: "k"})
		must(t, "SendRedPacket", err)
		r, err := e.pay.OpenRedPacket(e.ctx, bob, p.ID)
		must(t, "Open", err)
		if r.Mine.Amount.Minor != 300 {
			t.Fatalf("even share = %d, want 300", r.Mine.Amount.Minor)
		}
		e.clock.Advance(payments.RedPacketTTL + time.Second)
		other.clock.Advance(payments.RedPacketTTL + time.Hour)
		var wg sync.WaitGroup
		var n1, n2 int
		var e1, e2 error
		wg.Add(2)
		go func() { defer wg.Done(); n1, e1 = e.pay.ExpireRedPackets(e.ctx) }()
		go func() { defer wg.Done(); n2, e2 = other.pay.ExpireRedPackets(e.ctx) }()
		wg.Wait()
		if e1 != nil || e2 != nil || n1+n2 != 1 {
			t.Fatalf("two expiries: %d %v, %d %v; want one return", n1, e1, n2, e2)
		}
		e.wantBalance(alice, "USD", 20_00-300)
		e.checkBooks()
	})
}

// TestRedPacketRefusals: bad input, and more than the wallet holds,
// change nothing.
func TestRedPacketRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, options{})
		alice := e.signup("alice")
		e.signup("bob")
		e.fund(alice, "5")
		for _, tc := range []struct {
			name string
			in   payments.RedPacketInput
			code nestegg.Code
		}{
			{"too little for the shares", payments.RedPacketInput{Amount: usd(t, "0.05"), Shares: 6, ToHandles: []string{"bob"}}, nestegg.Invalid},
			{"no shares", payments.RedPacketInput{Amount: usd(t, "1"), Shares: 0, ToHandles: []string{"bob"}}, nestegg.Invalid},
			{"nobody", payments.RedPacketInput{Amount: usd(t, "1"), Shares: 1}, nestegg.Invalid},
			{"unknown person", payments.RedPacketInput{Amount: usd(t, "1"), Shares: 1, ToHandles: []string{"zed"}}, nestegg.NotFound},
			{"bad cover", payments.RedPacketInput{Amount: usd(t, "1"), Shares: 1, Cover: "neon", ToHandles: []string{"bob"}}, nestegg.Invalid},
			{"bad split", payments.RedPacketInput{Amount: usd(t, "1"), Shares: 1, Split: "weighted", ToHandles: []string{"bob"}}, nestegg.Invalid},
			{"to yourself", payments.RedPacketInput{Amount: usd(t, "1"), Shares: 1, ToHandles: []string{"alice"}}, nestegg.Invalid},
			{"more than the wallet", payments.RedPacketInput{Amount: usd(t, "6"), Shares: 2, ToHandles: []string{"bob"}}, nestegg.InsufficientFunds},
		} {
			tc.in.SenderID, tc.in.IdempotencyKey = alice, tc.name
			_, err := e.pay.SendRedPacket(e.ctx, tc.in)
			wantCode(t, tc.name, err, tc.code)
		}
		e.wantBalance(alice, "USD", 5_00)
		if n := e.count("SELECT count(*) FROM payment_red_packets"); n != 0 {
			t.Fatalf("%d packets left behind by refusals", n)
		}
	})
}

// TestRedPacketSharesProperty: packets with random totals, share counts
// and splits, sent and opened by everyone they are for, on the database:
// the shares paid out sum exactly to the total, none is below the
// minimum unit (one cent), an even split differs by at most a cent, and
// the book auditor holds after every packet.
func TestRedPacketSharesProperty(t *testing.T) {
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		rng := rand.New(rand.NewPCG(uint64(seed), 2))
		e := newEnv(t, db, options{})
		alice := e.signup("alice")
		e.fund(alice, "1000")
		var handles, ids []string
		for i := range 12 {
			h := fmt.Sprintf("r%02d", i)
			handles, ids = append(handles, h), append(ids, e.signup(h))
		}
		for round := range 10 {
			n := 1 + rng.IntN(len(handles))
			var total int64
			switch rng.IntN(3) {
			case 0:
				total = int64(n) // one cent each: the tightest
			case 1:
				total = int64(n) + int64(rng.IntN(100))
			default:
				total = int64(n) + rng.Int64N(80_00) // ten packets stay under tier 0's daily limit
			}
			split := payments.SplitAtRandom
			if rng.IntN(2) == 0 {
				split = payments.SplitEvenly
			}
			what := fmt.Sprintf("packet %d: %d cents in %d shares, %s", round, total, n, split)
			p, err := e.pay.SendRedPacket(e.ctx, payments.RedPacketInput{SenderID: alice, Amount: money.Amount{Asset: usd(t, "1").Asset, Minor: total},
				Shares: n, Split: split, ToHandles: handles, IdempotencyKey: fmt.Sprintf("prop-%d", round)})
			must(t, what, err)
			var sum, lo, hi int64 = 0, 1 << 62, 0
			for _, id := range ids {
				r, err := e.pay.OpenRedPacket(e.ctx, id, p.ID)
				if nestegg.Is(err, nestegg.Conflict) {
					continue // emptied: n were opened before this one
				}
				must(t, what+": open", err)
				s := r.Mine.Amount.Minor
				if s < 1 {
					t.Fatalf("%s: a share of %d", what, s)
				}
				sum, lo, hi = sum+s, min(lo, s), max(hi, s)
			}
			seen, err := e.pay.RedPacket(e.ctx, alice, p.ID)
			must(t, "RedPacket", err)
			if sum != total || len(seen.Opens) != n || seen.Status != payments.PacketEmptied {
				t.Fatalf("%s: %d opens summing to %d, status %s", what, len(seen.Opens), sum, seen.Status)
			}
			if split == payments.SplitEvenly && hi-lo > 1 {
				t.Fatalf("%s: even shares from %d to %d", what, lo, hi)
			}
			e.audited(what)
		}
	})
}
