package social

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

func TestHomeTimelinePaging(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		// A clock that stands still for stretches gives many posts the same
		// instant: the id must break the tie.
		now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
		calls := 0
		s, _ := newTestService(t, db, Options{Clock: func() time.Time {
			calls++
			return now.Add(time.Duration(calls/7) * time.Second)
		}})
		me, a, b, stranger := signup(t, s, "mia"), signup(t, s, "a"), signup(t, s, "b"), signup(t, s, "stranger")
		must(t, "follow", s.Follow(ctx, me.ID, a.ID))
		must(t, "follow", s.Follow(ctx, me.ID, b.ID))
		var want []string // newest first
		authors := []Account{me, a, b, stranger}
		for i := 0; i < 57; i++ {
			au := authors[i%4]
			p := post(t, s, au.ID, fmt.Sprintf("post %d", i))
			if au.ID != stranger.ID {
				want = append([]string{p.ID}, want...)
			}
		}
		// b reposts a stranger's post: it shows, as b's repost.
		sp := post(t, s, stranger.ID, "stranger things")
		must(t, "repost", s.Repost(ctx, b.ID, sp.ID))
		tl, err := s.HomeTimeline(ctx, me.ID, Page{Limit: 1})
		if err != nil || len(tl.Entries) != 1 || tl.Entries[0].Post.ID != sp.ID || tl.Entries[0].RepostedBy == nil || tl.Entries[0].RepostedBy.ID != b.ID {
			t.Fatalf("first entry = %+v, %v", tl, err)
		}
		want = append([]string{tl.Entries[0].RepostID}, want...)

		// Page through while others keep posting: every entry exactly once,
		// in order, and nothing newer than the first page slips in.
		var got []string
		page := Page{Limit: 10}
		for i := 0; ; i++ {
			tl, err := s.HomeTimeline(ctx, me.ID, page)
			if err != nil {
				t.Fatalf("HomeTimeline page %d: %v", i, err)
			}
			if len(tl.Entries) > 10 {
				t.Fatalf("page %d has %d entries", i, len(tl.Entries))
			}
			got = append(got, ids(tl)...)
			post(t, s, a.ID, fmt.Sprintf("interrupting %d", i))
			if tl.Next == "" {
				break
			}
			page.Cursor = tl.Next
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("paged home timeline (-want +got):\n%s", diff)
		}
		// The default page is 20.
		if tl, _ := s.HomeTimeline(ctx, me.ID, Page{}); len(tl.Entries) != DefaultLimit {
			t.Fatalf("default page = %d entries", len(tl.Entries))
		}
		for _, p := range []Page{{Limit: -1}, {Limit: MaxLimit + 1}} {
			_, err := s.HomeTimeline(ctx, me.ID, p)
			wantErr(t, "bad limit", err, nestegg.Invalid, "limit")
		}
		for _, c := range []string{"x", "!!", nestegg.Cursor{At: 1}.String(), "MTIz"} {
			_, err := s.HomeTimeline(ctx, me.ID, Page{Cursor: c})
			wantErr(t, "bad cursor "+c, err, nestegg.Invalid, "cursor")
		}
		// A stranger's home has only the stranger's posts.
		tl, _ = s.HomeTimeline(ctx, stranger.ID, Page{Limit: 100})
		for _, e := range tl.Entries {
			if e.Post.Author.ID != stranger.ID {
				t.Fatalf("stranger's home has %+v", e)
			}
		}
	})
}

func TestProfileTimeline(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, _ := newTestService(t, db, Options{})
		ada, bob := signup(t, s, "ada"), signup(t, s, "bob")
		p1 := post(t, s, ada.ID, "one")
		bp := post(t, s, bob.ID, "bob's")
		r := reply(t, s, ada.ID, bp.ID, "a reply")
		must(t, "repost", s.Repost(ctx, ada.ID, bp.ID))
		p2 := post(t, s, ada.ID, "two")
		tl, err := s.ProfileTimeline(ctx, bob.ID, ada.ID, Page{}, false)
		if err != nil {
			t.Fatal(err)
		}
		if len(tl.Entries) != 3 || tl.Entries[0].Post.ID != p2.ID || tl.Entries[1].Post.ID != bp.ID || tl.Entries[1].RepostedBy.ID != ada.ID || tl.Entries[2].Post.ID != p1.ID {
			t.Fatalf("profile = %+v", tl)
		}
		if !tl.Entries[1].Post.Reposted == false || tl.Entries[1].Post.Author.ID != bob.ID {
			t.Fatalf("repost entry = %+v", tl.Entries[1])
		}
		tl, _ = s.ProfileTimeline(ctx, "", ada.ID, Page{}, true)
		if diff := cmp.Diff([]string{p2.ID, tl.Entries[1].RepostID, r.ID, p1.ID}, ids(tl)); diff != "" {
			t.Fatalf("profile with replies (-want +got):\n%s", diff)
		}
		if tl.Entries[2].Post.ReplyToHandle != "bob" {
			t.Fatalf("reply entry = %+v", tl.Entries[2].Post)
		}
		pr, _ := s.Profile(ctx, "", "ada")
		if pr.Posts != 3 {
			t.Fatalf("ada's post count = %d, want 3", pr.Posts)
		}
	})
}
