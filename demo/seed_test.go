package demo_test

import (
	"context"
	"testing"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/demo"
	"github.com/nestegg/nestegg/social"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

var tiny = social.Argon2{Time: 1, MemoryKiB: 64, Threads: 1}

// TestSeed seeds an empty database, checks that the community is alive
// (people, kinds, follows, timelines, threads, hashtags, notifications),
// that the password works, and that seeding again changes nothing.
func TestSeed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		res, err := demo.Seed(ctx, db, demo.Options{Argon2: tiny})
		if err != nil {
			t.Fatalf("Seed: %v", err)
		}
		if !res.Seeded || len(res.Handles) < 12 || res.Password == "" {
			t.Fatalf("Seed = %+v, want a seeded community of at least 12", res)
		}
		soc := social.New(db, social.Options{Argon2: tiny})
		kinds := map[social.Kind]int{}
		for _, h := range res.Handles {
			u, err := soc.UserByHandle(ctx, h)
			if err != nil {
				t.Fatalf("UserByHandle(%s): %v", h, err)
			}
			kinds[u.Kind]++
			if u.Bio == "" {
				t.Errorf("@%s has no bio", h)
			}
		}
		if kinds[social.Business] != 1 || kinds[social.Creator] != 1 {
			t.Errorf("kinds = %v, want one business and one creator", kinds)
		}
		sess, err := soc.Login(ctx, social.Credentials{Handle: "maya", Password: res.Password})
		if err != nil {
			t.Fatalf("log in as @maya with the demo password: %v", err)
		}
		maya, _, err := soc.SessionUser(ctx, sess.Token)
		if err != nil {
			t.Fatal(err)
		}
		home, err := soc.HomeTimeline(ctx, maya.ID, social.Page{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if len(home.Entries) < 20 {
			t.Errorf("maya's home has %d entries, want a lively timeline", len(home.Entries))
		}
		var posts, replies, liked int
		authors := map[string]bool{}
		for _, e := range home.Entries {
			authors[e.Post.Author.Handle] = true
			if e.RepostID == "" {
				posts++
			}
			if e.Post.ReplyToID != "" {
				replies++
			}
			if e.Post.Likes > 0 {
				liked++
			}
		}
		if len(authors) < 5 || replies == 0 || liked == 0 {
			t.Errorf("maya's home: %d authors, %d replies, %d liked posts; want variety", len(authors), replies, liked)
		}
		for i := 1; i < len(home.Entries); i++ {
			if home.Entries[i].At.After(home.Entries[i-1].At) {
				t.Fatalf("home timeline out of order at %d", i)
			}
		}
		if oldest := home.Entries[len(home.Entries)-1].At; time.Since(oldest) < 24*time.Hour {
			t.Errorf("oldest post is %v old; the demo should span days", time.Since(oldest))
		}
		tag, err := soc.HashtagTimeline(ctx, "", "coffee", social.Page{})
		if err != nil || len(tag.Entries) < 3 {
			t.Errorf("#coffee = %d posts, %v; want several", len(tag.Entries), err)
		}
		n, err := soc.UnreadCount(ctx, maya.ID)
		if err != nil || n == 0 {
			t.Errorf("maya's unread notifications = %d, %v; want some", n, err)
		}

		// Again: nothing changes, even with a visitor who signed up since.
		if _, err := soc.Signup(ctx, social.SignupInput{Handle: "visitor", DisplayName: "Visitor", Email: "v@example.com", Password: "a long password"}); err != nil {
			t.Fatal(err)
		}
		res, err = demo.Seed(ctx, db, demo.Options{Argon2: tiny})
		if err != nil || res.Seeded {
			t.Fatalf("second Seed = %+v, %v; want nothing done", res, err)
		}
		again, _ := soc.HomeTimeline(ctx, maya.ID, social.Page{Limit: 100})
		if len(again.Entries) != len(home.Entries) {
			t.Errorf("second Seed changed maya's home: %d entries, was %d", len(again.Entries), len(home.Entries))
		}
	})
}

// TestSeedRefusesOthersData: a database with real accounts is left alone.
func TestSeedRefusesOthersData(t *testing.T) {
	db := storetest.SQLite(t)
	ctx := context.Background()
	soc := social.New(db, social.Options{Argon2: tiny})
	if _, err := soc.Signup(ctx, social.SignupInput{Handle: "real", DisplayName: "Real Person", Email: "real@example.com", Password: "a long password"}); err != nil {
		t.Fatal(err)
	}
	res, err := demo.Seed(ctx, db, demo.Options{Argon2: tiny})
	if !nestegg.Is(err, demo.ErrNotEmpty) || res.Seeded {
		t.Fatalf("Seed on a database with an account = %+v, %v; want ErrNotEmpty", res, err)
	}
	if _, err := soc.UserByHandle(ctx, "maya"); !nestegg.Is(err, nestegg.NotFound) {
		t.Errorf("a demo member exists after a refused Seed: %v", err)
	}
}
