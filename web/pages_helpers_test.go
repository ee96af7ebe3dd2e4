package web_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nestegg/nestegg/ledger"
	"github.com/nestegg/nestegg/social"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/web"
)

// pageSite is the web app on a real database behind a real HTTP server,
// with a test clock (two-factor codes need to move through time).
type pageSite struct {
	t      testing.TB
	url    string
	social *social.Service
	clock  *pageClock
	secret string // a TOTP secret a test enrolled
}

type pageClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *pageClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Millisecond)
	return c.t
}

func (c *pageClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newPageSite(t testing.TB, db *store.DB) *pageSite {
	t.Helper()
	clock := &pageClock{t: time.Now()}
	soc := social.New(db, social.Options{Clock: clock.Now, Argon2: social.Argon2{Time: 1, MemoryKiB: 64, Threads: 1}})
	l := ledger.New(db, ledger.Options{ValidAsset: validAsset})
	l.Start()
	srv := web.New(web.Deps{DB: db, Ledger: l, Social: soc, Version: "test"})
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		hs.Close()
		srv.Close()
		l.Close()
	})
	return &pageSite{t: t, url: hs.URL, social: soc, clock: clock}
}

// pageUser is one browser: a cookie jar that does not follow redirects,
// so tests see each 303, and the CSRF token of the last page it loaded.
type pageUser struct {
	site *pageSite
	c    *http.Client
	csrf string
}

func (s *pageSite) visitor() *pageUser {
	jar, _ := cookiejar.New(nil)
	return &pageUser{site: s, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// pageResp is a response with its body read.
type pageResp struct {
	status   int
	body     string
	location string
	header   http.Header
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (u *pageUser) do(req *http.Request) pageResp {
	u.site.t.Helper()
	req.Header.Set("Accept", "text/html")
	res, err := u.c.Do(req)
	if err != nil {
		u.site.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	r := pageResp{status: res.StatusCode, body: string(b), location: res.Header.Get("Location"), header: res.Header}
	if m := csrfRE.FindStringSubmatch(r.body); m != nil {
		u.csrf = m[1]
	}
	return r
}

func (u *pageUser) get(path string, headers ...string) pageResp {
	u.site.t.Helper()
	req, _ := http.NewRequest("GET", u.site.url+path, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return u.do(req)
}

// post submits a form with the current CSRF token (unless the form sets
// "csrf" itself); fields come in pairs.
func (u *pageUser) post(path string, fields ...string) pageResp {
	u.site.t.Helper()
	return u.postH(path, nil, fields...)
}

func (u *pageUser) postH(path string, headers []string, fields ...string) pageResp {
	u.site.t.Helper()
	f := url.Values{}
	for i := 0; i+1 < len(fields); i += 2 {
		f.Set(fields[i], fields[i+1])
	}
	if _, ok := f["csrf"]; !ok {
		f.Set("csrf", u.csrf)
	}
	req, _ := http.NewRequest("POST", u.site.url+path, strings.NewReader(f.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return u.do(req)
}

const pagePassword = "correct horse battery"

// signup signs a new browser up through the form and returns it signed in.
func (s *pageSite) signup(handle string) *pageUser {
	s.t.Helper()
	u := s.visitor()
	u.get("/signup")
	r := u.post("/signup", "handle", handle, "display_name", strings.ToUpper(handle[:1])+handle[1:]+" Example",
		"email", handle+"@example.com", "password", pagePassword, "password2", pagePassword, "kind", "member")
	if r.status != http.StatusSeeOther || r.location != "/" {
		s.t.Fatalf("sign up %s = %d %q, want 303 to /\n%s", handle, r.status, r.location, r.body)
	}
	u.get("/")
	return u
}

// postAs publishes a post through the composer and returns its id.
func (u *pageUser) postAs(body string) string {
	u.site.t.Helper()
	u.get("/")
	r := u.post("/posts", "body", body, "next", "/")
	if r.status != http.StatusSeeOther {
		u.site.t.Fatalf("post %q = %d\n%s", body, r.status, r.body)
	}
	home := u.get("/")
	m := regexp.MustCompile(`id="p-(pst_[0-9a-f]+)"`).FindStringSubmatch(home.body)
	if m == nil {
		u.site.t.Fatalf("no post on the home page after posting:\n%s", home.body)
	}
	return m[1]
}

func wantStatus(t testing.TB, what string, r pageResp, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("%s = %d, want %d\n%s", what, r.status, status, r.body)
	}
}

func wantBody(t testing.TB, what string, r pageResp, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(r.body, s) {
			t.Fatalf("%s: body lacks %q\n%s", what, s, r.body)
		}
	}
}

func wantNoBody(t testing.TB, what string, r pageResp, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if strings.Contains(r.body, s) {
			t.Fatalf("%s: body has %q\n%s", what, s, r.body)
		}
	}
}

func socialPost(format string, args ...any) social.NewPost {
	return social.NewPost{Body: fmt.Sprintf(format, args...)}
}
