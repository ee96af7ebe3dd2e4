package social

import (
	"context"
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
			"ann":  {"ann", "annabel", "bob", "joanna"}, // exact, handle prefix, then the rest by handle
			"@ANN": {"ann", "annabel", "bob", "joanna"},
			"hann": {"bob"},
			"lee":  {"annabel"},
			"_":    {"a_b"}, // a literal underscore, not LIKE's any-character
			"%":    {"pct"},
			"a_":   {"a_b"},
			"zzz":  {},
			"\\":   {},
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
