package payments_test

import (
	"strings"
	"testing"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/payments"
	"github.com/nestegg/nestegg/social"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// intentOf returns the intent a post made, as its author sees it.
func (e *env) intentOf(viewerID string, p social.Post) payments.Intent {
	e.t.Helper()
	ins, err := e.pay.IntentsForPost(e.ctx, viewerID, p.ID)
	must(e.t, "IntentsForPost", err)
	if len(ins) != 1 {
		e.t.Fatalf("post %q has %d intents, want 1", p.Body, len(ins))
	}
	return ins[0]
}

func TestIntents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, options{})
		alice, bob, carol := e.signup("alice"), e.signup("bob"), e.signup("carol")
		e.fund(alice, "10")
		e.fund(bob, "1") // bob has a wallet

		// An ordinary post is just a post.
		plain := e.post(alice, "I owe @bob $5", "")
		if ins, _ := e.pay.IntentsForPost(e.ctx, alice, plain.ID); len(ins) != 0 {
			t.Fatalf("ordinary post made intents %+v", ins)
		}

		p := e.post(alice, "@pay @bob $5 lunch", "")
		in := e.intentOf(alice, p)
		if in.Status != payments.IntentPending || in.Kind != payments.CommandSend || in.Amount == nil || in.Amount.Minor != 500 ||
			!in.ExpiresAt.Equal(in.CreatedAt.Add(15*time.Minute)) {
			t.Fatalf("intent = %+v", in)
		}
		e.wantBalance(alice, "USD", 10_00) // a post never moves money on its own
		if n := e.hasNotification(alice, payments.NotifyConfirm); !strings.Contains(n.Text, "send $5.00 to @bob") {
			t.Fatalf("confirm notification = %+v", n)
		}
		// Others see the badge, never the amount.
		if other := e.intentOf(carol, p); other.Amount != nil || other.Note != "" || other.Status != payments.IntentPending {
			t.Fatalf("intent as carol sees it = %+v", other)
		}
		if anon := e.intentOf("", p); anon.Amount != nil {
			t.Fatalf("intent as nobody sees it = %+v", anon)
		}
		_, err := e.pay.Intent(e.ctx, bob, in.ID)
		wantCode(t, "Intent(bob)", err, nestegg.NotFound)
		_, err = e.pay.ConfirmIntent(e.ctx, bob, in.ID)
		wantCode(t, "ConfirmIntent(bob)", err, nestegg.NotFound)
		_, err = e.pay.CancelIntent(e.ctx, bob, in.ID)
		wantCode(t, "CancelIntent(bob)", err, nestegg.NotFound)

		done, err := e.pay.ConfirmIntent(e.ctx, alice, in.ID)
		must(t, "ConfirmIntent", err)
		if done.Status != payments.IntentCompleted || done.ResultID == "" {
			t.Fatalf("ConfirmIntent = %+v", done)
		}
		again, err := e.pay.ConfirmIntent(e.ctx, alice, in.ID)
		must(t, "ConfirmIntent again", err)
		if again.ResultID != done.ResultID {
			t.Fatalf("second confirm made %s, want %s", again.ResultID, done.ResultID)
		}
		e.wantBalance(alice, "USD", 5_00)
		e.wantBalance(bob, "USD", 6_00)
		pay, err := e.pay.Payment(e.ctx, bob, done.ResultID)
		must(t, "Payment", err)
		if pay.IntentID != in.ID || pay.PostID != p.ID || pay.Note != "lunch" {
			t.Fatalf("payment from intent = %+v", pay)
		}
		e.hasNotification(bob, payments.NotifyReceived)
		if got := e.intentOf(carol, p); got.Status != payments.IntentCompleted {
			t.Fatalf("badge = %s, want completed", got.Status)
		}

		// Not enough money: the intent waits; after a top-up it goes through.
		p2 := e.post(alice, "@pay @bob $8", "")
		in2 := e.intentOf(alice, p2)
		_, err = e.pay.ConfirmIntent(e.ctx, alice, in2.ID)
		wantCode(t, "ConfirmIntent(poor)", err, nestegg.InsufficientFunds)
		if got := e.intentOf(alice, p2); got.Status != payments.IntentPending {
			t.Fatalf("intent after failed confirm = %+v", got)
		}
		e.fund(alice, "5")
		_, err = e.pay.ConfirmIntent(e.ctx, alice, in2.ID)
		must(t, "ConfirmIntent after top-up", err)

		// Cancelled.
		p3 := e.post(alice, "@pay @bob $1", "")
		in3 := e.intentOf(alice, p3)
		c, err := e.pay.CancelIntent(e.ctx, alice, in3.ID)
		must(t, "CancelIntent", err)
		if c.Status != payments.IntentCancelled {
			t.Fatalf("CancelIntent = %+v", c)
		}
		_, err = e.pay.CancelIntent(e.ctx, alice, in3.ID)
		must(t, "CancelIntent twice", err)
		_, err = e.pay.ConfirmIntent(e.ctx, alice, in3.ID)
		wantCode(t, "ConfirmIntent(cancelled)", err, nestegg.Conflict)

		// Expired: by confirmation after the time, and by the worker.
		p4 := e.post(alice, "@pay @bob $1", "")
		p5 := e.post(alice, "@pay @bob $1", "")
		e.clock.Advance(15 * time.Minute)
		_, err = e.pay.ConfirmIntent(e.ctx, alice, e.intentOf(alice, p4).ID)
		wantCode(t, "ConfirmIntent(expired)", err, nestegg.Conflict)
		if n, err := e.pay.ExpireIntents(e.ctx); err != nil || n != 1 {
			t.Fatalf("ExpireIntents = %d, %v, want 1", n, err)
		}
		for _, p := range []social.Post{p4, p5} {
			if got := e.intentOf(alice, p); got.Status != payments.IntentExpired {
				t.Fatalf("intent of %s = %s, want expired", p.ID, got.Status)
			}
		}
		_, err = e.pay.CancelIntent(e.ctx, alice, e.intentOf(alice, p5).ID)
		wantCode(t, "CancelIntent(expired)", err, nestegg.Conflict)
		e.wantBalance(bob, "USD", 14_00)

		// Request, split and tip by post.
		r := e.post(alice, "@pay request $20 from @carol tickets", "")
		rin, err := e.pay.ConfirmIntent(e.ctx, alice, e.intentOf(alice, r).ID)
		must(t, "ConfirmIntent(request)", err)
		req, err := e.pay.RequestByID(e.ctx, carol, rin.ResultID)
		must(t, "RequestByID", err)
		if req.Amount.Minor != 20_00 || req.PayerID != carol || req.Note != "tickets" {
			t.Fatalf("request by post = %+v", req)
		}
		s := e.post(alice, "@pay split $10 with @bob @carol", "")
		sin, err := e.pay.ConfirmIntent(e.ctx, alice, e.intentOf(alice, s).ID)
		must(t, "ConfirmIntent(split)", err)
		sp, err := e.pay.SplitByID(e.ctx, bob, sin.ResultID)
		must(t, "SplitByID", err)
		if len(sp.Shares) != 3 || sp.Shares[0].UserID != alice || sp.Shares[0].Amount != 334 {
			t.Fatalf("split by post = %+v", sp)
		}
		art := e.post(bob, "my drawing", "")
		tip := e.post(alice, "@pay tip $2 gorgeous", art.ID)
		tin, err := e.pay.ConfirmIntent(e.ctx, alice, e.intentOf(alice, tip).ID)
		must(t, "ConfirmIntent(tip)", err)
		tp, err := e.pay.Payment(e.ctx, bob, tin.ResultID)
		must(t, "Payment(tip)", err)
		if tp.Kind != payments.KindTip || tp.PostID != art.ID || tp.Amount.Minor != 2_00 {
			t.Fatalf("tip by post = %+v", tp)
		}
		e.hasNotification(bob, payments.NotifyTip)
		e.checkBooks()
	})
}

func TestMalformedCommandsNotify(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, options{})
		alice := e.signup("alice")
		e.signup("bob")
		e.fund(alice, "10")
		cases := []struct{ body, why string }{
			{"@pay @bob lunch", "not a valid amount"},
			{"@pay @bob", "amount missing"},
			{"@pay @ghost $5", "nobody is called @ghost"},
			{"@pay @alice $5", "you can't pay yourself"},
			{"@pay tip $2", "a tip must be a reply"},
			{"@pay @bob €5", "EUR is not offered"},
			{"@pay give @bob $5", "start with"},
		}
		for _, tc := range cases {
			p := e.post(alice, tc.body, "")
			// The post says why it moved nothing (issue 11 item 19): a
			// failed intent whose reason its author sees on it.
			ins, _ := e.pay.IntentsForPost(e.ctx, alice, p.ID)
			if len(ins) != 1 || ins[0].Status != payments.IntentFailed || !strings.Contains(ins[0].Reason, tc.why) {
				t.Fatalf("%q made intents %+v, want one failed saying %q", tc.body, ins, tc.why)
			}
			if _, err := e.pay.ConfirmIntent(e.ctx, alice, ins[0].ID); !nestegg.Is(err, nestegg.Conflict) {
				t.Fatalf("confirming %q: %v, want conflict", tc.body, err)
			}
			n := e.notifications(alice)[0]
			if string(n.Kind) != payments.NotifyCommandFailed || n.Post == nil || n.Post.ID != p.ID ||
				!strings.Contains(n.Text, "couldn't read “"+tc.body+"”") || !strings.Contains(n.Text, tc.why) ||
				!strings.Contains(n.Text, "@pay @bob $5 lunch") {
				t.Fatalf("after %q, notification = %+v, want it to say %q", tc.body, n, tc.why)
			}
		}
		e.wantBalance(alice, "USD", 10_00)
	})
}

func TestAutoConfirm(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, options{})
		alice, bob := e.signup("alice"), e.signup("bob")
		e.signup("dave")
		e.fund(alice, "10")
		e.fund(bob, "1")
		if lim, err := e.pay.AutoConfirm(e.ctx, alice); err != nil || lim.Minor != 0 {
			t.Fatalf("AutoConfirm default = %+v, %v, want off", lim, err)
		}
		must(t, "SetAutoConfirm", e.pay.SetAutoConfirm(e.ctx, alice, usd(t, "6")))
		wantCode(t, "SetAutoConfirm(EUR)", e.pay.SetAutoConfirm(e.ctx, alice, usd(t, "€6")), nestegg.Invalid)

		small := e.post(alice, "@pay @bob $5 coffee", "")
		if in := e.intentOf(alice, small); in.Status != payments.IntentCompleted || in.ResultID == "" {
			t.Fatalf("auto-confirmed intent = %+v", in)
		}
		e.wantBalance(bob, "USD", 6_00)
		e.hasNotification(bob, payments.NotifyReceived)

		// At or over the limit it waits.
		big := e.post(alice, "@pay @bob $6", "")
		if in := e.intentOf(alice, big); in.Status != payments.IntentPending {
			t.Fatalf("intent over the limit = %+v, want pending", in)
		}
		// Under the limit but unaffordable: the post stands, the intent waits.
		poor := e.post(alice, "@pay @bob $5.50", "")
		if in := e.intentOf(alice, poor); in.Status != payments.IntentPending {
			t.Fatalf("unaffordable auto intent = %+v, want pending", in)
		}
		// A payee without a wallet yet: waits for a confirmation, which works.
		fresh := e.post(alice, "@pay @dave $1", "")
		in := e.intentOf(alice, fresh)
		if in.Status != payments.IntentPending {
			t.Fatalf("intent to a new wallet = %+v, want pending", in)
		}
		_, err := e.pay.ConfirmIntent(e.ctx, alice, in.ID)
		must(t, "ConfirmIntent(dave)", err)
		// Refused by the checkpoint: failed for good, and the author is told.
		must(t, "Freeze", e.comp.Freeze(e.ctx, "usr_staff", alice, "review"))
		frozen := e.post(alice, "@pay @bob $1", "")
		if in := e.intentOf(alice, frozen); in.Status != payments.IntentFailed || !strings.Contains(in.Reason, "frozen") {
			t.Fatalf("frozen auto intent = %+v, want failed", in)
		}
		if audit, _ := e.comp.Audit(e.ctx, alice, "", 1); len(audit.Entries) != 1 || audit.Entries[0].Outcome != "deny" {
			t.Fatalf("audit after refused auto payment = %+v", audit.Entries)
		}
		// A pending one confirmed while frozen fails too.
		_, err = e.pay.ConfirmIntent(e.ctx, alice, e.intentOf(alice, big).ID)
		wantCode(t, "ConfirmIntent(frozen)", err, nestegg.Forbidden)
		if in := e.intentOf(alice, big); in.Status != payments.IntentFailed {
			t.Fatalf("intent confirmed while frozen = %+v, want failed", in)
		}
		must(t, "SetAutoConfirm off", e.pay.SetAutoConfirm(e.ctx, alice, amt("USD", 0)))
		e.wantBalance(alice, "USD", 4_00)
		e.checkBooks()
	})
}
