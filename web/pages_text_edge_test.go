package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
	"github.com/nestegg/nestegg/web"
)

// Issue 11 item 9, the pages' half: a NUL byte or invalid UTF-8 in a page's
// path value, query parameter or form field is a 400 error page on both
// databases, before any handler or database sees it (it was a 500 on
// PostgreSQL, and stored junk on SQLite).

// TestHostileTextEveryPage walks every page of the web app as a signed-in
// member, with hostile text in each path wildcard, in a query parameter and
// (for forms) in a form field, and wants the 400 error page every time.
func TestHostileTextEveryPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		site := newPageSite(t, db)
		u := site.signup("walker")
		check := func(what string, r pageResp) {
			t.Helper()
			if r.status != http.StatusBadRequest || !strings.Contains(r.body, "Bad Request") {
				t.Errorf("%s = %d, want the 400 error page\n%.400s", what, r.status, r.body)
			}
		}
		send := func(method, path string, fields ...string) pageResp {
			u.get("/settings") // a fresh CSRF token, whatever the last answer was
			if method == http.MethodGet {
				return u.get(path)
			}
			return u.post(path, fields...)
		}
		for _, name := range web.PageRoutes() {
			method, pattern, _ := strings.Cut(name, " ")
			pattern = strings.TrimSuffix(pattern, "{$}")
			for _, m := range wildcard.FindAllStringIndex(pattern, -1) {
				for _, bad := range []string{"%00", "%FF", "a%0Ab", "x%00y", "%C3%28"} {
					path := concrete(pattern[:m[0]]) + bad + concrete(pattern[m[1]:])
					check(name+" path "+bad, send(method, path))
				}
			}
			for _, bad := range []string{"%00", "%FF", "a%00b", "%C3%28"} {
				check(name+" query "+bad, send(method, concrete(pattern)+"?zz="+bad))
				check(name+" query name "+bad, send(method, concrete(pattern)+"?"+bad+"=1"))
			}
			if method != http.MethodPost {
				continue
			}
			for _, field := range []string{"zz", "body", "note", "handle", "amount"} {
				for _, bad := range []string{"\x00", "a\xffb", "bell\a", strings.Repeat("x", 9000)} {
					check(name+" form "+field+"="+strings.ToValidUTF8(bad[:min(len(bad), 8)], "?"), send(method, concrete(pattern), field, bad))
				}
			}
		}
	})
}

// TestLoginHostileUserAgent: the User-Agent kept with a session may carry
// bytes that are not UTF-8 (net/http lets them through); signing in with
// one still works on both databases (it was a 500 on PostgreSQL).
func TestLoginHostileUserAgent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		site := newPageSite(t, db)
		site.signup("agent")
		u := site.visitor()
		u.get("/login")
		r := u.postH("/login", []string{"User-Agent", "Mozilla/5.0 \xff\xfe"}, "handle", "agent", "password", pagePassword)
		if r.status != http.StatusSeeOther {
			t.Fatalf("login with a bad User-Agent = %d, want 303\n%.400s", r.status, r.body)
		}
	})
}
