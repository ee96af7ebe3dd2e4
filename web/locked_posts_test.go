package web_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// signupCreator signs a creator up through the form.
func (s *pageSite) signupCreator(handle string) *pageUser {
	s.t.Helper()
	u := s.visitor()
	u.get("/signup")
	r := u.post("/signup", "handle", handle, "display_name", "Cat Creator", "email", handle+"@example.com",
		"password", pagePassword, "password2", pagePassword, "kind", "creator")
	if r.status != http.StatusSeeOther {
		s.t.Fatalf("sign up %s = %d\n%s", handle, r.status, r.body)
	}
	u.get("/")
	return u
}

// TestLockedPostsNeverLeak: a creator's subscribers-only post is read by
// nobody else on any route that returns posts — the home timeline, the
// profile, the thread, the hashtag, notifications, search, and every API
// route for posts — signed in or not; its subscriber reads it.
func TestLockedPostsNeverLeak(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		site := newPayPageSite(t, db)
		cat := site.signupCreator("cat")
		r := cat.post("/creator/tiers", "name", "Fans", "price", "$5", "period", "month", "benefits", "Recipes first")
		wantStatus(t, "add tier", r, http.StatusSeeOther)
		tiers := cat.get("/creator")
		tier := regexp.MustCompile(`id="tier-(pln_[0-9a-f]+)"`).FindStringSubmatch(tiers.body)
		if tier == nil {
			t.Fatalf("no tier on /creator:\n%s", tiers.body)
		}
		ann := site.signup("ann")
		wantStatus(t, "follow", ann.post("/u/cat/follow"), http.StatusSeeOther)

		const secret = "saffron"
		cat.get("/")
		wantStatus(t, "locked post", cat.post("/posts", "body", "the secret sauce is "+secret+" @ann #sauce", "subscribers_only", "on", "next", "/"), http.StatusSeeOther)
		m := regexp.MustCompile(`id="p-(pst_[0-9a-f]+)"`).FindStringSubmatch(cat.get("/").body)
		if m == nil {
			t.Fatal("no post on the creator's home")
		}
		id := m[1]
		if !strings.Contains(cat.get("/posts/"+id).body, secret) {
			t.Error("the author cannot read their own post")
		}
		// A public reply by the creator quotes nothing of it.
		routes := []string{"/", "/u/cat", "/u/cat?tab=replies", "/posts/" + id, "/tags/sauce", "/notifications", "/search?q=cat",
			"/api/v1/posts/" + id, "/api/v1/posts/" + id + "/replies", "/api/v1/timeline", "/api/v1/users/cat/posts",
			"/api/v1/hashtags/sauce", "/api/v1/notifications", "/api/v1/search/users?q=cat", "/api/v1/payments/feed", "/api/v1/users/cat/payments"}
		nobody := site.visitor()
		for _, path := range routes {
			for who, u := range map[string]*pageUser{"ann": ann, "nobody": nobody} {
				res := u.get(path)
				if strings.Contains(res.body, secret) {
					t.Errorf("%s reads the locked post at %s (%d)", who, path, res.status)
				}
			}
		}
		thread := ann.get("/posts/" + id)
		if !strings.Contains(thread.body, "This post is for @cat's subscribers") || !strings.Contains(thread.body, "Subscribe to read it") {
			t.Errorf("no teaser on the thread:\n%s", thread.body)
		}
		api := ann.get("/api/v1/posts/" + id)
		if !strings.Contains(api.body, `"locked":true`) {
			t.Errorf("the API does not say the post is locked: %s", api.body)
		}
		// Ann subscribes: now she reads it everywhere.
		site.fund("ann", "$20")
		ann.get("/subscriptions/review?plan=" + tier[1])
		wantStatus(t, "subscribe", ann.post("/subscriptions", "plan", tier[1], "key", "sub-1"), http.StatusSeeOther)
		for _, path := range []string{"/posts/" + id, "/u/cat", "/api/v1/posts/" + id} {
			if !strings.Contains(ann.get(path).body, secret) {
				t.Errorf("the subscriber cannot read the post at %s", path)
			}
		}
		if strings.Contains(nobody.get("/posts/"+id).body, secret) {
			t.Error("a visitor reads it once someone subscribed")
		}
		earn := cat.get("/creator")
		if !strings.Contains(earn.body, "$4.50") || !strings.Contains(earn.body, "1</b> subscriber") {
			t.Errorf("earnings: %s", earn.body)
		}
	})
}
