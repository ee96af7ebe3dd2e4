package web_test

import (
	"html"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// TestPagesTwoFactor enrols two-factor through settings, then logs in
// through the code step, and turns it off again.
func TestPagesTwoFactor(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		site := newPageSite(t, db)
		alice := site.signup("alice")
		code := func() string {
			c, err := totp.GenerateCode(site.secret, site.clock.Now())
			if err != nil {
				t.Fatal(err)
			}
			return c
		}

		alice.get("/settings/two-factor")
		r := alice.post("/settings/two-factor", "action", "enroll")
		wantBody(t, "enrol", r, "otpauth://totp/", `name="secret"`)
		m := regexp.MustCompile(`<code class="secret">([A-Z2-7]+)</code>`).FindStringSubmatch(r.body)
		if m == nil {
			t.Fatalf("no secret shown:\n%s", r.body)
		}
		site.secret = m[1]
		r = alice.post("/settings/two-factor", "action", "confirm", "secret", site.secret, "code", "000000")
		wantStatus(t, "wrong confirm code", r, http.StatusUnprocessableEntity)
		wantBody(t, "wrong confirm code", r, `id="e-code"`, site.secret)
		r = alice.post("/settings/two-factor", "action", "confirm", "secret", site.secret, "code", code())
		wantStatus(t, "confirm", r, http.StatusSeeOther)
		wantBody(t, "two-factor on", alice.get("/settings/two-factor"), "Two-factor authentication is on", "Turn off two-factor")

		// A new browser logs in: password, then the code.
		site.clock.Advance(time.Minute) // a fresh code: each is good once
		u := site.visitor()
		u.get("/login?next=/settings")
		r = u.post("/login", "handle", "alice", "password", pagePassword, "next", "/settings")
		wantStatus(t, "password step", r, http.StatusOK)
		wantBody(t, "password step", r, "Two-factor code", `name="challenge"`)
		challenge := regexp.MustCompile(`name="challenge" value="([^"]+)"`).FindStringSubmatch(r.body)[1]
		r = u.post("/login/code", "challenge", challenge, "code", "123456", "next", "/settings")
		wantStatus(t, "wrong code", r, http.StatusUnprocessableEntity)
		wantBody(t, "wrong code", r, `id="e-code"`, "not right")
		r = u.post("/login/code", "challenge", html.UnescapeString(challenge), "code", code(), "next", "/settings")
		if r.status != http.StatusSeeOther || r.location != "/settings" {
			t.Fatalf("code step = %d %q, want 303 to /settings\n%s", r.status, r.location, r.body)
		}
		wantBody(t, "signed in with two-factor", u.get("/settings"), "alice@example.com")

		site.clock.Advance(time.Minute)
		u.get("/settings/two-factor")
		r = u.post("/settings/two-factor", "action", "disable", "current_password", pagePassword, "code", code())
		wantStatus(t, "disable", r, http.StatusSeeOther)
		wantBody(t, "two-factor off", u.get("/settings/two-factor"), "Set up two-factor")
	})
}
