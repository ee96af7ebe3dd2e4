package social

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// The benchmark network: 1,000 members, each following 100 others, and
// 100,000 posts over 100 days (1 in 20 with a hashtag, 1 in 100 a repost).
const (
	benchMembers = 1000
	benchFollows = 100
	benchPosts   = 100_000
)

// benchRowsPerInsert keeps statements small: modernc.org/sqlite binds
// parameters in time that grows with their count squared, so 1,000-row
// INSERTs seed eight times slower than 50-row ones.
const benchRowsPerInsert = 50

type benchNet struct {
	db    *store.DB
	s     *Service
	name  string
	users []string
}

// benchNetwork seeds the network on SQLite, or on PostgreSQL when
// NESTEGG_TEST_POSTGRES is set, with multi-row INSERTs in big transactions.
func benchNetwork(b *testing.B) benchNet {
	b.Helper()
	n := benchNet{name: "sqlite"}
	if os.Getenv(storetest.EnvPostgres) != "" {
		n.db, n.name = storetest.Postgres(b), "postgres"
	} else {
		n.db = storetest.SQLite(b)
	}
	n.s, _ = newTestService(b, n.db, Options{Clock: time.Now})
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	start := time.Now()
	hash, err := n.s.hashPassword(ctx, testPassword)
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now().UnixNano()
	insert := func(table string, cols int, rows [][]any) {
		b.Helper()
		per := min(n.db.Dialect.MaxParams()/cols, benchRowsPerInsert)
		err := n.db.Write(ctx, func(tx *sql.Tx) error {
			for len(rows) > 0 {
				batch := rows[:min(per, len(rows))]
				rows = rows[len(batch):]
				args := make([]any, 0, len(batch)*cols)
				for _, r := range batch {
					args = append(args, r...)
				}
				if _, err := tx.ExecContext(ctx, fmt.Sprintf("INSERT INTO %s VALUES %s", table, store.Placeholders(1, len(batch), cols)), args...); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatalf("seed %s: %v", table, err)
		}
	}
	var rows [][]any
	for i := 0; i < benchMembers; i++ {
		id, h := newID("usr"), fmt.Sprintf("member%04d", i)
		n.users = append(n.users, id)
		rows = append(rows, []any{id, h, h, "Member " + h, "member " + h, h + "@example.com", h + "@example.com", hash,
			"member", "", "", "", "", "", int64(0), now, now})
	}
	insert("users (id, handle, handle_lower, display_name, name_lower, email, email_lower, password_hash, kind, staff_role, bio, link, totp_secret, totp_pending, totp_last_step, created_at, updated_at)", 17, rows)
	rows = rows[:0]
	for i, u := range n.users {
		for _, k := range rng.Perm(benchMembers - 1)[:benchFollows] {
			if k >= i {
				k++ // everyone but oneself
			}
			rows = append(rows, []any{u, n.users[k], now})
		}
	}
	insert("follows (follower_id, followee_id, created_at)", 3, rows)
	rows = rows[:0]
	var tags, posts [][]any
	reposted := map[[2]int]bool{}
	span := int64(100 * 24 * time.Hour)
	for i := 0; i < benchPosts; i++ {
		id, author := newID("pst"), rng.IntN(benchMembers)
		at := now - span + span/benchPosts*int64(i)
		if i%100 == 99 && len(posts) > 0 {
			of := rng.IntN(len(posts))
			if reposted[[2]int{author, of}] {
				continue
			}
			reposted[[2]int{author, of}] = true
			id = newID("rpt")
			rows = append(rows, []any{id, n.users[author], "", nil, nil, id, posts[of][0], at})
			continue
		}
		body := fmt.Sprintf("post number %d, saying something about the day", i)
		if i%20 == 0 {
			body += fmt.Sprintf(" #topic%d", i%50)
			tags = append(tags, []any{id, fmt.Sprintf("topic%d", i%50), at})
		}
		p := []any{id, n.users[author], body, nil, nil, id, nil, at}
		rows = append(rows, p)
		posts = append(posts, p)
	}
	insert("posts (id, author_id, body, reply_to_id, reply_to_user_id, root_id, repost_of_id, created_at)", 8, rows)
	insert("post_hashtags (post_id, tag, created_at)", 3, tags)
	if n.db.Dialect == store.Postgres {
		if _, err := n.db.Reader().ExecContext(ctx, "ANALYZE"); err != nil {
			b.Fatal(err)
		}
	} else {
		must(b, "ANALYZE", n.db.Write(ctx, func(tx *sql.Tx) error { _, err := tx.ExecContext(ctx, "ANALYZE"); return err }))
	}
	b.Logf("seeded %s: %d members, %d follows, %d posts in %v", n.name, benchMembers, benchMembers*benchFollows, len(rows), time.Since(start).Round(time.Millisecond))
	return n
}

func BenchmarkHomeTimeline(b *testing.B) {
	n := benchNetwork(b)
	ctx := context.Background()
	b.Run(n.name+"/first_page", func(b *testing.B) {
		i := 0
		for b.Loop() {
			tl, err := n.s.HomeTimeline(ctx, n.users[i%len(n.users)], Page{Limit: 20})
			if err != nil || len(tl.Entries) != 20 {
				b.Fatalf("HomeTimeline = %d entries, %v", len(tl.Entries), err)
			}
			i++
		}
	})
	// The tenth page: a cursor deep in the timeline.
	cursors := make([]string, 100)
	for v := range cursors {
		page := Page{Limit: 20}
		for range 9 {
			tl, err := n.s.HomeTimeline(ctx, n.users[v], page)
			if err != nil {
				b.Fatal(err)
			}
			page.Cursor = tl.Next
		}
		cursors[v] = page.Cursor
	}
	b.Run(n.name+"/page_10", func(b *testing.B) {
		i := 0
		for b.Loop() {
			v := i % len(cursors)
			tl, err := n.s.HomeTimeline(ctx, n.users[v], Page{Limit: 20, Cursor: cursors[v]})
			if err != nil || len(tl.Entries) != 20 {
				b.Fatalf("HomeTimeline = %d entries, %v", len(tl.Entries), err)
			}
			i++
		}
	})
}

func BenchmarkPost(b *testing.B) {
	n := benchNetwork(b)
	ctx := context.Background()
	b.Run(n.name, func(b *testing.B) {
		i := 0
		for b.Loop() {
			author, mentioned := n.users[i%len(n.users)], (i+1)%len(n.users)
			body := fmt.Sprintf("benchmark post %d for @member%04d about #topic%d", i, mentioned, i%50)
			if _, err := n.s.CreatePost(ctx, author, NewPost{Body: body}); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}
