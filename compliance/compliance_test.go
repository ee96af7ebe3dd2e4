package compliance_test

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/compliance"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Millisecond)
	return c.t
}

// payment is an earlier movement as the movement kernel records it for
// the limits (compliance.Record): a completed or held payment uses its
// amount; a cancelled one used it and gave it back; a completed send
// makes its payee known.
type payment struct {
	payer, payee, asset, status, kind string
	amount                            int64
	ago                               time.Duration
}

var seq int

func insert(t *testing.T, db *store.DB, s *compliance.Service, now time.Time, p payment) {
	t.Helper()
	class := compliance.Spend
	if p.kind == "deposit" || p.kind == "card_topup" {
		class = compliance.Funding
	}
	at := now.Add(-p.ago)
	u := compliance.Usage{UserID: p.payer, Class: class, Asset: p.asset, Amount: p.amount, At: at}
	if p.status == "completed" && (p.kind == "" || p.kind == "send") {
		u.PayeeID = p.payee
	}
	err := db.Write(context.Background(), func(tx *sql.Tx) error {
		if err := s.Record(context.Background(), tx, u); err != nil {
			return err
		}
		if p.status == "cancelled" {
			u.Amount, u.PayeeID = -u.Amount, ""
			return s.Record(context.Background(), tx, u)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("record usage: %v", err)
	}
}

func check(t *testing.T, db *store.DB, s *compliance.Service, m compliance.Movement) compliance.Decision {
	t.Helper()
	var d compliance.Decision
	err := db.Write(context.Background(), func(tx *sql.Tx) error {
		var err error
		d, err = s.Check(context.Background(), tx, m)
		return err
	})
	if err != nil {
		t.Fatalf("Check(%+v): %v", m, err)
	}
	return d
}

func TestCheckRules(t *testing.T) {
	p2p := func(amount int64) compliance.Movement {
		return compliance.Movement{Kind: compliance.KindP2P, Class: compliance.Spend, Holdable: true, FromUser: "usr_a", ToUser: "usr_b", Asset: "USD", Amount: amount}
	}
	topup := func(amount int64) compliance.Movement {
		return compliance.Movement{Kind: "card_topup", Class: compliance.Funding, FromUser: "usr_a", Asset: "USD", Amount: amount}
	}
	tests := []struct {
		name     string
		cooling  int64
		tier     compliance.Tier
		frozen   bool
		history  []payment
		move     compliance.Movement
		want     compliance.Outcome
		holdTime time.Duration
	}{
		{name: "small payment", move: p2p(100), want: compliance.Allow},
		{name: "exactly the per-transfer limit", move: p2p(500_00), want: compliance.Allow},
		{name: "over per-transfer", move: p2p(500_01), want: compliance.Deny},
		{name: "verified has 10x", tier: compliance.Verified, move: p2p(5_000_00), want: compliance.Allow},
		{name: "verified over per-transfer", tier: compliance.Verified, move: p2p(5_000_01), want: compliance.Deny},
		{name: "frozen cannot send", frozen: true, move: p2p(1), want: compliance.Deny},
		{name: "frozen cannot refund", frozen: true, move: compliance.Movement{Kind: "refund", FromUser: "usr_a", ToUser: "usr_b", Asset: "USD", Amount: 1}, want: compliance.Deny},
		{name: "frozen may be credited", frozen: true, move: compliance.Movement{Kind: compliance.KindCredit, ToUser: "usr_a", Asset: "USD", Amount: 1}, want: compliance.Allow},
		{name: "day limit reached", history: []payment{{payer: "usr_a", payee: "usr_c", asset: "USD", status: "completed", amount: 900_00, ago: time.Hour}},
			move: p2p(100_01), want: compliance.Deny},
		{name: "day limit exactly", history: []payment{{payer: "usr_a", payee: "usr_c", asset: "USD", status: "completed", amount: 900_00, ago: time.Hour}},
			move: p2p(100_00), want: compliance.Allow},
		{name: "held payments count", history: []payment{{payer: "usr_a", payee: "usr_c", asset: "USD", status: "held", amount: 900_00, ago: time.Hour}},
			move: p2p(100_01), want: compliance.Deny},
		{name: "cancelled payments do not count", history: []payment{{payer: "usr_a", payee: "usr_c", asset: "USD", status: "cancelled", amount: 900_00, ago: time.Hour}},
			move: p2p(100_01), want: compliance.Allow},
		{name: "tips and coin purchases count", history: []payment{
			{payer: "usr_a", payee: "usr_c", asset: "USD", status: "completed", kind: "tip", amount: 500_00, ago: time.Hour},
			{payer: "usr_a", asset: "USD", status: "completed", kind: "coin_buy", amount: 400_00, ago: time.Hour}},
			move: p2p(100_01), want: compliance.Deny},
		{name: "yesterday is outside the day", history: []payment{{payer: "usr_a", payee: "usr_c", asset: "USD", status: "completed", amount: 900_00, ago: 25 * time.Hour}},
			move: p2p(100_01), want: compliance.Allow},
		{name: "month limit", history: []payment{
			{payer: "usr_a", payee: "usr_c", asset: "USD", status: "completed", amount: 1_000_00, ago: 3 * 24 * time.Hour},
			{payer: "usr_a", payee: "usr_c", asset: "USD", status: "completed", amount: 900_00, ago: 10 * 24 * time.Hour}},
			move: p2p(100_01), want: compliance.Deny},
		{name: "last month is outside", history: []payment{
			{payer: "usr_a", payee: "usr_c", asset: "USD", status: "completed", amount: 1_000_00, ago: 31 * 24 * time.Hour},
			{payer: "usr_a", payee: "usr_c", asset: "USD", status: "completed", amount: 900_00, ago: 32 * 24 * time.Hour}},
			move: p2p(500_00), want: compliance.Allow},
		{name: "others' payments do not count", history: []payment{{payer: "usr_x", payee: "usr_c", asset: "USD", status: "completed", amount: 1_000_00, ago: time.Hour}},
			move: p2p(500_00), want: compliance.Allow},
		{name: "coins are not limited", move: compliance.Movement{Kind: "award", Class: compliance.Spend, FromUser: "usr_a", ToUser: "usr_b", Asset: "COIN", Amount: 1 << 40}, want: compliance.Allow},
		{name: "refunds are not limited", move: compliance.Movement{Kind: "refund", FromUser: "usr_a", ToUser: "usr_b", Asset: "USD", Amount: 900_00}, want: compliance.Allow},
		{name: "purchases and withdrawals count", history: []payment{
			{payer: "usr_a", payee: "usr_shop", asset: "USD", status: "completed", kind: "purchase", amount: 500_00, ago: time.Hour},
			{payer: "usr_a", asset: "USD", status: "completed", kind: "withdrawal", amount: 400_00, ago: time.Hour}},
			move: p2p(100_01), want: compliance.Deny},
		{name: "funding has limits of its own", history: []payment{{payer: "usr_a", asset: "USD", status: "completed", kind: "deposit", amount: 2_400_00, ago: time.Hour}},
			move: topup(100_01), want: compliance.Deny},
		{name: "funding exactly at its limit", history: []payment{{payer: "usr_a", asset: "USD", status: "completed", kind: "deposit", amount: 2_400_00, ago: time.Hour}},
			move: topup(100_00), want: compliance.Allow},
		{name: "spending does not use the funding limit", history: []payment{{payer: "usr_a", payee: "usr_c", asset: "USD", status: "completed", amount: 1_000_00, ago: time.Hour}},
			move: topup(2_500_00), want: compliance.Allow},
		{name: "the day edge: 24 hours ago still counts", history: []payment{{payer: "usr_a", payee: "usr_c", asset: "USD", status: "completed", amount: 900_00, ago: 24*time.Hour - time.Minute}},
			move: p2p(100_01), want: compliance.Deny},
		{name: "cooling-off holds a first payment to someone new", cooling: 100_00, move: p2p(100_01), want: compliance.Hold, holdTime: 24 * time.Hour},
		{name: "cooling-off spares small payments", cooling: 100_00, move: p2p(100_00), want: compliance.Allow},
		{name: "cooling-off spares known payees", cooling: 100_00,
			history: []payment{{payer: "usr_a", payee: "usr_b", asset: "USD", status: "completed", amount: 1, ago: 40 * 24 * time.Hour}},
			move:    p2p(200_00), want: compliance.Allow},
		{name: "a held first payment does not make a payee known", cooling: 100_00,
			history: []payment{{payer: "usr_a", payee: "usr_b", asset: "USD", status: "held", amount: 200_00, ago: time.Hour}},
			move:    p2p(200_00), want: compliance.Hold, holdTime: 24 * time.Hour},
		{name: "cooling-off refuses what cannot wait (a tip, a purchase)", cooling: 100_00,
			move: compliance.Movement{Kind: "purchase", Class: compliance.Spend, FromUser: "usr_a", ToUser: "usr_b", Asset: "USD", Amount: 200_00}, want: compliance.Deny},
		{name: "cooling-off spares known payees of purchases too", cooling: 100_00,
			history: []payment{{payer: "usr_a", payee: "usr_b", asset: "USD", status: "completed", amount: 1, ago: time.Hour}},
			move:    compliance.Movement{Kind: "purchase", Class: compliance.Spend, FromUser: "usr_a", ToUser: "usr_b", Asset: "USD", Amount: 200_00}, want: compliance.Allow},
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				ctx := context.Background()
				c := &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
				cfg := compliance.DefaultConfig()
				cfg.Clock = c.Now
				cfg.CoolingOffAbove = tc.cooling
				s := compliance.New(db, cfg)
				// Each case is its own payer so that cases share a database.
				user := fmt.Sprintf("usr_case%d", seq)
				seq++
				if tc.move.FromUser != "" {
					tc.move.FromUser = user
				}
				for _, p := range tc.history {
					if p.payer == "usr_a" {
						p.payer = user
					}
					insert(t, db, s, c.Now(), p)
				}
				if tc.tier != "" {
					must(t, s.SetTier(ctx, "usr_staff", user, tc.tier, "documents checked"))
				}
				if tc.frozen {
					must(t, s.Freeze(ctx, "usr_staff", user, "suspicious"))
				}
				// Preview decides the same, and writes nothing: no audit
				// row, no row for a member never seen (issue 11 item 20).
				audited := func() int {
					if tc.move.FromUser == "" {
						return 0
					}
					page, err := s.Audit(ctx, tc.move.FromUser, "", 0)
					must(t, err)
					return len(page.Entries)
				}
				before := audited()
				pv, err := s.Preview(ctx, tc.move)
				must(t, err)
				if n := audited(); n != before {
					t.Fatalf("Preview wrote %d audit rows", n-before)
				}
				now := c.Now()
				d := check(t, db, s, tc.move)
				if pv.Outcome != d.Outcome || (d.Outcome == compliance.Deny && pv.Reason != d.Reason) || pv.AuditID != "" {
					t.Fatalf("Preview(%+v) = %+v, Check = %+v; want the same decision, unrecorded", tc.move, pv, d)
				}
				if d.Outcome != tc.want {
					t.Fatalf("Check(%+v) = %+v, want %s", tc.move, d, tc.want)
				}
				if d.Outcome != compliance.Allow && d.Reason == "" {
					t.Errorf("Check(%+v) = %+v without a reason", tc.move, d)
				}
				if tc.holdTime > 0 {
					if got := d.HoldUntil.Sub(now); got < tc.holdTime || got > tc.holdTime+time.Second {
						t.Errorf("HoldUntil - now = %v, want %v", got, tc.holdTime)
					}
				}
				// Every decision is on record, as decided.
				subject := tc.move.FromUser
				page, err := s.Audit(ctx, subject, "", 0)
				must(t, err)
				if subject == "" {
					return
				}
				if len(page.Entries) == 0 || page.Entries[0].ID != d.AuditID || page.Entries[0].Outcome != string(d.Outcome) ||
					page.Entries[0].Amount != tc.move.Amount || page.Entries[0].Reason != d.Reason {
					t.Fatalf("Audit(%s) = %+v, want first the decision %+v", subject, page.Entries, d)
				}
			})
		}
	})
}

func TestStaffActionsAudited(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		c := &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
		cfg := compliance.DefaultConfig()
		cfg.Clock = c.Now
		s := compliance.New(db, cfg)
		st, err := s.Status(ctx, "usr_a")
		must(t, err)
		if st.Frozen || st.Tier != compliance.Unverified {
			t.Fatalf("Status(new) = %+v, want unverified and not frozen", st)
		}
		if err := s.Freeze(ctx, "usr_staff", "usr_a", " "); !nestegg.Is(err, nestegg.Invalid) {
			t.Fatalf("Freeze without reason = %v, want invalid", err)
		}
		if err := s.SetTier(ctx, "usr_staff", "usr_a", "gold", "why not"); !nestegg.Is(err, nestegg.Invalid) {
			t.Fatalf("SetTier(gold) = %v, want invalid", err)
		}
		must(t, s.Freeze(ctx, "usr_staff", "usr_a", "card testing"))
		st, _ = s.Status(ctx, "usr_a")
		if !st.Frozen || st.FrozenReason != "card testing" {
			t.Fatalf("Status after Freeze = %+v", st)
		}
		must(t, s.Unfreeze(ctx, "usr_staff", "usr_a", "cleared"))
		must(t, s.SetTier(ctx, "usr_staff", "usr_a", compliance.Verified, "passport"))
		st, _ = s.Status(ctx, "usr_a")
		if st.Frozen || st.Tier != compliance.Verified {
			t.Fatalf("Status after Unfreeze, SetTier = %+v", st)
		}
		check(t, db, s, compliance.Movement{Kind: compliance.KindP2P, Class: compliance.Spend, FromUser: "usr_a", ToUser: "usr_b", Asset: "USD", Amount: 5})
		// Page through the log one entry at a time: newest first, complete.
		var actions []string
		cursor := ""
		for {
			p, err := s.Audit(ctx, "usr_a", cursor, 1)
			must(t, err)
			for _, e := range p.Entries {
				actions = append(actions, e.Action+":"+e.Outcome)
			}
			if cursor = p.Next; cursor == "" {
				break
			}
		}
		want := fmt.Sprint([]string{"check:allow", "set_tier:done", "unfreeze:done", "freeze:done"})
		if fmt.Sprint(actions) != want {
			t.Fatalf("audit actions = %v, want %v", actions, want)
		}
		a, err := s.Allowance(ctx, "usr_a")
		must(t, err)
		if a.Tier != compliance.Verified || a.Limits.PerDay != 10_000_00 {
			t.Fatalf("Allowance = %+v", a)
		}
		if _, err := s.Audit(ctx, "", "!!", 0); !nestegg.Is(err, nestegg.Invalid) {
			t.Fatalf("Audit(bad cursor) = %v, want invalid", err)
		}
	})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
