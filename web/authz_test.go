package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/nestegg/nestegg/social"
	"github.com/nestegg/nestegg/store"
	"github.com/nestegg/nestegg/store/storetest"
	"github.com/nestegg/nestegg/web"
)

// authzWorld is what each authorization case starts from: an owner with a
// post, a second token and a notification, a stranger, and a third member.
type authzWorld struct {
	owner, stranger, other member
	post                   string // the owner's post
	token2                 string // id of the owner's second API token
	notification           string // id of an unread notification of the owner's
}

func (e *apiEnv) newAuthzWorld(t *testing.T) *authzWorld {
	t.Helper()
	ctx := context.Background()
	w := &authzWorld{owner: e.signupMember(t, "own"), stranger: e.signupMember(t, "str"), other: e.signupMember(t, "oth")}
	p, err := e.social.CreatePost(ctx, w.owner.id, social.NewPost{Body: "mine #authz"})
	if err != nil {
		t.Fatal(err)
	}
	w.post = p.ID
	tok, err := e.social.CreateToken(ctx, w.owner.id, social.NewToken{Name: "second", Password: w.owner.password})
	if err != nil {
		t.Fatal(err)
	}
	w.token2 = tok.ID
	if _, err := e.social.CreatePost(ctx, w.other.id, social.NewPost{Body: "hi @" + w.owner.handle}); err != nil {
		t.Fatal(err)
	}
	np, err := e.social.Notifications(ctx, w.owner.id, social.Page{})
	if err != nil || len(np.Notifications) != 1 {
		t.Fatalf("owner's notifications = %+v, %v", np, err)
	}
	w.notification = np.Notifications[0].ID
	return w
}

// authzCase is one route's request and what each caller must get.
type authzCase struct {
	path, body string
	// Statuses wanted as nobody, as a stranger (another member) and as the
	// owner of what the request names. The operator key gets 401 on member
	// routes, and member tokens get 401 on operator routes.
	nobody, stranger, owner int
	// private strings belong to the owner: no one else's response may
	// contain them, and the owner's must (proving the check looks).
	private []string
	// never are strings that must be in no response at all.
	never []string
	// after, when set, runs after the stranger's request: what it must
	// not have changed.
	after func(t *testing.T, e *apiEnv, w *authzWorld)
}

const (
	s200, s201, s204 = http.StatusOK, http.StatusCreated, http.StatusNoContent
	s400, s401, s403 = http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden
	s404             = http.StatusNotFound
)

// public is a case anyone may call with the same result.
func public(path string, status int) func(*testing.T, *apiEnv, *authzWorld) authzCase {
	return func(*testing.T, *apiEnv, *authzWorld) authzCase {
		return authzCase{path: path, nobody: status, stranger: status, owner: status}
	}
}

// operatorOnly is a case for an operator route: every member is refused.
func operatorOnly(path, body string) func(*testing.T, *apiEnv, *authzWorld) authzCase {
	return func(*testing.T, *apiEnv, *authzWorld) authzCase {
		return authzCase{path: path, body: body, nobody: s401, stranger: s401, owner: s401}
	}
}

// authzCases knows how to build a valid request for every route, keyed by
// "METHOD pattern" (the payments routes' are payAuthzCases, in
// pay_api_authz_test.go). A route without an entry fails the test: new
// routes must say who may call them. Routes that honour Idempotency-Key
// are sent one.
var authzCases = map[string]func(t *testing.T, e *apiEnv, w *authzWorld) authzCase{
	"GET /healthz":             public("/healthz", s200),
	"GET /readyz":              public("/readyz", s200),
	"GET /metrics":             operatorOnly("/metrics", ""),
	"GET /api/v1/openapi.json": public("/api/v1/openapi.json", s200),
	// Stripe's webhook takes no member or operator credential: its
	// Stripe-Signature is its credential (TestStripeMode: a wrong, missing
	// or old one is 401 for anyone). This server has no Stripe.
	"POST /webhooks/stripe": func(*testing.T, *apiEnv, *authzWorld) authzCase {
		return authzCase{path: "/webhooks/stripe", body: `{}`, nobody: s404, stranger: s404, owner: s404}
	},

	"GET /api/v1/operator/keys":              operatorOnly("/api/v1/operator/keys", ""),
	"POST /api/v1/operator/keys":             operatorOnly("/api/v1/operator/keys", `{"name":"x"}`),
	"POST /api/v1/operator/keys/{id}/rotate": operatorOnly("/api/v1/operator/keys/opk_x/rotate", ""),
	"POST /api/v1/operator/keys/{id}/revoke": operatorOnly("/api/v1/operator/keys/opk_x/revoke", ""),

	"POST /api/v1/accounts":                        operatorOnly("/api/v1/accounts", `{"asset":"USD","kind":"wallet","owner":"x"}`),
	"GET /api/v1/accounts/{id}":                    operatorOnly("/api/v1/accounts/acc_x", ""),
	"GET /api/v1/accounts/{id}/transfers":          operatorOnly("/api/v1/accounts/acc_x/transfers", ""),
	"GET /api/v1/platform/accounts/{asset}/{kind}": operatorOnly("/api/v1/platform/accounts/USD/cash", ""),
	"POST /api/v1/transfers":                       operatorOnly("/api/v1/transfers", `{}`),
	"POST /api/v1/transfers/batch":                 operatorOnly("/api/v1/transfers/batch", `{}`),
	"GET /api/v1/transfers/{id}":                   operatorOnly("/api/v1/transfers/txf_x", ""),
	"POST /api/v1/transfers/{id}/post":             operatorOnly("/api/v1/transfers/txf_x/post", `{}`),
	"POST /api/v1/transfers/{id}/void":             operatorOnly("/api/v1/transfers/txf_x/void", `{}`),

	"POST /api/v1/signup": func(*testing.T, *apiEnv, *authzWorld) authzCase {
		h := newHandle("new")
		return authzCase{path: "/api/v1/signup", nobody: s201, stranger: s201, owner: s201,
			body: fmt.Sprintf(`{"handle":%q,"display_name":"New","email":"%s@example.com","password":"a-long-password"}`, h, h)}
	},
	// Email links: the token decides, not the caller (a reset answers the
	// same for any address, known or not). This server sends no mail, so
	// asking for a link is 503 for everyone; TestEmailAPI and
	// TestBrowserMail drive them with mail on.
	"POST /api/v1/password/forgot": func(_ *testing.T, _ *apiEnv, w *authzWorld) authzCase {
		return authzCase{path: "/api/v1/password/forgot", body: fmt.Sprintf(`{"email":%q}`, w.owner.email), nobody: 503, stranger: 503, owner: 503}
	},
	"POST /api/v1/password/reset": func(*testing.T, *apiEnv, *authzWorld) authzCase {
		return authzCase{path: "/api/v1/password/reset", body: `{"token":"nosuchtoken","new_password":"a-long-new-password"}`, nobody: s404, stranger: s404, owner: s404}
	},
	"POST /api/v1/email/verify": func(*testing.T, *apiEnv, *authzWorld) authzCase {
		return authzCase{path: "/api/v1/email/verify", body: `{"token":"nosuchtoken"}`, nobody: s404, stranger: s404, owner: s404}
	},
	"POST /api/v1/me/email/verify": asMember("/api/v1/me/email/verify", "", 503),
	"PATCH /api/v1/me/email": func(_ *testing.T, _ *apiEnv, w *authzWorld) authzCase {
		return authzCase{path: "/api/v1/me/email", body: `{"weekly_summary":false}`, nobody: s401, stranger: s200, owner: s200, private: []string{w.owner.email}}
	},
	// Credentials decide a login, not the caller.
	"POST /api/v1/login": func(_ *testing.T, _ *apiEnv, w *authzWorld) authzCase {
		return authzCase{path: "/api/v1/login", nobody: s200, stranger: s200, owner: s200,
			body: fmt.Sprintf(`{"handle":%q,"password":%q}`, w.owner.handle, w.owner.password)}
	},
	"POST /api/v1/logout": asMember("/api/v1/logout", "", s204),
	"GET /api/v1/me": func(_ *testing.T, _ *apiEnv, w *authzWorld) authzCase {
		return authzCase{path: "/api/v1/me", nobody: s401, stranger: s200, owner: s200, private: []string{w.owner.email}}
	},
	"PATCH /api/v1/me/profile": func(_ *testing.T, _ *apiEnv, w *authzWorld) authzCase {
		return authzCase{path: "/api/v1/me/profile", body: `{"display_name":"Changed"}`, nobody: s401, stranger: s200, owner: s200,
			after: func(t *testing.T, e *apiEnv, w *authzWorld) {
				if a, _ := e.social.Account(context.Background(), w.owner.id); a.DisplayName == "Changed" {
					t.Errorf("a stranger changed the owner's profile")
				}
			}}
	},
	// The stranger does not know the owner's password; its own account is
	// all it could change anyway.
	"POST /api/v1/me/password": func(_ *testing.T, _ *apiEnv, w *authzWorld) authzCase {
		return authzCase{path: "/api/v1/me/password", nobody: s401, stranger: s401, owner: s204,
			body: fmt.Sprintf(`{"current_password":%q,"new_password":"another-long-password"}`, w.owner.password)}
	},
	"POST /api/v1/me/2fa/enroll": asMember("/api/v1/me/2fa/enroll", "", s200),
	"POST /api/v1/me/2fa/confirm": func(t *testing.T, e *apiEnv, w *authzWorld) authzCase {
		en, err := e.social.EnrollTOTP(context.Background(), w.owner.id)
		if err != nil {
			t.Fatal(err)
		}
		code, _ := totp.GenerateCode(en.Secret, time.Now())
		return authzCase{path: "/api/v1/me/2fa/confirm", body: fmt.Sprintf(`{"code":%q}`, code),
			nobody: s401, stranger: http.StatusConflict, owner: s204}
	},
	"POST /api/v1/me/2fa/disable": func(t *testing.T, e *apiEnv, w *authzWorld) authzCase {
		ctx := context.Background()
		en, err := e.social.EnrollTOTP(ctx, w.owner.id)
		if err != nil {
			t.Fatal(err)
		}
		code, _ := totp.GenerateCode(en.Secret, time.Now())
		if err := e.social.ConfirmTOTP(ctx, w.owner.id, code); err != nil {
			t.Fatal(err)
		}
		// A code is good once: use the next period's for disabling.
		code, _ = totp.GenerateCode(en.Secret, time.Now().Add(30*time.Second))
		return authzCase{path: "/api/v1/me/2fa/disable", nobody: s401, stranger: s401, owner: s204,
			body: fmt.Sprintf(`{"current_password":%q,"code":%q}`, w.owner.password, code)}
	},
	"POST /api/v1/me/tokens": func(_ *testing.T, _ *apiEnv, w *authzWorld) authzCase {
		// A token takes the password: the stranger does not have the owner's.
		return authzCase{path: "/api/v1/me/tokens", nobody: s401, stranger: s401, owner: s201,
			body: fmt.Sprintf(`{"name":"another","current_password":%q}`, w.owner.password)}
	},
	"GET /api/v1/me/tokens": func(_ *testing.T, _ *apiEnv, w *authzWorld) authzCase {
		return authzCase{path: "/api/v1/me/tokens", nobody: s401, stranger: s200, owner: s200, private: []string{w.token2}}
	},
	"DELETE /api/v1/me/tokens/{id}": func(_ *testing.T, _ *apiEnv, w *authzWorld) authzCase {
		return authzCase{path: "/api/v1/me/tokens/" + w.token2, nobody: s401, stranger: s404, owner: s204}
	},

	"POST /api/v1/posts": asMember("/api/v1/posts", `{"text":"hello"}`, s201),
	"GET /api/v1/posts/{id}": func(_ *testing.T, _ *apiEnv, w *authzWorld) authzCase {
		return authzCase{path: "/api/v1/posts/" + w.post, nobody: s200, stranger: s200, owner: s200}
	},
	"DELETE /api/v1/posts/{id}": func(_ *testing.T, _ *apiEnv, w *authzWorld) authzCase {
		return authzCase{path: "/api/v1/posts/" + w.post, nobody: s401, stranger: s403, owner: s204}
	},
	"GET /api/v1/posts/{id}/replies": func(_ *testing.T, _ *apiEnv, w *authzWorld) authzCase {
		return authzCase{path: "/api/v1/posts/" + w.post + "/replies", nobody: s200, stranger: s200, owner: s200}
	},
	"POST /api/v1/posts/{id}/like":     onPost("/like", s204),
	"DELETE /api/v1/posts/{id}/like":   onPost("/like", s204),
	"POST /api/v1/posts/{id}/repost":   onPost("/repost", s204),
	"DELETE /api/v1/posts/{id}/repost": onPost("/repost", s204),
	"GET /api/v1/timeline":             asMember("/api/v1/timeline", "", s200),
	"GET /api/v1/users/{handle}": func(_ *testing.T, _ *apiEnv, w *authzWorld) authzCase {
		return authzCase{path: "/api/v1/users/" + w.owner.handle, nobody: s200, stranger: s200, owner: s200, never: []string{w.owner.email}}
	},
	"GET /api/v1/users/{handle}/posts": func(_ *testing.T, _ *apiEnv, w *authzWorld) authzCase {
		return authzCase{path: "/api/v1/users/" + w.owner.handle + "/posts", nobody: s200, stranger: s200, owner: s200}
	},
	// One cannot follow or block oneself: the owner's answer is 400.
	"POST /api/v1/users/{handle}/follow":   onUser("/follow", s400),
	"DELETE /api/v1/users/{handle}/follow": onUser("/follow", s204),
	"POST /api/v1/users/{handle}/block":    onUser("/block", s400),
	"DELETE /api/v1/users/{handle}/block":  onUser("/block", s204),
	"GET /api/v1/hashtags/{tag}":           public("/api/v1/hashtags/authz", s200),
	"GET /api/v1/notifications": func(_ *testing.T, _ *apiEnv, w *authzWorld) authzCase {
		return authzCase{path: "/api/v1/notifications", nobody: s401, stranger: s200, owner: s200, private: []string{w.notification}}
	},
	"POST /api/v1/notifications/read": func(_ *testing.T, _ *apiEnv, w *authzWorld) authzCase {
		return authzCase{path: "/api/v1/notifications/read", body: fmt.Sprintf(`{"ids":[%q]}`, w.notification),
			nobody: s401, stranger: s204, owner: s204,
			after: func(t *testing.T, e *apiEnv, w *authzWorld) {
				if n, _ := e.social.UnreadCount(context.Background(), w.owner.id); n != 1 {
					t.Errorf("after a stranger marked the owner's notification read, the owner has %d unread, want 1", n)
				}
			}}
	},
	"GET /api/v1/search/users": func(_ *testing.T, _ *apiEnv, w *authzWorld) authzCase {
		return authzCase{path: "/api/v1/search/users?q=" + w.owner.handle, nobody: s401, stranger: s200, owner: s200, never: []string{w.owner.email}}
	},
}

// asMember is a case for a route about the caller's own things: nobody is
// refused, and each member gets status for their own.
func asMember(path, body string, status int) func(*testing.T, *apiEnv, *authzWorld) authzCase {
	return func(*testing.T, *apiEnv, *authzWorld) authzCase {
		return authzCase{path: path, body: body, nobody: s401, stranger: status, owner: status}
	}
}

// onPost is a member's action on the owner's post.
func onPost(suffix string, status int) func(*testing.T, *apiEnv, *authzWorld) authzCase {
	return func(_ *testing.T, _ *apiEnv, w *authzWorld) authzCase {
		return authzCase{path: "/api/v1/posts/" + w.post + suffix, nobody: s401, stranger: status, owner: status}
	}
}

// onUser is a member's action toward the owner.
func onUser(suffix string, ownerStatus int) func(*testing.T, *apiEnv, *authzWorld) authzCase {
	return func(_ *testing.T, _ *apiEnv, w *authzWorld) authzCase {
		return authzCase{path: "/api/v1/users/" + w.owner.handle + suffix, nobody: s401, stranger: s204, owner: ownerStatus}
	}
}

// TestAuthorization walks every route in the route table as nobody, as a
// stranger, as the owner of what the request names and as the operator,
// each time on a fresh world, and checks that nobody gets what is not
// theirs: the status, that the owner's private data stays out of others'
// responses, and that a stranger's request changed nothing of the owner's.
func TestAuthorization(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newAPI(t, db)
		for _, rt := range e.srv.Routes() {
			name := rt.Method + " " + rt.Pattern
			build, ok := authzCases[name]
			if !ok {
				build, ok = payAuthzCases[name]
			}
			if !ok {
				build, ok = shopAuthzCases[name]
			}
			if !ok {
				build, ok = fundingAuthzCases[name]
			}
			if !ok {
				build, ok = eventsAuthzCases[name]
			}
			if !ok {
				build, ok = billingAuthzCases[name]
			}
			if !ok {
				build, ok = inPersonAuthzCases[name]
			}
			if !ok {
				build, ok = qrAuthzCases[name]
			}
			if !ok {
				build, ok = savingsAuthzCases[name]
			}
			if !ok {
				build, ok = staffAuthzCases[name]
			}
			if !ok {
				build, ok = orgAuthzCases[name]
			}
			if !ok {
				build, ok = cardAuthzCases[name]
			}
			if !ok {
				t.Errorf("%s has no authorization case: add one to authzCases in authz_test.go", name)
				continue
			}
			t.Run(strings.ReplaceAll(name, "/", "_"), func(t *testing.T) {
				for _, who := range []string{"nobody", "stranger", "owner", "operator"} {
					w := e.newAuthzWorld(t)
					c := build(t, e, w)
					var token string
					var want int
					switch who {
					case "nobody":
						want = c.nobody
					case "stranger":
						token, want = w.stranger.token, c.stranger
					case "owner":
						token, want = w.owner.token, c.owner
					case "operator":
						token, want = testKey, 0
					}
					var res *httptest.ResponseRecorder
					if rt.Idempotency != web.IdempotencyNone && rt.Method == http.MethodPost {
						res = e.asWith(token, rt.Method, c.path, c.body, "Idempotency-Key", "authz-"+who)
					} else {
						res = e.as(token, rt.Method, c.path, c.body)
					}
					what := fmt.Sprintf("%s as %s", name, who)
					switch {
					case who == "operator" && rt.Auth == web.AuthOperator:
						if res.Code == s401 || res.Code == s403 {
							t.Errorf("%s = %d %s, want the operator let in", what, res.Code, res.Body)
						}
					case who == "operator" && rt.Auth != web.AuthNone:
						wantError(t, what, res, s401, "unauthenticated")
					case who == "operator":
					case want >= 400:
						wantError(t, what, res, want, "")
					case res.Code != want:
						t.Errorf("%s = %d %s, want %d", what, res.Code, res.Body, want)
					}
					for _, p := range c.private {
						if leaked := strings.Contains(res.Body.String(), p); leaked != (who == "owner" && res.Code < 300) {
							t.Errorf("%s: response contains the owner's %q: %v (%s)", what, p, leaked, res.Body)
						}
					}
					for _, p := range c.never {
						if strings.Contains(res.Body.String(), p) {
							t.Errorf("%s: response contains %q: %s", what, p, res.Body)
						}
					}
					if c.after != nil && who == "stranger" {
						c.after(t, e, w)
					}
				}
			})
		}
	})
}
