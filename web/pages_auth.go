package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/social"
)

// sessionCookieAge is the browser's lifetime of the session cookie. The
// server decides when a session ends (social.Options.SessionTTL, renewed
// while used); the cookie only has to outlive it. 400 days is browsers' cap.
const sessionCookieAge = 400 * 24 * 60 * 60

// signupForm is the data of signup.html: what was typed (never the
// password) and what was wrong with it, by field.
type signupForm struct {
	Base
	Handle, DisplayName, Email, Kind string
	Errors                           map[string]string
}

func (s *Server) signupPage(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	if pc.me != nil {
		return s.seeOther(pc, "/", "")
	}
	return s.render(pc, "signup", &signupForm{Base: pc.base("Sign up"), Kind: string(social.Member)})
}

func (s *Server) signupSubmit(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	f := &signupForm{
		Handle: r.PostFormValue("handle"), DisplayName: r.PostFormValue("display_name"),
		Email: r.PostFormValue("email"), Kind: r.PostFormValue("kind"),
	}
	password := r.PostFormValue("password")
	if f.Kind == "" {
		f.Kind = string(social.Member)
	}
	var err error
	var acct social.Account
	if password != r.PostFormValue("password2") {
		err = nestegg.ParamErrorf(nestegg.Invalid, "password2", "the two passwords differ; type the same password twice")
	} else {
		acct, err = s.social.Signup(r.Context(), social.SignupInput{
			Handle: f.Handle, DisplayName: f.DisplayName, Email: f.Email, Password: password, Kind: social.Kind(f.Kind),
		})
	}
	if err != nil {
		if !userError(err) {
			return err
		}
		f.Base = pc.base("Sign up")
		f.Errors = fieldErrors(err, "handle", "display_name", "email", "password", "password2", "kind")
		s.renderStatus(pc, http.StatusUnprocessableEntity, "signup", f)
		return nil
	}
	s.afterSignup(r.Context(), acct.ID)
	sess, err := s.social.Login(r.Context(), s.credentials(r, f.Handle, password, ""))
	if err != nil {
		return err
	}
	s.startPageSession(pc, sess)
	handle := strings.TrimPrefix(strings.TrimSpace(f.Handle), "@")
	return s.seeOther(pc, "/", "Welcome to Nestegg, @"+handle+"! Write your first post below, or search for people to follow.")
}

// credentials builds a login attempt from the request's client address
// (see clientIP), which the lockout counts attempts by.
func (s *Server) credentials(r *http.Request, handle, password, code string) social.Credentials {
	return social.Credentials{Handle: handle, Password: password, Code: code, IP: clientIP(r), UserAgent: r.UserAgent()}
}

// startPageSession sets the cookie of a session that Login just started.
// Login always makes a new token, so a cookie planted before sign-in is
// useless afterwards.
func (s *Server) startPageSession(pc *pageCtx, sess social.Session) {
	s.setCookie(pc, SessionCookie, sess.Token, sessionCookieAge)
	pc.token = sess.Token
}

// loginForm is the data of login.html and login_code.html.
type loginForm struct {
	Base
	Handle    string
	Next      string
	Challenge string // set on the two-factor step
	Errors    map[string]string
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	next := nextPath(r, "/")
	if pc.me != nil {
		return s.seeOther(pc, next, "")
	}
	return s.render(pc, "login", &loginForm{Base: pc.base("Log in"), Next: next})
}

func (s *Server) loginSubmit(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	f := &loginForm{Handle: r.PostFormValue("handle"), Next: nextPath(r, "/")}
	sess, err := s.social.Login(r.Context(), s.credentials(r, f.Handle, r.PostFormValue("password"), ""))
	var sf *social.SecondFactorRequired
	switch {
	case errors.As(err, &sf):
		f.Challenge = sf.Challenge
		f.Base = pc.base("Two-factor code")
		return s.render(pc, "login_code", f)
	case err != nil && userError(err):
		f.Base = pc.base("Log in")
		f.Errors = fieldErrors(err, "handle", "password")
		s.renderStatus(pc, http.StatusUnprocessableEntity, "login", f)
		return nil
	case err != nil:
		return err
	}
	s.startPageSession(pc, sess)
	return s.seeOther(pc, f.Next, "")
}

func (s *Server) loginCodeSubmit(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	f := &loginForm{Challenge: r.PostFormValue("challenge"), Next: nextPath(r, "/")}
	sess, err := s.social.CompleteLogin(r.Context(), social.SecondFactor{
		Challenge: f.Challenge, Code: r.PostFormValue("code"), IP: clientIP(r), UserAgent: r.UserAgent(),
	})
	switch {
	case err != nil && nestegg.ErrorParam(err) == "code":
		f.Base = pc.base("Two-factor code")
		f.Errors = map[string]string{"code": nestegg.ErrorMessage(err)}
		s.renderStatus(pc, http.StatusUnprocessableEntity, "login_code", f)
		return nil
	case err != nil && userError(err):
		f.Base = pc.base("Log in")
		f.Errors = map[string]string{"": nestegg.ErrorMessage(err)}
		s.renderStatus(pc, http.StatusUnprocessableEntity, "login", f)
		return nil
	case err != nil:
		return err
	}
	s.startPageSession(pc, sess)
	return s.seeOther(pc, f.Next, "")
}

func (s *Server) logoutSubmit(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	if err := s.social.Logout(r.Context(), pc.token); err != nil {
		return err
	}
	s.setCookie(pc, SessionCookie, "", -1)
	return s.seeOther(pc, "/login", "You have logged out. See you soon!")
}
