package social

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

func TestPostRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, _ := newTestService(t, db, Options{})
		ada := signup(t, s, "ada")
		for _, body := range []string{"", "   ", strings.Repeat("a", 281), strings.Repeat("€", 281)} {
			_, err := s.CreatePost(ctx, ada.ID, NewPost{Body: body})
			wantErr(t, "CreatePost(bad body)", err, nestegg.Invalid, "body")
		}
		p := post(t, s, ada.ID, strings.Repeat("€", 280)) // 840 bytes, 280 characters
		if !strings.HasPrefix(p.ID, "pst_") || p.RootID != p.ID || p.Author.ID != ada.ID || p.ReplyToID != "" {
			t.Fatalf("post = %+v", p)
		}
		got, err := s.Post(ctx, "", p.ID)
		if err != nil || got.Body != p.Body || got.Author.Handle != "ada" || !got.CreatedAt.Equal(p.CreatedAt) {
			t.Fatalf("Post = %+v, %v", got, err)
		}
		_, err = s.CreatePost(ctx, "usr_nobody", NewPost{Body: "hi"})
		wantErr(t, "post as nobody", err, nestegg.NotFound, "")
		_, err = s.Post(ctx, "", "pst_nope")
		wantErr(t, "missing post", err, nestegg.NotFound, "")
	})
}

func TestRepliesAndThreads(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, _ := newTestService(t, db, Options{})
		ada, bob, cat := signup(t, s, "ada"), signup(t, s, "bob"), signup(t, s, "cat")
		root := post(t, s, ada.ID, "What should I name my parrot?")
		r1 := reply(t, s, bob.ID, root.ID, "Polly, obviously")
		r2 := reply(t, s, cat.ID, root.ID, "Ada the Second")
		r11 := reply(t, s, ada.ID, r1.ID, "@bob too obvious")
		if r1.RootID != root.ID || r11.RootID != root.ID || r11.ReplyToID != r1.ID || r11.ReplyToUserID != bob.ID || r11.ReplyToHandle != "bob" {
			t.Fatalf("reply = %+v", r11)
		}
		_, err := s.CreatePost(ctx, bob.ID, NewPost{Body: "hm", ReplyToID: "pst_gone"})
		wantErr(t, "reply to nothing", err, nestegg.NotFound, "reply_to_id")

		th, err := s.Thread(ctx, bob.ID, r11.ID, Page{})
		if err != nil {
			t.Fatalf("Thread: %v", err)
		}
		if len(th.Ancestors) != 2 || th.Ancestors[0].ID != root.ID || th.Ancestors[1].ID != r1.ID || th.Post.ID != r11.ID || len(th.Replies) != 0 {
			t.Fatalf("Thread(r11) = %+v", th)
		}
		th, err = s.Thread(ctx, "", root.ID, Page{Limit: 1})
		if err != nil || len(th.Ancestors) != 0 || len(th.Replies) != 1 || th.Replies[0].ID != r1.ID || th.Next == "" || th.Post.Replies != 2 {
			t.Fatalf("Thread(root) = %+v, %v", th, err)
		}
		more, next, err := s.Replies(ctx, "", root.ID, Page{Cursor: th.Next, Limit: 1})
		if err != nil || len(more) != 1 || more[0].ID != r2.ID || next != "" {
			t.Fatalf("Replies page 2 = %+v, %q, %v", more, next, err)
		}

		// Only the author deletes; replies outlive their parent.
		wantErr(t, "bob deletes ada's post", s.DeletePost(ctx, bob.ID, root.ID), nestegg.Forbidden, "")
		wantErr(t, "delete missing", s.DeletePost(ctx, bob.ID, "pst_gone"), nestegg.NotFound, "")
		must(t, "delete r1", s.DeletePost(ctx, bob.ID, r1.ID))
		_, err = s.Post(ctx, "", r1.ID)
		wantErr(t, "deleted post", err, nestegg.NotFound, "")
		if p, _ := s.Post(ctx, "", root.ID); p.Replies != 1 {
			t.Fatalf("root replies after delete = %d, want 1", p.Replies)
		}
		th, err = s.Thread(ctx, "", r11.ID, Page{})
		if err != nil || len(th.Ancestors) != 0 || th.Post.ReplyToID != r1.ID {
			t.Fatalf("Thread after parent deleted = %+v, %v", th, err)
		}
		wantErr(t, "delete twice", s.DeletePost(ctx, bob.ID, r1.ID), nestegg.NotFound, "")
	})
}

func TestLikesAndReposts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, _ := newTestService(t, db, Options{})
		ada, bob := signup(t, s, "ada"), signup(t, s, "bob")
		p := post(t, s, ada.ID, "like me")
		for i := 0; i < 2; i++ {
			must(t, "Like", s.Like(ctx, bob.ID, p.ID))
			must(t, "Repost", s.Repost(ctx, bob.ID, p.ID))
		}
		got, _ := s.Post(ctx, bob.ID, p.ID)
		if got.Likes != 1 || got.Reposts != 1 || !got.Liked || !got.Reposted {
			t.Fatalf("after likes = %+v", got)
		}
		if got, _ := s.Post(ctx, ada.ID, p.ID); got.Liked || got.Reposted {
			t.Fatalf("ada sees her own post liked: %+v", got)
		}
		wantErr(t, "like missing", s.Like(ctx, bob.ID, "pst_gone"), nestegg.NotFound, "")
		// Reposts are not posts: they cannot be liked or replied to.
		tl, _ := s.ProfileTimeline(ctx, "", bob.ID, Page{}, false)
		if len(tl.Entries) != 1 || tl.Entries[0].RepostID == "" || tl.Entries[0].RepostedBy.ID != bob.ID || tl.Entries[0].Post.ID != p.ID {
			t.Fatalf("bob's profile = %+v", tl)
		}
		rp := tl.Entries[0].RepostID
		wantErr(t, "like a repost row", s.Like(ctx, ada.ID, rp), nestegg.NotFound, "")
		_, err := s.CreatePost(ctx, ada.ID, NewPost{Body: "x", ReplyToID: rp})
		wantErr(t, "reply to a repost row", err, nestegg.NotFound, "reply_to_id")
		wantErr(t, "delete a repost row", s.DeletePost(ctx, bob.ID, rp), nestegg.NotFound, "")

		for i := 0; i < 2; i++ {
			must(t, "Unlike", s.Unlike(ctx, bob.ID, p.ID))
			must(t, "Unrepost", s.Unrepost(ctx, bob.ID, p.ID))
		}
		got, _ = s.Post(ctx, bob.ID, p.ID)
		if got.Likes != 0 || got.Reposts != 0 || got.Liked || got.Reposted {
			t.Fatalf("after unlikes = %+v", got)
		}
		// Deleting a post takes its reposts and likes with it.
		must(t, "Like", s.Like(ctx, bob.ID, p.ID))
		must(t, "Repost", s.Repost(ctx, bob.ID, p.ID))
		must(t, "DeletePost", s.DeletePost(ctx, ada.ID, p.ID))
		if tl, _ := s.ProfileTimeline(ctx, "", bob.ID, Page{}, false); len(tl.Entries) != 0 {
			t.Fatalf("repost of deleted post still shown: %+v", tl)
		}
		var n int
		must(t, "count likes", db.Reader().QueryRowContext(ctx, "SELECT count(*) FROM likes").Scan(&n))
		if n != 0 {
			t.Fatalf("%d likes left", n)
		}
	})
}

func TestMentionsAndHashtags(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, _ := newTestService(t, db, Options{})
		ada, bob, _ := signup(t, s, "ada"), signup(t, s, "Bob"), signup(t, s, "cat")
		p := post(t, s, ada.ID, "hi @BOB and @cat and @bob and @nobody, mail cat@example.com #Go #go #GoLang #123")
		var mentioned []string
		rows, err := db.Reader().QueryContext(ctx, "SELECT u.handle FROM post_mentions m JOIN users u ON u.id = m.user_id WHERE m.post_id = $1 ORDER BY u.handle", p.ID)
		must(t, "query mentions", err)
		for rows.Next() {
			var h string
			rows.Scan(&h)
			mentioned = append(mentioned, h)
		}
		rows.Close()
		if strings.Join(mentioned, ",") != "Bob,cat" {
			t.Fatalf("mentions = %v", mentioned)
		}
		post(t, s, bob.ID, "also #gO")
		for _, tag := range []string{"go", "#GO", "Go"} {
			tl, err := s.HashtagTimeline(ctx, "", tag, Page{})
			if err != nil || len(tl.Entries) != 2 || tl.Entries[1].Post.ID != p.ID {
				t.Fatalf("HashtagTimeline(%q) = %+v, %v", tag, tl, err)
			}
		}
		if tl, _ := s.HashtagTimeline(ctx, "", "golang", Page{}); len(tl.Entries) != 1 {
			t.Fatalf("#golang = %+v", tl)
		}
		for _, bad := range []string{"", "123", "#", "a b"} {
			_, err := s.HashtagTimeline(ctx, "", bad, Page{})
			wantErr(t, "HashtagTimeline("+bad+")", err, nestegg.Invalid, "tag")
		}
		must(t, "DeletePost", s.DeletePost(ctx, ada.ID, p.ID))
		if tl, _ := s.HashtagTimeline(ctx, "", "go", Page{}); len(tl.Entries) != 1 {
			t.Fatalf("#go after delete = %+v", tl)
		}
	})
}

func TestPostHook(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var seen []Post
		s, _ := newTestService(t, db, Options{OnPost: func(ctx context.Context, tx *sql.Tx, p Post) error {
			seen = append(seen, p)
			if strings.Contains(p.Body, "fail") {
				return nestegg.ParamErrorf(nestegg.Invalid, "body", "payment refused")
			}
			// The hook writes in the post's transaction: it sees the post.
			var n int
			if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM posts WHERE id = $1", p.ID).Scan(&n); err != nil || n != 1 {
				t.Errorf("hook does not see its post: %d, %v", n, err)
			}
			return nil
		}})
		ada := signup(t, s, "ada")
		signup(t, s, "bob")
		p := post(t, s, ada.ID, "@pay @bob $5 lunch")
		if len(seen) != 1 || seen[0].ID != p.ID || seen[0].Author.Handle != "ada" {
			t.Fatalf("hook saw %+v", seen)
		}
		_, err := s.CreatePost(ctx, ada.ID, NewPost{Body: "@pay @bob $5 fail"})
		wantErr(t, "hook failure", err, nestegg.Invalid, "body")
		tl, _ := s.ProfileTimeline(ctx, "", ada.ID, Page{}, true)
		if len(tl.Entries) != 1 {
			t.Fatalf("a post whose hook failed was kept: %+v", tl)
		}
		// Removing the hook.
		s.SetPostHook(nil)
		post(t, s, ada.ID, "fail is fine now")
		if len(seen) != 2 {
			t.Fatalf("hook ran after removal: %d", len(seen))
		}
	})
}
