package social

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

func TestSearchUsers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s, _ := newTestService(t, db, Options{})
		for _, u := range []struct{ handle, name string }{
			{"ann", "Ann Smith"}, {"annabel", "Annabel Lee"}, {"joanna", "Jo"}, {"bob", "Hannah Banana"},
			{"a_b", "Under Score"}, {"axb", "No Underscore"}, {"pct", "100% Real"}, {"zed", "Zed"},
		} {
			_, err := s.Signup(ctx, SignupInput{Handle: u.handle, DisplayName: u.name, Email: u.handle + "@example.com", Password: testPassword})
			must(t, "Signup", err)
		}
		search := func(q string) []string {
			us, err := s.SearchUsers(ctx, q, 0)
			must(t, "SearchUsers("+q+")", err)
			out := []string{}
			for _, u := range us {
				out = append(out, u.Handle)
			}
			return out
		}
		for q, want := range map[string][]string{
			"ann":         {"ann", "annabel"}, // exact, then handle prefix, by handle
			"@ANN":        {"ann", "annabel"},
			"hann":        {"bob"}, // the start of a display name
			"lee":         {},      // not the middle of one (an index serves starts only)
			"annabel l":   {"annabel"},
			"_":           {},
			"a_":          {"a_b"}, // a literal underscore, not LIKE's any-character
			"100%":        {"pct"}, // a literal percent
			"1%":          {},
			"zzz":         {},
			"\\":          {},
			"z\U0010FFFF": {},
		} {
			if diff := cmp.Diff(want, search(q)); diff != "" {
				t.Errorf("SearchUsers(%q) (-want +got):\n%s", q, diff)
			}
		}
		for _, q := range []string{"", "  ", "@", strings.Repeat("a", MaxSearchLen+1)} {
			_, err := s.SearchUsers(ctx, q, 0)
			wantErr(t, "SearchUsers("+q+")", err, nestegg.Invalid, "q")
		}
		if us, _ := s.SearchUsers(ctx, "a", 2); len(us) != 2 {
			t.Fatalf("limit 2 gave %d", len(us))
		}
		_, err := s.SearchUsers(ctx, "a", 101)
		wantErr(t, "limit", err, nestegg.Invalid, "limit")
	})
}

// TestSearchUsesIndex (issue 11 item 16): people search reads the users'
// indexes on both databases, never the whole table (it was LIKE '%q%',
// which no index serves).
func TestSearchUsesIndex(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var plan []string
		err := db.Write(ctx, func(tx *sql.Tx) error {
			plan = nil
			if db.Dialect == store.Postgres {
				// On a small table a sequential scan is cheapest; forbid it
				// to see whether an index can serve the query at all.
				if _, err := tx.ExecContext(ctx, "SET LOCAL enable_seqscan = off"); err != nil {
					return err
				}
			}
			explain := "EXPLAIN "
			if db.Dialect == store.SQLite {
				explain = "EXPLAIN QUERY PLAN "
			}
			rows, err := tx.QueryContext(ctx, explain+fmt.Sprintf(searchSQL, userCols("u")), "ann", "ann\U0010FFFF", "ann%", 20)
			if err != nil {
				return err
			}
			defer rows.Close()
			cols, _ := rows.Columns()
			for rows.Next() {
				dest := make([]any, len(cols))
				for i := range dest {
					dest[i] = new(any)
				}
				if err := rows.Scan(dest...); err != nil {
					return err
				}
				plan = append(plan, fmt.Sprint(*dest[len(dest)-1].(*any)))
			}
			return rows.Err()
		})
		must(t, "explain", err)
		text := strings.Join(plan, "\n")
		if strings.Contains(text, "Seq Scan") || strings.Contains(text, "SCAN u") || !strings.Contains(strings.ToLower(text), "index") {
			t.Fatalf("people search reads the whole table:\n%s", text)
		}
	})
}
