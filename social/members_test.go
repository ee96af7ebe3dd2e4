package social

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

func handles(p MemberPage) string {
	var hs []string
	for _, a := range p.Members {
		hs = append(hs, a.Handle)
	}
	return strings.Join(hs, " ")
}

// TestSearchMembers: staff find members by a part of their handle, name or
// email, or by id, page by page, and the index follows renames.
func TestSearchMembers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s, _ := newTestService(t, db, Options{})
		ctx := context.Background()
		ann := signup(t, s, "annabel")
		signup(t, s, "bob")
		signup(t, s, "hannah")
		if _, err := s.Signup(ctx, SignupInput{Handle: "zed", DisplayName: "Zed Quartermain", Email: "z@corp.example", Password: testPassword}); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct{ q, want string }{
			{"ANN", "annabel hannah"}, // handles, any case
			{"@nnab", "annabel"},      // a leading @ is ignored
			{"quarter", "zed"},        // display name
			{"corp.exam", "zed"},      // email
			{"example", "annabel bob hannah zed"},
			{ann.ID, "annabel"}, // the id
			{"nobody here", ""},
			{"", "annabel bob hannah zed"},
			{`a"b`, ""}, // quotes are text
			{"50%", ""}, // so are LIKE's wildcards
		} {
			p, err := s.SearchMembers(ctx, c.q, "", 0)
			if err != nil {
				t.Fatalf("SearchMembers(%q): %v", c.q, err)
			}
			if got := handles(p); got != c.want {
				t.Errorf("SearchMembers(%q) = %q, want %q", c.q, got, c.want)
			}
		}
		p, err := s.SearchMembers(ctx, "example", "", 2)
		if err != nil || handles(p) != "annabel bob" || p.Next == "" {
			t.Fatalf("first page = %q next %q, %v", handles(p), p.Next, err)
		}
		p, err = s.SearchMembers(ctx, "example", p.Next, 2)
		if err != nil || handles(p) != "hannah zed" {
			t.Fatalf("second page = %q next %q, %v", handles(p), p.Next, err)
		}
		if p.Members[0].Email != "hannah@example.com" {
			t.Errorf("a member's email = %q", p.Members[0].Email)
		}
		if _, err := s.UpdateProfile(ctx, ann.ID, ProfileUpdate{DisplayName: ptr("Grace Hopper")}); err != nil {
			t.Fatal(err)
		}
		if p, _ := s.SearchMembers(ctx, "hopper", "", 0); handles(p) != "annabel" {
			t.Errorf("after a rename, SearchMembers(hopper) = %q", handles(p))
		}
		for _, q := range []string{"an", "x", strings.Repeat("y", MaxSearchLen+1)} {
			_, err := s.SearchMembers(ctx, q, "", 0)
			wantErr(t, fmt.Sprintf("SearchMembers(%q)", q), err, nestegg.Invalid, "q")
		}
		_, err = s.SearchMembers(ctx, "ann", "", MaxLimit+1)
		wantErr(t, "limit too big", err, nestegg.Invalid, "limit")
	})
}

// TestMemberSearchUsesTheIndex: among 30,000 members, the search
// is answered from the trigram index on both databases (the query plan
// says so), not by reading the users table.
func TestMemberSearchUsesTheIndex(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s, _ := newTestService(t, db, Options{})
		ctx := context.Background()
		// Varied handles, names and emails, as real members have: on a
		// table of identical "memberNNNN" rows every trigram is common and
		// no index helps. PostgreSQL's planner reads a small table rather
		// than an index, so it gets 30,000; SQLite's plan does not depend
		// on the table's size.
		n := 30000
		if db.Dialect == store.SQLite {
			n = 2000
		}
		word := func(i int, salt string, k int) string {
			sum := sha256.Sum256([]byte(salt + strconv.Itoa(i)))
			return hex.EncodeToString(sum[:])[:k]
		}
		now := time.Now().UnixNano()
		err := db.Write(ctx, func(tx *sql.Tx) error {
			for i := 0; i < n; i += 500 {
				var args []any
				for j := i; j < i+500; j++ {
					h, name, email := "m"+word(j, "h", 9), word(j, "n", 7)+" "+word(j, "s", 9), word(j, "e", 10)+"@example.com"
					args = append(args, newID("usr"), h, h, name, name, email, email, "x", now, now)
				}
				q := "INSERT INTO users (id, handle, handle_lower, display_name, name_lower, email, email_lower, password_hash, created_at, updated_at) VALUES " + store.Placeholders(1, 500, 10)
				if _, err := tx.ExecContext(ctx, q, args...); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		target := word(n/2+17, "n", 7)
		if p, err := s.SearchMembers(ctx, target, "", 0); err != nil || len(p.Members) == 0 || !strings.Contains(strings.ToLower(p.Members[0].DisplayName), target) {
			t.Fatalf("search among %d for %q = %q, %v", n, target, handles(p), err)
		}
		query, args := s.memberSearchSQL(target, "", 21)
		var plan []string
		if db.Dialect == store.Postgres {
			if _, err := db.Reader().ExecContext(ctx, "ANALYZE users"); err != nil {
				t.Fatal(err)
			}
			rows, err := db.Reader().QueryContext(ctx, "EXPLAIN "+query, args...)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var line string
				rows.Scan(&line)
				plan = append(plan, line)
			}
			rows.Close()
		} else {
			rows, err := db.Reader().QueryContext(ctx, "EXPLAIN QUERY PLAN "+query, args...)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var id, parent, notused int
				var detail string
				rows.Scan(&id, &parent, &notused, &detail)
				plan = append(plan, detail)
			}
			rows.Close()
		}
		text := strings.Join(plan, "\n")
		t.Logf("plan:\n%s", text)
		switch db.Dialect {
		case store.Postgres:
			if !strings.Contains(text, "users_search_trgm") || strings.Contains(text, "Seq Scan on users") {
				t.Errorf("member search does not use the trigram index:\n%s", text)
			}
		default:
			if !strings.Contains(text, "VIRTUAL TABLE INDEX") || !strings.Contains(text, "users_search_key") || strings.Contains(text, "SCAN u ") || strings.HasSuffix(text, "SCAN u") {
				t.Errorf("member search does not use the FTS index:\n%s", text)
			}
		}
	})
}
