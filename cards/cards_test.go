package cards_test

import (
	"strings"
	"testing"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/cards"
	"github.com/nestegg/nestegg/compliance"
	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/rails"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// TestIssueAndControls: a card is issued once per key with the issuer's
// last four, is its member's alone, freezes and unfreezes, and takes
// controls within bounds.
func TestIssueAndControls(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		alice, bob := e.signup("alice"), e.signup("bob")
		c, err := e.cards.Issue(e.ctx, alice, "card-1")
		if err != nil {
			t.Fatal(err)
		}
		again, err := e.cards.Issue(e.ctx, alice, "card-1")
		if err != nil || again.ID != c.ID {
			t.Fatalf("Issue with the same key = %+v, %v; want %s", again, err, c.ID)
		}
		if c.Status != cards.Active || len(c.Last4) != 4 || c.ExpYear != 2030 || c.IssuerCardID == "" {
			t.Fatalf("Issue = %+v", c)
		}
		if n := e.reveal(alice, c); !strings.HasSuffix(n, c.Last4) {
			t.Fatalf("the issuer's number does not end in the card's last four %s", c.Last4)
		}
		if _, err := e.cards.Get(e.ctx, bob, c.ID); !nestegg.Is(err, nestegg.NotFound) {
			t.Fatalf("Get(bob, alice's card) = %v, want not found", err)
		}
		if _, err := e.cards.Freeze(e.ctx, bob, c.ID); !nestegg.Is(err, nestegg.NotFound) {
			t.Fatalf("Freeze(bob, alice's card) = %v, want not found", err)
		}
		if _, err := e.cards.Reveal(e.ctx, bob, c.ID); !nestegg.Is(err, nestegg.NotFound) {
			t.Fatalf("Reveal(bob, alice's card) = %v, want not found", err)
		}
		if _, err := e.cards.Issue(e.ctx, "usr_nobody", "k"); !nestegg.Is(err, nestegg.NotFound) {
			t.Fatalf("Issue(nobody) = %v, want not found", err)
		}
		f, err := e.cards.Freeze(e.ctx, alice, c.ID)
		if err != nil || f.Status != cards.Frozen {
			t.Fatalf("Freeze = %+v, %v", f, err)
		}
		if ic, _ := e.iss.IssuedCard(e.ctx, c.IssuerCardID); ic.Status != rails.CardFrozen {
			t.Fatalf("the issuer's card is %s after a freeze", ic.Status)
		}
		if f, err := e.cards.Freeze(e.ctx, alice, c.ID); err != nil || f.Status != cards.Frozen {
			t.Fatalf("Freeze twice = %+v, %v", f, err)
		}
		u, err := e.cards.Unfreeze(e.ctx, alice, c.ID)
		if err != nil || u.Status != cards.Active {
			t.Fatalf("Unfreeze = %+v, %v", u, err)
		}
		lim, daily := int64(25_00), int64(40_00)
		blocked := []string{"7995", "6011", "7995"}
		off := false
		got, err := e.cards.SetControls(e.ctx, alice, c.ID, cards.ControlsInput{PerPurchase: &lim, Daily: &daily, BlockedCategories: &blocked, Online: &off})
		if err != nil || got.Controls.PerPurchase != lim || got.Controls.Daily != daily || strings.Join(got.Controls.BlockedCategories, ",") != "7995,6011" ||
			got.Controls.Online || !got.Controls.ATM {
			t.Fatalf("SetControls = %+v, %v", got.Controls, err)
		}
		neg := int64(-1)
		for name, in := range map[string]cards.ControlsInput{
			"per_purchase_limit": {PerPurchase: &neg},
			"daily_limit":        {Daily: &neg},
			"blocked_categories": {BlockedCategories: &[]string{"58x2"}},
		} {
			if _, err := e.cards.SetControls(e.ctx, alice, c.ID, in); nestegg.ErrorParam(err) != name {
				t.Errorf("SetControls(bad %s) = %v", name, err)
			}
		}
		if got, _ := e.cards.Get(e.ctx, alice, c.ID); got.Controls.PerPurchase != lim {
			t.Fatalf("a refused change changed the controls: %+v", got.Controls)
		}
		for i := 0; i < 4; i++ {
			e.issue(alice)
		}
		if _, err := e.cards.Issue(e.ctx, alice, "one-too-many"); !nestegg.Is(err, nestegg.Conflict) {
			t.Fatalf("a sixth card = %v, want conflict", err)
		}
		if l, err := e.cards.List(e.ctx, alice); err != nil || len(l) != 5 {
			t.Fatalf("List = %d cards, %v", len(l), err)
		}
	})
}

// TestDeclines: every reason to decline, each leaving the wallet as it was
// and the decline on record; the approval and a partial approval hold.
func TestDeclines(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		alice := e.signup("alice")
		e.fund(alice, 700_00)
		c := e.issue(alice)
		lim, daily := int64(100_00), int64(150_00)
		blocked := []string{"7995"}
		off := false
		if _, err := e.cards.SetControls(e.ctx, alice, c.ID, cards.ControlsInput{PerPurchase: &lim, Daily: &daily, BlockedCategories: &blocked, Online: &off, ATM: &off}); err != nil {
			t.Fatal(err)
		}
		decline := func(name string, want string, amount int64, mod ...func(*rails.Purchase)) {
			t.Helper()
			before := e.wallet(alice)
			a := e.buy(c, amount, mod...)
			if a.Approved || a.Reason != want {
				t.Errorf("%s: %+v, want declined %s", name, a, want)
			}
			if got := e.wallet(alice); got != before {
				t.Errorf("%s: the wallet went from %d to %d", name, before, got)
			}
		}
		decline("online", cards.ReasonOnline, 1_00, func(p *rails.Purchase) { p.Channel = rails.ChannelOnline })
		decline("atm", cards.ReasonATM, 1_00, func(p *rails.Purchase) { p.Channel = rails.ChannelATM; p.Merchant.Category = "6011" })
		decline("category", cards.ReasonCategory, 1_00, func(p *rails.Purchase) { p.Merchant.Category = "7995" })
		decline("per purchase", cards.ReasonPurchaseLimit, 100_01)
		decline("currency", cards.ReasonCurrency, 1_00, func(p *rails.Purchase) { p.Currency = "EUR" })
		ok := e.buy(c, 100_00)
		if !ok.Approved || ok.Amount != 100_00 {
			t.Fatalf("a purchase within everything = %+v", ok)
		}
		if got := e.wallet(alice); got != 600_00 {
			t.Fatalf("after a 100.00 hold the wallet has %d available, want 60000", got)
		}
		decline("daily", cards.ReasonDailyLimit, 50_01)
		// Nestegg declines a frozen card itself, whatever the issuer does.
		if _, err := e.cards.Freeze(e.ctx, alice, c.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := e.iss.SetFrozen(e.ctx, c.IssuerCardID, false); err != nil {
			t.Fatal(err)
		}
		decline("frozen", cards.ReasonFrozen, 1_00)
		if _, err := e.cards.Unfreeze(e.ctx, alice, c.ID); err != nil {
			t.Fatal(err)
		}
		// Tomorrow the daily count starts over.
		e.clock.Advance(24 * 60 * 60 * 1e9)
		none := int64(0)
		if _, err := e.cards.SetControls(e.ctx, alice, c.ID, cards.ControlsInput{PerPurchase: &none, Daily: &none}); err != nil {
			t.Fatal(err)
		}
		// The checkpoint: an unverified member's purchase over 500.00.
		decline("compliance limit", cards.ReasonCompliance, 500_01)
		if a := e.buy(c, 450_00); !a.Approved {
			t.Fatalf("450.00 = %+v", a)
		}
		decline("funds", cards.ReasonFunds, 150_01)
		p := e.buy(c, 200_00, func(p *rails.Purchase) { p.PartialAllowed = true })
		if !p.Approved || p.Amount != 150_00 || p.Requested != 200_00 {
			t.Fatalf("partial approval = %+v, want 150.00 of 200.00", p)
		}
		if got := e.wallet(alice); got != 0 {
			t.Fatalf("after the partial approval %d available, want 0", got)
		}
		e.fund(alice, 10_00)
		if err := e.comp.Freeze(e.ctx, "usr_staff", alice, "fraud review"); err != nil {
			t.Fatal(err)
		}
		decline("member frozen", cards.ReasonCompliance, 1_00)
		// Declines are on the card's record with their reasons.
		act, err := e.cards.Activity(e.ctx, alice, c.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		reasons := map[string]bool{}
		for _, a := range act {
			if a.Status == cards.StatusDeclined {
				reasons[a.Reason] = true
			}
		}
		for _, r := range []string{cards.ReasonOnline, cards.ReasonATM, cards.ReasonCategory, cards.ReasonPurchaseLimit, cards.ReasonCurrency,
			cards.ReasonDailyLimit, cards.ReasonFrozen, cards.ReasonCompliance, cards.ReasonFunds} {
			if !reasons[r] {
				t.Errorf("no declined line for %s in %v", r, reasons)
			}
		}
		// An unknown card is declined before anything is read of a member.
		d, err := e.cards.Authorize(e.ctx, rails.AuthorizationRequest{AuthorizationID: "iauth_x", CardID: "ic_sbx_unknown", Amount: 1, Currency: "USD"})
		if err != nil || d.Approved || d.Reason != cards.ReasonUnknownCard {
			t.Fatalf("Authorize(unknown card) = %+v, %v", d, err)
		}
		// The issuer asking again gets the first answer.
		d, err = e.cards.Authorize(e.ctx, rails.AuthorizationRequest{AuthorizationID: ok.ID, CardID: c.IssuerCardID, Amount: 100_00, Currency: "USD", Merchant: bean})
		if err != nil || !d.Approved || d.Amount != 100_00 {
			t.Fatalf("Authorize again = %+v, %v; want the first approval", d, err)
		}
		if got := e.platform(cards.KindIssuing); got != 0 {
			t.Fatalf("holds posted something to card issuing: %d", got)
		}
	})
}

// TestPurchaseLifecycle: an authorization, an increment, a capture above
// the authorization (a tip) with interchange and cash back, a refund;
// a capture below, a reversal; the statement shows the purchase pending,
// then posted, with the merchant.
func TestPurchaseLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		alice := e.signup("alice")
		e.fund(alice, 100_00)
		c := e.issue(alice)
		a := e.buy(c, 20_00)
		st := e.statement(alice)
		if len(st.Lines) == 0 || st.Lines[0].Status != "pending" || !strings.Contains(st.Lines[0].Note, "Bean There Café") ||
			!strings.Contains(st.Lines[0].Note, "Restaurants (5812)") || st.Lines[0].Label != "Card purchase" {
			t.Fatalf("statement after the authorization = %+v", st.Lines)
		}
		inc, err := e.iss.SimulateIncrement(e.ctx, a.ID, 5_00)
		if err != nil || !inc.Approved || inc.Amount != 25_00 {
			t.Fatalf("SimulateIncrement = %+v, %v", inc, err)
		}
		if got := e.wallet(alice); got != 75_00 {
			t.Fatalf("available after 25.00 held = %d", got)
		}
		cap, err := e.iss.SimulateCapture(e.ctx, a.ID, 30_00) // a 5.00 tip
		if err != nil {
			t.Fatal(err)
		}
		if got, p := e.wallet(alice), e.posted(alice); p != 100_00-30_00+90 || got != p {
			t.Fatalf("after a 30.00 capture: posted %d available %d, want %d (less 30.00, plus 3%% cash back)", p, got, 100_00-30_00+90)
		}
		if got := e.platform(ledger.KindFeeRevenue); got != 45 {
			t.Fatalf("interchange = %d, want 45 (1.5%% of 30.00)", got)
		}
		if got := e.platform(cards.KindRewards); got != -90 {
			t.Fatalf("rewards expense = %d, want -90", got)
		}
		if got := e.platform(cards.KindIssuing); got != 30_00-45 {
			t.Fatalf("owed to the network = %d, want %d", got, 30_00-45)
		}
		st = e.statement(alice)
		labels := []string{}
		for _, l := range st.Lines {
			labels = append(labels, l.Label+"/"+string(l.Status))
		}
		if len(st.Lines) < 2 || st.Lines[0].Label != "Card cash back" || st.Lines[0].Amount != 90 || st.Lines[0].Balance != e.posted(alice) {
			t.Fatalf("statement after the capture: %v", labels)
		}
		posted := 0
		for _, l := range st.Lines {
			if l.Label == "Card purchase" && l.Status == "posted" {
				posted++
			}
		}
		if posted < 2 {
			t.Fatalf("the capture's posted lines are missing: %v", labels)
		}
		e.clock.Advance(time.Second)
		if _, err := e.iss.SimulateRefund(e.ctx, cap.ID, 10_00); err != nil {
			t.Fatal(err)
		}
		if got := e.posted(alice); got != 100_00-30_00+90+10_00 {
			t.Fatalf("after a 10.00 refund %d", got)
		}
		if err := e.cards.Notify(e.ctx, rails.IssuingEvent{Type: rails.EventRefunded, Transaction: rails.IssuingTransaction{ID: "ipi_more", AuthorizationID: a.ID, Amount: 20_01}}); !nestegg.Is(err, nestegg.Invalid) {
			t.Fatalf("a refund beyond the capture = %v, want invalid", err)
		}
		// Below the authorization: the rest is released.
		before := e.posted(alice)
		b := e.buy(c, 40_00, func(p *rails.Purchase) { p.Merchant = rails.Merchant{Name: "Corner Grocer", Category: "5411"} })
		if _, err := e.iss.SimulateCapture(e.ctx, b.ID, 35_50); err != nil {
			t.Fatal(err)
		}
		if p, got := e.posted(alice), e.wallet(alice); p != before-35_50+35 || got != p {
			t.Fatalf("after a 35.50 capture of 40.00: posted %d available %d, want %d", p, got, before-35_50+35)
		}
		// A reversal releases the hold whole.
		before = e.posted(alice)
		r := e.buy(c, 12_00)
		if _, err := e.iss.SimulateReversal(e.ctx, r.ID); err != nil {
			t.Fatal(err)
		}
		if p, got := e.posted(alice), e.wallet(alice); p != before || got != before {
			t.Fatalf("after a reversal posted %d available %d, want %d", p, got, before)
		}
		if err := e.cards.Notify(e.ctx, rails.IssuingEvent{Type: rails.EventReversed, Auth: rails.Authorization{ID: r.ID}}); err != nil {
			t.Fatalf("the reversal told twice: %v", err)
		}
		act, err := e.cards.Activity(e.ctx, alice, c.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, l := range act {
			got = append(got, l.Type+":"+l.Status)
		}
		if strings.Join(got, ",") != "purchase:reversed,purchase:captured,refund:refunded,purchase:captured" {
			t.Fatalf("activity = %v", got)
		}
	})
}

// TestCaptureBeyondTheWallet: a capture above the authorization that the
// wallet cannot pay takes what it holds; the rest is the platform's loss,
// and no wallet goes below zero.
func TestCaptureBeyondTheWallet(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, func(c *cards.Config, _ *compliance.Config) {
			c.CashbackBps, c.CashbackByCategory, c.InterchangeBps = 0, nil, 0
		})
		alice := e.signup("alice")
		e.fund(alice, 10_00)
		c := e.issue(alice)
		a := e.buy(c, 8_00)
		if _, err := e.iss.SimulateCapture(e.ctx, a.ID, 12_00); err != nil {
			t.Fatal(err)
		}
		if got := e.posted(alice); got != 0 {
			t.Fatalf("wallet = %d, want 0", got)
		}
		if got := e.platform(cards.KindRewards); got != -2_00 {
			t.Fatalf("the platform's loss = %d, want -200", got)
		}
		if got := e.platform(cards.KindIssuing); got != 12_00 {
			t.Fatalf("owed to the network = %d, want 1200", got)
		}
	})
}

// TestHoldsExpire: a hold the network never captured is released after
// the window by the expiry job, once, with two processes running it.
func TestHoldsExpire(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		other := newEnvOn(t, e) // a second process on the same database
		alice := e.signup("alice")
		e.fund(alice, 50_00)
		c := e.issue(alice)
		a := e.buy(c, 30_00)
		if n, err := e.cards.Expire(e.ctx); err != nil || n != 0 {
			t.Fatalf("Expire before the window = %d, %v", n, err)
		}
		e.clock.Advance(7*24*60*60*1e9 + 1)
		counts := make(chan int, 2)
		for _, s := range []*cards.Service{e.cards, other} {
			go func() {
				n, err := s.Expire(e.ctx)
				if err != nil {
					t.Errorf("Expire: %v", err)
				}
				counts <- n
			}()
		}
		if n := <-counts + <-counts; n != 1 {
			t.Fatalf("two processes expired %d holds, want 1", n)
		}
		if got := e.wallet(alice); got != 50_00 {
			t.Fatalf("after the expiry %d available, want 5000", got)
		}
		if _, err := e.iss.SimulateCapture(e.ctx, a.ID, 0); err != nil {
			// The network may still capture after the window: paid from the wallet.
			t.Fatalf("a capture after the expiry: %v", err)
		}
		if got := e.posted(alice); got != 50_00-30_00+90 {
			t.Fatalf("after a late capture the wallet has %d", got)
		}
	})
}

// TestDisputes: a dispute credits the member at once; won, the credit
// stays and the network repays the platform; lost, it is taken back.
func TestDisputes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, func(c *cards.Config, _ *compliance.Config) {
			c.CashbackBps, c.CashbackByCategory, c.InterchangeBps = 0, nil, 0
		})
		alice := e.signup("alice")
		e.fund(alice, 100_00)
		c := e.issue(alice)
		one := e.buy(c, 40_00)
		capOne, _ := e.iss.SimulateCapture(e.ctx, one.ID, 0)
		two := e.buy(c, 25_00)
		capTwo, _ := e.iss.SimulateCapture(e.ctx, two.ID, 0)
		if got := e.posted(alice); got != 35_00 {
			t.Fatalf("after the purchases %d", got)
		}
		d1, err := e.iss.SimulateDispute(e.ctx, capOne.ID, "fraudulent")
		if err != nil {
			t.Fatal(err)
		}
		d2, err := e.iss.SimulateDispute(e.ctx, capTwo.ID, "not_received")
		if err != nil {
			t.Fatal(err)
		}
		if got := e.posted(alice); got != 100_00 {
			t.Fatalf("after two provisional credits %d, want 10000", got)
		}
		if err := e.cards.Notify(e.ctx, rails.IssuingEvent{Type: rails.EventDisputeOpened, Dispute: d1}); err != nil {
			t.Fatalf("a dispute told twice: %v", err)
		}
		if _, err := e.iss.SimulateDisputeOutcome(e.ctx, d1.ID, true); err != nil {
			t.Fatal(err)
		}
		if _, err := e.iss.SimulateDisputeOutcome(e.ctx, d2.ID, false); err != nil {
			t.Fatal(err)
		}
		if got := e.posted(alice); got != 75_00 {
			t.Fatalf("after one won, one lost: %d, want 7500", got)
		}
		if got := e.platform(cards.KindRewards); got != 0 {
			t.Fatalf("the platform's expense after the outcomes = %d, want 0", got)
		}
		if got := e.platform(cards.KindIssuing); got != 25_00 {
			t.Fatalf("owed to the network = %d, want 2500 (the won 40.00 came back)", got)
		}
		if err := e.cards.Notify(e.ctx, rails.IssuingEvent{Type: rails.EventDisputeClosed, Dispute: rails.Dispute{ID: d1.ID, Status: "lost"}}); !nestegg.Is(err, nestegg.Conflict) {
			t.Fatalf("a won dispute closed again as lost = %v, want conflict", err)
		}
	})
}
