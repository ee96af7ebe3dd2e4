package web_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/nestegg/nestegg/social"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
	"github.com/nestegg/nestegg/web"
)

// TestRateLimits: behind a trusted proxy, the client guessing passwords is
// refused (429, the error shape, RateLimit headers and Retry-After) and
// another client behind the same proxy is not; an untrusted peer's
// X-Forwarded-For is ignored; a member's token and an address each have
// their own budget on the API; loopback and the operator are not limited.
func TestRateLimits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		soc := social.New(db, social.Options{Argon2: social.Argon2{Time: 1, MemoryKiB: 64, Threads: 1}})
		srv := web.New(web.Deps{DB: db, Social: soc, Version: "test", RateLimits: web.RateLimits{
			Address: rate.Every(time.Hour), AddressBurst: 6,
			Token: rate.Every(time.Hour), TokenBurst: 3,
			Login: rate.Every(time.Hour), LoginBurst: 2,
		}})
		t.Cleanup(func() { srv.Close() })
		front, err := web.NewFrontage("10.0.0.1", "")
		if err != nil {
			t.Fatal(err)
		}
		h := front.Handler(srv)
		send := func(peer, xff, method, path, body string, headers ...string) *httptest.ResponseRecorder {
			t.Helper()
			r := request(method, path, body, headers...)
			r.RemoteAddr = peer + ":4321"
			if xff != "" {
				r.Header.Set("X-Forwarded-For", xff)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			return w
		}
		// Sign-up from this machine (loopback: never limited per address).
		if w := send("127.0.0.1", "", "POST", "/api/v1/signup", `{"handle":"rosa","display_name":"Rosa","email":"rosa@example.com","password":"a long enough password"}`); w.Code != http.StatusCreated {
			t.Fatalf("signup = %d %s", w.Code, w.Body)
		}
		login := func(peer, xff, password string) *httptest.ResponseRecorder {
			return send(peer, xff, "POST", "/api/v1/login", `{"handle":"rosa","password":"`+password+`"}`)
		}
		const guesser, member = "198.51.100.7", "198.51.100.8"
		for i := range 2 {
			if w := login("10.0.0.1", guesser, "wrong guess"); w.Code != http.StatusUnauthorized {
				t.Fatalf("guess %d = %d %s", i, w.Code, w.Body)
			}
		}
		w := login("10.0.0.1", guesser, "wrong guess")
		e := wantError(t, "the third guess", w, http.StatusTooManyRequests, "rate_limited")
		if e.Error.Type != "rate_limit_error" {
			t.Errorf("429's type = %q, want rate_limit_error", e.Error.Type)
		}
		for _, hdr := range []string{"RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "Retry-After"} {
			if w.Header().Get(hdr) == "" {
				t.Errorf("429 lacks %s", hdr)
			}
		}
		if got := w.Header().Get("RateLimit-Remaining"); got != "0" {
			t.Errorf("RateLimit-Remaining = %q, want 0", got)
		}
		// The other client behind the same proxy logs in.
		w = login("10.0.0.1", member, "a long enough password")
		if w.Code != http.StatusOK && w.Code != http.StatusCreated {
			t.Fatalf("the other client's login = %d %s", w.Code, w.Body)
		}
		var tok struct {
			Token string `json:"token"`
		}
		json.Unmarshal(w.Body.Bytes(), &tok)
		// An untrusted peer naming the guesser is counted as itself.
		if w := login("203.0.113.5", guesser, "wrong guess"); w.Code != http.StatusUnauthorized {
			t.Errorf("an untrusted peer's X-Forwarded-For was believed: %d %s", w.Code, w.Body)
		}

		// A member's token: 3 requests, from any addresses (loopback here,
		// which has no address limit).
		if tok.Token == "" {
			t.Fatalf("login gave no token: %s", w.Body)
		}
		auth := []string{"Authorization", "Bearer " + tok.Token}
		for i := range 3 {
			if w := send("127.0.0.1", "", "GET", "/api/v1/me", "", auth...); w.Code != http.StatusOK {
				t.Fatalf("me %d = %d %s", i, w.Code, w.Body)
			}
		}
		wantError(t, "a token over its budget", send("127.0.0.1", "", "GET", "/api/v1/me", "", auth...), http.StatusTooManyRequests, "rate_limited")

		// An address's budget on the API: the member's earlier requests
		// (a login) count: 5 more pass, then 429; another address is fresh.
		for i := range 5 {
			if w := send("10.0.0.1", member, "GET", "/api/v1/openapi.json", ""); w.Code != http.StatusOK {
				t.Fatalf("request %d = %d %s", i, w.Code, w.Body)
			}
		}
		wantError(t, "an address over its budget", send("10.0.0.1", member, "GET", "/api/v1/openapi.json", ""), http.StatusTooManyRequests, "rate_limited")
		if w := send("10.0.0.1", "198.51.100.9", "GET", "/api/v1/openapi.json", ""); w.Code != http.StatusOK {
			t.Errorf("a third client = %d", w.Code)
		}
		// The web's login form is limited per address too, in plain text.
		if w := send("10.0.0.1", guesser, "POST", "/login", "handle=rosa&password=x", "Content-Type", "application/x-www-form-urlencoded"); w.Code != http.StatusTooManyRequests {
			t.Errorf("the guesser's login form = %d, want 429", w.Code)
		}
	})
}
