package payments_test

import (
	"strings"
	"testing"

	"github.com/nestegg/nestegg/payments"
	"github.com/nestegg/nestegg/social"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// TestCommandsNotifyNobodyUntilConfirmed (issue 11 item 19): a post
// command mentions its payee, and replies to the post it tips, yet
// nobody is told anything until its author confirms it: no mention or
// reply notification carries the unconfirmed amount. Confirmed, the
// payment's own notification tells the payee. Before, bob was notified of
// "@pay @bob $5 lunch" the moment it was posted.
func TestCommandsNotifyNobodyUntilConfirmed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, options{})
		alice, bob := e.signup("alice"), e.signup("bob")
		e.fund(alice, "20")
		song := e.post(bob, "my new song", "")
		before := len(e.notifications(bob))

		send := e.post(alice, "@pay @bob $5 lunch", "")
		tip := e.post(alice, "@pay tip $2 love it", song.ID)
		e.post(alice, "@pay @bob five dollars", "")
		e.post(alice, "@pay request $20 from @bob tickets", "")
		if n := e.notifications(bob); len(n) != before {
			t.Fatalf("bob was notified of unconfirmed commands: %+v", n[:len(n)-before])
		}
		// An ordinary mention still notifies.
		e.post(alice, "thanks @bob", "")
		if n := e.notifications(bob); len(n) != before+1 || n[0].Kind != social.NotifyMention {
			t.Fatalf("bob's notifications after a mention = %+v", n)
		}

		for _, p := range []social.Post{send, tip} {
			ins, err := e.pay.IntentsForPost(e.ctx, alice, p.ID)
			must(t, "IntentsForPost", err)
			if _, err := e.pay.ConfirmIntent(e.ctx, alice, ins[0].ID); err != nil {
				t.Fatalf("ConfirmIntent(%q): %v", p.Body, err)
			}
		}
		if n := e.hasNotification(bob, payments.NotifyReceived); !strings.Contains(n.Text, "$5.00") {
			t.Fatalf("bob's payment notification = %+v", n)
		}
		e.hasNotification(bob, payments.NotifyTip)
		for _, n := range e.notifications(bob) {
			if n.Kind == social.NotifyMention || n.Kind == social.NotifyReply {
				if n.Post != nil && (n.Post.ID == send.ID || n.Post.ID == tip.ID) {
					t.Fatalf("bob has a %s notification of a command: %+v", n.Kind, n)
				}
			}
		}
		e.checkBooks()
	})
}

// TestCommandAmountsFollowTheAudience (issue 11 item 19): a post command
// makes a private payment, so its amount reaches nobody but its author:
// others, the payee among them, read the post with the amount hidden,
// wherever they read it (the post, a timeline, a notification), and
// before or after it is confirmed. Before, "@pay @bob $5 lunch" showed
// $5 to everyone while the payment itself was private.
func TestCommandAmountsFollowTheAudience(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, options{})
		alice, bob, carol := e.signup("alice"), e.signup("bob"), e.signup("carol")
		e.fund(alice, "20")
		p := e.post(alice, "@pay @bob $5 lunch", "")
		bad := e.post(alice, "@pay @bob for 2 tacos $7", "")
		if err := e.social.Follow(e.ctx, carol, alice); err != nil {
			t.Fatal(err)
		}
		read := func(viewer, id string) string {
			t.Helper()
			got, err := e.social.Post(e.ctx, viewer, id)
			must(t, "Post", err)
			return got.Body
		}
		for _, c := range []struct {
			who, viewer string
			id, want    string
		}{
			{"the author", alice, p.ID, "@pay @bob $5 lunch"},
			{"the payee", bob, p.ID, "@pay @bob ••• lunch"},
			{"a follower", carol, p.ID, "@pay @bob ••• lunch"},
			{"nobody signed in", "", p.ID, "@pay @bob ••• lunch"},
			{"the author, unreadable", alice, bad.ID, "@pay @bob for 2 tacos $7"},
			{"the payee, unreadable", bob, bad.ID, "@pay @bob for ••• tacos •••"},
		} {
			if got := read(c.viewer, c.id); got != c.want {
				t.Errorf("%s reads %q, want %q", c.who, got, c.want)
			}
		}
		home, err := e.social.HomeTimeline(e.ctx, carol, social.Page{})
		must(t, "HomeTimeline", err)
		for _, it := range home.Entries {
			if strings.Contains(it.Post.Body, "$5") || strings.Contains(it.Post.Body, "$7") {
				t.Errorf("carol's home timeline shows %q", it.Post.Body)
			}
		}
		ins, err := e.pay.IntentsForPost(e.ctx, alice, p.ID)
		must(t, "IntentsForPost", err)
		if _, err := e.pay.ConfirmIntent(e.ctx, alice, ins[0].ID); err != nil {
			t.Fatal(err)
		}
		if got := read(carol, p.ID); got != "@pay @bob ••• lunch" {
			t.Errorf("after confirming, carol reads %q", got)
		}
		e.checkBooks()
	})
}

func TestMaskAmount(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"@pay @bob $5 lunch", "@pay @bob ••• lunch"},
		{"@PAY  @bob 5 USD  lunch for 2", "@PAY  @bob •••  lunch for 2"},
		{"@pay request $20 from @bob tickets", "@pay request ••• from @bob tickets"},
		{"@pay split $60 with @bob @carol", "@pay split ••• with @bob @carol"},
		{"@pay tip $2", "@pay tip •••"},
		{"@pay @bob lunch 12", "@pay @bob lunch •••"},
		{"I owe @bob $5", "I owe @bob $5"},
	} {
		if got := payments.MaskAmount(c.in, "pay"); got != c.want {
			t.Errorf("MaskAmount(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
