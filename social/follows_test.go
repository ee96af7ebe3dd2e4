package social

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

func TestFollows(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, _ := newTestService(t, db, Options{})
		ada, bob, cat := signup(t, s, "ada"), signup(t, s, "bob"), signup(t, s, "cat")
		wantErr(t, "follow self", s.Follow(ctx, ada.ID, ada.ID), nestegg.Invalid, "")
		wantErr(t, "follow nobody", s.Follow(ctx, ada.ID, "usr_nobody"), nestegg.NotFound, "")
		for i := 0; i < 2; i++ {
			must(t, "Follow", s.Follow(ctx, ada.ID, bob.ID))
		}
		must(t, "Follow", s.Follow(ctx, cat.ID, bob.ID))
		must(t, "Follow", s.Follow(ctx, bob.ID, ada.ID))
		p, err := s.Profile(ctx, ada.ID, "@BOB")
		want := Relationship{Following: true, FollowedBy: true}
		if err != nil || p.Followers != 2 || p.Following != 1 || p.Relationship != want {
			t.Fatalf("Profile(bob) for ada = %+v, %v", p, err)
		}
		if p, _ := s.Profile(ctx, "", "bob"); p.Relationship != (Relationship{}) {
			t.Fatalf("anonymous relationship = %+v", p.Relationship)
		}
		page, err := s.Followers(ctx, bob.ID, Page{Limit: 1})
		if err != nil || len(page.Users) != 1 || page.Users[0].ID != cat.ID || page.Next == "" {
			t.Fatalf("Followers page 1 = %+v, %v", page, err)
		}
		page, err = s.Followers(ctx, bob.ID, Page{Limit: 1, Cursor: page.Next})
		if err != nil || len(page.Users) != 1 || page.Users[0].ID != ada.ID || page.Next != "" {
			t.Fatalf("Followers page 2 = %+v, %v", page, err)
		}
		if page, _ := s.Following(ctx, ada.ID, Page{}); len(page.Users) != 1 || page.Users[0].ID != bob.ID {
			t.Fatalf("Following = %+v", page)
		}
		for i := 0; i < 2; i++ {
			must(t, "Unfollow", s.Unfollow(ctx, ada.ID, bob.ID))
		}
		if r, _ := s.Relationship(ctx, ada.ID, bob.ID); r.Following || !r.FollowedBy {
			t.Fatalf("after unfollow = %+v", r)
		}
		// Follow, unfollow, follow: one notification.
		must(t, "Follow", s.Follow(ctx, ada.ID, bob.ID))
		n, _ := s.Notifications(ctx, bob.ID, Page{})
		follows := 0
		for _, x := range n.Notifications {
			if x.Kind == NotifyFollow && x.Actor.ID == ada.ID {
				follows++
			}
		}
		if follows != 1 {
			t.Fatalf("%d follow notifications from ada, want 1", follows)
		}
	})
}

func TestBlocks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, _ := newTestService(t, db, Options{})
		ada, troll, cat := signup(t, s, "ada"), signup(t, s, "troll"), signup(t, s, "cat")
		must(t, "follow", s.Follow(ctx, ada.ID, troll.ID))
		must(t, "follow", s.Follow(ctx, troll.ID, ada.ID))
		must(t, "follow", s.Follow(ctx, ada.ID, cat.ID))
		adaPost := post(t, s, ada.ID, "my #garden")
		trollPost := post(t, s, troll.ID, "ugly #garden")
		wantErr(t, "block self", s.Block(ctx, ada.ID, ada.ID), nestegg.Invalid, "")
		wantErr(t, "block nobody", s.Block(ctx, ada.ID, "usr_x"), nestegg.NotFound, "")
		for i := 0; i < 2; i++ {
			must(t, "Block", s.Block(ctx, ada.ID, troll.ID))
		}
		r, _ := s.Relationship(ctx, ada.ID, troll.ID)
		if r != (Relationship{Blocking: true}) {
			t.Fatalf("ada→troll = %+v, want only blocking", r)
		}
		if r, _ := s.Relationship(ctx, troll.ID, ada.ID); r != (Relationship{BlockedBy: true}) {
			t.Fatalf("troll→ada = %+v, want only blocked by", r)
		}
		wantErr(t, "blocked follows", s.Follow(ctx, troll.ID, ada.ID), nestegg.Forbidden, "")
		wantErr(t, "blocker follows", s.Follow(ctx, ada.ID, troll.ID), nestegg.Forbidden, "")
		_, err := s.CreatePost(ctx, troll.ID, NewPost{Body: "lol", ReplyToID: adaPost.ID})
		wantErr(t, "blocked replies", err, nestegg.Forbidden, "")
		_, err = s.CreatePost(ctx, ada.ID, NewPost{Body: "no", ReplyToID: trollPost.ID})
		wantErr(t, "blocker replies", err, nestegg.Forbidden, "")
		wantErr(t, "blocked likes", s.Like(ctx, troll.ID, adaPost.ID), nestegg.Forbidden, "")
		wantErr(t, "blocked reposts", s.Repost(ctx, troll.ID, adaPost.ID), nestegg.Forbidden, "")
		before, _ := s.UnreadCount(ctx, ada.ID)
		post(t, s, troll.ID, "hey @ada") // allowed to post, but ada is not told
		if after, _ := s.UnreadCount(ctx, ada.ID); after != before {
			t.Fatalf("blocked mention notified: %d → %d", before, after)
		}
		// Ada no longer sees the troll on hashtag pages, nor the troll's
		// replies, nor reposts of the troll's posts by people she follows.
		tl, _ := s.HashtagTimeline(ctx, ada.ID, "garden", Page{})
		if diff := cmp.Diff([]string{adaPost.ID}, ids(tl)); diff != "" {
			t.Fatalf("ada's #garden (-want +got):\n%s", diff)
		}
		if tl, _ := s.HashtagTimeline(ctx, "", "garden", Page{}); len(tl.Entries) != 2 {
			t.Fatalf("anonymous #garden = %v", ids(tl))
		}
		catPost := post(t, s, cat.ID, "garden tips")
		must(t, "cat reposts troll", s.Repost(ctx, cat.ID, trollPost.ID))
		tl, _ = s.HomeTimeline(ctx, ada.ID, Page{})
		if diff := cmp.Diff([]string{catPost.ID, adaPost.ID}, ids(tl)); diff != "" {
			t.Fatalf("ada's home (-want +got):\n%s", diff)
		}
		must(t, "Unblock", s.Unblock(ctx, ada.ID, troll.ID))
		if r, _ := s.Relationship(ctx, ada.ID, troll.ID); r != (Relationship{}) {
			t.Fatalf("after unblock = %+v (follows are not restored)", r)
		}
		must(t, "follow after unblock", s.Follow(ctx, troll.ID, ada.ID))
		if page, _ := s.Blocked(ctx, ada.ID, Page{}); len(page.Users) != 0 {
			t.Fatalf("Blocked = %+v", page)
		}
		must(t, "Block cat", s.Block(ctx, ada.ID, cat.ID))
		if page, _ := s.Blocked(ctx, ada.ID, Page{}); len(page.Users) != 1 || page.Users[0].ID != cat.ID {
			t.Fatalf("Blocked = %+v", page)
		}
	})
}

// TestCounterparty reads, in one query, the member about to be acted
// toward, whether the actor is a member, and a block either way.
func TestCounterparty(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, _ := newTestService(t, db, Options{})
		ada, bob, cat := signup(t, s, "ada"), signup(t, s, "bob"), signup(t, s, "cat")
		must(t, "Block", s.Block(ctx, bob.ID, cat.ID))
		for _, tc := range []struct {
			actor, handle   string
			id              string
			exists, blocked bool
		}{
			{ada.ID, "@BOB", bob.ID, true, false},
			{cat.ID, "bob", bob.ID, true, true}, // bob blocked cat
			{bob.ID, "cat", cat.ID, true, true}, // and the other way
			{"usr_nobody", "ada", ada.ID, false, false},
			{"", "ada", ada.ID, false, false},
		} {
			c, err := s.CounterpartyByHandle(ctx, tc.actor, tc.handle)
			if err != nil || c.ID != tc.id || c.ActorExists != tc.exists || c.Blocked != tc.blocked {
				t.Errorf("CounterpartyByHandle(%s, %s) = %+v, %v; want %s, exists %v, blocked %v", tc.actor, tc.handle, c, err, tc.id, tc.exists, tc.blocked)
			}
		}
		for _, h := range []string{"nobody", "not a handle", ""} {
			_, err := s.CounterpartyByHandle(ctx, ada.ID, h)
			wantErr(t, "CounterpartyByHandle("+h+")", err, nestegg.NotFound, "")
		}
	})
}
