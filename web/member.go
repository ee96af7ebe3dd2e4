package web

import (
	"context"
	"net/http"
	"strings"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/social"
)

// SessionCookie names the cookie that carries a web session's token. It is
// HttpOnly and SameSite=Lax, and Secure when the request came over TLS.
const SessionCookie = "nestegg_session"

// PrincipalMember is a signed-in member: by a personal API token (Bearer
// nst_…) or by a web session cookie.
const PrincipalMember PrincipalKind = "member"

type memberKey struct{}

// Member returns the signed-in member's account on AuthMember and
// AuthOptionalMember routes; ok is false when nobody is signed in.
func Member(ctx context.Context) (a social.Account, ok bool) {
	a, ok = ctx.Value(memberKey{}).(social.Account)
	return a, ok
}

var errSignIn = nestegg.Errorf(nestegg.Unauthenticated,
	"sign in first: send Authorization: Bearer <personal API token>, or use a session cookie")

// member finds the member behind a request: a Bearer token (a personal API
// token starting with social.TokenPrefix, or a session token), else the
// session cookie. It returns Unauthenticated
// when neither is present or valid.
func (s *Server) member(r *http.Request) (social.Account, error) {
	if s.social == nil {
		return social.Account{}, errSignIn
	}
	if h := r.Header.Get("Authorization"); h != "" {
		tok, ok := bearer(h)
		if !ok {
			return social.Account{}, errSignIn
		}
		// A session token from POST /api/v1/login may be sent as a Bearer
		// token too; personal API tokens are told apart by their prefix.
		lookup := s.social.TokenUser
		if !strings.HasPrefix(tok, social.TokenPrefix) {
			lookup = func(ctx context.Context, tok string) (social.Account, social.APIToken, error) {
				a, _, err := s.social.SessionUser(ctx, tok)
				return a, social.APIToken{}, err
			}
		}
		a, _, err := lookup(r.Context(), tok)
		if err != nil {
			if nestegg.Is(err, nestegg.Internal) {
				return social.Account{}, err
			}
			return social.Account{}, errSignIn
		}
		return a, nil
	}
	c, err := r.Cookie(SessionCookie)
	if err != nil || c.Value == "" {
		return social.Account{}, errSignIn
	}
	a, _, err := s.social.SessionUser(r.Context(), c.Value)
	if err != nil {
		if nestegg.Is(err, nestegg.Internal) {
			return social.Account{}, err
		}
		return social.Account{}, errSignIn
	}
	return a, nil
}

// withMember puts the member and its principal in the request's context.
func withMember(r *http.Request, a social.Account) *http.Request {
	ctx := context.WithValue(r.Context(), memberKey{}, a)
	ctx = context.WithValue(ctx, principalKey{}, Principal{Kind: PrincipalMember, ID: a.ID})
	return r.WithContext(ctx)
}
