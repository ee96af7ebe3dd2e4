package web

import (
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/nestegg/nestegg"
	"github.com/nestegg/nestegg/social"
)

// settingsForm is the data of every settings page; each uses its part.
type settingsForm struct {
	Base
	Tab    string
	Errors map[string]string

	DisplayName, Bio, Link string // profile

	TOTPSecret string       // two-factor enrolment in progress
	TOTPURL    template.URL // otpauth://, which html/template would refuse as a link

	Tokens   []social.APIToken
	NewToken *social.APIToken // just created: the only time its secret is shown
	Name     string
}

func (pc *pageCtx) settings(tab, title string) *settingsForm {
	return &settingsForm{Base: pc.base(title), Tab: tab}
}

func (s *Server) settingsPage(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	f := pc.settings("profile", "Settings")
	f.DisplayName, f.Bio, f.Link = pc.me.DisplayName, pc.me.Bio, pc.me.Link
	return s.render(pc, "settings", f)
}

func (s *Server) profileSubmit(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	name, bio, link := r.PostFormValue("display_name"), r.PostFormValue("bio"), r.PostFormValue("link")
	_, err := s.social.UpdateProfile(r.Context(), pc.me.ID, social.ProfileUpdate{DisplayName: &name, Bio: &bio, Link: &link})
	if err != nil {
		if !userError(err) {
			return err
		}
		f := pc.settings("profile", "Settings")
		f.DisplayName, f.Bio, f.Link = name, bio, link
		f.Errors = fieldErrors(err, "display_name", "bio", "link")
		s.renderStatus(pc, http.StatusUnprocessableEntity, "settings", f)
		return nil
	}
	return s.seeOther(pc, "/settings", "Profile saved. See it at /u/"+pc.me.Handle+".")
}

func (s *Server) passwordPage(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	return s.render(pc, "password", pc.settings("password", "Password"))
}

func (s *Server) passwordSubmit(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	cur, next := r.PostFormValue("current_password"), r.PostFormValue("new_password")
	var err error
	if next != r.PostFormValue("new_password2") {
		err = nestegg.ParamErrorf(nestegg.Invalid, "new_password2", "the two new passwords differ; type the same one twice")
	} else {
		// Keep this browser signed in; every other session ends.
		err = s.social.ChangePassword(r.Context(), pc.me.ID, cur, next, pc.token)
	}
	if err != nil {
		if !userError(err) {
			return err
		}
		f := pc.settings("password", "Password")
		f.Errors = fieldErrors(err, "current_password", "new_password", "new_password2")
		s.renderStatus(pc, http.StatusUnprocessableEntity, "password", f)
		return nil
	}
	return s.seeOther(pc, "/settings/password", "Password changed. Your other sessions were logged out and your API tokens revoked: make new ones for the programs you use.")
}

func (s *Server) twoFactorPage(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	return s.render(pc, "twofactor", pc.settings("two-factor", "Two-factor authentication"))
}

// twoFactorSubmit steps through enrolment (enroll shows the secret,
// confirm proves the app has it) or turns two-factor off. The pending
// secret rides in the confirm form so that a mistyped code can be retried
// without starting over; it is the member's own secret on their own page.
func (s *Server) twoFactorSubmit(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	ctx := r.Context()
	f := pc.settings("two-factor", "Two-factor authentication")
	var err error
	switch r.PostFormValue("action") {
	case "enroll":
		var e social.TOTPEnrollment
		if e, err = s.social.EnrollTOTP(ctx, pc.me.ID); err == nil {
			f.TOTPSecret, f.TOTPURL = e.Secret, otpauthURL(e.URL)
			return s.render(pc, "twofactor", f)
		}
	case "confirm":
		if err = s.social.ConfirmTOTP(ctx, pc.me.ID, r.PostFormValue("code")); err == nil {
			return s.seeOther(pc, "/settings/two-factor", "Two-factor authentication is on. You will be asked for a code from your app when you log in.")
		}
		secret := r.PostFormValue("secret")
		f.TOTPSecret = secret
		f.TOTPURL = otpauthURL("otpauth://totp/Nestegg:" + url.PathEscape("@"+pc.me.Handle) + "?issuer=Nestegg&period=30&secret=" + url.QueryEscape(secret))
	case "disable":
		if err = s.social.DisableTOTP(ctx, pc.me.ID, r.PostFormValue("current_password"), r.PostFormValue("code")); err == nil {
			return s.seeOther(pc, "/settings/two-factor", "Two-factor authentication is off. Your password alone now signs you in.")
		}
	default:
		err = nestegg.Errorf(nestegg.Invalid, "unknown two-factor action")
	}
	if !userError(err) {
		return err
	}
	f.Errors = fieldErrors(err, "code", "current_password")
	s.renderStatus(pc, http.StatusUnprocessableEntity, "twofactor", f)
	return nil
}

// otpauthURL lets an otpauth:// address be a link; anything else is dropped.
func otpauthURL(u string) template.URL {
	if !strings.HasPrefix(u, "otpauth://") {
		return ""
	}
	return template.URL(u)
}

func (s *Server) tokensPage(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	f := pc.settings("tokens", "API tokens")
	var err error
	if f.Tokens, err = s.social.Tokens(r.Context(), pc.me.ID); err != nil {
		return err
	}
	return s.render(pc, "tokens", f)
}

// tokenCreateSubmit answers with the page itself rather than a redirect:
// the secret must be shown exactly once and never travel in a cookie or URL.
// A token outlives the session, so it takes the password (and code) again.
func (s *Server) tokenCreateSubmit(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	ctx := r.Context()
	f := pc.settings("tokens", "API tokens")
	f.Name = r.PostFormValue("name")
	t, err := s.social.CreateToken(ctx, pc.me.ID, social.NewToken{
		Name: f.Name, Password: r.PostFormValue("current_password"), Code: r.PostFormValue("code")})
	status := http.StatusOK
	switch {
	case err != nil && userError(err):
		f.Errors, status = fieldErrors(err, "name", "current_password", "code"), http.StatusUnprocessableEntity
	case err != nil:
		return err
	default:
		f.NewToken, f.Name = &t, ""
	}
	if f.Tokens, err = s.social.Tokens(ctx, pc.me.ID); err != nil {
		return err
	}
	s.renderStatus(pc, status, "tokens", f)
	return nil
}

func (s *Server) tokenRevokeSubmit(w http.ResponseWriter, r *http.Request, pc *pageCtx) error {
	if err := s.social.RevokeToken(r.Context(), pc.me.ID, r.PathValue("id")); err != nil {
		return err
	}
	return s.seeOther(pc, "/settings/tokens", "Token revoked. Programs using it can no longer sign in.")
}
