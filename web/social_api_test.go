package web_test

import (
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
)

// member is a signed-up member and the personal API token it acts with.
type member struct {
	id, handle, email, password, token string
}

var handleSeq atomic.Int64

// newHandle returns a handle no other test uses: prefix and a number.
func newHandle(prefix string) string {
	return fmt.Sprintf("%s%d", prefix, handleSeq.Add(1))
}

// signupMember opens an account through the API, logs in, and makes a
// personal API token with the session, as a client would.
func (e *apiEnv) signupMember(t testing.TB, prefix string) member {
	t.Helper()
	h := newHandle(prefix)
	m := member{handle: h, email: h + "@example.com", password: h + "-secret-pass"}
	var acct struct {
		ID string `json:"id"`
	}
	e.call(t, http.StatusCreated, &acct, "POST", "/api/v1/signup", "",
		fmt.Sprintf(`{"handle":%q,"display_name":"%s Example","email":%q,"password":%q}`, h, h, m.email, m.password))
	m.id = acct.ID
	var sess struct {
		Token string `json:"token"`
	}
	e.call(t, http.StatusOK, &sess, "POST", "/api/v1/login", "", fmt.Sprintf(`{"handle":%q,"password":%q}`, h, m.password))
	var tok struct {
		Secret string `json:"secret"`
	}
	e.call(t, http.StatusCreated, &tok, "POST", "/api/v1/me/tokens", sess.Token, fmt.Sprintf(`{"name":"test","current_password":%q}`, m.password))
	m.token = tok.Secret
	return m
}

// memberToken is an API token of a member made for tests that need just
// someone signed in.
func (e *apiEnv) memberToken(t testing.TB) string {
	if e.memberTok == "" {
		e.memberTok = e.signupMember(t, "anyone").token
	}
	return e.memberTok
}

// call sends a request as the holder of token ("" for nobody), wants
// status, and decodes the response into out (if not nil).
func (e *apiEnv) call(t testing.TB, want int, out any, method, path, token, body string) []byte {
	t.Helper()
	w := e.as(token, method, path, body)
	if w.Code != want {
		t.Fatalf("%s %s = %d %s, want %d", method, path, w.Code, w.Body, want)
	}
	if out != nil {
		if err := json.Unmarshal(w.Body.Bytes(), out); err != nil {
			t.Fatalf("%s %s: decode %s: %v", method, path, w.Body, err)
		}
	}
	return w.Body.Bytes()
}

// as sends a request with a Bearer token ("" sends none).
func (e *apiEnv) as(token, method, path, body string) *httptest.ResponseRecorder {
	h := []string{}
	if token != "" {
		h = append(h, "Authorization", "Bearer "+token)
	}
	return e.serve(request(method, path, body, h...))
}

type post struct {
	ID       string `json:"id"`
	Text     string `json:"text"`
	Entities []struct {
		Type       string `json:"type"`
		Start, End int
		Value      string `json:"value"`
	} `json:"entities"`
	LikeCount int64 `json:"like_count"`
	Liked     bool  `json:"liked"`
}

type timeline struct {
	Data []struct {
		Post post `json:"post"`
	} `json:"data"`
	NextCursor string `json:"next_cursor"`
	HasMore    bool   `json:"has_more"`
}

// TestSocialAPI walks a small conversation through the API: posts with
// entities, follows, the home timeline with cursor pagination, replies and
// threads, likes, notifications, blocks and search.
func TestSocialAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAPI(t, db)
		alice, bob := e.signupMember(t, "alice"), e.signupMember(t, "bob")

		var p post
		e.call(t, http.StatusCreated, &p, "POST", "/api/v1/posts", alice.token,
			fmt.Sprintf(`{"text":"hi @%s, café #Go https://go.dev"}`, bob.handle))
		if len(p.Entities) != 3 {
			t.Fatalf("entities = %+v, want mention, hashtag, url", p.Entities)
		}
		for _, en := range p.Entities {
			got := p.Text[en.Start:en.End]
			if !strings.Contains(got, en.Value) {
				t.Errorf("entity %+v: text[start:end] = %q", en, got)
			}
		}
		if p.Entities[0].Type != "mention" || p.Entities[0].Value != bob.handle || p.Entities[1].Type != "hashtag" || p.Entities[2].Type != "url" {
			t.Errorf("entities = %+v", p.Entities)
		}

		// Bob follows Alice; her posts appear on his timeline, newest first,
		// in pages.
		e.call(t, http.StatusNoContent, nil, "POST", "/api/v1/users/"+alice.handle+"/follow", bob.token, "")
		for i := range 4 {
			e.call(t, http.StatusCreated, nil, "POST", "/api/v1/posts", alice.token, fmt.Sprintf(`{"text":"post %d"}`, i))
		}
		var seen []string
		cursor := ""
		for range 10 {
			var tl timeline
			e.call(t, http.StatusOK, &tl, "GET", "/api/v1/timeline?limit=2&cursor="+cursor, bob.token, "")
			for _, d := range tl.Data {
				seen = append(seen, d.Post.Text)
			}
			if !tl.HasMore {
				break
			}
			cursor = tl.NextCursor
		}
		if len(seen) != 5 || seen[0] != "post 3" || seen[4] != p.Text {
			t.Errorf("timeline = %q, want the 5 posts newest first", seen)
		}

		// A reply forms a thread; a like shows to the liker.
		var reply post
		e.call(t, http.StatusCreated, &reply, "POST", "/api/v1/posts", bob.token, fmt.Sprintf(`{"text":"hello!","reply_to":%q}`, p.ID))
		e.call(t, http.StatusNoContent, nil, "POST", "/api/v1/posts/"+p.ID+"/like", bob.token, "")
		var th struct {
			Post      post   `json:"post"`
			Ancestors []post `json:"ancestors"`
			Replies   []post `json:"replies"`
		}
		e.call(t, http.StatusOK, &th, "GET", "/api/v1/posts/"+p.ID, bob.token, "")
		if !th.Post.Liked || th.Post.LikeCount != 1 || len(th.Replies) != 1 || th.Replies[0].ID != reply.ID {
			t.Errorf("thread = %+v", th)
		}
		e.call(t, http.StatusOK, &th, "GET", "/api/v1/posts/"+reply.ID, "", "")
		if len(th.Ancestors) != 1 || th.Ancestors[0].ID != p.ID || th.Post.Liked {
			t.Errorf("reply's thread as nobody = %+v", th)
		}

		// Alice hears of the follow, the reply and the like; marking all
		// read zeroes the count.
		var ns struct {
			Data []struct {
				Kind string `json:"kind"`
			} `json:"data"`
			Unread int `json:"unread"`
		}
		e.call(t, http.StatusOK, &ns, "GET", "/api/v1/notifications", alice.token, "")
		if ns.Unread != 3 || len(ns.Data) != 3 {
			t.Errorf("alice's notifications = %+v, want follow, reply, like", ns)
		}
		e.call(t, http.StatusNoContent, nil, "POST", "/api/v1/notifications/read", alice.token, `{}`)
		e.call(t, http.StatusOK, &ns, "GET", "/api/v1/notifications", alice.token, "")
		if ns.Unread != 0 {
			t.Errorf("unread after marking all read = %d", ns.Unread)
		}

		// A block stops follows and replies.
		e.call(t, http.StatusNoContent, nil, "POST", "/api/v1/users/"+bob.handle+"/block", alice.token, "")
		e.call(t, http.StatusForbidden, nil, "POST", "/api/v1/users/"+alice.handle+"/follow", bob.token, "")
		e.call(t, http.StatusForbidden, nil, "POST", "/api/v1/posts", bob.token, fmt.Sprintf(`{"text":"hey","reply_to":%q}`, p.ID))
		var prof struct {
			Relationship struct {
				BlockedBy bool `json:"blocked_by"`
			} `json:"relationship"`
		}
		e.call(t, http.StatusOK, &prof, "GET", "/api/v1/users/"+alice.handle, bob.token, "")
		if !prof.Relationship.BlockedBy {
			t.Errorf("bob's view of alice: %+v, want blocked_by", prof)
		}

		var found struct {
			Data []struct {
				Handle string `json:"handle"`
			} `json:"data"`
		}
		// Searching people takes a session or token (issue 11 item 16).
		e.call(t, http.StatusUnauthorized, nil, "GET", "/api/v1/search/users?q="+alice.handle, "", "")
		e.call(t, http.StatusOK, &found, "GET", "/api/v1/search/users?q="+alice.handle, bob.token, "")
		if len(found.Data) == 0 || found.Data[0].Handle != alice.handle {
			t.Errorf("search = %+v", found)
		}
		var tag timeline
		e.call(t, http.StatusOK, &tag, "GET", "/api/v1/hashtags/go", "", "")
		if len(tag.Data) != 1 || tag.Data[0].Post.ID != p.ID {
			t.Errorf("#go = %+v", tag)
		}
	})
}

// TestLoginSessions checks the session cookie, Bearer session tokens,
// logout, two-factor login and the lockout.
func TestLoginSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAPI(t, db)
		m := e.signupMember(t, "carol")
		w := e.serve(request("POST", "/api/v1/login", fmt.Sprintf(`{"handle":%q,"password":%q}`, m.handle, m.password)))
		if w.Code != http.StatusOK {
			t.Fatalf("login = %d %s", w.Code, w.Body)
		}
		var c *http.Cookie
		for _, k := range w.Result().Cookies() {
			if k.Name == "nestegg_session" {
				c = k
			}
		}
		if c == nil || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Secure {
			t.Fatalf("session cookie = %+v", c)
		}
		tr := request("POST", "/api/v1/login", fmt.Sprintf(`{"handle":%q,"password":%q}`, m.handle, m.password))
		tr.TLS = &tls.ConnectionState{}
		if w := e.serve(tr); w.Code != http.StatusOK || !strings.Contains(w.Header().Get("Set-Cookie"), "; Secure") {
			t.Errorf("login over TLS = %d, Set-Cookie %q, want Secure", w.Code, w.Header().Get("Set-Cookie"))
		}
		r := request("GET", "/api/v1/me", "")
		r.AddCookie(c)
		if w := e.serve(r); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), m.email) {
			t.Fatalf("GET /me with the cookie = %d %s", w.Code, w.Body)
		}
		r = request("POST", "/api/v1/logout", "")
		r.AddCookie(c)
		if w := e.serve(r); w.Code != http.StatusNoContent {
			t.Fatalf("logout = %d %s", w.Code, w.Body)
		}
		r = request("GET", "/api/v1/me", "")
		r.AddCookie(c)
		wantError(t, "GET /me after logout", e.serve(r), http.StatusUnauthorized, "unauthenticated")

		// Two-factor: enrol, confirm, then login wants the code.
		var en struct {
			Secret string `json:"secret"`
		}
		e.call(t, http.StatusOK, &en, "POST", "/api/v1/me/2fa/enroll", m.token, "")
		code, _ := totp.GenerateCode(en.Secret, time.Now())
		e.call(t, http.StatusNoContent, nil, "POST", "/api/v1/me/2fa/confirm", m.token, fmt.Sprintf(`{"code":%q}`, code))
		var sf struct {
			Error struct {
				Code string `json:"code"`
			} `json:"error"`
			Challenge string `json:"challenge"`
		}
		e.call(t, http.StatusUnauthorized, &sf, "POST", "/api/v1/login", "", fmt.Sprintf(`{"handle":%q,"password":%q}`, m.handle, m.password))
		if sf.Error.Code != "second_factor_required" || sf.Challenge == "" {
			t.Fatalf("login without code = %+v", sf)
		}
		e.call(t, http.StatusUnauthorized, nil, "POST", "/api/v1/login", "", fmt.Sprintf(`{"challenge":%q,"code":"000000"}`, sf.Challenge))

		// Repeated failures lock the handle out.
		status, retry := 0, ""
		for range 10 {
			w := e.serve(request("POST", "/api/v1/login", fmt.Sprintf(`{"handle":%q,"password":"wrong-password"}`, m.handle)))
			if status, retry = w.Code, w.Header().Get("Retry-After"); status == http.StatusTooManyRequests {
				break
			}
		}
		if status != http.StatusTooManyRequests {
			t.Errorf("repeated wrong logins end with %d, want 429", status)
		}
		// The lockout says when to come back: within its 15 minutes.
		if secs, err := strconv.Atoi(retry); err != nil || secs < 840 || secs > 900 {
			t.Errorf("the lockout's Retry-After = %q, want the seconds left of 15 minutes", retry)
		}
	})
}
