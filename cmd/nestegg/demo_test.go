package main

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/social"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// startDemo runs `serve --demo` on dsn and waits until it has said how to
// log in.
func startDemo(t *testing.T, dsn string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &server{stdout: newLines(), stderr: newLines(), cancel: cancel, done: make(chan error, 1)}
	go func() {
		s.done <- run(ctx, []string{"serve", "--demo", "--addr", "127.0.0.1:0", "--database", dsn, "--log-level", "warn"},
			func(string) string { return "" }, strings.NewReader(""), s.stdout, s.stderr)
	}()
	s.url = s.stdout.waitPrefix(t, "nestegg listening on ", s.done)
	s.stdout.waitPrefix(t, "with the demo password: ", s.done)
	t.Cleanup(func() { s.stop(t) })
	return s
}

// TestServeDemo: --demo seeds once, prints how to log in, and the printed
// handle and password really log in through the web app.
func TestServeDemo(t *testing.T) {
	storetest.EachURL(t, func(t *testing.T, dsn string) {
		s := startDemo(t, dsn)
		out := s.stdout.String()
		if !strings.Contains(out, "Seeded the demo community.") || !strings.Contains(out, "@maya") || !strings.Contains(out, "@beanthere") {
			t.Fatalf("serve --demo printed:\n%s", out)
		}
		password := s.stdout.waitPrefix(t, "with the demo password: ", s.done)

		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar}
		get := func(path string) string {
			t.Helper()
			req, _ := http.NewRequest("GET", s.url+path, nil)
			req.Header.Set("Accept", "text/html")
			res, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("GET %s = %d\n%s", path, res.StatusCode, b)
			}
			return string(b)
		}
		if body := get("/u/beanthere"); !strings.Contains(body, "Bean There Café") || !strings.Contains(body, "Business") {
			t.Errorf("the café's profile does not show it as a business:\n%s", body)
		}
		m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(get("/login"))
		if m == nil {
			t.Fatal("no CSRF token on /login")
		}
		res, err := c.PostForm(s.url+"/login", url.Values{"csrf": {m[1]}, "handle": {"maya"}, "password": {password}})
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		home := get("/")
		if !strings.Contains(home, `href="/u/maya">Profile</a>`) || !strings.Contains(home, "#sketchbook") {
			t.Errorf("maya's home after logging in with the printed password:\n%s", home)
		}
		s.stop(t)

		// Again on the same database: nothing new, same instructions.
		s = startDemo(t, dsn)
		if out := s.stdout.String(); !strings.Contains(out, "already here") {
			t.Errorf("second serve --demo printed:\n%s", out)
		}
	})
}

// TestServeDemoRefusesRealData: --demo on a database with accounts of its
// own fails before serving.
func TestServeDemoRefusesRealData(t *testing.T) {
	dsn := storetest.SQLitePath(t)
	ctx := context.Background()
	db, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	soc := social.New(db, social.Options{Argon2: social.Argon2{Time: 1, MemoryKiB: 64, Threads: 1}})
	if _, err := soc.Signup(ctx, social.SignupInput{Handle: "real", DisplayName: "Real", Email: "real@example.com", Password: "a long password"}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	var stdout strings.Builder
	err = run(ctx, []string{"serve", "--demo", "--addr", "127.0.0.1:0", "--database", dsn, "--log-level", "warn"},
		func(string) string { return "" }, strings.NewReader(""), &stdout, io.Discard)
	if !nestegg.Is(err, nestegg.Conflict) || strings.Contains(stdout.String(), "listening") {
		t.Fatalf("serve --demo on a database with accounts = %v\n%s", err, stdout.String())
	}
}
