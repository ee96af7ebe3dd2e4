package social

import (
	"context"
	"database/sql"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

func TestNotifications(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, _ := newTestService(t, db, Options{})
		ada, bob, cat := signup(t, s, "ada"), signup(t, s, "bob"), signup(t, s, "cat")
		p := post(t, s, ada.ID, "hello @ada (me) and @cat")     // mention cat; not ada herself
		must(t, "follow", s.Follow(ctx, bob.ID, ada.ID))        // follow
		r := reply(t, s, bob.ID, p.ID, "@ada hi back, cc @cat") // reply (not also a mention) + mention of cat
		must(t, "like", s.Like(ctx, bob.ID, p.ID))              // like
		must(t, "unlike", s.Unlike(ctx, bob.ID, p.ID))
		must(t, "like", s.Like(ctx, bob.ID, p.ID)) // not twice
		must(t, "repost", s.Repost(ctx, cat.ID, p.ID))
		must(t, "self like", s.Like(ctx, ada.ID, p.ID)) // nobody is told what they did
		err := db.Write(ctx, func(tx *sql.Tx) error {
			return s.Notify(ctx, tx, ada.ID, "payment_received", bob.ID, "", "@bob sent you $5.00")
		})
		must(t, "Notify", err)

		type kinda struct {
			Kind  NotificationKind
			Actor string
			Post  string
		}
		got := func(userID string) []kinda {
			page, err := s.Notifications(ctx, userID, Page{})
			must(t, "Notifications", err)
			out := []kinda{}
			for _, n := range page.Notifications {
				k := kinda{Kind: n.Kind}
				if n.Actor != nil {
					k.Actor = n.Actor.Handle
				}
				if n.Post != nil {
					k.Post = n.Post.ID
				}
				out = append(out, k)
			}
			return out
		}
		want := []kinda{
			{"payment_received", "bob", ""},
			{NotifyRepost, "cat", p.ID},
			{NotifyLike, "bob", p.ID},
			{NotifyReply, "bob", r.ID},
			{NotifyFollow, "bob", ""},
		}
		if diff := cmp.Diff(want, got(ada.ID)); diff != "" {
			t.Fatalf("ada's notifications (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]kinda{{NotifyMention, "bob", r.ID}, {NotifyMention, "ada", p.ID}}, got(cat.ID)); diff != "" {
			t.Fatalf("cat's notifications (-want +got):\n%s", diff)
		}
		page, _ := s.Notifications(ctx, ada.ID, Page{Limit: 2})
		if page.Notifications[0].Text != "@bob sent you $5.00" || page.Notifications[0].Read || page.Next == "" {
			t.Fatalf("page = %+v", page)
		}
		page2, err := s.Notifications(ctx, ada.ID, Page{Limit: 2, Cursor: page.Next})
		if err != nil || len(page2.Notifications) != 2 || page2.Notifications[0].Kind != NotifyLike {
			t.Fatalf("page 2 = %+v, %v", page2, err)
		}

		if n, _ := s.UnreadCount(ctx, ada.ID); n != 5 {
			t.Fatalf("unread = %d, want 5", n)
		}
		// Marking someone else's notification read does nothing.
		must(t, "MarkRead other's", s.MarkRead(ctx, cat.ID, page.Notifications[0].ID))
		if n, _ := s.UnreadCount(ctx, ada.ID); n != 5 {
			t.Fatalf("unread after cat marks = %d, want 5", n)
		}
		must(t, "MarkRead one", s.MarkRead(ctx, ada.ID, page.Notifications[0].ID))
		if n, _ := s.UnreadCount(ctx, ada.ID); n != 4 {
			t.Fatalf("unread = %d, want 4", n)
		}
		page, _ = s.Notifications(ctx, ada.ID, Page{Limit: 1})
		if !page.Notifications[0].Read {
			t.Fatal("marked notification not read")
		}
		must(t, "MarkRead all", s.MarkRead(ctx, ada.ID))
		if n, _ := s.UnreadCount(ctx, ada.ID); n != 0 {
			t.Fatalf("unread = %d, want 0", n)
		}
		// Bad kinds and texts.
		err = db.Write(ctx, func(tx *sql.Tx) error { return s.Notify(ctx, tx, ada.ID, "Bad Kind", "", "", "") })
		wantErr(t, "bad kind", err, nestegg.Invalid, "kind")
		// Notifications about a deleted post go with it.
		must(t, "DeletePost", s.DeletePost(ctx, ada.ID, p.ID))
		if diff := cmp.Diff([]kinda{{NotifyMention, "bob", r.ID}}, got(cat.ID)); diff != "" {
			t.Fatalf("cat's notifications after delete (-want +got):\n%s", diff)
		}
	})
}
