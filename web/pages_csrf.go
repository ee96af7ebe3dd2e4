package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"

	"github.com/nestegg/nestegg"
)

// CSRF: two independent defences, because a form that moves money must not
// be postable from another site even if one of them has a gap.
//
//  1. http.CrossOriginProtection wraps the whole server (Server.ServeHTTP):
//     browsers label every request with Sec-Fetch-Site or Origin, and
//     unsafe requests from another origin are refused before routing. This
//     also covers the JSON API when a browser carries the session cookie.
//     Clients that send neither header (curl, the CLI) are not browsers,
//     cannot carry someone else's cookie, and pass.
//  2. A synchronizer token in every form (the hidden field csrfField),
//     checked on every POST page. It is an HMAC keyed by the session's
//     secret (the HttpOnly cookie another site can neither read nor set
//     for us), so it needs no server-side state and no server secret,
//     survives restarts, and dies with the session. Before sign-in the key
//     is a random anonymous cookie, which stops login CSRF as well.

const (
	csrfField  = "csrf"
	anonCookie = "nestegg_anon"
)

var errCrossOrigin = nestegg.Errorf(nestegg.Forbidden, "cross-origin request refused: unsafe requests must come from this site")

// csrfToken derives the form token from a cookie secret.
func csrfToken(secret string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("nestegg csrf v1"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// csrf returns the token for forms on this page, setting the anonymous
// cookie for nobody the first time it is needed.
func (pc *pageCtx) csrf() string {
	if pc.token != "" {
		return csrfToken(pc.token)
	}
	if pc.anon == "" {
		if c, err := pc.r.Cookie(anonCookie); err == nil && len(c.Value) >= 32 {
			pc.anon = c.Value
		} else {
			var b [32]byte
			rand.Read(b[:])
			pc.anon = base64.RawURLEncoding.EncodeToString(b[:])
			pc.s.setCookie(pc, anonCookie, pc.anon, 0)
		}
	}
	return csrfToken(pc.anon)
}

// csrfOK checks a posted token against the request's session, or its
// anonymous cookie for nobody. Comparison is constant-time.
func (pc *pageCtx) csrfOK(got string) bool {
	secret := pc.token
	if secret == "" {
		c, err := pc.r.Cookie(anonCookie)
		if err != nil || len(c.Value) < 32 {
			return false
		}
		secret = c.Value
	}
	return got != "" && hmac.Equal([]byte(got), []byte(csrfToken(secret)))
}

// csrfRefused explains a refused form. The commonest honest cause is a form
// left open across logging out or in, so the page says to reload.
func (s *Server) csrfRefused(pc *pageCtx) {
	s.renderStatus(pc, http.StatusForbidden, "error", &errorPage{
		Base:    pc.base("Form expired"),
		Status:  http.StatusForbidden,
		Message: "This form has expired or did not come from Nestegg, so nothing was changed. Go back, reload the page and try again.",
	})
}

// crossOrigin is the server-wide CrossOriginProtection. Refusals are pages
// for browsers' pages and the error shape for the API.
func (s *Server) crossOrigin(next http.Handler) http.Handler {
	p := http.NewCrossOriginProtection()
	p.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/api/") || !strings.Contains(r.Header.Get("Accept"), "text/html") {
			s.writeError(w, r, errCrossOrigin)
			return
		}
		pc := &pageCtx{s: s, w: w, r: r}
		s.renderStatus(pc, http.StatusForbidden, "error", &errorPage{
			Base:    pc.base("Refused"),
			Status:  http.StatusForbidden,
			Message: "This request came from another website, so Nestegg refused it and nothing was changed.",
		})
	}))
	return p.Handler(next)
}
