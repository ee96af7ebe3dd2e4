package web_test

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// TestPagesRender opens every page as a member and as nobody: members see
// each page, nobody is sent to log in where a page is personal.
func TestPagesRender(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		site := newPageSite(t, db)
		alice := site.signup("alice")
		bob := site.signup("bob")
		id := alice.postAs("hello from alice #nestegg @bob")
		bob.get("/u/alice")
		wantStatus(t, "follow", bob.post("/u/alice/follow"), http.StatusSeeOther)
		bob.get("/posts/" + id)
		wantStatus(t, "reply", bob.post("/posts", "body", "hi alice!", "reply_to", id), http.StatusSeeOther)

		// The unread count shows in the nav until notifications are seen.
		wantBody(t, "alice's badge", alice.get("/"), `class="badge"`)
		alice.get("/notifications")
		wantNoBody(t, "alice's badge after reading", alice.get("/"), `class="badge"`)
		wantBody(t, "notifications", alice.get("/notifications"), "followed you", "replied to you")
		wantBody(t, "bob's notifications", bob.get("/notifications"), "mentioned you")

		pages := []struct {
			path     string
			personal bool
			want     string
		}{
			{"/", false, "hello from alice"},
			{"/u/alice", false, "Alice Example"},
			{"/u/alice?tab=replies", false, "hello from alice"},
			{"/posts/" + id, false, "hi alice!"},
			{"/tags/nestegg", false, "hello from alice"},
			{"/search?q=ali", true, "@alice"},
			{"/search", true, "Search people"},
			{"/notifications", true, "Notifications"},
			{"/settings", true, "Save profile"},
			{"/settings/password", true, "Change password"},
			{"/settings/two-factor", true, "Set up two-factor"},
			{"/settings/tokens", true, "Create token"},
		}
		nobody := site.visitor()
		for _, p := range pages {
			r := alice.get(p.path)
			wantStatus(t, "alice GET "+p.path, r, http.StatusOK)
			wantBody(t, "alice GET "+p.path, r, p.want, `href="/u/alice">Profile</a>`, "Log out")
			r = nobody.get(p.path)
			if p.personal {
				if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/login?next=") {
					t.Errorf("nobody GET %s = %d %q, want a redirect to /login", p.path, r.status, r.location)
				}
				continue
			}
			wantStatus(t, "nobody GET "+p.path, r, http.StatusOK)
			wantBody(t, "nobody GET "+p.path, r, "Log in")
		}
		wantBody(t, "nobody's home", nobody.get("/"), "Create an account")
		// Forms posted by nobody go to /login too.
		r := nobody.post("/posts", "body", "anonymous")
		if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/login") {
			t.Errorf("nobody POST /posts = %d %q, want a redirect to /login", r.status, r.location)
		}
		wantStatus(t, "static css", alice.get("/static/style.css"), http.StatusOK)
		wantStatus(t, "static htmx", alice.get("/static/htmx.min.js"), http.StatusOK)
		wantStatus(t, "unknown profile", alice.get("/u/nobody_here"), http.StatusNotFound)
		wantStatus(t, "unknown post", alice.get("/posts/pst_nope"), http.StatusNotFound)
	})
}

// TestPagesOwnership: nobody deletes another's post or reaches another's
// tokens through the pages, and personal pages show only one's own.
func TestPagesOwnership(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		site := newPageSite(t, db)
		alice := site.signup("alice")
		mallory := site.signup("mallory")
		id := alice.postAs("alice's own words")
		alice.get("/settings/tokens")
		created := alice.post("/settings/tokens", "name", "alice laptop", "current_password", pagePassword)
		wantBody(t, "token created", created, "will not be shown again", "nst_")
		tokID := regexp.MustCompile(`/settings/tokens/(tok_[0-9a-f]+)/revoke`).FindStringSubmatch(created.body)
		if tokID == nil {
			t.Fatalf("no revoke form:\n%s", created.body)
		}

		mallory.get("/")
		wantStatus(t, "mallory deletes alice's post", mallory.post("/posts/"+id+"/delete"), http.StatusForbidden)
		wantBody(t, "the post survives", mallory.get("/posts/"+id), "alice&#39;s own words")
		wantStatus(t, "mallory revokes alice's token", mallory.post("/settings/tokens/"+tokID[1]+"/revoke"), http.StatusNotFound)
		wantNoBody(t, "mallory's tokens", mallory.get("/settings/tokens"), "alice laptop")
		wantNoBody(t, "mallory's settings", mallory.get("/settings"), "alice@example.com")
		wantBody(t, "mallory's settings", mallory.get("/settings"), "mallory@example.com")

		// The owner can revoke and delete.
		alice.get("/settings/tokens")
		r := alice.post("/settings/tokens/" + tokID[1] + "/revoke")
		wantStatus(t, "alice revokes", r, http.StatusSeeOther)
		wantNoBody(t, "alice's tokens after revoking", alice.get("/settings/tokens"), "alice laptop")
		r = alice.post("/posts/"+id+"/delete", "next", "/posts/"+id)
		if r.status != http.StatusSeeOther || r.location != "/u/alice" {
			t.Fatalf("alice deletes = %d %q, want 303 to her profile", r.status, r.location)
		}
		wantBody(t, "flash after delete", alice.get("/u/alice"), "Your post was deleted.")
		wantStatus(t, "deleted post", alice.get("/posts/"+id), http.StatusNotFound)
	})
}

// TestPagesEscaping: user text is escaped everywhere it appears, and
// mentions, hashtags and URLs become the right links.
func TestPagesEscaping(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		site := newPageSite(t, db)
		site.signup("bob")
		eve := site.signup("eve")
		eve.get("/settings")
		wantStatus(t, "profile", eve.post("/settings/profile", "display_name", `<img src=x onerror=alert(1)>`, "bio", `<b>bold</b> #bio`, "link", "https://example.com/eve"), http.StatusSeeOther)
		id := eve.postAs(`<script>alert("x")</script> hi @bob #Tag https://example.com/a?b=<i>`)
		for _, path := range []string{"/", "/posts/" + id, "/u/eve", "/tags/tag", "/search?q=eve"} {
			r := eve.get(path)
			wantNoBody(t, path, r, "<script>alert", "<img src=x", "<b>bold", "<i>")
		}
		r := eve.get("/posts/" + id)
		wantBody(t, "post page", r, `&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;`, `<a href="/u/bob">@bob</a>`, `<a href="/tags/Tag">#Tag</a>`,
			`rel="nofollow noopener"`, `&lt;img src=x onerror=alert(1)&gt;`)
		wantBody(t, "profile", eve.get("/u/eve"), `&lt;b&gt;bold&lt;/b&gt; <a href="/tags/bio">#bio</a>`, `<a href="https://example.com/eve" rel="nofollow noopener"`)
		// A search query is echoed escaped too.
		wantNoBody(t, "search echo", eve.get(`/search?q=%3Cscript%3E`), "<script>")
	})
}

// TestPagesCSRF: a cross-origin POST is refused before it reaches a page or
// the API, and a form without the right token changes nothing.
func TestPagesCSRF(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		site := newPageSite(t, db)
		alice := site.signup("alice")
		alice.get("/")
		good := alice.csrf

		r := alice.post("/posts", "body", "no token", "csrf", "")
		wantStatus(t, "POST without a token", r, http.StatusForbidden)
		wantBody(t, "POST without a token", r, "This form has expired or did not come from Nestegg")
		wantStatus(t, "POST with a wrong token", alice.post("/posts", "body", "wrong token", "csrf", good[:len(good)-2]+"xx"), http.StatusForbidden)
		for _, h := range [][]string{
			{"Sec-Fetch-Site", "cross-site"},
			{"Origin", "https://evil.example"},
		} {
			r := alice.postH("/posts", h, "body", "cross site", "csrf", good)
			wantStatus(t, "cross-origin POST "+h[0], r, http.StatusForbidden)
			wantBody(t, "cross-origin POST "+h[0], r, "came from another website")
		}
		// The API is covered too: a cross-site browser request with the
		// session cookie is refused in the API's error shape.
		req, _ := http.NewRequest("POST", site.url+"/api/v1/posts", strings.NewReader(`{"body":"x"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		res, err := alice.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusForbidden || res.Header.Get("Content-Type") != "application/json" {
			t.Errorf("cross-site API POST = %d %s, want 403 JSON", res.StatusCode, res.Header.Get("Content-Type"))
		}
		wantNoBody(t, "home after refused posts", alice.get("/"), "no token", "wrong token", "cross site")

		// Same-origin with the right token works.
		r = alice.postH("/posts", []string{"Sec-Fetch-Site", "same-origin"}, "body", "same origin", "csrf", good)
		wantStatus(t, "same-origin POST", r, http.StatusSeeOther)
		wantBody(t, "home after posting", alice.get("/"), "same origin")

		// Before sign-in the token is bound to the anonymous cookie: a
		// login form posted without it is refused (login CSRF).
		nobody := site.visitor()
		r = nobody.post("/login", "handle", "alice", "password", pagePassword, "csrf", "forged")
		wantStatus(t, "login without the anonymous cookie's token", r, http.StatusForbidden)
	})
}

// TestPagesForms: refused forms come back with the reason beside the field
// and what was typed still there.
func TestPagesForms(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		site := newPageSite(t, db)
		site.signup("alice")
		u := site.visitor()
		u.get("/signup")
		r := u.post("/signup", "handle", "ALICE", "display_name", "Another Alice", "email", "a2@example.com", "password", pagePassword, "password2", pagePassword)
		wantStatus(t, "taken handle", r, http.StatusUnprocessableEntity)
		wantBody(t, "taken handle", r, `id="e-handle"`, "is taken", `value="Another Alice"`, `value="a2@example.com"`)
		r = u.post("/signup", "handle", "carol", "display_name", "Carol", "email", "c@example.com", "password", "short", "password2", "short")
		wantBody(t, "short password", r, `id="e-password"`, `value="carol"`)
		r = u.post("/signup", "handle", "carol", "display_name", "Carol", "email", "c@example.com", "password", pagePassword, "password2", "other one!!")
		wantBody(t, "passwords differ", r, `id="e-password2"`)

		r = u.post("/login", "handle", "alice", "password", "wrong password")
		wantStatus(t, "wrong password", r, http.StatusUnprocessableEntity)
		wantBody(t, "wrong password", r, "wrong handle or password", `value="alice"`)
		r = u.post("/login", "handle", "alice", "password", pagePassword, "next", "/settings")
		if r.status != http.StatusSeeOther || r.location != "/settings" {
			t.Fatalf("login = %d %q, want 303 to /settings", r.status, r.location)
		}
		// "next" never leaves the site.
		v := site.visitor()
		v.get("/login")
		r = v.post("/login", "handle", "alice", "password", pagePassword, "next", "//evil.example/")
		if r.location != "/" {
			t.Errorf("login with an off-site next redirects to %q, want /", r.location)
		}

		long := strings.Repeat("x", 281)
		u.get("/")
		r = u.post("/posts", "body", long)
		wantStatus(t, "long post", r, http.StatusUnprocessableEntity)
		wantBody(t, "long post", r, `id="body-err"`, long)

		u.get("/settings")
		r = u.post("/settings/profile", "display_name", "Alice", "bio", "mine", "link", "ftp://nope")
		wantBody(t, "bad link", r, `id="e-link"`, `value="ftp://nope"`, ">mine</textarea>")
		u.get("/settings/password")
		r = u.post("/settings/password", "current_password", "not it at all", "new_password", "a new password", "new_password2", "a new password")
		wantBody(t, "wrong current password", r, `id="e-current_password"`)

		// Log out ends the session: the old cookie no longer works.
		u.get("/")
		r = u.post("/logout")
		if r.status != http.StatusSeeOther || r.location != "/login" {
			t.Fatalf("logout = %d %q", r.status, r.location)
		}
		wantBody(t, "after logout", u.get("/login"), "You have logged out")
		if r := u.get("/settings"); r.status != http.StatusSeeOther {
			t.Errorf("settings after logout = %d, want a redirect", r.status)
		}
	})
}

// TestPagesPagingAndHTMX: timelines page with "Older posts", and htmx
// requests get fragments instead of redirects.
func TestPagesPagingAndHTMX(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		site := newPageSite(t, db)
		alice := site.signup("alice")
		ctx := context.Background()
		a, err := site.social.UserByHandle(ctx, "alice")
		if err != nil {
			t.Fatal(err)
		}
		for i := range 25 {
			if _, err := site.social.CreatePost(ctx, a.ID, socialPost("post number %02d", i)); err != nil {
				t.Fatal(err)
			}
		}
		r := alice.get("/")
		wantBody(t, "first page", r, "post number 24", "Older posts")
		wantNoBody(t, "first page", r, "post number 04")
		older := regexp.MustCompile(`href="(/\?cursor=[^"]+)">Older posts`).FindStringSubmatch(r.body)
		if older == nil {
			t.Fatalf("no Older posts link")
		}
		r = alice.get(strings.ReplaceAll(older[1], "&amp;", "&"))
		wantBody(t, "second page", r, "post number 04", "post number 00")
		wantNoBody(t, "second page", r, "post number 24", "Older posts")

		id := regexp.MustCompile(`id="p-(pst_[0-9a-f]+)"`).FindStringSubmatch(r.body)[1]
		hx := []string{"HX-Request", "true"}
		r = alice.postH("/posts/"+id+"/like", hx, "next", "/")
		wantStatus(t, "htmx like", r, http.StatusOK)
		wantBody(t, "htmx like", r, `class="actions"`, "Liked", "/unlike")
		wantNoBody(t, "htmx like", r, "<html")
		r = alice.postH("/posts", hx, "body", "via htmx")
		wantBody(t, "htmx post", r, "via htmx", `hx-swap-oob="true"`)
		r = alice.postH("/posts", hx, "body", "")
		if r.header.Get("HX-Retarget") != "#composer" {
			t.Errorf("htmx empty post: HX-Retarget = %q", r.header.Get("HX-Retarget"))
		}
		wantBody(t, "htmx empty post", r, `id="body-err"`)
	})
}

// TestPagesNotFound: browsers get a page for unknown paths; API clients
// keep the JSON error shape.
func TestPagesNotFound(t *testing.T) {
	site := newPageSite(t, storetest.SQLite(t))
	u := site.visitor()
	r := u.get("/no/such/page")
	wantStatus(t, "unknown page", r, http.StatusNotFound)
	wantBody(t, "unknown page", r, "<!doctype html>", "There is nothing here")
	r = u.get("/logout")
	wantStatus(t, "GET on a form action", r, http.StatusMethodNotAllowed)
	wantBody(t, "GET on a form action", r, "<!doctype html>")
	r = u.get("/api/v1/no-such-thing")
	wantStatus(t, "unknown API path", r, http.StatusNotFound)
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("unknown API path Content-Type = %q, want JSON", ct)
	}
}
